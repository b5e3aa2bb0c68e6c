"""The review pack: one PDF or self-contained HTML that reads like a monthly review report.

An executive summary first (the KPIs against their targets, with the change against the
previous period and a year earlier marked as the dashboard marks it, and a few findings in
words), what needs attention (the alert findings as the digest words them, with their why),
then pages of two to four charts each: trends, the markets (or, for one market, its
own channels and contact reasons), the voice of the customer, peaks and staffing, and the
definitions at the end. Page layout, paper size and the footer are ``reports.layout``; the
sentences are ``reports.findings``. Charts come from the same builders the pages use. The PDF is
the HTML printed by headless Chromium, which draws the charts (plotly.js, vector output).
No Streamlit here: the same code serves the app and ``python -m atlas pack``. Texts are in the
active language (``presentation.i18n.using(lang)``); the fonts cover Hangul.

Staffing shows only the languages the filtered markets wrote in, planned against every contact
in those languages (agents serve every market): a language the markets never use is never
"spare" in their pack.
"""

from __future__ import annotations

import datetime as dt
import html
import subprocess
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

import pandas as pd

from data_access import reference
from data_access.catalog import markets, read_catalog
from data_access.database import Database
from data_access.filters import Filter
from data_access.retail_calendar import peak_calendar
from metrics import voc, voc_drivers, voc_topics
from metrics.anomalies import FALSE_DISCOVERY_RATE
from metrics.attention import attention
from metrics.contact_hours import contacts_per_hour
from metrics.engine import kpi_table
from metrics.events import calendar_events
from metrics.grains import natural_grain, partial_buckets
from metrics.movers import biggest_movers
from metrics.peaks import peak_multipliers, year_over_year
from metrics.registry import KPIS, MIN_SURVEY_RESPONSES
from metrics.schedule import language_balance
from metrics.staffing import Targets, staffing_plan
from presentation import attention_words as words
from presentation import charts, export, i18n, peak_charts, staffing_charts, voc_charts
from presentation import format as fmt
from presentation.attention_charts import finding_chart
from presentation.i18n import N_, _, translate
from reports import findings
from reports.digest import finding_line
from reports.layout import Block, Page, page_html, paper_for, scripts, style

SUMMARY_KPIS = ("volume", "frt_median", "resolution_median", "sla", "fcr", "abandonment",
                "bot_containment", "csat", "nps", "ces", "backlog")  # fmt: skip
MARKET_KPIS = ("volume", "frt_median", "sla", "fcr", "csat", "nps")
BREAKDOWN_KPIS = ("volume", "frt_median", "sla", "csat", "nps")
MOVER_KPIS = ("volume", "frt_median", "sla", "fcr", "abandonment", "csat", "nps")
MARKETS_SHOWN = 12  # bars per market chart; more markets are computed together as 'Other'
MARKETS_LISTED = 15  # rows of the markets table
BREAKDOWN_ROWS = 12  # rows of the breakdown tables under the channel charts
PACK_TOPICS = 8  # topics on the pack's voice page, most comments first
PACK_FINDINGS = 8  # findings on the attention page, biggest and surest first
FINDINGS_CHARTED = 2  # of them, charted with their days shaded
MIN_LANGUAGE_SHARE = 0.01  # languages below this share of the markets' contacts are not planned
Progress = Callable[[float, str], None]


def describe(flt: Filter) -> str:
    """The filters in words, for the title page and every page's footer."""
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
    return " · ".join(parts) if len(parts) > 1 else parts[0] + " · " + fmt.all_markets()


def _change(kpi: object, row: object, name: str) -> str:
    """A change as the dashboard's tiles show it: the delta, '(n.s.)' when not significant at
    95 %, '(not tested)' / '(provisional)' when there was no test."""
    text = fmt.kpi_delta(kpi, getattr(row, f"{name}_delta"))
    reason = fmt.not_tested(getattr(row, f"{name}_not_tested"))
    # a snapshot (backlog) has no sampling error: its change stands as it is
    if reason or getattr(row, f"{name}_significant") or not text or kpi.kind == "backlog":
        return " ".join(filter(None, (text, reason and f"({reason})")))
    return f"{text} ({_('n.s.')})"


