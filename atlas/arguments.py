"""Arguments several commands share, with the same names and checks everywhere: the filter
(--from, --to, --where KEY=VALUE[,VALUE], --timezone), dates, comma lists and --db."""

from __future__ import annotations

import argparse
import datetime as dt
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from atlas.cli import UsageError
from data_access.catalog import read_catalog
from data_access.database import Database
from data_access.filters import COLUMN_FIELDS, DIMENSION_FIELDS, Filter, unknown_values

# --where keys: the singular column names ("country"), mapped to Filter fields ("countries")
WHERE_KEYS = COLUMN_FIELDS
# dates outside this window are typing errors (and 9999-12-31 + one day overflows Python's dates)
EARLIEST, LATEST = dt.date(1970, 1, 1), dt.date(2100, 12, 31)


def split(raw: str | None) -> list[str]:
    return [part.strip() for part in (raw or "").split(",") if part.strip()]


def parse_date(raw: str | None, name: str) -> dt.date | None:
    if raw is None:
        return None
    try:
        day = dt.date.fromisoformat(raw)
    except ValueError:
        raise UsageError(f"{name} must be a date like 2026-01-31, not {raw!r}") from None
    if not EARLIEST <= day <= LATEST:
        raise UsageError(f"{name} must be between {EARLIEST} and {LATEST}, not {raw}")
    return day


def add_filter_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--from", dest="date_from", metavar="DATE",
                        help="first day, YYYY-MM-DD (inclusive)")  # fmt: skip
    parser.add_argument("--to", dest="date_to", metavar="DATE",
                        help="last day, YYYY-MM-DD (inclusive)")  # fmt: skip
    parser.add_argument("--where", action="append", default=[], metavar="KEY=VALUE[,VALUE]",
                        help=f"keep only these values; KEY one of {', '.join(WHERE_KEYS)}; "
                             "repeat for more keys")  # fmt: skip
    parser.add_argument("--timezone", default="UTC", metavar="AREA/CITY",
                        help="zone for dates and time grains (default: UTC)")  # fmt: skip


def filter_from_args(args: argparse.Namespace) -> Filter:
    values: dict[str, tuple[str, ...]] = {}
    for clause in args.where:
        key, sep, raw = clause.partition("=")
        key = key.strip()
        if not sep or key not in WHERE_KEYS:
            raise UsageError(
                f"--where takes KEY=VALUE[,VALUE] with KEY one of {', '.join(WHERE_KEYS)};"
                f" got {clause!r}"
            )
        values[WHERE_KEYS[key]] = (*values.get(WHERE_KEYS[key], ()), *split(raw))
    try:
        ZoneInfo(args.timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise UsageError(f"unknown time zone {args.timezone!r}") from None
    try:
        return Filter(
            start=parse_date(args.date_from, "--from"), end=parse_date(args.date_to, "--to"),
            timezone=args.timezone, **values,
        )  # fmt: skip
    except ValueError as exc:
        raise UsageError(str(exc)) from None


def check_filter_values(flt: Filter, db: Database) -> None:
    """--where values the data does not hold are an error that lists the valid ones."""
    known = read_catalog(db).values
    problems = [
        f"--where {DIMENSION_FIELDS[name]}: unknown {', '.join(bad)}; valid values: "
        f"{', '.join(known[name]) or '(none in the data)'}"
        for name, bad in unknown_values(flt, known).items()
    ]
    if problems:
        raise UsageError("\n".join(problems))


def existing_database(path: Path) -> Path:
    """``--db`` of a command that reads: it must exist (an import creates its database)."""
    if not path.exists():
        raise UsageError(f"No database at {path}")
    return path
