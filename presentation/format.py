"""Number, duration, date and percentage formatting used everywhere on screen and in exports,
in the active language (``presentation.i18n``), and the display names of KPIs, dimensions and
members.

One place decides that a duration reads "3 h 20 m" ("3시간 20분") and a share "87.4 %", so
tiles, tables, chart hovers and exported files always agree. Rounding is done here (as Python's
format specs do), Babel then writes the digits and separators of the locale; unit patterns are
catalog messages.
"""

from __future__ import annotations

import contextvars
import datetime as dt
import functools
import math
import re
from decimal import Decimal

import numpy as np
from babel.dates import format_date, format_datetime, get_day_names
from babel.numbers import format_decimal

from data_access import reference
from data_access.access import Scope
from metrics.registry import DIMENSIONS, KPIS, Kpi
from presentation.i18n import N_, _, country_name, current, language_name, locale, translate

MISSING = "–"
WORD_JOINER = "\u2060"  # invisible, keeps a name from being read as a web address
_MARKDOWN_PUNCTUATION = re.compile(r"([!-/:-@\[-`{-~])")  # CommonMark escapes any of these
_LINE_BREAKS = re.compile(r"\s*[\r\n]+\s*")
SLACK_ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;"})  # Slack's only three
_FOREIGN_TAG = re.compile(r"<(?!/?(?:b|i|br|sup|extra)>)")  # the chart builders' own tags stay
SUPPRESSED = N_("hidden (privacy)")  # fewer than 5 responses, or derivable (metrics.engine)
DATE = N_("dd MMM yyyy")  # Babel (CLDR) date pattern: '26 Nov 2026'


def _is_missing(value: object) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def escape_markdown(text: object) -> str:
    """Text from users or the data (file, hub and category names, agent ids, comments, search
    words, error messages quoting them) made safe for Markdown (``st.markdown``, captions,
    alerts, labels, help): it shows exactly as written and never becomes a link, an image,
    emphasis, a heading, a colour, an icon or maths.

    Every ASCII punctuation character is backslash-escaped and line breaks become spaces.
    Streamlit also links a bare ``www.x.y``, ``https://x.y`` or ``a@x.y`` after escapes are
    read, so an invisible word joiner goes before each '.' as well.
    """
    escaped = _MARKDOWN_PUNCTUATION.sub(r"\\\1", _LINE_BREAKS.sub(" ", str(text)))
    return escaped.replace("\\.", WORD_JOINER + "\\.")


def escape_mrkdwn(text: object) -> str:
    """Text from users or the data made safe for a chat message: Slack's mrkdwn, and the Markdown
    Teams reads from a webhook's ``text``. It shows as written and never becomes a link, a
    mention or a channel alert.

    Slack's rule: '&', '<' and '>' are written as '&amp;', '&lt;', '&gt;' (a '<' opens
    ``<url|label>``, ``<@user>`` and ``<!channel>``). Markdown's ``[label](url)`` is broken by
    a word joiner between ']' and '(', and, as in ``escape_markdown``, one goes before each '.'
    so a bare address is not linked. Line breaks become spaces.
    """
    escaped = _LINE_BREAKS.sub(" ", str(text)).translate(SLACK_ESCAPES)
    return escaped.replace("](", "]" + WORD_JOINER + "(").replace(".", WORD_JOINER + ".")


def escape_chart_markup(text: str) -> str:
    """Text for a plotly figure with every '<' written as '&lt;' except where it opens one of
    the chart builders' own tags (<b>, <i>, <br>, <sup>, <extra>): plotly draws a subset of HTML
    in titles, labels, legends and hovers, ``<a href>`` links among it."""
    return _FOREIGN_TAG.sub("&lt;", text)


def number(value: float, digits: int = 0, grouping: bool = True) -> str:
    """``value`` rounded to ``digits`` decimals, in the locale's digits and separators."""
    return _number(f"{value:.{digits}f}", digits, grouping, current())


@functools.lru_cache(maxsize=65536)
def _number(rounded: str, digits: int, grouping: bool, lang: str) -> str:
    """Babel's formatting of a rounded number, kept: a page writes the same numbers on every
    view (``lang`` keys the cache; ``locale()`` is that language's)."""
    pattern = ("#,##0" if grouping else "0") + ("." + "0" * digits if digits else "")
    return format_decimal(Decimal(rounded), format=pattern, locale=locale(),
                          decimal_quantization=False)  # fmt: skip


def suppressed() -> str:
    return translate(SUPPRESSED)


# Why a comparison was not tested (metrics.maturity's reason codes), short enough for a tile.
NOT_TESTED = {
    "too_little_data": N_("not tested"),
    "immature": N_("provisional"),
    "after_data": N_("not comparable: the period runs past the data"),
    "before_data": N_("not comparable: no data that far back"),
}