def _status(kpi: object, row: object) -> str:
    """'met' / 'missed' against the target, 'provisional' appended while unsettled."""
    met = None if row.suppressed else fmt.target_met(kpi, row.value)
    words = [] if met is None else [_("met") if met else _("missed")]
    if row.provisional:
        words.append(fmt.not_tested("immature"))
    return " · ".join(words)


def _summary_table(table: pd.DataFrame) -> tuple[pd.DataFrame, list[str]]:
    """The summary's display rows and each row's met/missed class."""
    rows, classes = [], []
    for row in table.itertuples():
        kpi = KPIS[row.kpi]
        met = None if row.suppressed else fmt.target_met(kpi, row.value)
        classes.append("" if met is None else "met" if met else "missed")
        rows.append({
            _("KPI"): fmt.kpi_label(kpi),
            _("Value"): fmt.suppressed() if row.suppressed else fmt.kpi_value(kpi, row.value),
            _("Target"): fmt.target_text(kpi), _("Status"): _status(kpi, row),
            _("vs previous period"): _change(kpi, row, "previous"),
            _("vs a year earlier"): _change(kpi, row, "year_ago"), "n": fmt.count(row.n),
        })  # fmt: skip
    return pd.DataFrame(rows), classes


def _overall(db: Database, flt: Filter) -> pd.DataFrame:
    return kpi_table(db, SUMMARY_KPIS, flt=flt, compare=("previous", "year_ago"))


def summary(db: Database, flt: Filter) -> pd.DataFrame:
    """KPI, value, target, met or missed, change against the previous period and a year
    earlier (marked n.s., not tested or provisional as on the dashboard), n."""
    return _summary_table(_overall(db, flt))[0]


# ---------------------------------------------------------------- what the pages need
def _members(db: Database, flt: Filter, dimension: str) -> pd.Series:
    """Contacts per member of ``dimension`` under the filter, largest first."""
    table = kpi_table(db, ["volume"], by=[dimension], flt=flt)
    return table.set_index(dimension)["value"].sort_values(ascending=False)


@dataclass
class Scope:
    """What several pages of one pack share, computed once."""

    db: Database
    flt: Filter
    countries: pd.Series  # contacts per market under the filter, largest first
    languages: pd.Series
    hubs: pd.Series
    upcoming: pd.DataFrame  # peaks and holidays after the period (see ``_upcoming``)
    staff: Filter  # the staffing plan's filter (see ``_staffing_filter``)
    markets: tuple[str, ...]  # whose peaks and holidays are named (``catalog.markets``)
    _plan: pd.DataFrame | None = None

    @classmethod
    def of(cls, db: Database, flt: Filter) -> Scope:
        languages, hubs = _members(db, flt, "language"), _members(db, flt, "hub")
        named = markets(db, flt.countries)
        staff = _staffing_filter(flt, languages, hubs)
        return cls(db, flt, _members(db, flt, "country"), languages, hubs,
                   _upcoming(flt, named), staff, named)  # fmt: skip

    @property
    def one_market(self) -> str | None:
        return self.countries.index[0] if len(self.countries) == 1 else None

    @property
    def plan(self) -> pd.DataFrame:
        """The staffing plan of the markets' languages, hours in UTC."""
        if self._plan is None:
            rows = staffing_plan(self.db, self.staff, Targets())
            rows = rows[rows["language"].isin(self.staff.languages)].copy()
            rows["local"] = pd.to_datetime(rows["interval"])
            self._plan = rows
        return self._plan


def _staffing_filter(flt: Filter, languages: pd.Series, hubs: pd.Series) -> Filter:
    """The filter the staffing plan runs on: the languages the markets wrote in (at least 1 %
    of their contacts) and the hubs that served them, with every market's contacts in those
    languages, since the agents serve them all."""
    shares = languages / languages.sum() if languages.sum() else languages
    return replace(flt, countries=(),
                   languages=flt.languages or tuple(shares.index[shares >= MIN_LANGUAGE_SHARE]),
                   hubs=flt.hubs or tuple(hubs.index[hubs > 0]))  # fmt: skip


