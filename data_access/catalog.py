"""What the data contains: the values each filter can take and the dates it covers."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from dataclasses import dataclass

import duckdb

from data_access.database import Database
from data_access.filters import DIMENSION_FIELDS


@dataclass(frozen=True)
class Catalog:
    first_day: dt.date
    last_day: dt.date
    values: dict[str, list[str]]  # filter field -> distinct values, sorted


_LISTS = ", ".join(
    f"list_sort(list(DISTINCT {column})) AS {field}" for field, column in DIMENSION_FIELDS.items()
)
# column names come from data_access.filters, not from users
_SQL = (
    "SELECT strftime(timezone('UTC', min(created_at))::DATE, '%Y-%m-%d') AS first_day, "  # noqa: S608
    f"strftime(timezone('UTC', max(created_at))::DATE, '%Y-%m-%d') AS last_day, {_LISTS} "
    "FROM tickets"
)
META_KEY = "catalog"  # atlas_meta row where writers keep it (a full scan at 10 M tickets)


def _summary(row: Sequence[object]) -> dict[str, object]:
    first, last, *lists = row
    values = {field: [v for v in (values if values is not None else []) if v is not None]
              for field, values in zip(DIMENSION_FIELDS, lists, strict=True)}  # fmt: skip
    return {"first_day": first, "last_day": last, "values": values}


def catalog_json(con: duckdb.DuckDBPyConnection) -> str:
    """The catalog of the data ``con`` holds, as a writer stores it (one scan of tickets)."""
    return json.dumps(_summary(con.execute(_SQL).fetchone()))


def read_catalog(db: Database) -> Catalog:
    """The date coverage (UTC days) and every filterable column's values: stored by the writer,
    else computed in one query (data written before writers stored it)."""
    stored = db.query("SELECT value FROM atlas_meta WHERE key = ?", [META_KEY])["value"]
    data = json.loads(stored.iloc[0]) if len(stored) else _summary(db.query(_SQL).iloc[0].tolist())
    today = dt.datetime.now(dt.UTC).date()
    first, last = (dt.date.fromisoformat(d) if d else today
                   for d in (data["first_day"], data["last_day"]))  # fmt: skip
    return Catalog(first, last, {f: list(data["values"][f]) for f in DIMENSION_FIELDS})


def hub_timezones(db: Database) -> dict[str, str]:
    """Each hub's IANA time zone (hubs without one are in UTC)."""
    rows = db.query("SELECT hub, timezone FROM hubs")
    return dict(zip(rows["hub"], rows["timezone"], strict=True))