def not_tested(reason: object) -> str:
    """A comparison's reason code in words ('' when it was tested)."""
    return translate(NOT_TESTED[reason]) if isinstance(reason, str) else ""


def settling(kpi: Kpi | str) -> str:
    """'Settles 7 days after resolved: recent results are provisional.' ('' when immediate)."""
    kpi = _kpi(kpi)
    if not kpi.matures_days:
        return ""
    return _("Settles {days} days after {anchor}: recent results are provisional.").format(
        days=kpi.matures_days, anchor=anchor_label(kpi)
    )


def duration(seconds: float | None) -> str:
    """Two most significant units: '45 s', '12 m 5 s', '3 h 20 m', '2 d 4 h'."""
    if _is_missing(seconds):
        return MISSING
    sign = "-" if seconds < 0 else ""
    s = round(abs(seconds))
    days, rest = divmod(s, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    if days:
        text = (_("{days} d {hours} h") if hours else _("{days} d")).format(days=days, hours=hours)
    elif hours:
        text = (_("{hours} h {minutes} m") if minutes else _("{hours} h")).format(
            hours=hours, minutes=minutes
        )
    elif minutes:
        text = (_("{minutes} m {seconds} s") if secs else _("{minutes} m")).format(
            minutes=minutes, seconds=secs
        )
    else:
        text = _("{seconds} s").format(seconds=secs)
    return sign + text


def percent(share: float | None, digits: int = 1) -> str:
    if _is_missing(share):
        return MISSING
    return _("{value} %").format(value=number(share * 100, digits, grouping=False))


def count(value: float | None) -> str:
    if _is_missing(value):
        return MISSING
    return number(round(value))


def signed(value: float | None, digits: int = 0) -> str:
    """A number with its sign, as a gap or a change reads: '+1.5', '-5.0', '0.0'."""
    if _is_missing(value):
        return MISSING
    rounded = round(value, digits)
    return ("-" if rounded < 0 else "+" if rounded > 0 else "") + number(abs(rounded), digits)


def multiplier(value: float | None) -> str:
    """A load against a normal day: '×1.68'."""
    return MISSING if _is_missing(value) else "×" + number(value, 2)


def seconds(value: float) -> str:
    shown = number(value) if value >= 10 else number(value, 1)
    return _("{seconds} s").format(seconds=shown)


def kpi_value(kpi: Kpi | str, value: float | None) -> str:
    """A KPI value in its display format."""
    kpi = KPIS[kpi] if isinstance(kpi, str) else kpi
    if _is_missing(value):
        return MISSING
    if kpi.display == "duration":
        return duration(value)
    if kpi.display == "seconds":
        return seconds(value)
    if kpi.display == "percent":
        return percent(value)
    if kpi.display == "nps":
        return f"{value:+.0f}"[0] + number(abs(value), grouping=False)
    if kpi.display == "score":
        return number(value, 2)
    return count(value)


def target_met(kpi: Kpi | str, value: float | None) -> bool | None:
    """Whether ``value`` meets the KPI's target (None: no target, no direction or no value)."""
    kpi = _kpi(kpi)
    if kpi.target is None or not kpi.direction or _is_missing(value):
        return None
    return bool(value >= kpi.target if kpi.direction > 0 else value <= kpi.target)


def target_text(kpi: Kpi | str, target: float | None = None) -> str:
    """'≥ 85.0 %', '≤ 4 h': the KPI's target, or ``target`` (an alert rule's own); '' without
    one. No-break spaces."""
    kpi = _kpi(kpi)
    target = kpi.target if target is None else target
    if target is None or not kpi.direction:
        return ""
    text = f"{'≥' if kpi.direction > 0 else '≤'} {kpi_value(kpi, target)}"
    return text.replace(" ", "\u00a0")  # one unit in a narrow column: never broken


def kpi_delta(kpi: Kpi | str, delta: float | None) -> str:
    """A change in a KPI, signed: '+2.3 pts', '−12 m 5 s', '+1,204'."""
    if _is_missing(delta):
        return ""
    return ("-" if delta < 0 else "+") + kpi_amount(kpi, abs(delta))


def kpi_amount(kpi: Kpi | str, size: float) -> str:
    """The size of a change in a KPI, unsigned: '2.3 pts' (percentage or NPS points), '12 m 5 s'
    (the KPI's own unit), '0.12' (a score), '1,204'."""
    kpi = _kpi(kpi)
    if kpi.display == "percent":
        return _("{value} pts").format(value=number(size * 100, 1))
    if kpi.display == "nps":
        return _("{value} pts").format(value=number(size, 1))
    if kpi.display in ("duration", "seconds"):
        return duration(size) if size >= 60 else _("{seconds} s").format(seconds=number(size, 1))
    if kpi.display == "score":
        return number(size, 2)
    return number(round(size))


_AXIS_UNITS = {
    "duration": N_("hours"),
    "seconds": N_("seconds"),
    "percent": "%",
    "nps": N_("NPS points"),
    "score": N_("score (1–7)"),
    "count": N_("tickets"),
}


def axis_unit(kpi: Kpi | str) -> str:
    """Unit label for a chart axis showing this KPI."""
    kpi = KPIS[kpi] if isinstance(kpi, str) else kpi
    return translate(_AXIS_UNITS[kpi.display])


def plot_values(kpi: Kpi | str, values: object) -> np.ndarray:
    """KPI values in their axis unit: durations in hours, shares in percent."""
    kpi = KPIS[kpi] if isinstance(kpi, str) else kpi
    array = np.asarray(values, dtype=float)
    if kpi.display == "duration":
        return array / 3600
    if kpi.display == "percent":
        return array * 100
    return array


def axis_title(kpi: Kpi | str) -> str:
    return f"{kpi_label(kpi)} ({axis_unit(kpi)})"


# ------------------------------------------------------------------ registry texts
def _kpi(kpi: Kpi | str) -> Kpi:
    return KPIS[kpi] if isinstance(kpi, str) else kpi


def kpi_label(kpi: Kpi | str) -> str:
    """'First response (median)' / '첫 응답 시간(중앙값)'."""
    return translate(_kpi(kpi).label)


def tile_label(kpi: Kpi | str) -> str:
    """The short label for tiles and table headers."""
    return translate(_kpi(kpi).tile_label)


def kpi_definition(kpi: Kpi | str) -> str:
    """The KPI's definition, and how long its results take to settle where they do."""
    return " ".join(filter(None, (translate(_kpi(kpi).definition), settling(kpi))))


def n_label(kpi: Kpi | str) -> str:
    """What a KPI's sample size counts: 'responded tickets'."""
    return translate(_kpi(kpi).n_label)


def n_header(kpi: Kpi | str) -> str:
    """The header of a KPI's sample-size column: 'n (responses)'."""
    return _("n ({counted})").format(counted=n_label(kpi))


def anchor_label(kpi: Kpi | str) -> str:
    """Which timestamp puts a row in the period: 'created', 'resolved'."""
    return translate(_kpi(kpi).anchor_label)


def dimension_label(dimension: str) -> str:
    return translate(DIMENSIONS[dimension].label)


def split_label(dimension: str) -> str:
    """A 'Split by' choice: a dimension's name, or 'Nothing' for ``none``."""
    return _("Nothing") if dimension == "none" else dimension_label(dimension)


# display names of codes whose capitalised form does not read well
CODE_LABELS = {
    "web_form": N_("Web form"),
    "returns_refunds": N_("Returns & refunds"),
    "email": N_("E-mail"),
}


def member(dimension: str, code: object) -> str:
    """Readable name of a dimension member: 'South Korea', 'Korean', 'Web form'."""
    if code is None or (isinstance(code, float) and math.isnan(code)):
        return "—"
    text = str(code)
    if dimension == "country" and len(text) == 2:
        return country_name(text)
    if dimension in ("language", "next_language") and len(text) == 2:
        return language_name(text)
    return translate(member_message(text))


def member_of(dimension: str, code: object) -> str:
    """A member with its dimension, where names of two dimensions could be confused:
    'China (country)' beside 'Chinese (language)'."""
    return _("{member} ({dimension})").format(member=member(dimension, code),
                                             dimension=dimension_label(dimension).lower())


def member_message(code: str) -> str:
    """The English name (message id) of a coded member: 'web_form' -> 'Web form'; codes that
    are not lower case (hubs, agents, regions) are their own name."""
    return CODE_LABELS.get(code, code.replace("_", " ").capitalize() if code.islower() else code)


def code_label(code: str) -> str:
    """A filter value's display name ('web_form' -> 'Web form')."""
    return translate(CODE_LABELS.get(code, code.replace("_", " ").capitalize()))


# ------------------------------------------------------------------ where the data comes from
_SAMPLE_SOURCE = re.compile(r"synthetic sample: (\d+) tickets(?: over (\d+) days)?, seed \d+, "
                            r"ending (\d{4}-\d{2}-\d{2})")  # data_access.sample writes it
_LAST_IMPORT = re.compile(r"; last import: (\w+) from (.*)$", re.S)  # the importer appends it


def data_source(text: str) -> str:
    """The data's source line (``atlas_meta``), as written by the sample builder and the importer,
    in the active language; any other text as it is."""
    imported = _LAST_IMPORT.search(text)
    base = text[: imported.start()] if imported else text
    sample = _SAMPLE_SOURCE.fullmatch(base)
    if sample:
        base = _("synthetic sample: {tickets} tickets ending {end}").format(
            tickets=count(int(sample[1])), end=date(dt.date.fromisoformat(sample[3])))
    elif base == "imported data":
        base = _("imported data")
    if imported:
        base += "; " + _("last import: {table} from {file}").format(
            table=code_label(imported[1]), file=imported[2])
    return base


# ------------------------------------------------------------------ dates
def date(day: dt.date) -> str:
    """'26 Nov 2026' / '2026년 11월 26일'."""
    return format_date(day, translate(DATE), locale=locale())


def date_range(start: dt.date, end: dt.date) -> str:
    return f"{date(start)} – {date(end)}"


def datetime(moment: dt.datetime, pattern: str) -> str:
    """A date and time with a (translated) CLDR pattern, e.g. _('EEE dd MMM HH:mm')."""
    return format_datetime(moment, pattern, locale=locale())


def weekdays() -> tuple[str, ...]:
    """Abbreviated weekday names, Monday first: ('Mon', …) / ('월', …)."""
    names = get_day_names("abbreviated", locale=locale())
    return tuple(names[i] for i in range(7))


_GRAINS = {
    "half_hour": (N_("half hour"), N_("Half hour")),
    "hour": (N_("hour"), N_("Hour")),
    "day": (N_("day"), N_("Day")),
    "week": (N_("week"), N_("Week")),
    "month": (N_("month"), N_("Month")),
    "quarter": (N_("quarter"), N_("Quarter")),
}


def grain_name(grain: str) -> str:
    """A time grain inside a sentence: 'week' ('CSAT by week')."""
    return translate(_GRAINS[grain][0]) if grain in _GRAINS else grain


def grain_label(grain: str) -> str:
    """A time grain as an option label: 'Week'."""
    return translate(_GRAINS[grain][1]) if grain in _GRAINS else grain


def percent_suffix() -> str:
    """The unit after a number on a percent axis: ' %' / '%'."""
    return _("{value} %").format(value="")


MOODS = {"unhappy": N_("Unhappy customers"), "happy": N_("Happy customers"),
         "unrated": N_("Customers who gave no score")}  # fmt: skip


def mood_label(mood: str) -> str:
    """Whose comments (``metrics.voc_topics.mood``): 'Unhappy customers'."""
    return translate(MOODS[mood]) if mood in MOODS else mood


def question_label(question: object) -> str:
    """A survey question's name ('Customer effort'), from ``metrics.voc.QUESTIONS``."""
    return translate(question.label)


def holiday_name(country: str, day: dt.date, name: str) -> str:
    """A public holiday's name in the active language where the ``holidays`` package has it
    for that country ('설날' for Korea in Korean), else ``name`` (English)."""
    day = day.date() if isinstance(day, dt.datetime) else day
    return reference.public_holidays(country, [day.year], current()).get(day, name)


def access_scope(scope: Scope) -> str:
    """What a scope covers, for its user: 'KR; ja · APAC — comments, ticket rows, export'."""
    if scope.admin:
        return _("administrator: all markets")
    places = []
    for grant in scope.grants:
        parts = [", ".join(values) for values in (grant.countries, grant.languages, grant.hubs)
                 if values]  # fmt: skip
        places.append(" · ".join(parts) if parts else _("all markets"))
    rights = [label for permission, label in (
        ("comments", _("comments")), ("rows", _("ticket rows")), ("export", _("export")),
        ("import", _("import"))) if scope.may(permission)]  # fmt: skip
    return "; ".join(places) + (" — " + ", ".join(rights) if rights else "")


# Whether this run's viewer sees only some markets (set by ui.access and the command line's
# --as-user): every "all markets" figure is then the total of theirs, and says so.
_restricted = contextvars.ContextVar("service_atlas_restricted_view", default=False)


def restrict_view(restricted: bool) -> None:
    _restricted.set(restricted)


def view() -> tuple[str, bool]:
    """What changes the words drawn for the same data: the language and whether the view is
    restricted. A cache of drawn figures keys on it besides the data."""
    return current(), _restricted.get()


def all_markets(title: bool = False) -> str:
    """'all markets' ('All markets' as a ``title``), or 'all your markets' for a viewer whose
    access covers only some."""
    if _restricted.get():
        return _("All your markets") if title else _("all your markets")
    return _("All markets") if title else _("all markets")


def region_label(name: str) -> str:
    """A UN subregion as a column of figures: 'Eastern Asia', or for a viewer who sees only some
    markets 'Eastern Asia (your markets)'."""
    region = member("subregion", name)
    return _("{region} (your markets)").format(region=region) if _restricted.get() else region
