"""Shared pieces of the importer tests: a small sample database and export files to import."""

from __future__ import annotations

import csv
import datetime as dt
import io
import os
import shutil
from pathlib import Path

import duckdb

from data_access.importer import Mapping

SAMPLE_END = dt.date(2026, 11, 26)
ROOT = Path(__file__).resolve().parent.parent


def _realdata() -> Path:
    """The real-world samples beside the project (../shared/realdata), read in place, never
    copied into the repository; SERVICE_ATLAS_REALDATA points elsewhere (e.g. a CI clone)."""
    candidates = [os.environ.get("SERVICE_ATLAS_REALDATA"), ROOT.parent / "shared" / "realdata",
                  "/work/shared/realdata"]  # fmt: skip
    found = [Path(c) for c in candidates if c and Path(c).is_dir()]
    return found[0] if found else Path(ROOT.parent / "shared" / "realdata")


REALDATA = _realdata()
LA311 = REALDATA / "la311_service_requests_2017_subset.csv"
OLIST = REALDATA / "olist_order_reviews_head6123.csv"
KEY = "test-key-0123456789abcdef"  # SERVICE_ATLAS_KEY in the tests: pseudonyms are reproducible

TICKET_HEADERS = ["Ticket ID", "Requester id", "Requester email", "Created at",
                  "First reply time in minutes", "Solved at", "Status", "Source",
                  "Requester country", "Language", "Priority", "Ticket type", "Group",
                  "Assignee", "Replies", "Reopens"]  # fmt: skip
TICKET_MAPPING = {
    "service_atlas_mapping": 1,
    "table": "tickets",
    "timezone": "Europe/Berlin",
    "columns": {
        "ticket_id": "Ticket ID",
        "customer_id": "Requester id",
        "created_at": "Created at",
        "first_response_at": {"column": "First reply time in minutes", "after": "created_at",
                              "unit": "minutes"},
        "resolved_at": "Solved at",
        "status": "Status",
        "channel": {"column": "Source", "values": {"Call": "phone", "Fax": "email"}},
        "country": "Requester country",
        "language": "Language",
        "priority": "Priority",
        "category": "Ticket type",
        "hub": "Group",
        "agent_id": "Assignee",
        "agent_replies": "Replies",
        "reopens": "Reopens",
    },
}  # fmt: skip


def ticket_row(ticket_id: str, created: str = "2025-01-10 10:00:00", **values: str) -> dict:
    row = {
        "Ticket ID": ticket_id, "Requester id": f"cust-{ticket_id}",
        "Requester email": f"{ticket_id}@example.com", "Created at": created,
        "First reply time in minutes": "30", "Solved at": "2025-01-10 12:00:00",
        "Status": "Solved", "Source": "Call", "Requester country": "South Korea",
        "Language": "Korean", "Priority": "High", "Ticket type": "shipping", "Group": "APAC",
        "Assignee": "agent-7", "Replies": "2", "Reopens": "0",
    }  # fmt: skip
    row.update(values)
    return row


def csv_text(rows: list[dict], headers: list[str] | None = None, delimiter: str = ",") -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=headers or list(rows[0]), delimiter=delimiter,
                            lineterminator="\n")  # fmt: skip
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


def write_csv(path: Path, rows: list[dict], encoding: str = "utf-8", **options: str) -> Path:
    path.write_bytes(csv_text(rows, **options).encode(encoding))
    return path


def ticket_mapping(**changes: object) -> Mapping:
    data = {**TICKET_MAPPING, "columns": {**TICKET_MAPPING["columns"]}}
    columns = changes.pop("columns", {})
    data["columns"].update(columns)
    data["columns"] = {k: v for k, v in data["columns"].items() if v is not None}
    data.update(changes)
    return Mapping.from_dict(data)


def sample_copy(small_sample: Path, folder: Path) -> Path:
    """A fresh copy of the small sample (the ``small_sample`` fixture) in ``folder``."""
    target = folder / "atlas.duckdb"
    shutil.copyfile(small_sample, target)
    return target


def scalar(db: Path, sql: str, params: list | None = None) -> object:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(sql, params or []).fetchone()[0]


def rows(db: Path, sql: str, params: list | None = None) -> list[tuple]:
    with duckdb.connect(str(db), read_only=True) as con:
        con.execute("SET TimeZone = 'UTC'")
        return con.execute(sql, params or []).fetchall()


def version(db: Path) -> str:
    return scalar(db, "SELECT value FROM atlas_meta WHERE key = 'data_version'")
