"""Times a typical KPI panel on the default sample and prints a markdown table.

The panel: 8 KPIs x every country x 52 weeks, with the previous-period comparison, computed by
``metrics.engine.kpi_table`` (one statement). Median of 5 warm runs; target < 0.5 s.

    python -m bench.metrics_panel [--db data/sample.duckdb] [--runs 5]
"""

from __future__ import annotations

import datetime as dt
import os
import platform
import statistics
import time

from bench import sample_database
from data_access.filters import Filter
from metrics.engine import kpi_table

PANEL_KPIS = ["volume", "frt_median", "frt_p90", "resolution_median", "sla", "fcr", "csat", "nps"]
TARGET_SECONDS = 0.5


def main() -> None:
    args, db, last = sample_database(__doc__, runs=5)
    flt = Filter(start=last - dt.timedelta(days=52 * 7 - 1), end=last)
    tickets = db.query("SELECT count(*) AS n FROM tickets")["n"][0]

    kpi_table(db, PANEL_KPIS, ["country"], flt, "week", ["previous"])  # warm-up
    times = []
    for _ in range(args.runs):
        started = time.perf_counter()
        table = kpi_table(db, PANEL_KPIS, ["country"], flt, "week", ["previous"])
        times.append(time.perf_counter() - started)
    median = statistics.median(times)
    machine = platform.processor() or platform.machine()
    print(
        f"Metrics panel benchmark — {dt.date.today()} — {machine}, {os.cpu_count()} cores, "
        f"{tickets:,} tickets\n"
    )
    print("| panel | rows out | median of runs | min | target | met |")
    print("| --- | ---: | ---: | ---: | ---: | :---: |")
    print(
        f"| {len(PANEL_KPIS)} KPIs x {table['country'].nunique()} countries x 52 weeks, vs "
        f"previous period | {len(table):,} | {median:.3f} s | {min(times):.3f} s | "
        f"{TARGET_SECONDS} s | {'yes' if median < TARGET_SECONDS else 'NO'} |"
    )


if __name__ == "__main__":
    main()
