"""Staffing: Erlang-based required agents against the schedule, by language and hour."""

import datetime as dt

import pandas as pd
import streamlit as st

from presentation import format as fmt
from presentation import staffing_charts
from presentation.i18n import _
from ui import controls, data, show
from ui.page import page

flt = page(__file__)
cat = data.data_catalog()
hub_zones = data.hub_timezones()

# ---------------------------------------------------------------- what to plan
mode_col, interval_col, zone_col, weeks_col = st.columns([3, 2, 2, 2])
with mode_col:
    modes = {"history": _("Observed demand in the period"),
             "ahead": _("Forecast for the coming weeks")}  # fmt: skip
    mode = controls.select(_("Plan"), list(modes), "plan", "history", modes.get, horizontal=True)
with interval_col:
    minutes = int(
        controls.select(
            _("Interval"),
            ["30", "60"],
            "interval",
            "30",
            lambda m: _("{minutes} minutes").format(minutes=m),
            horizontal=True,
        )
    )
with zone_col:
    default_zone = hub_zones.get(flt.hubs[0], "UTC") if len(flt.hubs) == 1 else "UTC"
    zone = controls.select(
        _("Hours in"), ["UTC", *sorted(set(hub_zones.values()))], "zone", default_zone
    )
weeks_ahead = 2
if mode == "ahead":
    with weeks_col:
        weeks_ahead = controls.number(_("Weeks ahead"), "weeks_ahead", 2, 1, 4)
    first = cat.last_day + dt.timedelta(days=1)
    period = flt.with_dates(first, first + dt.timedelta(days=7 * weeks_ahead - 1))
else:
    period = flt
day_pattern = _("EEE dd MMM yyyy")
st.caption(_("Planning {start} – {end} (UTC days)").format(
    start=fmt.datetime(period.start, day_pattern), end=fmt.datetime(period.end, day_pattern)))

with st.expander(_("What if: targets and levers"), expanded=False):
    one, two, three = st.columns(3)
    with one:
        target_sl = controls.number(_("Service level target (%)"), "sl", 80, 50, 99)
        answer_s = controls.number(_("…answered within (seconds)"), "answer_s", 20, 5, 120)
    with two:
        aht_change = controls.number(_("Handle time change (%)"), "aht", 0, -30, 50)
        shrinkage = controls.number(
            _("Shrinkage (%)"),
            "shrinkage",
            30,
            0,
            50,
            help=_("Share of scheduled time not available for contacts: breaks, training, "
                   "meetings, absence."),
        )
    with three:
        occupancy = controls.number(_("Maximum occupancy (%)"), "occupancy", 85, 60, 100)
        uplift = controls.number(_("Peak uplift on arrivals (%)"), "uplift", 0, 0, 150)
        patience = controls.number(
            _("Callers give up after (seconds; 0 = never)"),
            "patience",
            0,
            0,
            900,
            help=_("With a mean patience, phone and chat use Erlang A (customers abandon); 0 "
                   "uses Erlang C (everybody waits)."),
        )
try:
    with st.spinner(_("Computing required agents…")):
        plan = data.staffing_plan(
            period, minutes, mode == "ahead", zone,
            service_level=target_sl / 100, answer_s=answer_s, shrinkage=shrinkage / 100,
            max_occupancy=occupancy / 100, written_occupancy=occupancy / 100,
            aht_factor=1 + aht_change / 100, uplift=uplift / 100, patience_s=patience or None,
        )  # fmt: skip
except ValueError as error:
    show.empty(_("No staffing plan: {error}.").format(error=fmt.escape_markdown(error)))
    st.stop()
if plan.empty:
    show.empty(_("No demand and no shifts in this period for the filtered languages and hubs."))
    st.stop()

