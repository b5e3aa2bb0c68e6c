"""What the data contains: the values each filter can take and the dates it covers."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from dataclasses import dataclass

import duckdb

from data_access.database import Database
from data_access.filters import DIMENSION_FIELDS, Filter

# Tickets created before this, or more than a day after the catalog is computed, are typos or
# placeholders (0001-01-01, 9999-12-31, 2099 for "never"): they would move every default period
# to a date with no data, so the date range leaves them out (and counts them).
EARLIEST = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)


@dataclass(frozen=True)
class Catalog:
    first_day: dt.date
    last_day: dt.date
    values: dict[str, list[str]]  # filter field -> distinct values, sorted
    implausible: int = 0  # tickets dated outside the plausible window, left out of the days


_LISTS = ", ".join(
    f"list_sort(list(DISTINCT {column})) AS {field}" for field, column in DIMENSION_FIELDS.items()
)
_PLAUSIBLE = "created_at >= $earliest AND created_at < $latest"
# column names come from data_access.filters, not from users
_SQL = (
    f"SELECT strftime(timezone('UTC', min(created_at) FILTER ({_PLAUSIBLE}))::DATE, "  # noqa: S608
    "'%Y-%m-%d') AS first_day, "
    f"strftime(timezone('UTC', max(created_at) FILTER ({_PLAUSIBLE}))::DATE, '%Y-%m-%d') "
    f"AS last_day, count(*) FILTER (NOT ({_PLAUSIBLE})) AS implausible, {_LISTS} FROM tickets"
)
META_KEY = "catalog"  # atlas_meta row where writers keep it (a full scan at 10 M tickets)


def plausible_window() -> tuple[dt.datetime, dt.datetime]:
    """[earliest, latest): creation times a real ticket can have, as of now."""
    return EARLIEST, dt.datetime.now(dt.UTC) + dt.timedelta(days=1)


def _window_params() -> dict[str, dt.datetime]:
    earliest, latest = plausible_window()
    return {"earliest": earliest, "latest": latest}


def _summary(row: Sequence[object]) -> dict[str, object]:
    first, last, implausible, *lists = row
    values = {field: [v for v in (values if values is not None else []) if v is not None]
              for field, values in zip(DIMENSION_FIELDS, lists, strict=True)}  # fmt: skip
    return {"first_day": first, "last_day": last, "implausible": int(implausible),
            "values": values}  # fmt: skip


def catalog_json(con: duckdb.DuckDBPyConnection) -> str:
    """The catalog of the data ``con`` holds, as a writer stores it (one scan of tickets)."""
    return json.dumps(_summary(con.execute(_SQL, _window_params()).fetchone()))


def _days(data: dict) -> list[dt.date | None]:
    return [dt.date.fromisoformat(d) if d else None for d in (data["first_day"], data["last_day"])]


def _plausible(days: list[dt.date | None]) -> bool:
    earliest, latest = plausible_window()
    return all(d is None or earliest.date() <= d <= latest.date() for d in days)


def read_catalog(db: Database) -> Catalog:
    """The date coverage (UTC days of plausibly dated tickets) and every filterable column's
    values: stored by the writer, else computed in one query (data written before writers
    stored it, or before they left implausible dates out)."""
    stored = db.query("SELECT value FROM atlas_meta WHERE key = ?", [META_KEY])["value"]
    data = json.loads(stored.iloc[0]) if len(stored) else None
    if data is None or not _plausible(_days(data)):
        data = _summary(db.query(_SQL, _window_params()).iloc[0].tolist())
    today = dt.datetime.now(dt.UTC).date()
    first, last = (day or today for day in _days(data))
    return Catalog(first, last, {f: list(data["values"][f]) for f in DIMENSION_FIELDS},
                   int(data.get("implausible", 0)))  # fmt: skip


def markets(db: Database, countries: Sequence[str] = ()) -> tuple[str, ...]:
    """The markets a view of ``countries`` covers, for what names markets beside the data (retail
    peaks, public holidays): ``countries``; none, every market (``()``), except for a user who
    may see some markets only: theirs (a Korea team's 'all markets' is Korea)."""
    if countries or db.scope.unrestricted:
        return tuple(countries)
    return tuple(read_catalog(db).values["countries"])


def whole_history(db: Database, flt: Filter) -> Filter:
    """``flt`` over every plausibly dated ticket (the catalog's days): the history peaks and
    forecasts look at, which a ticket dated 0001 or 9999 would otherwise stretch to millennia."""
    cat = read_catalog(db)
    return flt.with_dates(cat.first_day, cat.last_day)


def hub_timezones(db: Database) -> dict[str, str]:
    """Each hub's IANA time zone (hubs without one are in UTC)."""
    rows = db.query("SELECT hub, timezone FROM hubs")
    return dict(zip(rows["hub"], rows["timezone"], strict=True))
