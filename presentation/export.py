"""Files for reports: chart images and HTML, table CSV and XLSX, each saying what it shows.

Images, HTML and XLSX carry their context: the filters, the time zone, when the data ends and
the definitions of the KPIs in them (a subtitle on images and HTML, an "About" sheet in XLSX),
in the language of the context (``Context.lang``: files may be made after the page run, in
another thread, so the language travels with them). A CSV holds the table alone, so Excel and
pandas open it with their defaults. Static images are drawn by kaleido in a Chrome/Chromium
found on this machine (Debian's ``/usr/bin/chromium`` works; with ``fonts-noto-cjk`` it draws
Hangul); one browser is started on first use and reused. Nothing here
downloads a browser.
"""

from __future__ import annotations

import copy
import datetime as dt
import io
import os
import re
import shutil
import threading
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import plotly.graph_objects as go

from data_access.spreadsheet import neutralise
from metrics.registry import KPIS
from presentation import charts, i18n
from presentation import format as fmt
from presentation.i18n import N_, _, translate

TOPOJSON = (Path(__file__).resolve().parent.parent / "static" / "topojson").as_uri() + "/"
IMAGE_FORMATS = ("png", "svg", "pdf")
CHROME_CANDIDATES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
MISSING_CHROME = N_(
    "Images and PDFs need Chromium or Chrome on the server. On Debian or Ubuntu: "
    "`sudo apt-get install chromium`; elsewhere install Chrome, or set BROWSER_PATH to its "
    "binary. HTML, CSV and XLSX work without it."
)
# Column headers of exported tables. The engine's column names are the English headers (so
# English files keep names that scripts rely on) and the message ids other languages translate.
COMPARISONS = ("previous", "year_ago", "baseline")
EXPORT_COLUMNS = frozenset((
    N_("kpi"), N_("value"), N_("n"), N_("ci_low"), N_("ci_high"), N_("low_confidence"),
    N_("suppressed"), N_("provisional"), N_("previous_value"), N_("previous_n"),
    N_("previous_delta"), N_("previous_delta_rel"), N_("previous_p_value"),
    N_("previous_significant"), N_("previous_not_tested"), N_("year_ago_value"),
    N_("year_ago_n"), N_("year_ago_delta"), N_("year_ago_delta_rel"), N_("year_ago_p_value"),
    N_("year_ago_significant"), N_("year_ago_not_tested"), N_("baseline_value"),
    N_("baseline_n"), N_("baseline_delta"), N_("baseline_delta_rel"), N_("baseline_p_value"),
    N_("baseline_significant"), N_("baseline_not_tested"), N_("country"), N_("region"),
    N_("subregion"), N_("language"), N_("channel"), N_("priority"), N_("category"), N_("hub"),
    N_("agent"), N_("next_channel"),
    N_("half_hour"), N_("hour"), N_("day"), N_("week"), N_("month"), N_("quarter"),
    N_("local_day"), N_("local_hour"), N_("local_hour_of_week"), N_("name"), N_("share"),
    N_("contacts"), N_("base"), N_("handed_off"), N_("contained"), N_("handoff_share"),
    # the tickets and survey responses behind a number (metrics.drilldown)
    N_("ticket_id"), N_("created_local"), N_("created_utc"), N_("first_response_utc"),
    N_("resolved_local"), N_("resolved_utc"), N_("customer_timezone"), N_("status"),
    N_("survey_id"), N_("sent_utc"), N_("responded_local"), N_("responded_utc"), N_("comment"),
))  # fmt: skip


@dataclass(frozen=True)
class Context:
    """What an export shows: one line of filters, the time zone, the data's last day, KPIs."""

    title: str
    filters: str
    timezone: str = "UTC"
    data_as_of: str = ""
    kpis: tuple[str, ...] = ()
    generated: str = field(
        default_factory=lambda: dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    )
    lang: str = field(default_factory=i18n.current)  # the language the texts are written in

    def subtitle(self) -> str:
        with i18n.using(self.lang):
            parts = [self.filters, _("times in {zone}").format(zone=self.timezone)]
            if self.data_as_of:
                parts.append(_("data through {date}").format(date=self.data_as_of))
        return " · ".join(p for p in parts if p)

    def lines(self) -> list[tuple[str, str]]:
        """(label, text) pairs describing the export, definitions included."""
        with i18n.using(self.lang):
            rows = [(_("Export"), self.title), (_("Filters"), self.filters),
                    (_("Time zone"), self.timezone), (_("Data through"), self.data_as_of),
                    (_("Generated"), self.generated)]  # fmt: skip
            rows += [(fmt.kpi_label(k), fmt.kpi_definition(k)) for k in self.kpis if k in KPIS]
        return [(label, text) for label, text in rows if text]


def chrome_path() -> str | None:
    """The Chrome/Chromium kaleido will use, or None (BROWSER_PATH first, then PATH)."""
    configured = os.environ.get("BROWSER_PATH")
    if configured and Path(configured).exists():
        return configured
    for name in CHROME_CANDIDATES:
        found = shutil.which(name)
        if found:
            return found
    return None


