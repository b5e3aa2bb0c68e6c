"""The audit log: who signed in, imported or exported what, and when, appended to a table.

It lives in its own DuckDB file beside the data (``SERVICE_ATLAS_AUDIT`` to move it), so writing
an entry never changes the data's version (every cached result would otherwise be thrown away on
each download). DuckDB lets one process write a file at a time: the dashboard and a scheduled
command take turns, each opening the file for one entry and retrying while the other holds it.
"""

from __future__ import annotations

import datetime as dt
import os
import threading
import time
from pathlib import Path

import duckdb
import pandas as pd

from data_access.config import data_location

ENV_VAR = "SERVICE_ATLAS_AUDIT"
EVENTS = ("sign-in", "sign-in refused", "export", "import")
COLUMNS = ("happened_at", "user_name", "event", "what", "filters")
_TABLE = """CREATE TABLE IF NOT EXISTS audit (happened_at TIMESTAMPTZ NOT NULL,
    user_name VARCHAR NOT NULL, event VARCHAR NOT NULL, what VARCHAR NOT NULL,
    filters VARCHAR NOT NULL)"""
WAIT_SECONDS = 10.0  # how long an entry waits for another process's entry to finish
_lock = threading.Lock()


def audit_location(data: Path | None = None) -> Path:
    """``SERVICE_ATLAS_AUDIT``, else ``audit.duckdb`` beside the data (default: the configured
    data; beside a Parquet lake's folder, never inside what a publish replaces)."""
    configured = os.environ.get(ENV_VAR, "").strip()
    if configured:
        return Path(configured).expanduser()
    return (data or data_location()).parent / "audit.duckdb"


def _connect(path: Path, read_only: bool) -> duckdb.DuckDBPyConnection:
    waited = 0.0
    while True:
        try:
            return duckdb.connect(str(path), read_only=read_only)
        except duckdb.IOException:  # another process holds the file's lock
            if waited >= WAIT_SECONDS:
                raise
            time.sleep(0.05)
            waited += 0.05


def record(event: str, user: str, what: str = "", filters: str = "",
           path: Path | None = None) -> None:  # fmt: skip
    """Append one entry (``event`` one of ``EVENTS``); values are bound, never pasted."""
    if event not in EVENTS:
        raise ValueError(f"unknown audit event {event!r}")
    path = path or audit_location()
    path.parent.mkdir(parents=True, exist_ok=True)
    with _lock:
        con = _connect(path, read_only=False)
        try:
            con.execute(_TABLE)
            con.execute("INSERT INTO audit VALUES (?, ?, ?, ?, ?)",
                        [dt.datetime.now(dt.UTC), user, event, what, filters])  # fmt: skip
        finally:
            con.close()


def entries(limit: int = 1000, path: Path | None = None) -> pd.DataFrame:
    """The latest ``limit`` entries, newest first (no file yet: none)."""
    path = path or audit_location()
    if not path.exists():
        return pd.DataFrame(columns=list(COLUMNS))
    with _lock:
        con = _connect(path, read_only=True)
        try:
            newest = "SELECT * FROM audit ORDER BY happened_at DESC LIMIT ?"
            return con.execute(newest, [limit]).df()
        finally:
            con.close()
