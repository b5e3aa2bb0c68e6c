"""What the schedule supplies: agent hours by language and hub, from shifts and agents' skills.

The rule for multilingual agents (used everywhere supply is counted): an agent who speaks k
languages counts 1/k towards each of them, so the hours of all languages add up to the hours
actually scheduled and nobody is counted twice.
"""

from __future__ import annotations

import pandas as pd

from data_access.database import Database
from data_access.filters import Filter
from data_access.results import precomputed
from metrics.engine import kpi_table


def scheduled_hours(db: Database, flt: Filter) -> pd.DataFrame:
    """Scheduled agent hours per language and hub inside the filter's period.

    Columns: language, hub, agent_hours, agents (distinct agents with a shift). The filter's
    languages and hubs apply; countries and channels do not (agents serve every market).
    """
    if not (flt.start and flt.end):
        raise ValueError("scheduled hours need a period with a start and an end")
    conditions = ["s.end_at > $start", "s.start_at < $end"]
    params: dict[str, object] = {"start": flt.start_ts, "end": flt.end_ts}
    if flt.hubs:
        conditions.append("a.hub = ANY($hubs)")
        params["hubs"] = list(flt.hubs)
    language_filter = ""
    if flt.languages:
        language_filter = "WHERE language = ANY($languages)"
        params["languages"] = list(flt.languages)
    return db.query(
        f"""
        WITH spoken AS (
            SELECT s.agent_id, a.hub, unnest(a.languages) AS language,
                   1.0 / len(a.languages) AS share,
                   epoch(least(s.end_at, $end)) - epoch(greatest(s.start_at, $start)) AS seconds
            FROM shifts s JOIN agents a USING (agent_id)
            WHERE {" AND ".join(conditions)}
        )
        SELECT language, hub, sum(share * seconds) / 3600 AS agent_hours,
               count(DISTINCT agent_id) AS agents
        FROM spoken {language_filter}
        GROUP BY ALL ORDER BY language, hub
        """,  # noqa: S608 - fixed SQL; every value is a bound parameter
        params,
    )


def _work_by_language(db: Database, flt: Filter) -> pd.DataFrame:
    """Contacts and agent work hours (handle time) per language under ``flt``."""
    demand = kpi_table(db, ["volume", "aht"], by=["language"], flt=flt)
    volume = demand[demand["kpi"] == "volume"].set_index("language")["value"]
    handled = demand[demand["kpi"] == "aht"].set_index("language")
    work = (handled["value"] * handled["n"] / 3600).reindex(volume.index).fillna(0)
    return pd.DataFrame({"contacts": volume, "work_hours": work})


@precomputed
def language_balance(db: Database, flt: Filter) -> pd.DataFrame:
    """Per language with contacts under the filter: its share of all agent work time (demand)
    against its share of all scheduled agent hours (supply), and ``own_work_share``, the part
    of its work that the filter's contacts make. Agents serve every market, so the shares are
    of the whole operation (the filter's countries and languages left out, its period, channels
    and hubs kept): one market shows its languages among everybody's work, not as 100 %.
    ``gap`` = supply share − work share, in points."""
    everyone = flt.narrowed(countries=(), languages=())
    own, every = _work_by_language(db, flt), _work_by_language(db, everyone)
    supply = scheduled_hours(db, everyone).groupby("language")["agent_hours"].sum()
    languages = sorted(own.index[own["contacts"] > 0])
    frame = pd.DataFrame(index=pd.Index(languages, name="language"))
    frame["contacts"] = own["contacts"].reindex(languages).fillna(0)
    frame["own_work_hours"] = own["work_hours"].reindex(languages).fillna(0)
    frame["work_hours"] = every["work_hours"].reindex(languages).fillna(0)
    frame["agent_hours"] = supply.reindex(languages).fillna(0)
    work_total, supply_total = every["work_hours"].sum(), supply.sum()
    frame["own_work_share"] = frame["own_work_hours"] / work_total if work_total else 0.0
    frame["work_share"] = frame["work_hours"] / work_total if work_total else 0.0
    frame["supply_share"] = frame["agent_hours"] / supply_total if supply_total else 0.0
    frame["gap"] = frame["supply_share"] - frame["work_share"]
    return frame.reset_index().sort_values("contacts", ascending=False, ignore_index=True)


def scheduled_by_interval(db: Database, flt: Filter, minutes: int = 30) -> pd.DataFrame:
    """Agents on shift per interval (UTC start), language and hub, over the filter's period.

    ``agents`` is fractional: an agent with k languages counts 1/k towards each, and a shift that
    covers part of an interval counts for that part. The filter's languages and hubs apply.
    """
    if not (flt.start and flt.end):
        raise ValueError("scheduled agents need a period with a start and an end")
    if minutes not in (15, 30, 60):
        raise ValueError("intervals are 15, 30 or 60 minutes")
    params: dict[str, object] = {"start": flt.start_ts, "end": flt.end_ts, "minutes": minutes}
    hub_filter = language_filter = ""
    if flt.hubs:
        hub_filter = "AND a.hub = ANY($hubs)"
        params["hubs"] = list(flt.hubs)
    if flt.languages:
        language_filter = "AND language = ANY($languages)"
        params["languages"] = list(flt.languages)
    return db.query(
        f"""
        WITH spoken AS (
            SELECT s.start_at, s.end_at, a.hub, unnest(a.languages) AS language,
                   1.0 / len(a.languages) AS share
            FROM shifts s JOIN agents a USING (agent_id)
            WHERE s.end_at > $start AND s.start_at < $end {hub_filter}
        ), slots AS (
            SELECT *, unnest(generate_series(
                time_bucket(to_minutes(CAST($minutes AS INTEGER)), start_at),
                end_at - INTERVAL 1 MICROSECOND, to_minutes(CAST($minutes AS INTEGER))
            )) AS slot
            FROM spoken
        )
        SELECT timezone('UTC', slot) AS interval, language, hub,
               sum(share * (epoch(least(end_at, slot + to_minutes(CAST($minutes AS INTEGER))))
                            - epoch(greatest(start_at, slot))) / ($minutes * 60)) AS agents
        FROM slots
        WHERE slot >= $start AND slot < $end {language_filter}
        GROUP BY ALL ORDER BY interval, language, hub
        """,  # noqa: S608 - fixed SQL; every value is a bound parameter
        params,
    )