def file_name(ctx: Context, extension: str) -> str:
    """'csat-by-country_japan-south-korea-last-28-days_2026-11-26.png' (letters of any script
    are kept: 'csat-국가별_...')."""

    def slug(text: str) -> str:
        return re.sub(r"[\W_]+", "-", text.lower()).strip("-")[:60] or "export"

    today = dt.datetime.now(dt.UTC).date().isoformat()
    return f"{slug(ctx.title)}_{slug(ctx.filters)}_{today}.{extension}"


def with_context(fig: go.Figure, ctx: Context) -> go.Figure:
    """A copy of ``fig`` titled for a report, with the context as a subtitle (the filters name
    data values: their markup is escaped with the figure's)."""
    out = go.Figure(copy.deepcopy(fig))
    title = (fig.layout.title.text or ctx.title) if fig.layout.title else ctx.title
    out.update_layout(
        title={"text": f"{title}<br><sup>{ctx.subtitle()}</sup>", "x": 0, "xanchor": "left"},
        margin={"t": 90},
    )
    return charts.escape_markup(out)


_kaleido_lock = threading.Lock()
_kaleido_started = False


def _kaleido():
    global _kaleido_started
    import kaleido

    with _kaleido_lock:
        if not _kaleido_started:
            path = chrome_path()
            if path is None:
                raise RuntimeError(translate(MISSING_CHROME))
            os.environ.setdefault("BROWSER_PATH", path)
            kaleido.start_sync_server(mathjax=False, silence_warnings=True)
            _kaleido_started = True
    return kaleido


def image_bytes(fig: go.Figure, kind: str, width: int = 1200, height: int | None = None,
                scale: float = 2) -> bytes:  # fmt: skip
    """PNG, SVG or PDF of a figure (raises RuntimeError with MISSING_CHROME without a browser)."""
    if kind not in IMAGE_FORMATS:
        raise ValueError(f"image formats are {', '.join(IMAGE_FORMATS)}")
    height = height or int(fig.layout.height or 500)
    opts = {"format": kind, "width": width, "height": height,
            "scale": scale if kind == "png" else 1}  # fmt: skip
    return _kaleido().calc_fig_sync(fig, opts=opts, topojson=TOPOJSON)


def html_bytes(fig: go.Figure) -> bytes:
    """A self-contained interactive HTML file (plotly.js inline: works offline)."""
    return fig.to_html(include_plotlyjs=True, full_html=True, config={
        "displaylogo": False, "topojsonURL": TOPOJSON}).encode()  # fmt: skip


def header(column: object, lang: str | None = None) -> str:
    """A column's header in ``lang`` ('ci_low' stays 'ci_low' in English, '신뢰구간 하한'); a KPI
    column is headed by the KPI's short label ('Median first response'), its n column by
    ``fmt.n_header``, as on screen."""
    with i18n.using(lang):
        if column in KPIS:
            return fmt.tile_label(str(column))
        if isinstance(column, str) and column.endswith("_n") and column[:-2] in KPIS:
            return fmt.n_header(column[:-2])
        return i18n.translate(column) if column in EXPORT_COLUMNS else str(column)


def _safe(frame: pd.DataFrame, lang: str) -> pd.DataFrame:
    out = frame.copy()
    for column in out.columns:
        if out[column].dtype == object or pd.api.types.is_string_dtype(out[column]):
            out[column] = out[column].map(neutralise)
    out.columns = [neutralise(header(c, lang)) for c in out.columns]
    return out


def csv_bytes(frame: pd.DataFrame, ctx: Context) -> bytes:
    """The table alone, header first: ``pandas.read_csv`` and spreadsheet programs open it with
    their defaults (the context travels in the XLSX's 'About' sheet and in images).

    UTF-8 with a byte-order mark, so Excel reads Hangul right (pandas skips the mark). Lines end
    in CRLF (RFC 4180), so every cell holding a CR or an LF is quoted: spreadsheet programs also
    end a row at a bare CR, and the rest of an unquoted cell would start a row of its own, where
    a formula is no longer neutralised.
    """
    return _safe(frame, ctx.lang).to_csv(index=False, lineterminator="\r\n").encode("utf-8-sig")


def xlsx_bytes(frame: pd.DataFrame, ctx: Context) -> bytes:
    """XLSX with the data on the first sheet and the context and definitions on 'About'."""
    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        data = _safe(frame, ctx.lang)
        for column in data.columns:  # Excel has no time zones
            if isinstance(data[column].dtype, pd.DatetimeTZDtype):
                data[column] = data[column].dt.tz_localize(None)
        with i18n.using(ctx.lang):
            data_sheet, about_sheet, what, value = _("Data"), _("About"), _("What"), _("Value")
        data.to_excel(writer, sheet_name=data_sheet[:31], index=False)
        about = pd.DataFrame(ctx.lines(), columns=[what, value]).map(neutralise)
        about.to_excel(writer, sheet_name=about_sheet[:31], index=False)
    return buffer.getvalue()
