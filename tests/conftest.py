"""Shared fixtures: one generated sample per test session, and a hand-built tiny database."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb
import pytest

from data_access import lake, store
from data_access.database import Database
from data_access.sample import build_sample

SAMPLE_END = dt.date(2026, 11, 26)  # fixed, so pattern tests do not move with the calendar
SAMPLE_TICKETS = 150_000
SAMPLE_SEED = 7
STORAGE = ("duckdb", "parquet")  # the two layouts data_access reads


@pytest.fixture(scope="session")
def sample_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("sample") / "sample.duckdb"
    build_sample(path, SAMPLE_TICKETS, SAMPLE_SEED, SAMPLE_END)
    return path


@pytest.fixture(scope="session")
def sample_lake(sample_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The same sample published as a hive-partitioned Parquet lake."""
    return lake.export_lake(sample_path, tmp_path_factory.mktemp("lake") / "lake")


@pytest.fixture(scope="session", params=STORAGE)
def sample_location(request: pytest.FixtureRequest, sample_path: Path) -> Path:
    """The sample as a DuckDB file and as a Parquet lake: every test on it runs on both."""
    return sample_path if request.param == "duckdb" else request.getfixturevalue("sample_lake")


@pytest.fixture(scope="session")
def sample_db(sample_location: Path) -> Database:
    return Database(sample_location)


@pytest.fixture(scope="session")
def sample_con(sample_path: Path) -> duckdb.DuckDBPyConnection:
    """A plain read-only connection for tests that inspect the generated data with SQL."""
    con = duckdb.connect(str(sample_path), read_only=True)
    con.execute("SET TimeZone = 'UTC'")
    return con


@pytest.fixture
def use_sample(monkeypatch: pytest.MonkeyPatch, sample_location: Path) -> Path:
    """Point the app at the session sample (file or lake)."""
    monkeypatch.setenv("SERVICE_ATLAS_DB", str(sample_location))
    return sample_location


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