def _upcoming(flt: Filter, countries: tuple[str, ...],
              weeks: int = findings.PEAK_HORIZON_WEEKS) -> pd.DataFrame:  # fmt: skip
    """Named peaks of ``countries`` (none: every market's) and, for up to three, public
    holidays in the weeks after the period: start, end, label, kind, markets (a tuple of country
    codes), peak_id."""
    first, last = flt.end + dt.timedelta(days=1), flt.end + dt.timedelta(weeks=weeks)
    years = list(range(first.year, last.year + 1))
    rows = []
    for peak in peak_calendar(years).itertuples():
        markets = [m for m in peak.markets if not countries or m in countries]
        if markets and peak.end >= first and peak.start <= last:
            rows.append(
                {
                    "start": peak.start,
                    "end": peak.end,
                    "label": peak.label,
                    "kind": "peak",
                    "markets": tuple(markets),
                    "peak_id": peak.peak_id,
                }
            )
    if 0 < len(countries) <= 3:
        for country in countries:
            for day, name in reference.public_holidays(country, years, i18n.current()).items():
                if first <= day <= last:
                    rows.append({"start": day, "end": day, "label": name, "kind": "holiday",
                                 "markets": (country,), "peak_id": ""})  # fmt: skip
    columns = ["start", "end", "label", "kind", "markets", "peak_id"]
    return pd.DataFrame(rows, columns=columns).sort_values("start", ignore_index=True)


def _last_multiplier(scope: Scope, peak: pd.Series) -> tuple[float | None, str | None]:
    """The peak's load multiplier at its latest complete occurrence in its largest market."""
    present = [m for m in peak["markets"] if m in scope.countries.index]
    if not present:
        return None, None
    market = max(present, key=lambda m: scope.countries[m])
    table = peak_multipliers(scope.db, scope.flt.narrowed(countries=(market,)))
    rows = table[(table["peak_id"] == peak["peak_id"]) & table["complete"]]
    if rows.empty:
        return None, None
    return float(rows.sort_values("start")["multiplier"].iloc[-1]), market


def _trend_blocks(scope: Scope, kpis: tuple[str, ...], height: int) -> list[Block]:
    """One chart per KPI over the period against a year earlier (survey KPIs a grain coarser);
    the period's named peaks and holidays marked on the contacts chart."""
    flt = scope.flt
    figures = {}
    for sparse in (False, True):
        chosen = [k for k in kpis if KPIS[k].is_survey == sparse]
        if not chosen:
            continue
        grain = natural_grain(flt, sparse=sparse)
        table = kpi_table(scope.db, chosen, flt=flt, grain=grain, compare=("year_ago",))
        for kpi in chosen:
            title = _("{kpi} by {grain}").format(kpi=fmt.tile_label(kpi),
                                                 grain=fmt.grain_name(grain))  # fmt: skip
            figures[kpi] = charts.trend(table, kpi, grain, year_ago=True, title=title,
                                        partial=partial_buckets(flt, grain))  # fmt: skip
    if "volume" in figures:
        events = calendar_events(flt.start, flt.end, scope.markets)
        if not events.empty:
            charts.mark_events(figures["volume"], events)
    return [Block(figure=figures[k], height=height) for k in kpis]


TREND_NOTE = N_(
    "Dashed: the same dates a year earlier. Hollow: a bucket cut by the period, too "
    "few observations or not settled yet. Shaded: 95% interval."
)


