"""Peak season: local-time load, holidays, named retail peaks and the forecast of what comes."""

import streamlit as st

from presentation import charts, i18n, peak_charts
from presentation import format as fmt
from presentation.i18n import _, translate
from ui import controls, data, show
from ui.page import page

MAX_MARKETS = 4

flt = page(__file__)
cat = data.data_catalog()

# ---------------------------------------------------------------- local-time load
st.subheader(_("When customers contact us, in their local time"))
by_volume = data.top_members("country", flt, len(cat.values["countries"]))
default = list(flt.countries[:MAX_MARKETS]) or by_volume[:MAX_MARKETS]
chosen = controls.select(
    _("Markets"),
    ["default", *by_volume],
    "markets_first",
    "default",
    lambda c: _("Largest markets") if c == "default" else i18n.country_label(c),
)
markets = default if chosen == "default" else [chosen, *[m for m in default if m != chosen]]
markets = markets[:MAX_MARKETS]
pattern = data.kpi_table(
    ["volume"], by=["country", "local_hour_of_week"], flt=flt.narrowed(countries=tuple(markets))
)
if pattern.empty:
    show.empty(_("No contacts for these markets in the period."))
else:
    matrices = {
        f"{fmt.member('country', c)} ({data.country_timezone(c)})": charts.hour_of_week_matrix(
            data.contacts_per_hour(pattern[pattern["country"] == c], flt, c)
        )
        for c in markets
        if (pattern["country"] == c).any()
    }
    show.chart(
        show.figure(peak_charts.heatmap_grid, matrices,
                    _("Contacts per hour of the week, local time")),
        "local_heatmaps",
        data=pattern,
    )
    st.caption(
        _("Each market on its own scale (100 % = its busiest hour), hours in the customers' own "
          "time zone, so the shapes compare: where the day starts, how late it runs, which days "
          "are the weekend. Hover for contacts per hour.")
    )

# ---------------------------------------------------------------- the calendar
st.subheader(_("Named retail peaks"))
STATUS = {"running": _("now"), "upcoming": _("coming"), "past": _("past")}


def _market_names(codes: list[str]) -> str:
    names = [fmt.member("country", c) for c in codes]
    if len(names) <= 4:
        return ", ".join(names)
    return _("{markets} and {count} more").format(markets=", ".join(names[:3]),
                                                  count=len(names) - 3)  # fmt: skip


every_peak = data.peak_outlook()
calendar = data.peak_outlook(flt.countries)
if calendar.empty:
    show.empty(_("No named retail peaks in these markets."))
else:
    show.table(
        calendar.assign(status=calendar["status"].map(STATUS),
                        markets=calendar["markets"].map(_market_names),
                        label=calendar["label"].map(translate),
                        description=calendar["description"].map(translate))[
            ["status", "label", "start", "end", "markets", "description"]],
        "peak_calendar",
        _("Named retail peaks"),
        hide_index=True,
        height="content",
        row_height=68,  # taller than 4 rem: the text wraps instead of being cut
        column_config={
            "status": st.column_config.TextColumn(_("When"), width=70),
            "label": st.column_config.TextColumn(_("Peak"), width=170),
            "start": st.column_config.DateColumn(_("First day"), width=95),
            "end": st.column_config.DateColumn(_("Last day"), width=95),
            "markets": st.column_config.TextColumn(_("Markets"), width=200),
            "description": st.column_config.TextColumn(_("What"), width=300),
        },
    )  # fmt: skip
st.caption(
    _("Running and coming peaks first, then the past year's. Dates come from rules, not typed "
      "lists: Black Friday follows US Thanksgiving, Lunar New Year and Chuseok the lunar "
      "calendar (the `holidays` package).")
)

# ---------------------------------------------------------------- peak sizes
st.subheader(_("How big each peak is, and against last year"))
PEAK_LABELS = {p.peak_id: translate(p.label) for p in every_peak.itertuples()} | {
    "holiday": _("public holiday")
}
offered = calendar if len(calendar) else every_peak
last_past = offered.loc[offered["status"] == "past", "peak_id"].head(1).tolist()
peak_ids = list(dict.fromkeys(offered["peak_id"]))
left, right = st.columns(2)
with left:
    peak_id = controls.select(_("Peak"), peak_ids, "peak", (last_past or peak_ids)[0],
                              PEAK_LABELS.get)  # fmt: skip
with right:
    member_by = controls.select(
        _("Per"), ["country", "language"], "peak_by", "country", fmt.dimension_label,
        horizontal=True,
    )
