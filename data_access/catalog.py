"""What the data contains: the values each filter can take and the dates it covers."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from data_access.database import Database
from data_access.filters import DIMENSION_FIELDS


@dataclass(frozen=True)
class Catalog:
    first_day: dt.date
    last_day: dt.date
    values: dict[str, list[str]]  # filter field -> distinct values, sorted


def read_catalog(db: Database) -> Catalog:
    """One query for the date coverage (UTC days) and every filterable column's values."""
    lists = ", ".join(
        f"list_sort(list(DISTINCT {column})) AS {field}"
        for field, column in DIMENSION_FIELDS.items()
    )
    # column names come from data_access.filters, not from users
    sql = (
        "SELECT timezone('UTC', min(created_at))::DATE AS first_day, "  # noqa: S608
        f"timezone('UTC', max(created_at))::DATE AS last_day, {lists} FROM tickets"
    )
    row = db.query(sql).iloc[0]
    today = dt.datetime.now(dt.UTC).date()
    first = row["first_day"] if row["first_day"] is not None else today
    last = row["last_day"] if row["last_day"] is not None else today
    values = {f: [v for v in (row[f] if row[f] is not None else []) if v is not None]
              for f in DIMENSION_FIELDS}  # fmt: skip
    return Catalog(_as_date(first), _as_date(last), values)


def _as_date(value: object) -> dt.date:
    return value.date() if hasattr(value, "date") and callable(value.date) else value


def hub_timezones(db: Database) -> dict[str, str]:
    """Each hub's IANA time zone (hubs without one are in UTC)."""
    rows = db.query("SELECT hub, timezone FROM hubs")
    return dict(zip(rows["hub"], rows["timezone"], strict=True))