# ---------------------------------------------------------------- the pages
def _summary_page(scope: Scope) -> Page:
    db, flt = scope.db, scope.flt
    overall = _overall(db, flt)
    table, classes = _summary_table(overall)
    scanned = ("channel", "category") if scope.one_market else ("country", "channel")
    movers = biggest_movers(db, MOVER_KPIS, flt, dimensions=scanned, limit=5)
    peaks = scope.upcoming[scope.upcoming["kind"] == "peak"]
    multiplier, market = _last_multiplier(scope, peaks.iloc[0]) if len(peaks) else (None, None)
    said = [*findings.changes(overall, movers, flt.days), findings.targets(overall),
            findings.next_peak(scope.upcoming, flt.end, multiplier, market),
            findings.staffing(scope.plan)]  # fmt: skip
    note = _("Status: against the KPI's target. Changes marked n.s. are not statistically "
             "significant at 95%; not tested: too few observations for a test; provisional: not "
             "settled yet.")  # fmt: skip
    return Page(
        _("Service Atlas review pack"), heading_level=1,
        blocks=[Block(table=table, cell_classes={_("Status"): classes}, note=note, wide=True),
                Block(heading=_("Findings"), items=said, wide=True),
                *_trend_blocks(scope, ("volume", "frt_median"), height=290)],
        note=translate(TREND_NOTE),
    )  # fmt: skip


def _attention_page(scope: Scope) -> Page | None:
    """What needs attention under the default alert rules: the findings as the digest words
    them (``reports.digest``), each with its why; ``attention`` ranks anomalies first (the
    summary page already names the targets missed)."""
    found = attention(scope.db, scope.flt)
    if not found:
        return None
    said = [finding_line(item).sentence() for item in found[:PACK_FINDINGS]]
    more = len(found) - len(said)
    note = _("Anomalies: days outside the band expected from the series' weekly pattern, "
             "season, holidays and retail peaks, at a false discovery rate of {rate}; "
             "targets: the period's value against the KPI's target.").format(
        rate=fmt.percent(FALSE_DISCOVERY_RATE, 0))  # fmt: skip
    if more:
        note += " " + _("{count} more on the Attention page.").format(count=fmt.count(more))
    charted = found[:FINDINGS_CHARTED]
    blocks = [Block(items=said, wide=True)]
    for item in charted:
        figure = finding_chart(item, words.scope(item))
        blocks.append(Block(figure=figure, height=360, wide=len(charted) == 1))
    return Page(_("What needs attention"), blocks=blocks, note=note)


def _trends_page(scope: Scope) -> Page:
    return Page(_("Service quality against a year earlier"),
                blocks=_trend_blocks(scope, ("sla", "fcr", "csat", "nps"), height=420),
                note=translate(TREND_NOTE))  # fmt: skip


def _markets_page(scope: Scope) -> Page:
    db, flt = scope.db, scope.flt
    by_country = kpi_table(db, MARKET_KPIS, by=["country"], flt=flt)
    world = charts.world_map(
        by_country,
        "csat",
        {c: reference.country_iso3(c) for c in scope.countries.index},
        title=_("CSAT by customer country"),
        zoom=bool(flt.countries),
    )
    wide = _wide(by_country, "country", MARKET_KPIS)
    shown = wide.head(MARKETS_LISTED)
    table = pd.DataFrame({_("Market"): [i18n.country_name(c) for c in shown.index]})
    for kpi in MARKET_KPIS:
        table[fmt.tile_label(kpi)] = [fmt.kpi_value(kpi, v) for v in shown[kpi]]
    heading = (_("The {count} largest markets").format(count=len(shown))
               if len(wide) > MARKETS_LISTED else _("Markets side by side"))  # fmt: skip
    return Page(_("Markets side by side"),
                blocks=[Block(figure=world, height=380, wide=True),
                        Block(heading=heading, table=table, wide=True)],
                note=fmt.kpi_definition("csat"))  # fmt: skip


def _breakdown(table: pd.DataFrame, dimension: str) -> pd.DataFrame:
    """One row per member of ``kpi_table(BREAKDOWN_KPIS, by=[dimension])``: contacts, share
    and the KPIs, in display strings; privacy-suppressed values say so."""
    wide = _wide(table, dimension, BREAKDOWN_KPIS)
    hidden = set(zip(*table.loc[table["suppressed"], [dimension, "kpi"]].T.values, strict=True))
    out = pd.DataFrame({fmt.dimension_label(dimension): [fmt.member(dimension, m)
                                                         for m in wide.index]})  # fmt: skip
    out[fmt.tile_label("volume")] = [fmt.count(v) for v in wide["volume"]]
    out[_("Share")] = [fmt.percent(v / wide["volume"].sum()) for v in wide["volume"]]
    for kpi in BREAKDOWN_KPIS[1:]:
        out[fmt.tile_label(kpi)] = [fmt.suppressed() if (m, kpi) in hidden
                                    else fmt.kpi_value(kpi, v)
                                    for m, v in wide[kpi].items()]  # fmt: skip
    return out


