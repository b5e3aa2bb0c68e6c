"""Staffing: Erlang-based required agents against the schedule, by language and hour."""

import datetime as dt

import pandas as pd
import streamlit as st

from metrics.staffing import Targets, staffing_plan
from ui import controls, data, show, staffing_charts
from ui import format as fmt
from ui.page import page

flt = page(
    "Staffing",
    "staffing",
    ":material/groups:",
    "enough agents who speak the right language at the right hour?",
)
cat = data.data_catalog()
hub_zones = data.hub_timezones()

# ---------------------------------------------------------------- what to plan
mode_col, interval_col, zone_col, weeks_col = st.columns([3, 2, 2, 2])
with mode_col:
    mode = controls.select(
        "Plan",
        ["history", "ahead"],
        "plan",
        "history",
        {"history": "Observed demand in the period", "ahead": "Forecast for the coming weeks"}.get,
        horizontal=True,
    )
with interval_col:
    minutes = int(
        controls.select(
            "Interval", ["30", "60"], "interval", "30", lambda m: f"{m} minutes", horizontal=True
        )
    )
with zone_col:
    default_zone = hub_zones.get(flt.hubs[0], "UTC") if len(flt.hubs) == 1 else "UTC"
    zone = controls.select(
        "Hours in", ["UTC", *sorted(set(hub_zones.values()))], "zone", default_zone
    )
weeks_ahead = 2
if mode == "ahead":
    with weeks_col:
        weeks_ahead = controls.number("Weeks ahead", "weeks_ahead", 2, 1, 4)
    first = cat.last_day + dt.timedelta(days=1)
    period = flt.with_dates(first, first + dt.timedelta(days=7 * weeks_ahead - 1))
else:
    period = flt
st.caption(f"Planning {period.start:%a %d %b %Y} – {period.end:%a %d %b %Y} (UTC days)")

with st.expander("What if: targets and levers", expanded=False):
    one, two, three = st.columns(3)
    with one:
        target_sl = controls.number("Service level target (%)", "sl", 80, 50, 99)
        answer_s = controls.number("…answered within (seconds)", "answer_s", 20, 5, 120)
    with two:
        aht_change = controls.number("Handle time change (%)", "aht", 0, -30, 50)
        shrinkage = controls.number(
            "Shrinkage (%)",
            "shrinkage",
            30,
            0,
            50,
            help="Share of scheduled time not available for contacts:"
            " breaks, training, meetings, absence.",
        )
    with three:
        occupancy = controls.number("Maximum occupancy (%)", "occupancy", 85, 60, 100)
        uplift = controls.number("Peak uplift on arrivals (%)", "uplift", 0, 0, 150)
        patience = controls.number(
            "Callers give up after (seconds; 0 = never)",
            "patience",
            0,
            0,
            900,
            help="With a mean patience, phone and chat use Erlang A (customers abandon);"
            " 0 uses Erlang C (everybody waits).",
        )
targets = Targets(
    service_level=target_sl / 100,
    answer_s=answer_s,
    shrinkage=shrinkage / 100,
    max_occupancy=occupancy / 100,
    written_occupancy=occupancy / 100,
    aht_factor=1 + aht_change / 100,
    uplift=uplift / 100,
    patience_s=patience or None,
)

try:
    with st.spinner("Computing required agents…"):
        plan = data.query(staffing_plan, period, targets, minutes, mode == "ahead")
except ValueError as error:
    show.empty(f"No staffing plan: {error}.")
    st.stop()
if plan.empty:
    show.empty("No demand and no shifts in this period for the filtered languages and hubs.")
    st.stop()
plan["local"] = pd.to_datetime(plan["interval"]).dt.tz_localize("UTC").dt.tz_convert(zone)
plan["local"] = plan["local"].dt.tz_localize(None)
hours = minutes / 60

