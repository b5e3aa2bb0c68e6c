"""Shared fixtures: one generated sample per test run, and a hand-built tiny database."""

from __future__ import annotations

import datetime as dt
import fcntl
import functools
import os
from collections.abc import Callable
from functools import partial
from pathlib import Path

import duckdb
import pytest
from streamlit.components.v2 import manifest_scanner

from data_access import lake, results, store
from data_access.database import Database
from data_access.sample import build_sample

SAMPLE_END = dt.date(2026, 11, 26)  # fixed, so pattern tests do not move with the calendar
SAMPLE_TICKETS = 150_000
SAMPLE_SEED = 7
STORAGE = ("duckdb", "parquet")  # the two layouts data_access reads

# Writers start the precompute job after they publish; tests that publish hundreds of databases
# do not (tests/test_precompute.py starts it where it is the subject).
os.environ[results.ENV_VAR] = "off"

# Every AppTest run scans all installed packages for Streamlit components (~0.5 s, hundreds of
# page opens per run); the installed packages do not change during a test run: scan once.
manifest_scanner.scan_component_manifests = functools.cache(
    manifest_scanner.scan_component_manifests
)


def built_once(factory: pytest.TempPathFactory, name: str, build: Callable[[Path], Path]) -> Path:
    """``build(path)`` once per test run: parallel workers (pytest-xdist) share the first one's
    result under a file lock. Builders publish atomically, so an existing path is complete."""
    root = factory.getbasetemp()
    if "PYTEST_XDIST_WORKER" in os.environ:
        root = root.parent  # the run's folder, above each worker's own
    path = root / name
    with (root / f"{name}.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not path.exists():
            build(path)
    return path


@pytest.fixture(scope="session")
def sample_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    build = partial(build_sample, n_tickets=SAMPLE_TICKETS, seed=SAMPLE_SEED, end=SAMPLE_END)
    return built_once(tmp_path_factory, "sample.duckdb", build)


@pytest.fixture(scope="session")
def small_sample(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 2,000-ticket sample, built once per run, for tests that change a copy of it."""
    build = partial(build_sample, n_tickets=2000, seed=11, end=SAMPLE_END)
    return built_once(tmp_path_factory, "small_sample.duckdb", build)


@pytest.fixture
def db(tmp_path: Path, small_sample: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A private copy of the small sample, with the tests' pseudonymisation key set."""
    from data_access.importer import privacy
    from tests.importer_helpers import KEY, sample_copy

    monkeypatch.setenv(privacy.KEY_ENV, KEY)
    return sample_copy(small_sample, tmp_path)


@pytest.fixture(scope="session")
def sample_lake(sample_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The same sample published as a hive-partitioned Parquet lake."""
    return built_once(tmp_path_factory, "lake", lambda path: lake.export_lake(sample_path, path))


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Tests on the sample run on the DuckDB file; those marked ``both_layouts`` (the SQL of the
    metrics on the sample, a render of every page) also run on the Parquet lake, where the same
    SQL reads views over Parquet files. tests/test_lake.py compares the two layouts directly."""
    if "sample_location" in metafunc.fixturenames:
        both = metafunc.definition.get_closest_marker("both_layouts") is not None
        metafunc.parametrize("sample_location", STORAGE if both else STORAGE[:1], indirect=True,
                             scope="session")  # fmt: skip


@pytest.fixture(scope="session")
def sample_location(request: pytest.FixtureRequest, sample_path: Path) -> Path:
    """The sample as a DuckDB file or as a Parquet lake (parametrized: pytest_generate_tests)."""
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
