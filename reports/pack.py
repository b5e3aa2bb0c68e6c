"""The review pack: one PDF or self-contained HTML with what a monthly review needs.

Title page (filters, generation time), a KPI summary against targets and the previous period,
the key chart of each page (map, trends, markets, channels, voice of the customer, peaks,
staffing) and an appendix of definitions. Charts come from the same builders the pages use.
The PDF is the HTML with vector (SVG) charts, printed by headless Chromium; one browser draws
every chart. No Streamlit here: the same code serves the app and ``python -m atlas pack``.
Texts are in the active language (``presentation.i18n.using(lang)``); the fonts cover Hangul.
"""

from __future__ import annotations

import datetime as dt
import html
import subprocess
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import plotly.graph_objects as go
import plotly.offline

from data_access import reference
from data_access.catalog import read_catalog
from data_access.database import Database
from data_access.filters import Filter
from metrics.contact_hours import contacts_per_hour
from metrics.engine import kpi_table, top_members
from metrics.grains import natural_grain, partial_buckets
from metrics.registry import KPIS
from metrics.staffing import Targets, staffing_plan
from presentation import charts, export, i18n, peak_charts, staffing_charts
from presentation import format as fmt
from presentation.i18n import _, translate

SUMMARY_KPIS = ("volume", "frt_median", "resolution_median", "sla", "fcr", "abandonment",
                "bot_containment", "csat", "nps", "ces", "backlog")  # fmt: skip
MARKET_KPIS = ("volume", "frt_median", "sla", "fcr", "csat", "nps")
Progress = Callable[[float, str], None]


@dataclass
class Section:
    title: str
    figure: go.Figure | None = None
    table: pd.DataFrame | None = None
    note: str = ""


def describe(flt: Filter) -> str:
    """The filters in words, for the title page and every chart's subtitle."""
    parts = [fmt.date_range(flt.start, flt.end)]
    names = {"countries": i18n.country_name, "languages": i18n.language_name}
    fields = {"countries": _("countries"), "languages": _("languages"),
              "channels": _("channels"), "priorities": _("priorities"), "hubs": _("hubs"),
              "categories": _("categories")}  # fmt: skip
    for field, label in fields.items():
        values = getattr(flt, field)
        if values:
            namer = names.get(field, fmt.code_label)
            parts.append(f"{label}: {', '.join(namer(v) for v in values)}")
    return " · ".join(parts) if len(parts) > 1 else parts[0] + " · " + _("all markets")


def summary(db: Database, flt: Filter) -> pd.DataFrame:
    """KPI, value, target, change against the previous period and a year earlier."""
    table = kpi_table(db, SUMMARY_KPIS, flt=flt, compare=("previous", "year_ago"))
    rows = []
    for row in table.itertuples():
        kpi = KPIS[row.kpi]
        target = "" if kpi.target is None else fmt.kpi_value(kpi, kpi.target)

        def change(name: str, row: object = row, kpi: object = kpi) -> str:
            text = fmt.kpi_delta(kpi, getattr(row, f"{name}_delta"))
            reason = fmt.not_tested(getattr(row, f"{name}_not_tested"))
            # a snapshot (backlog) has no sampling error: its change stands as it is
            if reason or getattr(row, f"{name}_significant") or not text or kpi.kind == "backlog":
                return " ".join(filter(None, (text, reason and f"({reason})")))
            return f"{text} ({_('n.s.')})"

        rows.append({
            _("KPI"): fmt.kpi_label(kpi),
            _("Value"): fmt.suppressed() if row.suppressed else fmt.kpi_value(kpi, row.value),
            _("Target"): target, _("vs previous period"): change("previous"),
            _("vs a year earlier"): change("year_ago"), "n": fmt.count(row.n),
        })  # fmt: skip
    return pd.DataFrame(rows)


