"""Command line for analysts and scheduled jobs.

``python -m metrics kpis --db PATH --kpi csat,nps,frt_median --by country[,channel]
[--from DATE --to DATE] [--where country=KR,JP --where channel=chat] [--grain week]
[--compare previous,year_ago] [--timezone Area/City] --format csv|json``
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import pandas as pd

from data_access.database import Database, DataNotFoundError
from data_access.filters import DIMENSION_FIELDS, Filter
from metrics.engine import COMPARISONS, kpi_table
from metrics.registry import GRAINS, UnknownNameError

# --where keys: the singular column names ("country"), mapped to Filter fields ("countries")
WHERE_KEYS = {column: field for field, column in DIMENSION_FIELDS.items()}


class UsageError(ValueError):
    """Bad command-line input: reported on stderr with exit code 2."""


def _split(raw: str | None) -> list[str]:
    return [part.strip() for part in (raw or "").split(",") if part.strip()]


def _date(raw: str | None, name: str) -> dt.date | None:
    if raw is None:
        return None
    try:
        return dt.date.fromisoformat(raw)
    except ValueError:
        raise UsageError(f"{name} must be a date like 2026-01-31, not {raw!r}") from None


def build_filter(args: argparse.Namespace) -> Filter:
    values: dict[str, tuple[str, ...]] = {}
    for clause in args.where:
        key, sep, raw = clause.partition("=")
        key = key.strip()
        if not sep or key not in WHERE_KEYS:
            raise UsageError(
                f"--where takes KEY=VALUE[,VALUE] with KEY one of {', '.join(WHERE_KEYS)};"
                f" got {clause!r}"
            )
        values[WHERE_KEYS[key]] = (*values.get(WHERE_KEYS[key], ()), *_split(raw))
    try:
        ZoneInfo(args.timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise UsageError(f"unknown time zone {args.timezone!r}") from None
    try:
        return Filter(
            start=_date(args.date_from, "--from"), end=_date(args.date_to, "--to"),
            timezone=args.timezone, **values,
        )  # fmt: skip
    except ValueError as exc:
        raise UsageError(str(exc)) from None


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
    kpis.add_argument("--from", dest="date_from", help="first day, YYYY-MM-DD (inclusive)")
    kpis.add_argument("--to", dest="date_to", help="last day, YYYY-MM-DD (inclusive)")
    kpis.add_argument("--where", action="append", default=[], help="KEY=VALUE[,VALUE]")
    kpis.add_argument("--grain", choices=GRAINS, help="time grain")
    kpis.add_argument("--compare", default="", help=f"comma-separated: {', '.join(COMPARISONS)}")
    kpis.add_argument("--timezone", default="UTC", help="zone for dates and time grains")
    kpis.add_argument("--format", choices=("csv", "json"), default="csv")
    args = parser.parse_args(argv)
    try:
        flt = build_filter(args)
        if not args.db.exists():
            raise DataNotFoundError(f"No database at {args.db}")
        table = kpi_table(Database(args.db), _split(args.kpi), _split(args.by), flt, args.grain,
                          _split(args.compare))  # fmt: skip
    except (UsageError, UnknownNameError, DataNotFoundError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    _write(table, args.format)
    return 0


if __name__ == "__main__":
    sys.exit(main())