def _wide(table: pd.DataFrame, dimension: str, kpis: tuple[str, ...]) -> pd.DataFrame:
    """A member per row, biggest volume first, and a column per KPI of ``kpis``, even one that
    is hidden in every row or a view with no contacts."""
    wide = table.pivot_table(index=dimension, columns="kpi", values="value", aggfunc="first")
    return wide.reindex(columns=list(kpis)).sort_values("volume", ascending=False)


def _served_by(scope: Scope) -> str:
    """'All contacts were in Korean. The APAC hub handled them all.' (one language, one hub)."""
    parts = []
    if len(scope.languages) == 1:
        parts.append(
            _("All contacts were in {language}.").format(
                language=fmt.member("language", scope.languages.index[0])
            )
        )
    if len(scope.hubs) == 1:
        parts.append(_("The {hub} hub handled them all.").format(hub=scope.hubs.index[0]))
    return " ".join(parts)


def _channels_page(scope: Scope) -> Page:
    db, flt = scope.db, scope.flt
    by_channel = kpi_table(db, BREAKDOWN_KPIS, by=["channel"], flt=flt)
    blocks = [
        Block(heading=_("By channel"), table=_breakdown(by_channel, "channel"), wide=True),
        Block(figure=charts.bars(by_channel, "sla", "channel", target=KPIS["sla"].target,
                                 title=_("SLA attainment by channel")), height=290),
        Block(figure=charts.bars(by_channel, "csat", "channel", target=KPIS["csat"].target,
                                 title=_("CSAT by channel")), height=290),
    ]  # fmt: skip
    # the other breakdowns that fit under the charts: languages and hubs when there are a
    # few (one is said in the lead), then contact reasons
    candidates = [(d, len(m)) for d, m in (("language", scope.languages), ("hub", scope.hubs))
                  if 1 < len(m) <= BREAKDOWN_ROWS]  # fmt: skip
    rows = 0
    for dimension, count in [*candidates, ("category", 0)]:
        table = kpi_table(db, BREAKDOWN_KPIS, by=[dimension], flt=flt)
        count = count or table[dimension].nunique()
        if rows + count > BREAKDOWN_ROWS:
            continue
        rows += count
        heading = _("By {dimension}").format(dimension=fmt.dimension_label(dimension).lower())
        blocks.append(Block(heading=heading, table=_breakdown(table, dimension), wide=True))
    title = (_("{market}: channels and contact reasons").format(
        market=fmt.member("country", scope.one_market)) if scope.one_market
        else _("Channels and contact reasons"))  # fmt: skip
    return Page(title, blocks=blocks, lead=_served_by(scope), note=fmt.kpi_definition("sla"))


