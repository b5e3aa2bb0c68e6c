"""Times the review pack (PDF and HTML) for the default filters and prints a markdown table.

    python -m bench.pack [--db data/sample.duckdb]
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from data_access.config import DEFAULT_DB
from data_access.database import Database
from data_access.filters import Filter
from reports.pack import build_html, build_pdf, default_filter

TARGET_SECONDS = 30


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--db", type=Path, default=DEFAULT_DB)
    args = parser.parse_args()
    db = Database(args.db)
    flt = default_filter(db, Filter())
    rows = []
    for name, build in (("PDF (one browser draws every chart, then prints)",
                         lambda: build_pdf(db, flt)),
                        ("HTML (interactive, self-contained)",
                         lambda: build_html(db, flt, static=False))):  # fmt: skip
        started = time.perf_counter()
        size = len(build())
        rows.append((name, time.perf_counter() - started, size))
    print(f"Review pack on {args.db.name}, last 28 days, all markets\n")
    print("| pack | build time | size | target | met |")
    print("| --- | ---: | ---: | ---: | :---: |")
    for name, seconds, size in rows:
        met = "yes" if seconds < TARGET_SECONDS else "NO"
        print(f"| {name} | {seconds:.1f} s | {size / 1e6:.1f} MB | {TARGET_SECONDS} s | {met} |")


if __name__ == "__main__":
    main()
