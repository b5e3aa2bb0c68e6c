"""What access scopes cost: the same questions unscoped, for one market and for two rules, and
the one-off cost of a scope's views. Prints a markdown table.

A scoped database answers every query through views joined to the scope's covered
(country, language, hub) combinations (``data_access.access``); each row is the median of
``--runs`` warm runs of the question as a page asks it.

    python -m bench.access [--db data/sample.duckdb] [--runs 5]
"""

from __future__ import annotations

import datetime as dt
import os
import platform
import time
from collections.abc import Callable

from bench import median_time, sample_database
from data_access.access import Grant, Scope
from data_access.catalog import read_catalog
from data_access.database import Database
from data_access.filters import Filter
from metrics import engine, voc

PANEL = ("volume", "frt_median", "resolution_median", "csat", "nps", "sla", "fcr")
SCOPES = {
    "unscoped (admin)": None,
    "one market (KR, comments, rows)": Scope("kr", (Grant(countries=("KR",), comments=True,
                                                          rows=True),)),
    "two rules (7 APAC markets; ja in APAC with comments)": Scope("apac", (
        Grant(countries=("KR", "JP", "CN", "TW", "HK", "SG", "AU")),
        Grant(languages=("ja",), hubs=("APAC",), comments=True, rows=True))),
}  # fmt: skip


def main() -> None:
    args, base, last = sample_database(__doc__, runs=5)
    period = Filter(start=last - dt.timedelta(days=27), end=last)
    questions: dict[str, Callable[[Database], object]] = {
        "catalog (filters)": read_catalog,
        "KPI panel, all": lambda db: engine.kpi_table(db, PANEL, (), period, compare=("previous",)),
        "KPI panel by country": lambda db: engine.kpi_table(db, PANEL, ("country",), period),
        "volume by day": lambda db: engine.kpi_table(db, ["volume"], (), period, "day"),
        "comment search": lambda db: voc.comments(db, period, "delivery", None, None, 50),
    }
    tickets = base.query("SELECT count(*) AS n FROM tickets")["n"][0]
    machine = platform.processor() or platform.machine()
    print(f"Access scopes — {dt.date.today()} — {machine}, {os.cpu_count()} cores, "
          f"{tickets:,} tickets; median of {args.runs} warm runs\n")  # fmt: skip
    print("| scope | views (once) | " + " | ".join(questions) + " |")
    print("| --- | ---: | " + " | ".join("---:" for _ in questions) + " |")
    for name, scope in SCOPES.items():
        started = time.perf_counter()
        db = base if scope is None else base.scoped(scope)
        db.query("SELECT 1")  # a scope's views are made by its first query
        views = time.perf_counter() - started
        timings = [
            median_time(lambda q=question, d=db: q(d), args.runs) for question in questions.values()
        ]
        print(f"| {name} | {views:.3f} s | " + " | ".join(f"{t:.3f} s" for t in timings) + " |")


if __name__ == "__main__":
    main()