def _voc_page(scope: Scope) -> Page:
    db, flt = scope.db, scope.flt
    blocks = []
    for question_id in ("csat", "nps"):
        dist = voc.score_distribution(db, flt, question_id)
        n = int(dist["n"].iloc[0])
        if n and not dist["suppressed"].iloc[0]:
            q = voc.QUESTIONS[question_id]
            title = _("{question} · {count} answers").format(question=fmt.question_label(q),
                                                             count=fmt.count(n))  # fmt: skip
            blocks.append(Block(figure=voc_charts.distribution(dist, q, title=title), height=300))
    dimension = "channel" if scope.one_market else "country"
    keep = None
    if dimension == "country" and len(scope.countries) > MARKETS_SHOWN:
        keep = {"country": list(scope.countries.index[:MARKETS_SHOWN])}
    table = kpi_table(db, ["csat"], by=[dimension], flt=flt, compare=("baseline",), keep=keep)
    if dimension == "country":
        title = (_("CSAT by market (largest {count}, the rest as Other)").format(
            count=MARKETS_SHOWN) if keep else _("CSAT by market"))  # fmt: skip
    else:
        title = _("CSAT by channel")
    rows = len(table[table["kpi"] == "csat"])
    raw = voc_charts.raw_and_baseline(table, "csat", dimension, title=title)
    blocks.append(Block(figure=raw, height=max(280, 24 * rows + 170), wide=True))
    baseline = flt.baseline()
    return Page(
        _("Voice of the customer"), blocks=blocks,
        note=_("Left: the raw score with its 95% interval; right: the change against its own "
               "previous 12 months ({dates}), blue or vermillion when significant at 95%. "
               "Response styles differ by country: compare each with its own history.").format(
            dates=fmt.date_range(baseline.start, baseline.end)),
    )  # fmt: skip


def _voice_page(scope: Scope) -> Page | None:
    """What customers say: the topics of unhappy customers (or, without enough of them, of the
    first mood with topics) in the view's most common comment language, the words of its low
    scores and examples in their words (the same functions and privacy rules as the page)."""
    db, flt = scope.db, scope.flt
    view = voc_topics.topics(db, flt)
    if view.table.empty:
        return None  # too few comments for a topic (privacy): no page rather than an empty one
    q = voc.QUESTIONS["csat"]
    view = replace(view, table=view.table.head(PACK_TOPICS))
    found = voc_drivers.drivers(db, flt, view.language)
    bad, good = voc_charts.band_range(q, "bad"), voc_charts.band_range(q, "good")
    blocks = [Block(figure=voc_charts.topics_chart(view, q, title=_(
        "Topics in {count} comments from {customers}").format(
        count=fmt.count(view.comments), customers=fmt.mood_label(view.mood).lower())),
        height=380, wide=found.words.empty)]  # fmt: skip
    if not found.words.empty:
        blocks.append(Block(figure=voc_charts.drivers_chart(found, q, title=_(
            "What sets {bad} apart from {good}").format(bad=bad, good=good)), height=380))
    _data, shown = voc_charts.topic_table(view, q)
    blocks.append(Block(table=shown.drop(columns=[_("Weekly share"), _("Example")]),
                        compact=True, wide=True))  # fmt: skip
    blocks.append(Block(heading=_("In their words"), table=voc_charts.examples_table([view], q),
                        text_table=True, compact=True, wide=True))  # fmt: skip
    emerging = view.table.loc[view.table["emerging"], "name"].tolist()
    language = view.language
    lead = _("{count} comments in {language} in this view.").format(
        count=fmt.count(view.comments), language=fmt.member("language", language)) + " " + (
        _("Emerging: {topics}.").format(topics="; ".join(emerging)) if emerging
        else _("No topic grew significantly against the previous period or the market's own "
               "normal."))  # fmt: skip
    return Page(_("What customers say"), blocks=blocks, lead=lead, note=_(
        "Topics are found apart in all {language} comments of unhappy (CSAT 1–3) and of happy "
        "customers in the data; a comment belongs to its strongest topic. Words: weighted "
        "log-odds of appearing in comments with {bad} against {good}; pale bars could be noise. "
        "Example comments have contact details masked; no topic is shown from fewer than "
        "{minimum} comments.").format(
        language=fmt.member("language", language), bad=bad, good=good,
        minimum=MIN_SURVEY_RESPONSES))  # fmt: skip