def _sections(db: Database, flt: Filter, progress: Progress) -> list[Section]:
    cat = read_catalog(db)
    steps: list[tuple[str, Callable[[], Section]]] = [
        (_("KPI summary"), lambda: Section(
            _("KPI summary"), table=summary(db, flt),
            note=_("Changes marked n.s. are not statistically significant at 95%; not tested: "
                   "too few observations for a test; provisional: not settled yet."))),
        (_("Where"), lambda: Section(
            _("Where: CSAT by customer country"),
            figure=charts.world_map(kpi_table(db, ["csat"], by=["country"], flt=flt), "csat",
                                    {c: reference.country_iso3(c) for c in cat.values["countries"]},
                                    title=_("CSAT by customer country"), zoom=bool(flt.countries)),
            note=fmt.kpi_definition("csat"))),
        (_("Trends"), lambda: Section(
            _("Trends: contacts against a year earlier"),
            figure=charts.trend(kpi_table(db, ["volume"], flt=flt, grain=natural_grain(flt),
                                          compare=("year_ago",)), "volume", natural_grain(flt),
                                year_ago=True, partial=partial_buckets(flt, natural_grain(flt)),
                                title=_("Contacts per {grain}").format(
                                    grain=fmt.grain_name(natural_grain(flt)))),
            note=_("Dashed: the same dates a year earlier. Hollow: a bucket cut by the period."))),
        (_("Markets"), lambda: Section(_("Markets side by side"), table=_markets(db, flt))),
        (_("Channels"), lambda: Section(
            _("Channels: first response against target"),
            figure=charts.bars(kpi_table(db, ["sla"], by=["channel"], flt=flt), "sla", "channel",
                               target=KPIS["sla"].target, title=_("SLA attainment by channel")),
            note=fmt.kpi_definition("sla"))),
        (_("Voice of the customer"), lambda: Section(
            _("Voice of the customer: CSAT by market"),
            figure=charts.bars(kpi_table(db, ["csat"], by=["country"], flt=flt,
                                         keep={"country": top_members(db, "country", flt, 12)}),
                               "csat", "country", target=KPIS["csat"].target,
                               title=_("CSAT by market (largest 12, the rest as Other)")),
            note=_("Compare each market with its own history: response styles differ by "
                   "country."))),
        (_("Peaks"), lambda: _peaks(db, flt)),
        (_("Staffing"), lambda: _staffing(db, flt)),
    ]  # fmt: skip
    sections = []
    for i, (name, build) in enumerate(steps):
        progress(0.1 + 0.6 * i / len(steps), f"{name}…")
        sections.append(build())
    return sections


def _markets(db: Database, flt: Filter) -> pd.DataFrame:
    table = kpi_table(db, MARKET_KPIS, by=["country"], flt=flt)
    wide = table.pivot_table(index="country", columns="kpi", values="value", aggfunc="first")
    wide = wide.sort_values("volume", ascending=False).head(15)
    out = pd.DataFrame({_("Market"): [i18n.country_name(c) for c in wide.index]})
    for kpi in MARKET_KPIS:
        out[fmt.tile_label(kpi)] = [fmt.kpi_value(kpi, v) for v in wide.get(kpi, [])]
    return out


def _peaks(db: Database, flt: Filter) -> Section:
    markets = list(flt.countries[:4]) or top_members(db, "country", flt, 4)
    pattern = kpi_table(db, ["volume"], by=["country", "local_hour_of_week"],
                        flt=flt.narrowed(countries=tuple(markets)))  # fmt: skip
    matrices = {i18n.country_name(c): charts.hour_of_week_matrix(contacts_per_hour(
        pattern[pattern["country"] == c], flt, reference.country_timezone(c)))
        for c in markets}  # fmt: skip
    return Section(
        _("Peak season: when customers contact us, local time"),
        figure=peak_charts.heatmap_grid(matrices, _("Contacts per hour of the week")),
        note=_("Each market on its own scale; hours in the customers' own time zone."),
    )


def _staffing(db: Database, flt: Filter) -> Section:
    plan = staffing_plan(db, flt, Targets())
    plan["local"] = pd.to_datetime(plan["interval"])
    return Section(_("Staffing: scheduled minus required agents"),
                   figure=staffing_charts.language_by_hour(plan, "UTC"),
                   note=_("Erlang C for phone and chat (80 % in 20 s), written work at 85 % "
                          "occupancy, 30 % shrinkage. Negative: short of agents."))  # fmt: skip


def _table_html(frame: pd.DataFrame, text: bool = False) -> str:
    classes = ["kpis", "text"] if text else "kpis"
    return frame.to_html(index=False, border=0, classes=classes, escape=True)