# ---------------------------------------------------------------- headline
short = plan[plan["gap"] < 0]
uncovered = plan[(plan["scheduled"] == 0) & (plan["arrivals"] > 0)]
tiles = st.columns(4)
tiles[0].metric(
    "Agent-hours required",
    fmt.count(plan["required_scheduled"].sum() * hours),
    help="Σ over intervals of ceil(required agents ÷ (1 − shrinkage)) × interval"
    " length: the headcount to roster.",
    border=True,
)
tiles[1].metric(
    "Agent-hours scheduled",
    fmt.count(plan["scheduled"].sum() * hours),
    help="From the shifts of agents who speak each language; an agent with k"
    " languages counts 1/k towards each.",
    border=True,
)
tiles[2].metric(
    "Intervals short of agents",
    fmt.percent(len(short) / len(plan)),
    help="Share of interval × language cells where scheduled < required.",
    border=True,
)
live = plan[plan["live_load"] > 0]
expected_sl = (live["service_level"] * live["live_arrivals"]).sum() / live["live_arrivals"].sum()
tiles[3].metric(
    "Expected service level (phone & chat)",
    fmt.percent(expected_sl) if len(live) else fmt.MISSING,
    help=f"Erlang C with the scheduled agents after shrinkage, weighted by arrivals;"
    f" target {target_sl} % in {answer_s} s.",
    border=True,
)
source = (
    "the forecast (holidays and retail peaks included)"
    if mode == "ahead"
    else "the contacts observed"
)
st.caption(
    f"Required agents from {source}: phone and chat by Erlang C (target {target_sl} % answered"
    f" within {answer_s} s, occupancy at most {occupancy} %), written channels as handle-time"
    f" workload at {occupancy} % occupancy; scheduled = ceil(required ÷ (1 − {shrinkage} %"
    f" shrinkage)). Gap = scheduled − required: negative is short."
)

# ---------------------------------------------------------------- heatmaps
st.subheader("Where the gaps are")
show.chart(staffing_charts.language_by_hour(plan, zone), "gap_languages", data=plan)
worst = plan.groupby("language")["gap"].mean().sort_values()
languages = worst.index.tolist()
pick_col, view_col = st.columns([2, 2])
with pick_col:
    language = controls.select(
        "Language", languages, "language_view", languages[0], lambda c: fmt.member("language", c)
    )
with view_col:
    days = (period.end - period.start).days + 1
    typical = controls.toggle("Typical week (average by weekday)", "typical", days > 14)
show.chart(
    staffing_charts.day_by_hour(plan, zone, language, typical),
    "gap_days",
    data=plan[plan["language"] == language],
)

# ---------------------------------------------------------------- ranked gaps
st.subheader("The worst gaps")
ranked = plan.sort_values(["gap", "arrivals"], ascending=[True, False]).head(25)
show.table(
    pd.DataFrame(
        {
            "when": ranked["local"].dt.strftime("%a %d %b %H:%M"),
            "language": ranked["language"].map(lambda c: fmt.member("language", c)),
            "contacts": ranked["arrivals"],
            "required": ranked["required_scheduled"],
            "scheduled": ranked["scheduled"],
            "gap": ranked["gap"],
            "service level": ranked["service_level"],
        }
    ),
    "worst_gaps",
    "The worst staffing gaps",
    hide_index=True,
    column_config={
        "when": f"Interval start ({zone})",
        "language": "Language",
        "contacts": st.column_config.NumberColumn("Contacts", format="%.1f"),
        "required": st.column_config.NumberColumn("Required (rostered)", format="%d"),
        "scheduled": st.column_config.NumberColumn("Scheduled", format="%.1f"),
        "gap": st.column_config.NumberColumn("Gap", format="%+.1f"),
        "service level": st.column_config.NumberColumn("Expected SL", format="percent"),
    },
)

# ---------------------------------------------------------------- 24/7 coverage
st.subheader("24/7 coverage check")
if uncovered.empty:
    st.success("Every interval with demand has somebody scheduled who speaks the language.")
else:
    summary = (
        uncovered.assign(weekday=uncovered["local"].dt.day_of_week, hour=uncovered["local"].dt.hour)
        .groupby("language")
        .agg(
            intervals=("interval", "size"),
            contacts=("arrivals", "sum"),
            hours=("hour", lambda h: ", ".join(f"{x:02d}" for x in sorted(set(h)))),
        )
        .sort_values("contacts", ascending=False)
    )
    summary.index = [fmt.member("language", c) for c in summary.index]
    show.table(
        summary.rename_axis("language").reset_index(),
        "coverage",
        "24/7 coverage check",
        hide_index=True,
        column_config={
            "intervals": st.column_config.NumberColumn("Intervals with demand and nobody on shift"),
            "contacts": st.column_config.NumberColumn("Contacts in them", format="%.0f"),
            "hours": f"Hours of day ({zone})",
        },
    )
    st.caption(
        "Calls and chats arriving then go unanswered or wait for a callback; written"
        " contacts wait for the next shift."
    )
