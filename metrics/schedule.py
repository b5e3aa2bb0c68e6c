"""What the schedule supplies: agent hours by language and hub, from shifts and agents' skills.

The rule for multilingual agents (used everywhere supply is counted): an agent who speaks k
languages counts 1/k towards each of them, so the hours of all languages add up to the hours
actually scheduled and nobody is counted twice.
"""

from __future__ import annotations

import pandas as pd

from data_access.database import Database
from data_access.filters import Filter
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


def language_balance(db: Database, flt: Filter) -> pd.DataFrame:
    """Per language with contacts under the filter: share of contacts and of agent work time
    (demand) against share of scheduled agent hours (supply), all among those languages, so a
    filter to some markets compares their languages with each other. ``gap`` = supply share −
    work share, in points."""
    demand = kpi_table(db, ["volume", "aht"], by=["language"], flt=flt)
    volume = demand[demand["kpi"] == "volume"].set_index("language")["value"]
    handled = demand[demand["kpi"] == "aht"].set_index("language")
    work = (handled["value"] * handled["n"] / 3600).reindex(volume.index).fillna(0)
    supply = scheduled_hours(db, flt).groupby("language")["agent_hours"].sum()
    languages = sorted(volume.index[volume > 0])
    frame = pd.DataFrame(index=pd.Index(languages, name="language"))
    frame["contacts"] = volume.reindex(languages).fillna(0)
    frame["work_hours"] = work.reindex(languages).fillna(0)
    frame["agent_hours"] = supply.reindex(languages).fillna(0)
    for column, share in (("contacts", "contact_share"), ("work_hours", "work_share"),
                          ("agent_hours", "supply_share")):  # fmt: skip
        total = frame[column].sum()
        frame[share] = frame[column] / total if total else 0.0
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