with st.spinner(_("Measuring the peaks…")):
    chosen_peak = data.peak_years(flt, member_by, peak_id)
if chosen_peak.empty:
    show.empty(_("This peak has not happened in the data yet (or not in the filtered markets)."))
else:
    latest = chosen_peak["year"].max()
    label = translate(chosen_peak["label"].iloc[0])
    title = _("{peak} {year}: contacts per day against a normal day").format(peak=label,
                                                                             year=latest)
    figure = show.figure(peak_charts.peak_years, chosen_peak, member_by, title)
    show.chart(figure, "peak_multipliers", data=chosen_peak)
    partial = ("" if chosen_peak["complete"].all()
               else " " + _("The latest occurrence is still running."))  # fmt: skip
    st.caption(
        _("Load multiplier: mean contacts per day during the peak ÷ mean contacts per day in the "
          "28 days before it (other peaks and public holidays left out). Grey: the same peak a "
          "year earlier. The filter's dates do not apply here: every occurrence in the data is "
          "measured.") + partial
    )

# ---------------------------------------------------------------- public holidays
st.subheader(_("Public holidays in the period"))
effects = data.holiday_effects(flt, markets)
if effects.empty:
    show.empty(_("No public holidays in these markets during the period."))
else:
    effects = effects.assign(
        holiday=[fmt.holiday_name(*row) for row in effects[["country", "day", "holiday"]].values],
        country=effects["country"].map(lambda c: fmt.member("country", c)),
    )
    show.table(
        effects,
        "holiday_effects",
        _("Public holidays in the period"),
        shown=effects.style.format({"volume": fmt.count, "usual": fmt.count,
                                    "ratio": fmt.multiplier}),
        hide_index=True,
        column_config={
            "country": _("Market"),
            "day": _("Day"),
            "holiday": _("Holiday (from the holidays package)"),
            "volume": _("Contacts"),
            "usual": _("Usual for that weekday"),
            "ratio": _("Load"),
        },
    )  # fmt: skip
    st.caption(_("Usual: mean of the same weekday one and two weeks before and after."))

# ---------------------------------------------------------------- forecast
st.subheader(_("Forecast of daily volume"))
one, two, three = st.columns([1, 2, 2])
with one:
    fc_by = controls.select(
        _("Forecast per"),
        ["language", "hub"],
        "fc_by",
        "language",
        fmt.dimension_label,
        horizontal=True,
    )
options = data.top_members(fc_by, flt.with_dates(None, None), 50)
with two:
    member = controls.select(
        fmt.dimension_label(fc_by), options, "fc_member", options[0], lambda m: fmt.member(fc_by, m)
    )
with three:
    weeks_ahead = controls.number(_("Weeks ahead"), "fc_weeks", 12, 8, 12)
try:
    with st.spinner(_("Fitting the forecast…")):
        result = data.forecast_daily(flt, fc_by, member, weeks_ahead * 7)
except ValueError as error:
    show.empty(_("No forecast for {member}: {error}.").format(
        member=fmt.escape_markdown(fmt.member(fc_by, member)), error=fmt.escape_markdown(error)))
else:
    start, end = result.forecast["day"].iloc[0].date(), result.forecast["day"].iloc[-1].date()
    top_markets = data.top_members("country", flt.narrowed(**{f"{fc_by}s": (member,)}), 3)
    events = data.calendar_events(start, end, top_markets)
    chart_col, score_col = st.columns([4, 1])
    with chart_col:
        figure = show.figure(peak_charts.forecast_chart, result, fmt.member(fc_by, member),
                             events)
        show.chart(figure, "forecast", data=result.forecast)
    with score_col:
        st.metric(
            _("Back-test error (WAPE)"),
            fmt.percent(result.wape),
            help=_("Weighted absolute percentage error of the same model refitted without the "
                   "last 4 weeks and asked to forecast them: Σ|actual − forecast| ÷ Σ actual. "
                   "Lower is better."),
        )
        st.markdown(
            "**" + _("Calendar effects") + "**  \n"
            + "  \n".join(f"{PEAK_LABELS.get(k, k)}: {fmt.multiplier(v)}"
                           for k, v in result.effects.items())
        )  # fmt: skip
    st.caption(
        _("Holt–Winters exponential smoothing (statsmodels ETS: damped trend, weekly seasonality) "
          "on the series with holiday and retail-peak effects taken out, then put back for the "
          "coming days; shaded: 95 % prediction interval. The effects (right) are estimated from "
          "the history, weighted by where this series' customers live.")
    )
