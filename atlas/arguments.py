"""Arguments several commands share, with the same names and checks everywhere: the filter
(--from, --to, --where KEY=VALUE[,VALUE], --timezone), dates, comma lists, --db and whose view
to take (--as-user, --as-group, --access)."""

from __future__ import annotations

import argparse
import datetime as dt
import getpass
import sys
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from atlas.cli import UsageError
from data_access import audit, results
from data_access.access import AccessError, access_location, load_access
from data_access.catalog import read_catalog
from data_access.database import Database
from data_access.filters import COLUMN_FIELDS, DIMENSION_FIELDS, Filter, unknown_values
from presentation import format as fmt

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


def add_access_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--as-user", metavar="EMAIL",
                        help="show only what this user may see under the access file, e.g. a "
                             "pack for the Korea team (default: everything)")  # fmt: skip
    parser.add_argument("--as-group", action="append", default=[], metavar="GROUP",
                        help="a group of --as-user (repeat for more)")  # fmt: skip
    parser.add_argument("--access", type=Path, metavar="FILE",
                        help="the access file for --as-user "
                             "(default: $SERVICE_ATLAS_ACCESS)")  # fmt: skip


def open_database(args: argparse.Namespace, what: str) -> Database:
    """``--db`` as ``--as-user`` may see it, for a command that exports ``what`` (recorded in
    the audit log). Without --as-user the command runs with the operator's full view."""
    db = Database(existing_database(args.db))
    fmt.restrict_view(False)
    if not args.as_user:
        user = f"command line ({getpass.getuser()})"
    else:
        location = args.access or access_location()
        if not location:
            raise UsageError("--as-user needs the access file: --access FILE or "
                             "$SERVICE_ATLAS_ACCESS")  # fmt: skip
        try:
            rules = load_access(location)
        except AccessError as error:
            raise UsageError(str(error)) from None
        claims = {"email": args.as_user, "sub": args.as_user, rules.groups_claim: args.as_group}
        scope = rules.scope_for(claims)
        if scope.sees_nothing:
            raise UsageError(f"--as-user {args.as_user}: no rule of {location} includes this "
                             "user, so there is nothing to show")  # fmt: skip
        if not scope.may("export"):
            raise UsageError(f"--as-user {args.as_user}: the access file does not let this "
                             "user export")  # fmt: skip
        db, user = db.scoped(scope), args.as_user
        fmt.restrict_view(not scope.unrestricted)
    described = filter_from_args(args).describe()
    filters = "; ".join(f"{name}: {value}" for name, value in described.items()) or "all"
    audit.record("export", user, what, filters, audit.audit_location(db.path))
    return db


def announce_precompute(data: Path) -> None:
    """After a command published ``data``: start storing its pages' default views in the
    background (``data_access.results``) and say where its log goes."""
    job = results.start_precompute(data)
    if job is not None:
        log = results.store_location(data).with_suffix(".log")
        print(f"precomputing the pages' default views in the background (log: {log})",
              file=sys.stderr)  # fmt: skip