def _peaks_page(scope: Scope) -> Page:
    db, flt = scope.db, scope.flt
    # the view's busiest markets; a market with no contact in the period is still itself (an
    # empty narrowing would mean every market)
    markets = list(scope.countries.index[:4]) or list(flt.countries)
    pattern = kpi_table(db, ["volume"], by=["country", "local_hour_of_week"],
                        flt=flt.narrowed(countries=tuple(markets)))  # fmt: skip
    matrices = {
        f"{fmt.member('country', c)} ({reference.country_timezone(c)})": charts.hour_of_week_matrix(
            contacts_per_hour(pattern[pattern["country"] == c], flt, reference.country_timezone(c)))
        for c in markets if (pattern["country"] == c).any()
    }  # fmt: skip
    title = _("Contacts per hour of the week, local time")
    blocks = []
    if matrices:  # a view without contacts has no pattern to draw
        blocks.append(Block(figure=peak_charts.heatmap_grid(matrices, title),
                            height=330 if len(matrices) <= 2 else 560, wide=True))  # fmt: skip
    if len(scope.countries) <= 3:
        history = year_over_year(peak_multipliers(db, flt.narrowed(countries=tuple(markets))))
        if not history.empty:
            history = history.assign(member=history["label"])
            blocks.append(
                Block(
                    figure=peak_charts.peak_years(
                        history, "peak", _("Named peaks: load against a normal day")
                    ),
                    height=300,
                )
            )
    upcoming = scope.upcoming
    if not upcoming.empty:
        table = pd.DataFrame({
            _("From"): [fmt.date(d) for d in upcoming["start"]],
            _("To"): [fmt.date(d) for d in upcoming["end"]],
            _("Peak or holiday"): [translate(n) if k == "peak" else n
                                   for n, k in zip(upcoming["label"], upcoming["kind"],
                                                   strict=True)],
            _("Markets"): [findings.market_names(m) for m in upcoming["markets"]],
        })  # fmt: skip
        heading = _("Coming up: the {weeks} weeks after the period").format(
            weeks=findings.PEAK_HORIZON_WEEKS
        )
        blocks.append(Block(heading=heading, table=table, text_table=True, compact=True,
                            nowrap=True, wide=len(blocks) == 1))  # fmt: skip
    return Page(_("Peaks: when customers contact us"), blocks=blocks,
                note=_("Each market on its own scale (100 % = its busiest hour), hours in the "
                       "customers' own time zone. Load: mean daily contacts in the peak window "
                       "against the 28 days before."))  # fmt: skip


def _staffing_page(scope: Scope) -> Page:
    plan, staff = scope.plan, scope.staff
    languages = plan.groupby("language")["arrivals"].sum().sort_values(ascending=False)
    if len(languages) == 1:
        heatmap = Block(
            figure=staffing_charts.day_by_hour(plan, "UTC", languages.index[0], typical_week=True),
            height=330,
            wide=True,
        )
    else:
        heatmap = Block(
            figure=staffing_charts.language_by_hour(plan, "UTC"),
            height=max(260, 20 * len(languages) + 120),
            wide=True,
        )
    blocks = [heatmap]
    balance = language_balance(scope.db, staff)
    if len(balance) > 1:
        blocks.append(
            Block(figure=charts.demand_supply(balance), height=max(260, 20 * len(balance) + 110))
        )
    worst = plan.sort_values(["gap", "arrivals"], ascending=[True, False]).head(10)
    pattern = _("EEE dd MMM HH:mm")
    table = pd.DataFrame({
        _("Interval start ({zone})").format(zone="UTC"):
            [fmt.datetime(pd.Timestamp(t), pattern) for t in worst["interval"]],
        _("Language"): [fmt.member("language", c) for c in worst["language"]],
        _("Required (rostered)"): [fmt.count(v) for v in worst["required_scheduled"]],
        _("Scheduled"): [fmt.number(v, 1) for v in worst["scheduled"]],
        _("Gap"): [("+" if v > 0 else "") + fmt.number(v, 1) for v in worst["gap"]],
    })  # fmt: skip
    blocks.append(Block(heading=_("The worst staffing gaps"), table=table, compact=True,
                        nowrap=True, wide=len(blocks) == 1))  # fmt: skip
    return Page(
        _("Staffing: scheduled minus required agents"), blocks=blocks,
        lead=_("Languages these markets write in: {languages}; hubs serving them: {hubs}. "
               "Demand is every contact in these languages, since agents serve every "
               "market.").format(languages=", ".join(fmt.member("language", c)
                                                      for c in languages.index),
                                 hubs=", ".join(staff.hubs)),
        note=_("Erlang C for phone and chat (80 % in 20 s), written work at 85 % occupancy, "
               "30 % shrinkage. Negative: short of agents."),
    )  # fmt: skip


