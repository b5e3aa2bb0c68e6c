"""Shared fixtures: one generated sample per test session, and a hand-built tiny database."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb
import pytest

from data_access import store
from data_access.database import Database
from data_access.sample import build_sample

SAMPLE_END = dt.date(2026, 11, 26)  # fixed, so pattern tests do not move with the calendar
SAMPLE_TICKETS = 150_000
SAMPLE_SEED = 7


@pytest.fixture(scope="session")
def sample_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("sample") / "sample.duckdb"
    build_sample(path, SAMPLE_TICKETS, SAMPLE_SEED, SAMPLE_END)
    return path


@pytest.fixture(scope="session")
def sample_db(sample_path: Path) -> Database:
    return Database(sample_path)


@pytest.fixture(scope="session")
def sample_con(sample_path: Path) -> duckdb.DuckDBPyConnection:
    """A plain read-only connection for tests that inspect the generated data with SQL."""
    con = duckdb.connect(str(sample_path), read_only=True)
    con.execute("SET TimeZone = 'UTC'")
    return con


@pytest.fixture
def use_sample(monkeypatch: pytest.MonkeyPatch, sample_path: Path) -> Path:
    """Point the app at the session sample."""
    monkeypatch.setenv("SERVICE_ATLAS_DB", str(sample_path))
    return sample_path


def write_rows(path: Path, tickets: list[dict], surveys: list[dict] = ()) -> Path:
    """Publish a database with exactly these rows (missing columns are NULL)."""
    import pandas as pd

    with store.rewrite(path, "test fixture", copy_existing=False) as con:
        if tickets:
            con.register("rows_t", pd.DataFrame(tickets))
            con.execute("INSERT INTO tickets BY NAME SELECT * FROM rows_t")
        if surveys:
            con.register("rows_s", pd.DataFrame(list(surveys)))
            con.execute("INSERT INTO surveys BY NAME SELECT * FROM rows_s")
    return path
