"""Attention benchmark: how well the anomaly scan finds the sample's planted incidents, how
often it cries wolf, and how long scanning every series takes.

    python -m bench.attention [--db data/sample.duckdb] [--days 200] [--scale PATH]

Ground truth is the generator's (``data_access.sample.profile``): the incidents (a market's
contacts about one reason multiplied for a few days) and the voice issues (six and three weeks of
unhappy survey answers in one market). A finding is *true* when its series carries the event's
market (the market itself, its language, its hub; the total and a channel only for an incident,
which moves them) and its days touch the event's days. Precision is true findings over all
findings; recall counts the incidents found in their market's own series starting on their first
day. Alarms on holidays and peaks count findings in a market's series that start on one of its
public holidays or retail-peak days and are not an incident. Prints one markdown table.
"""

from __future__ import annotations

import argparse
import datetime as dt
import time
from pathlib import Path

import pandas as pd

from data_access import reference
from data_access.catalog import read_catalog
from data_access.config import DEFAULT_DB
from data_access.database import Database
from data_access.filters import Filter
from data_access.retail_calendar import peak_calendar
from data_access.sample import profile
from metrics import anomalies
from metrics.alert_rules import ANOMALY_MIN_SIZE
from metrics.engine import kpi_table

MAIN_LANGUAGE_SHARE = 0.3  # a language carries a market when it is this much of its contacts


def _events(db: Database, end: dt.date) -> list[dict]:
    markets = {m.country: m for m in profile.MARKETS}
    planted = [("incident", i.country, end - dt.timedelta(days=i.days_before_end), i.days)
               for i in profile.INCIDENTS]  # fmt: skip
    planted += [("voice issue", v.country, end - dt.timedelta(days=v.days), v.days + 1)
                for v in profile.VOICE_ISSUES]  # fmt: skip
    events = []
    for kind, country, first, days in planted:
        hubs = kpi_table(db, ["volume"], by=["hub"], flt=Filter(countries=(country,)))
        spoken = {k for k, v in markets[country].languages.items() if v >= MAIN_LANGUAGE_SHARE}
        events.append({"kind": kind, "country": country, "first": first,
                       "last": first + dt.timedelta(days=days - 1),
                       "hub": hubs.sort_values("value")["hub"].iloc[-1],
                       "languages": spoken})  # fmt: skip
    return events


def _carries(finding: anomalies.Anomaly, event: dict) -> bool:
    if finding.dimension == "country":
        return finding.member == event["country"]
    if finding.dimension == "language":
        return finding.member in event["languages"]
    if finding.dimension == "hub":
        return finding.member == event["hub"]
    return event["kind"] == "incident"  # the total or a channel


def _touches(finding: anomalies.Anomaly, event: dict) -> bool:
    margin = dt.timedelta(days=1)
    return finding.start <= event["last"] + margin and finding.end >= event["first"] - margin


def _on_calendar_day(finding: anomalies.Anomaly, peaks: pd.DataFrame) -> bool:
    if finding.dimension != "country":
        return False
    day = finding.start
    if day in reference.public_holidays(finding.member, [day.year]):
        return True
    mine = peaks[peaks["markets"].map(lambda markets: finding.member in markets)]
    return bool(((mine["start"] <= day) & (mine["end"] >= day)).any())


def measure(path: Path, days: int) -> list[tuple[str, str]]:
    db = Database(path)
    end = read_catalog(db).last_day
    flt = Filter(start=end - dt.timedelta(days=days), end=end)
    started = time.perf_counter()
    scan = anomalies.scan(db, flt)
    found = anomalies.anomalies(scan, ANOMALY_MIN_SIZE)
    seconds = time.perf_counter() - started
    events = _events(db, end)
    true = [f for f in found if any(_carries(f, e) and _touches(f, e) for e in events)]
    incidents = [e for e in events if e["kind"] == "incident"]
    on_time = [e for e in incidents if any(f.dimension == "country" and f.member == e["country"]
                                           and f.start == e["first"] for f in found)]  # fmt: skip
    voice = [e for e in events if e["kind"] == "voice issue"]
    heard = [e for e in voice if any(_carries(f, e) and _touches(f, e) for f in found)]
    peaks = peak_calendar([end.year - 1, end.year])
    wolf = [f for f in found if f not in true and _on_calendar_day(f, peaks)]
    false = [f for f in found if f not in true]
    return [
        ("Data", f"{path.name}: data through {end}, last {days} days scanned"),
        ("Series modelled / tests", f"{len(scan.series):,} / {len(scan.tests):,}"),
        ("Scan time (all series, all KPIs)", f"{seconds:.1f} s"),
        ("Findings", f"{len(found)}"),
        (
            "Precision (true findings / findings)",
            f"{len(true) / max(len(found), 1):.2f} ({len(true)} of {len(found)})",
        ),
        (
            "Recall: incidents found in their market from their first day",
            f"{len(on_time)} of {len(incidents)}",
        ),
        ("Recall: voice issues found (any series of the market)", f"{len(heard)} of {len(voice)}"),
        ("Alarms starting on a holiday or retail-peak day", f"{len(wolf)}"),
        (
            "False findings",
            "; ".join(
                f"{f.kpi} {f.dimension} {f.member} {f.start}"
                f"{'–' + str(f.end) if f.end != f.start else ''}"
                for f in false
            )
            or "none",
        ),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--db", type=Path, default=DEFAULT_DB)
    parser.add_argument("--days", type=int, default=200, help="days scanned, up to the data's end")
    parser.add_argument("--scale", type=Path, help="a large dataset: time its scan as well")
    args = parser.parse_args()
    rows = measure(args.db, args.days)
    if args.scale:
        shown = ("Data", "Series", "Scan", "Findings", "Precision")
        rows += [(f"At scale: {name}", value)
                 for name, value in measure(args.scale, args.days)
                 if name.startswith(shown)]  # fmt: skip
    print("| measure | result |\n| --- | --- |")
    for name, value in rows:
        print(f"| {name} | {value} |")


if __name__ == "__main__":
    main()
