"""KPIs for analysts and scheduled jobs, as a tidy table on stdout.

    python -m atlas kpis --db PATH --kpi csat,nps,frt_median --by country[,channel]
        [--from DATE --to DATE] [--where country=KR,JP --where channel=chat] [--grain week]
        [--compare previous,year_ago] [--timezone Area/City] [--format csv|json]

Notes on data too young or too thin to trust go to stderr, the table to stdout.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import pandas as pd

from atlas.arguments import (
    add_access_arguments,
    add_filter_arguments,
    check_filter_values,
    filter_from_args,
    open_database,
    split,
)
from atlas.cli import UsageError
from data_access.catalog import read_catalog
from metrics import maturity
from metrics.engine import COMPARISONS, kpi_table
from metrics.registry import GRAINS


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--db", type=Path, required=True, help="DuckDB file to read")
    parser.add_argument("--kpi", required=True, help="comma-separated KPI ids")
    parser.add_argument("--by", default="", help="comma-separated dimensions")
    add_filter_arguments(parser)
    add_access_arguments(parser)
    parser.add_argument("--grain", choices=GRAINS, help="time grain")
    parser.add_argument("--compare", default="", help=f"comma-separated: {', '.join(COMPARISONS)}")
    parser.add_argument("--format", choices=("csv", "json"), default="csv")


def run(args: argparse.Namespace) -> int:
    flt = filter_from_args(args)
    db = open_database(args, "kpis")
    check_filter_values(flt, db)
    try:
        table = kpi_table(db, split(args.kpi), split(args.by), flt, args.grain,
                          split(args.compare))  # fmt: skip
    except ValueError as exc:  # unknown names, comparisons without dates, ...
        raise UsageError(str(exc)) from None
    for line in maturity.notes(table, split(args.compare), read_catalog(db)):
        print(f"note: {line}", file=sys.stderr)
    _write(table, args.format)
    return 0


def _write(table: pd.DataFrame, output_format: str) -> None:
    if output_format == "csv":
        table.to_csv(sys.stdout, index=False)
    else:
        sys.stdout.write(table.to_json(orient="records", date_format="iso", indent=2) + "\n")
