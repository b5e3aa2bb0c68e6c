"""Command line for analysts and scheduled jobs.

``python -m metrics kpis --db PATH --kpi csat,nps,frt_median --by country[,channel]
[--from DATE --to DATE] [--where country=KR,JP --where channel=chat] [--grain week]
[--compare previous,year_ago] [--timezone Area/City] --format csv|json``
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import pandas as pd

from data_access.catalog import read_catalog
from data_access.database import Database, DataNotFoundError
from metrics import maturity
from metrics.cli import (
    UsageError,
    add_filter_arguments,
    check_filter_values,
    filter_from_args,
    split,
)
from metrics.engine import COMPARISONS, kpi_table
from metrics.registry import GRAINS, UnknownNameError


def _write(table: pd.DataFrame, fmt: str) -> None:
    if fmt == "csv":
        table.to_csv(sys.stdout, index=False)
    else:
        sys.stdout.write(table.to_json(orient="records", date_format="iso", indent=2) + "\n")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m metrics", description=__doc__.split("\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    kpis = commands.add_parser("kpis", help="KPIs grouped by dimensions, as a tidy table")
    kpis.add_argument("--db", type=Path, required=True, help="DuckDB file to read")
    kpis.add_argument("--kpi", required=True, help="comma-separated KPI ids")
    kpis.add_argument("--by", default="", help="comma-separated dimensions")
    add_filter_arguments(kpis)
    kpis.add_argument("--grain", choices=GRAINS, help="time grain")
    kpis.add_argument("--compare", default="", help=f"comma-separated: {', '.join(COMPARISONS)}")
    kpis.add_argument("--format", choices=("csv", "json"), default="csv")
    args = parser.parse_args(argv)
    try:
        flt = filter_from_args(args)
        if not args.db.exists():
            raise DataNotFoundError(f"No database at {args.db}")
        db = Database(args.db)
        check_filter_values(flt, db)
        table = kpi_table(db, split(args.kpi), split(args.by), flt, args.grain,
                          split(args.compare))  # fmt: skip
    except (UsageError, UnknownNameError, DataNotFoundError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    for line in maturity.notes(table, split(args.compare), read_catalog(db)):
        print(f"note: {line}", file=sys.stderr)
    _write(table, args.format)
    return 0


if __name__ == "__main__":
    sys.exit(main())
