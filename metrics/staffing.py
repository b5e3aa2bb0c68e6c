"""Staffing: required and scheduled agents per interval and language (maths: metrics.erlang).

No Streamlit here; the data comes through metrics.engine and metrics.schedule. The planners'
one-interval calculator is ``python -m atlas erlang``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd

from data_access.catalog import read_catalog
from data_access.database import Database
from data_access.filters import Filter
from data_access.results import precomputed
from metrics import erlang
from metrics.engine import kpi_table
from metrics.schedule import scheduled_by_interval

# ---- the staffing plan: required against scheduled, per interval and language ----------------

LIVE_CHANNELS = ("phone", "chat")  # queues: Erlang C (or A with patience)
PROFILE_WEEKS = 8  # intraday shape of future demand: the last weeks' hour-of-week profile


# what ``required`` gives per interval and language: summed loads, then the agents they need
LOAD_COLUMNS = ("arrivals", "live_arrivals", "live_load", "live_agents", "written_agents")
REQUIRED_COLUMNS = (*LOAD_COLUMNS, "required", "required_scheduled")


@dataclass(frozen=True)
class Targets:
    """Planning targets and what-if levers."""

    service_level: float = 0.8  # share of live contacts answered within answer_s
    answer_s: float = 20.0
    shrinkage: float = 0.3  # share of scheduled time not available for contacts
    max_occupancy: float = 0.85  # live queues: load / agents at most
    written_occupancy: float = 0.85  # written work: agents busy this share of the time
    aht_factor: float = 1.0  # what-if: handle time × factor
    uplift: float = 0.0  # what-if: arrivals × (1 + uplift), e.g. a peak
    patience_s: float | None = None  # Erlang A for live queues when given


def _group(channel: str) -> str:
    return "live" if channel in LIVE_CHANNELS else "written"


def history_demand(db: Database, flt: Filter, minutes: int = 30) -> pd.DataFrame:
    """Observed demand per interval (UTC start), language and channel group.

    Live: contacts offered to the phone/chat agent queue (bot-resolved ones never are);
    written: contacts an agent handled. AHT is each language and group's mean over the period
    (a single interval's AHT is too noisy to plan with).
    """
    grain = {30: "half_hour", 60: "hour"}[minutes]
    table = kpi_table(db, ["abandonment", "aht"], by=["language", "channel"], flt=flt, grain=grain)
    if table.empty:
        return pd.DataFrame(columns=["interval", "language", "group", "arrivals", "aht_s"])
    table["group"] = table["channel"].map(_group)
    offered = table[(table["kpi"] == "abandonment") & (table["group"] == "live")]
    handled = table[(table["kpi"] == "aht") & (table["group"] == "written")]
    arrivals = pd.concat([offered, handled]).groupby([grain, "language", "group"])["n"].sum()
    work = table[table["kpi"] == "aht"].assign(seconds=lambda t: t["value"] * t["n"])
    totals = work.groupby(["language", "group"])[["seconds", "n"]].sum()
    aht = (totals["seconds"] / totals["n"]).rename("aht_s")
    demand = arrivals.rename("arrivals").reset_index().rename(columns={grain: "interval"})
    return demand.merge(aht.reset_index(), on=["language", "group"], how="left")


def _profile_window(db: Database, flt: Filter) -> Filter:
    """The last ``PROFILE_WEEKS`` of the data: the demand a forecast plan is shaped by."""
    last = read_catalog(db).last_day
    return flt.with_dates(last - dt.timedelta(weeks=PROFILE_WEEKS) + dt.timedelta(days=1), last)


def serving(db: Database, flt: Filter, window: Filter) -> Filter | None:
    """For a filter to some markets, the filter narrowed to the languages their customers used
    in ``window`` and the hubs that handled them; None when they had no contacts. Agents serve
    every market, so a market's plan counts the agents who could take its contacts, not every
    language on the schedule. A filter without countries is returned as it is."""
    if not flt.countries:
        return flt
    served = kpi_table(db, ["volume"], by=["language", "hub"], flt=window)
    served = served[served["value"] > 0]
    if served.empty:
        return None
    return flt.narrowed(languages=tuple(served["language"].unique()),
                        hubs=tuple(served["hub"].dropna().unique()))  # fmt: skip


def forecast_demand(db: Database, flt: Filter, minutes: int = 30) -> pd.DataFrame:
    """Future demand per interval, language and channel group.

    The shape comes from the last eight weeks: their mean arrivals per weekday, interval and
    group. The level comes from each language's daily forecast (metrics.forecast, holidays
    and peaks included): a day's shape is scaled by forecast(day) ÷ the recent mean volume
    of the same weekday.
    """
    from metrics.forecast import forecast_daily  # statsmodels: only when planning ahead

    last = read_catalog(db).last_day  # of plausibly dated tickets
    if flt.start <= last:
        raise ValueError(f"a forecast plan starts after the data ends ({last:%d %b %Y})")
    profile = history_demand(db, _profile_window(db, flt), minutes)
    if profile.empty:
        raise ValueError("no recent history to shape the forecast with")
    profile["weekday"] = profile["interval"].dt.day_of_week
    profile["offset"] = profile["interval"] - profile["interval"].dt.normalize()
    shape = (
        (
            profile.groupby(["language", "group", "weekday", "offset"])["arrivals"].sum()
            / PROFILE_WEEKS
        )
        .rename("arrivals")
        .reset_index()
    )
    aht = profile.groupby(["language", "group"])["aht_s"].first().reset_index()
    horizon = (flt.end - last).days + 1
    frames = []
    for language in sorted(profile["language"].unique()):
        result = forecast_daily(db, flt.with_dates(None, None), "language", language, horizon)
        history = result.history.tail(7 * PROFILE_WEEKS)
        usual = history.groupby(history["day"].dt.day_of_week)["volume"].mean()
        ahead = result.forecast.set_index(result.forecast["day"].dt.normalize())["mean"]
        for day in pd.date_range(flt.start, flt.end, freq="D"):
            if day not in ahead.index or not usual.get(day.day_of_week):
                continue
            ratio = ahead[day] / usual[day.day_of_week]
            rows = shape[(shape["language"] == language) & (shape["weekday"] == day.day_of_week)]
            frames.append(
                rows.assign(interval=day + rows["offset"], arrivals=rows["arrivals"] * ratio)
            )
    if not frames:
        raise ValueError("no forecast for the chosen languages and dates")
    demand = pd.concat(frames, ignore_index=True)[["interval", "language", "group", "arrivals"]]
    return demand.merge(aht, on=["language", "group"], how="left")


def required(demand: pd.DataFrame, targets: Targets, minutes: int = 30) -> pd.DataFrame:
    """Agents needed per interval and language: live queues by Erlang C (Erlang A with a
    patience), written work as load ÷ target occupancy; both after the what-if levers.

    Columns: interval, language, arrivals, live_agents, written_agents, required (agents on
    the floor), required_scheduled = ceil(required ÷ (1 − shrinkage)).
    """
    interval_s = minutes * 60.0
    rows = demand.assign(
        arrivals=demand["arrivals"] * (1 + targets.uplift),
        aht_s=demand["aht_s"].fillna(demand["aht_s"].median()) * targets.aht_factor,
    )
    load = erlang.traffic_load(
        rows["arrivals"].to_numpy(float), rows["aht_s"].to_numpy(float), interval_s
    )
    live = rows["group"].to_numpy() == "live"
    agents = np.where(live, 0.0, load / targets.written_occupancy)
    if live.any():
        agents[live] = erlang.required_agents(
            load[live],
            rows["aht_s"].to_numpy(float)[live],
            targets.service_level,
            targets.answer_s,
            targets.max_occupancy,
            targets.patience_s,
        )
    rows = rows.assign(
        live_arrivals=np.where(live, rows["arrivals"], 0.0),
        live_load=np.where(live, load, 0.0),
        live_agents=np.where(live, agents, 0.0),
        written_agents=np.where(live, 0.0, agents),
    )
    plan = rows.groupby(["interval", "language"], as_index=False)[list(LOAD_COLUMNS)].sum()
    plan["required"] = plan["live_agents"] + plan["written_agents"]
    plan["required_scheduled"] = np.ceil(
        np.round(plan["required"] / (1 - targets.shrinkage), 9)
    ).astype(int)
    return plan


@precomputed
def staffing_plan(
    db: Database, flt: Filter, targets: Targets, minutes: int = 30, ahead: bool = False
) -> pd.DataFrame:
    """Required against scheduled agents per interval (UTC) and language.

    ``ahead=False`` plans the filter's (past) period from observed demand; ``ahead=True``
    plans a future period from the forecast. Scheduled agents come from the shifts of agents
    who speak the language (1/k for k languages, see metrics.schedule); for some markets, only
    their languages and the hubs that handle them count (``serving``). ``gap`` = scheduled −
    required_scheduled (negative: short). ``service_level`` is what the live queue can expect
    with the scheduled agents after shrinkage (Erlang C, or Erlang A with a patience), agents
    being blended: phone and chat
    come first and written work fills the time in between.
    """
    demand = forecast_demand(db, flt, minutes) if ahead else history_demand(db, flt, minutes)
    plan = pd.DataFrame(columns=["interval", "language", *REQUIRED_COLUMNS])
    if not demand.empty:
        plan = required(demand, targets, minutes)
    supply = pd.DataFrame(columns=["interval", "language", "agents"])
    schedule = serving(db, flt, _profile_window(db, flt) if ahead else flt)
    if schedule is not None:
        supply = (
            scheduled_by_interval(db, schedule, minutes)
            .groupby(["interval", "language"], as_index=False)["agents"]
            .sum()
        )
    merged = plan.merge(
        supply.rename(columns={"agents": "scheduled"}), on=["interval", "language"], how="outer"
    )
    merged = merged.fillna({**dict.fromkeys(REQUIRED_COLUMNS, 0.0), "required_scheduled": 0,
                            "scheduled": 0.0})  # fmt: skip
    merged["gap"] = merged["scheduled"] - merged["required_scheduled"]
    # blended agents: phone and chat come first, written work fills the time in between
    for_queue = np.round(merged["scheduled"].to_numpy() * (1 - targets.shrinkage))
    load = merged["live_load"].to_numpy(float)
    aht = np.full(len(merged), 300.0)  # SL only depends on AHT through (N - A) t / AHT
    if "aht_s" in demand and not demand.empty:
        live_aht = demand[demand["group"] == "live"].groupby("language")["aht_s"].first()
        aht = merged["language"].map(live_aht).fillna(300.0).to_numpy(float) * targets.aht_factor
    if targets.patience_s:
        stats = erlang.erlang_a(load, for_queue, aht, targets.answer_s, targets.patience_s)
    else:
        stats = erlang.erlang_c(load, for_queue, aht, targets.answer_s)
    merged["service_level"] = np.where(load > 0, stats.service_level, np.nan)
    return merged.sort_values(["interval", "language"], ignore_index=True)


# ---- reading a plan: what the Staffing page shows --------------------------------------------
@dataclass(frozen=True)
class Headline:
    """A plan in four numbers."""

    required_hours: float  # agent-hours to roster: Σ required_scheduled × interval length
    scheduled_hours: float
    short_share: float  # share of interval × language cells with scheduled < required
    service_level: float | None  # expected on phone and chat; None without live demand


def headline(plan: pd.DataFrame, minutes: int) -> Headline:
    """The plan's totals; the expected service level is each live cell's weighted by its live
    arrivals (a quiet night hour counts less than the Monday-morning rush)."""
    hours = minutes / 60
    live = plan[plan["live_load"] > 0]
    weights = live["live_arrivals"].sum()
    return Headline(
        required_hours=float(plan["required_scheduled"].sum() * hours),
        scheduled_hours=float(plan["scheduled"].sum() * hours),
        short_share=float((plan["gap"] < 0).mean()) if len(plan) else 0.0,
        service_level=(float((live["service_level"] * live["live_arrivals"]).sum() / weights)
                       if weights > 0 else None),
    )  # fmt: skip


def in_local_time(plan: pd.DataFrame, zone: str) -> pd.DataFrame:
    """The plan with ``local``: each interval's start as wall-clock time in ``zone``."""
    local = pd.to_datetime(plan["interval"]).dt.tz_localize("UTC").dt.tz_convert(zone)
    return plan.assign(local=local.dt.tz_localize(None))


def languages_by_gap(plan: pd.DataFrame) -> list[str]:
    """The plan's languages, the shortest of agents on average first."""
    return plan.groupby("language")["gap"].mean().sort_values().index.tolist()


def worst_gaps(plan: pd.DataFrame, n: int = 25) -> pd.DataFrame:
    """The ``n`` interval × language cells furthest short; among equal gaps, the busiest first."""
    return plan.sort_values(["gap", "arrivals"], ascending=[True, False]).head(n)


def coverage_gaps(plan: pd.DataFrame) -> pd.DataFrame:
    """Per language, the intervals with demand and nobody scheduled who speaks it (a plan
    ``in_local_time``): how many, their contacts, and their local hours of day ("02, 03").
    The languages with most such contacts first; empty when every interval is covered."""
    uncovered = plan[(plan["scheduled"] == 0) & (plan["arrivals"] > 0)]
    return (
        uncovered.assign(hour=uncovered["local"].dt.hour)
        .groupby("language")
        .agg(
            intervals=("interval", "size"),
            contacts=("arrivals", "sum"),
            hours=("hour", lambda h: ", ".join(f"{x:02d}" for x in sorted(set(h)))),
        )
        .sort_values("contacts", ascending=False)
    )
