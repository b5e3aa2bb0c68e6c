"""Times the drill-down (``metrics.drilldown``) and prints a markdown table.

For a few cells of growing size (a channel's week, a year of one KPI, every ticket), the count,
the first page, a page near the end, the first page sorted by another column, and the capped
export (``EXPORT_ROWS`` rows). Median of ``--runs`` warm runs, and the process's peak memory:
pages are read with LIMIT/OFFSET, so only the page leaves the database.

    python -m bench.drilldown [--db data/sample.duckdb] [--runs 3]
"""

from __future__ import annotations

import datetime as dt
import os
import platform
import resource

from bench import median_time, sample_database
from data_access.filters import Filter
from metrics import drilldown
from metrics.drilldown import Cell, Scope


def main() -> None:
    args, db, last = sample_database(__doc__, runs=3)
    year = Filter(start=last - dt.timedelta(days=364), end=last, timezone="Asia/Seoul")
    week_start = last - dt.timedelta(days=last.weekday() + 7)
    cells = {
        "volume, e-mail, one week (Seoul)": Cell(
            "volume", Scope(year, ("channel",), "week"),
            (("channel", "email"), ("week", week_start)),
        ),
        "first response, 12 months": Cell("frt_median", Scope(year)),
        "CSAT responses, 12 months": Cell("csat", Scope(year)),
        "volume, every ticket": Cell("volume", Scope(Filter())),
    }  # fmt: skip
    tickets = db.query("SELECT count(*) AS n FROM tickets")["n"][0]
    machine = platform.processor() or platform.machine()
    print(f"Drill-down benchmark — {dt.date.today()} — {machine}, {os.cpu_count()} cores, "
          f"{tickets:,} tickets; median of {args.runs} warm runs\n")  # fmt: skip
    print("| cell | rows | count | first page | last page | sorted by time | export |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    for name, cell in cells.items():
        total = drilldown.count(db, cell)
        last_page = max(0, total - drilldown.PAGE_ROWS)
        export = min(total, drilldown.EXPORT_ROWS)
        timings = [
            median_time(lambda c=cell: drilldown.count(db, c), args.runs),
            median_time(lambda c=cell: drilldown.rows(db, c), args.runs),
            median_time(lambda c=cell, o=last_page: drilldown.rows(db, c, offset=o), args.runs),
            median_time(lambda c=cell: drilldown.rows(db, c, sort=c.columns[2], descending=True),
                    args.runs),
            median_time(lambda c=cell, n=export: drilldown.rows(db, c, limit=n), args.runs),
        ]  # fmt: skip
        print(f"| {name} | {total:,} | " + " | ".join(f"{t:.3f} s" for t in timings) + " |")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"\nPeak memory of the process: {peak:.0f} MB.")


if __name__ == "__main__":
    main()