STYLE = """
body { font-family: Arial, 'Noto Sans', 'Noto Sans CJK KR', 'Noto Sans KR', sans-serif;
       color: #31333F;
       margin: 24px; }
h1 { font-size: 28px; margin-bottom: 4px; } h2 { font-size: 20px; margin-top: 0; }
.meta { color: #5F6670; } section { page-break-before: always; padding-top: 8px; }
table.kpis { border-collapse: collapse; font-size: 13px; }
table.kpis th, table.kpis td { border-bottom: 1px solid #E6E8EB; padding: 4px 10px;
                                text-align: right; }
table.kpis th:first-child, table.kpis td:first-child { text-align: left; }
.note { color: #5F6670; font-size: 12px; }
table.text td, table.text th { text-align: left !important; }
.chart svg { max-width: 100%; height: auto; }
"""


def build_html(db: Database, flt: Filter, static: bool, progress: Progress | None = None) -> str:
    """The pack as one HTML document; ``static`` draws charts as SVG (for the PDF)."""
    progress = progress or (lambda fraction, message: None)
    cat = read_catalog(db)
    context = export.Context(title=_("Review pack"), filters=describe(flt),
                             timezone=flt.timezone,
                             data_as_of=f"{cat.last_day:%Y-%m-%d}")  # fmt: skip
    sections = _sections(db, flt, progress)
    title = _("Service Atlas review pack")
    meta = _("Times in {zone}; data through {date}; generated {generated}.").format(
        zone=context.timezone, date=context.data_as_of, generated=context.generated)
    body = [
        f"<h1>{html.escape(title)}</h1>",
        f"<p class='meta'>{html.escape(context.filters)}<br>{html.escape(meta)}</p>",
    ]
    scripts = "" if static else plotly.offline.get_plotlyjs()
    for i, section in enumerate(sections):
        progress(0.7 + 0.25 * i / len(sections),
                 _("Drawing {section}…").format(section=section.title))  # fmt: skip
        body.append(f"<section><h2>{html.escape(section.title)}</h2>")
        if section.figure is not None:
            figure = export.with_context(section.figure, context)
            if static:
                svg = export.image_bytes(figure, "svg", width=1000).decode()
                body.append(f"<div class='chart'>{svg}</div>")
            else:
                body.append(figure.to_html(full_html=False, include_plotlyjs=False,
                                           config={"displaylogo": False,
                                                   "topojsonURL": export.TOPOJSON}))  # fmt: skip
        if section.table is not None:
            body.append(_table_html(section.table))
        if section.note:
            body.append(f"<p class='note'>{html.escape(section.note)}</p>")
        body.append("</section>")
    definitions = pd.DataFrame([{_("KPI"): fmt.kpi_label(k), _("Definition"): fmt.kpi_definition(k),
                                 _("Period by"): fmt.anchor_label(k)}
                                for k in KPIS.values()])  # fmt: skip
    body.append(f"<section><h2>{html.escape(_('Definitions'))}</h2>"
                + _table_html(definitions, text=True) + "</section>")  # fmt: skip
    head = (f"<meta charset='utf-8'><title>{html.escape(title)}</title>"
            f"<style>{STYLE}</style>")  # fmt: skip
    if scripts:
        head += f"<script>{scripts}</script>"
    return (f"<!DOCTYPE html><html lang='{i18n.current()}'><head>{head}</head>"
            f"<body>{''.join(body)}</body></html>")  # fmt: skip


def build_pdf(db: Database, flt: Filter, progress: Progress | None = None) -> bytes:
    """The pack printed to PDF by headless Chromium (RuntimeError without a browser)."""
    progress = progress or (lambda fraction, message: None)
    browser = export.chrome_path()
    if browser is None:
        raise RuntimeError(translate(export.MISSING_CHROME))
    document = build_html(db, flt, static=True, progress=progress)
    progress(0.95, _("Printing the PDF…"))
    with tempfile.TemporaryDirectory() as folder:
        page, pdf = Path(folder) / "pack.html", Path(folder) / "pack.pdf"
        page.write_text(document, encoding="utf-8")
        subprocess.run(
            [browser, "--headless", "--no-sandbox", "--disable-gpu",
             "--disable-background-networking", "--no-first-run", "--no-pdf-header-footer",
             f"--print-to-pdf={pdf}", page.as_uri()],
            check=True, capture_output=True, timeout=120,
        )  # fmt: skip
        progress(1.0, _("Done"))
        return pdf.read_bytes()


def default_filter(db: Database, flt: Filter) -> Filter:
    """Without dates: the last 28 days of the data."""
    if flt.start and flt.end:
        return flt
    last = read_catalog(db).last_day
    return flt.with_dates(flt.start or last - dt.timedelta(days=27), flt.end or last)