def _definitions_page() -> Page:
    definitions = pd.DataFrame([{_("KPI"): fmt.kpi_label(k), _("Definition"): fmt.kpi_definition(k),
                                 _("Target"): fmt.target_text(k),
                                 _("Period by"): fmt.anchor_label(k)}
                                for k in KPIS.values()])  # fmt: skip
    return Page(_("Definitions"), blocks=[Block(table=definitions, text_table=True, wide=True,
                                                compact=True)])  # fmt: skip


def _pages(db: Database, flt: Filter, progress: Progress) -> list[Page]:
    scope = Scope.of(db, flt)
    steps: list[tuple[str, Callable[[Scope], Page | None]]] = [
        (_("KPI summary"), _summary_page),
        (_("What needs attention"), _attention_page),
        (_("Trends"), _trends_page),
        *([] if scope.one_market else [(_("Markets"), _markets_page)]),
        (_("Channels"), _channels_page),
        (_("Voice of the customer"), _voc_page),
        (_("What customers say"), _voice_page),
        (_("Peaks"), _peaks_page),
        (_("Staffing"), _staffing_page),
        (_("Definitions"), lambda _scope: _definitions_page()),
    ]  # fmt: skip
    pages = []
    for i, (name, build) in enumerate(steps):
        progress(0.1 + 0.5 * i / len(steps), f"{name}…")
        page = build(scope)
        if page is not None:  # a section without anything to show is left out
            pages.append(page)
    return pages


def build_html(db: Database, flt: Filter, static: bool, progress: Progress | None = None,
               locale: str | None = None) -> str:  # fmt: skip
    """The pack as one HTML document; ``static`` charts do not react to the mouse (for the PDF).
    The paper follows ``locale`` ('en-US': US Letter), else the active language (A4)."""
    progress = progress or (lambda fraction, message: None)
    paper = paper_for(locale or i18n.current())
    cat = read_catalog(db)
    context = export.Context(title=_("Review pack"), filters=describe(flt),
                             timezone=flt.timezone,
                             data_as_of=f"{cat.last_day:%Y-%m-%d}")  # fmt: skip
    pages = _pages(db, flt, progress)
    meta = _("Times in {zone}; data through {date}; generated {generated}.").format(
        zone=context.timezone, date=context.data_as_of, generated=context.generated
    )
    footer = context.subtitle()
    body = []
    for i, page in enumerate(pages):
        progress(0.6 + 0.35 * i / len(pages),
                 _("Drawing {section}…").format(section=page.title))  # fmt: skip
        body.append(page_html(page, i + 1, len(pages), footer, paper, static,
                              meta=f"{context.filters}. {meta}" if i == 0 else ""))  # fmt: skip
    title = _("Service Atlas review pack")
    head = (f"<meta charset='utf-8'><title>{html.escape(title)}</title>"
            f"<style>{style(paper)}</style>")  # fmt: skip
    head += scripts(pages)
    return (f"<!DOCTYPE html><html lang='{i18n.current()}'><head>{head}</head>"
            f"<body>{''.join(body)}</body></html>")  # fmt: skip


def build_pdf(db: Database, flt: Filter, progress: Progress | None = None,
              locale: str | None = None) -> bytes:  # fmt: skip
    """The pack printed to PDF by headless Chromium (RuntimeError without a browser)."""
    progress = progress or (lambda fraction, message: None)
    browser = export.chrome_path()
    if browser is None:
        raise RuntimeError(translate(export.MISSING_CHROME))
    document = build_html(db, flt, static=True, progress=progress, locale=locale)
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


def default_filter(db: Database, flt: Filter, days: int = 28) -> Filter:
    """Without dates: the last ``days`` days of the data."""
    if flt.start and flt.end:
        return flt
    last = read_catalog(db).last_day
    return flt.with_dates(flt.start or last - dt.timedelta(days=days - 1), flt.end or last)
