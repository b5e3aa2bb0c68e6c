"""The shared sidebar: period and dimension filters, kept in the URL and across pages."""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Callable
from urllib.parse import urlencode

import streamlit as st

from data_access.catalog import Catalog
from data_access.filters import Filter, unknown_values
from presentation import format as fmt
from presentation import i18n
from presentation.i18n import N_, _, translate
from ui import language, url_state
from ui.url_state import Param, codes, join_codes

PERIODS = {  # English message ids
    "last_7d": N_("Last 7 days"),
    "last_28d": N_("Last 28 days"),
    "last_90d": N_("Last 90 days"),
    "last_365d": N_("Last 12 months"),
    "last_month": N_("Last full month"),
    "last_quarter": N_("Last full quarter"),
    "year_to_date": N_("Year to date"),
    "custom": N_("Custom range"),
}
DEFAULT_PERIOD = "last_28d"


def period_dates(period: str, last_day: dt.date) -> tuple[dt.date, dt.date]:
    """The (first, last) day of a preset period ending at the data's last day."""
    days = {"last_7d": 7, "last_28d": 28, "last_90d": 90, "last_365d": 365}
    if period in days:
        return last_day - dt.timedelta(days=days[period] - 1), last_day
    if period == "last_month":
        end = last_day if _is_month_end(last_day) else last_day.replace(day=1) - dt.timedelta(1)
        return end.replace(day=1), end
    if period == "last_quarter":
        quarter_start = dt.date(last_day.year, 3 * ((last_day.month - 1) // 3) + 1, 1)
        end = quarter_start - dt.timedelta(days=1)
        next_day = last_day + dt.timedelta(days=1)
        if next_day.month in (1, 4, 7, 10) and next_day.day == 1:  # data ends on a quarter end
            end = last_day
        start = dt.date(end.year, 3 * ((end.month - 1) // 3) + 1, 1)
        return start, end
    if period == "year_to_date":
        return dt.date(last_day.year, 1, 1), last_day
    raise ValueError(f"unknown period {period!r}")


def _is_month_end(day: dt.date) -> bool:
    return day.day == calendar.monthrange(day.year, day.month)[1]


def _date(raw: str) -> dt.date:
    return dt.date.fromisoformat(raw)


PERIOD = Param("period", DEFAULT_PERIOD, str, lambda raw: raw if raw in PERIODS else DEFAULT_PERIOD)
DATES = Param("dates", (), lambda d: f"{d[0]}..{d[1]}",
              lambda raw: tuple(_date(x) for x in raw.split("..", 1)))  # fmt: skip
MULTI = {  # field: (URL parameter, label message id, option namer)
    "countries": (Param("country", (), join_codes, codes), N_("Country"), i18n.country_label),
    "languages": (Param("language", (), join_codes, codes), N_("Language"), i18n.language_label),
    "channels": (Param("channel", (), join_codes, codes), N_("Channel"), None),
    "priorities": (Param("priority", (), join_codes, codes), N_("Priority"), None),
    "hubs": (Param("hub", (), join_codes, codes), N_("Hub"), None),
    "categories": (Param("category", (), join_codes, codes), N_("Contact reason"), None),
}
MAIN_DIMENSIONS = ("countries", "languages", "channels")
# metrics dimension -> the filter field that narrows to it (for click-to-filter)
FIELD_OF_DIMENSION = {
    "country": "countries", "language": "languages", "channel": "channels",
    "priority": "priorities", "hub": "hubs", "category": "categories",
}  # fmt: skip


def _multiselect(field: str, cat: Catalog) -> tuple[str, ...]:
    param, label, namer = MULTI[field]
    options = cat.values.get(field, [])
    if namer is not None:
        options = sorted(options, key=namer)

    def draw(key: str) -> tuple[str, ...]:
        return tuple(st.multiselect(translate(label), options, key=key,
                                    format_func=i18n.bound(namer or fmt.code_label),
                                    placeholder=_("All")))  # fmt: skip

    def valid(value: tuple[str, ...]) -> list[str]:
        return [v for v in value if v in options]

    return url_state.widget(param, draw, valid=valid)


def _date_range(cat: Catalog) -> tuple[dt.date, dt.date]:
    period = url_state.widget(
        PERIOD,
        lambda key: st.selectbox(_("Period"), list(PERIODS), key=key,
                                 format_func=i18n.bound(lambda p: translate(PERIODS[p]))),
    )  # fmt: skip
    if period != "custom":
        start, end = period_dates(period, cat.last_day)
        st.caption(f"{fmt.date_range(start, end)} (UTC)")
        return max(start, cat.first_day), end

    first, last = period_dates(DEFAULT_PERIOD, cat.last_day)
    default = (max(first, cat.first_day), last)  # data shorter than the default period

    def valid(value: tuple) -> tuple[dt.date, dt.date]:
        """The range cut to the data's days (a link may reach 0001 or 9999); else the default."""
        if len(value) != 2:
            return default
        start, end = max(value[0], cat.first_day), min(value[1], cat.last_day)
        return (start, end) if start <= end else default

    def draw(key: str) -> tuple:
        return tuple(st.date_input(_("Dates (UTC)"), key=key, min_value=cat.first_day,
                                   max_value=cat.last_day, format="YYYY-MM-DD"))  # fmt: skip

    chosen = url_state.widget(DATES, draw, valid=valid)
    if len(chosen) == 2:
        return chosen
    st.caption(_("Pick an end date to apply the range."))
    return valid(url_state.current(DATES))


def unknown_in_link(cat: Catalog) -> dict[str, list[str]]:
    """Codes the page's link asks for that the data does not hold (call before the filters are
    drawn: they drop such codes). A typo such as ``?country=KO`` must not quietly turn into a
    view of every market."""
    asked = {field: url_state.current(param) for field, (param, _l, _n) in MULTI.items()}
    return unknown_values(Filter(**asked), cat.values)


def warn_unknown(unknown: dict[str, list[str]], cat: Catalog) -> None:
    """A visible message per filter whose link values are not in the data, with valid ones."""
    for field, codes_asked in unknown.items():
        label = MULTI[field][1]
        known = cat.values.get(field, [])
        shown = ", ".join(known[:60]) + (f" … (+{len(known) - 60})" if len(known) > 60 else "")
        st.warning(_("The link asks for {filter} {codes}, which the data does not hold: left out "
                     "of the view. Valid values: {valid}.").format(
            filter=translate(label).lower(), codes=fmt.escape_markdown(", ".join(codes_asked)),
            valid=fmt.escape_markdown(shown) or "–"), icon=":material/link_off:")  # fmt: skip


def sidebar_filters(cat: Catalog) -> Filter:
    """Draw the shared filters in the sidebar and return the Filter they describe."""
    with st.sidebar:
        st.subheader(_("Filters"))
        start, end = _date_range(cat)
        chosen = {field: _multiselect(field, cat) for field in MAIN_DIMENSIONS}
        with st.expander(_("More filters")):
            for field in MULTI:
                if field not in MAIN_DIMENSIONS:
                    chosen[field] = _multiselect(field, cat)
        if st.button(_("Reset filters"), width="stretch"):
            url_state.reset()
            st.rerun()
    return Filter(start=start, end=end, **chosen)


def filter_summary(flt: Filter) -> str:
    """One line describing the view, for captions and exports."""
    parts = [fmt.date_range(flt.start, flt.end)] if flt.start and flt.end else []
    names = {"countries": i18n.country_name, "languages": i18n.language_name}
    for field, (_param, label, _namer) in MULTI.items():
        values = getattr(flt, field)
        if values:
            namer = names.get(field, fmt.code_label)
            shown = ", ".join(namer(v) for v in values[:4])
            more = f" +{len(values) - 4}" if len(values) > 4 else ""
            parts.append(f"{translate(label)}: {shown}{more}")
    if len(parts) == 1:
        parts.append(fmt.all_markets())
    return " · ".join(parts)


def narrow(field: str, values: tuple[str, ...]) -> None:
    """Set one dimension filter from code (a click on a chart); applies on the next run."""
    url_state.set_value(MULTI[field][0], tuple(values))


def narrow_on_pick(dimension: str) -> Callable[[list], None] | None:
    """A click handler for charts split by ``dimension`` that narrows the matching filter to
    the clicked members ('Other' is not a filter value); None when no filter matches."""
    field = FIELD_OF_DIMENSION.get(dimension)
    if field is None:
        return None

    def pick(members: list) -> None:
        picked = tuple(m for m in members if m != "Other")
        if picked:
            narrow(field, picked)

    return pick


def link(path: str, flt: Filter, narrowed: dict[str, tuple[str, ...]] | None = None,
         dates: tuple[dt.date, dt.date] | None = None, **page_params: str) -> str:  # fmt: skip
    """A relative link to ``path`` that opens with the current filters (some narrowed; other
    ``dates``: a custom period)."""
    params: dict[str, str] = {}
    period = "custom" if dates else url_state.current(PERIOD)
    if period != DEFAULT_PERIOD:
        params[PERIOD.key] = period
    if dates:
        params[DATES.key] = DATES.encode(dates)
    elif period == "custom" and flt.start and flt.end:
        params[DATES.key] = DATES.encode((flt.start, flt.end))
    narrowed = narrowed or {}
    for field, (param, _label, _namer) in MULTI.items():
        values = narrowed.get(field, getattr(flt, field))
        if values:
            params[param.key] = join_codes(values)
    params.update(page_params)
    params.update(language.url_params())
    return f"{path}?{urlencode(params, safe=',')}" if params else path