# ---------------------------------------------------------------- headline
totals = data.staffing_headline(plan, minutes)
tiles = st.columns(4)
tiles[0].metric(
    _("Agent-hours required"),
    fmt.count(totals.required_hours),
    help=_("Σ over intervals of ceil(required agents ÷ (1 − shrinkage)) × interval length: the "
           "headcount to roster."),
    border=True,
)
tiles[1].metric(
    _("Agent-hours scheduled"),
    fmt.count(totals.scheduled_hours),
    help=_("From the shifts of agents who speak each language; an agent with k languages counts "
           "1/k towards each."),
    border=True,
)
tiles[2].metric(
    _("Intervals short of agents"),
    fmt.percent(totals.short_share),
    help=_("Share of interval × language cells where scheduled < required."),
    border=True,
)
tiles[3].metric(
    _("Service level (expected)"),
    fmt.MISSING if totals.service_level is None else fmt.percent(totals.service_level),
    help=_("Phone and chat: Erlang C with the scheduled agents after shrinkage, weighted by "
           "arrivals; target {target} % in {seconds} s.").format(target=target_sl,
                                                                  seconds=answer_s),
    border=True,
)
source = (
    _("the forecast (holidays and retail peaks included)")
    if mode == "ahead"
    else _("the contacts observed")
)
st.caption(
    _("Required agents from {source}: phone and chat by Erlang C (target {target} % answered "
      "within {seconds} s, occupancy at most {occupancy} %), written channels as handle-time "
      "workload at {occupancy} % occupancy; scheduled = ceil(required ÷ (1 − {shrinkage} % "
      "shrinkage)). Gap = scheduled − required: negative is short.").format(
        source=source, target=target_sl, seconds=answer_s, occupancy=occupancy,
        shrinkage=shrinkage)
)

# ---------------------------------------------------------------- heatmaps
st.subheader(_("Where the gaps are"))
languages = data.languages_by_gap(plan)
if len(languages) > 1:  # one language: its week below says it all
    show.chart(show.figure(staffing_charts.language_by_hour, plan, zone), "gap_languages",
               data=plan)
pick_col, view_col = st.columns([2, 2])
with pick_col:
    language = controls.select(
        _("Language"), languages, "language_view", languages[0],
        lambda c: fmt.member("language", c),
    )  # fmt: skip
with view_col:
    days = (period.end - period.start).days + 1
    typical = controls.toggle(_("Typical week (average by weekday)"), "typical", days > 14)
show.chart(
    show.figure(staffing_charts.day_by_hour, plan, zone, language, typical),
    "gap_days",
    data=plan[plan["language"] == language],
)

# ---------------------------------------------------------------- ranked gaps
st.subheader(_("The worst gaps"))
ranked = data.worst_gaps(plan, 25)
interval_pattern = _("EEE dd MMM HH:mm")
worst = pd.DataFrame(
    {
        "when": ranked["local"].map(lambda t: fmt.datetime(t, interval_pattern)),
        "language": ranked["language"].map(lambda c: fmt.member("language", c)),
        "contacts": ranked["arrivals"],
        "required": ranked["required_scheduled"],
        "scheduled": ranked["scheduled"],
        "gap": ranked["gap"],
        "service level": ranked["service_level"],
    }
)
forecast = mode == "ahead"  # a forecast's contacts are expectations: one decimal
show.table(
    worst,
    "worst_gaps",
    _("The worst staffing gaps"),
    shown=worst.style.format({
        "contacts": (lambda v: fmt.number(v, 1)) if forecast else fmt.count,
        "required": fmt.count,
        "scheduled": lambda v: fmt.number(v, 1),
        "gap": lambda v: fmt.signed(v, 1),
        "service level": fmt.percent,
    }),
    hide_index=True,
    column_config={
        "when": _("Interval start ({zone})").format(zone=zone),
        "language": _("Language"),
        "contacts": _("Contacts"),
        "required": _("Required (rostered)"),
        "scheduled": _("Scheduled"),
        "gap": _("Gap"),
        "service level": _("Expected SL"),
    },
)  # fmt: skip

# ---------------------------------------------------------------- 24/7 coverage
st.subheader(_("24/7 coverage check"))
summary = data.coverage_gaps(plan)
if summary.empty:
    st.success(_("Every interval with demand has somebody scheduled who speaks the language."))
else:
    summary.index = [fmt.member("language", c) for c in summary.index]
    coverage = summary.rename_axis("language").reset_index()
    show.table(
        coverage,
        "coverage",
        _("24/7 coverage check"),
        shown=coverage.style.format({"intervals": fmt.count, "contacts": fmt.count}),
        hide_index=True,
        column_config={
            "language": _("Language"),
            "intervals": _("Intervals with demand and nobody on shift"),
            "contacts": _("Contacts in them"),
            "hours": _("Hours of day ({zone})").format(zone=zone),
        },
    )  # fmt: skip
    st.caption(
        _("Calls and chats arriving then go unanswered or wait for a callback; written contacts "
          "wait for the next shift.")
    )
