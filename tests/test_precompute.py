"""Answers stored when data is written (``data_access.results``, ``ui.precompute``): pages read
them instead of computing, only for the data version and code that made them, never for a
scoped user; identical concurrent requests compute once."""

from __future__ import annotations

import pickle
import threading
import time
from pathlib import Path

import pandas as pd
import pytest
import streamlit as st

from data_access import results
from data_access.access import Grant, Scope
from data_access.catalog import read_catalog
from data_access.database import Database
from data_access.filters import Filter
from metrics.engine import kpi_table
from tests.apptest import open_page
from ui import data as ui_data

KPI_NAME = f"{kpi_table.__module__}.{kpi_table.__qualname__}"
KOREA = Scope("kim@example.com", (Grant(countries=("KR",)),))


def _question(db: Database) -> tuple[tuple, dict]:
    """A KPI panel question, as positional and keyword arguments after the database."""
    last = read_catalog(db).last_day
    return (("volume", "csat"), ("country",), Filter(start=last.replace(day=1), end=last)), {}


def _poison(db: Database, data_version: str) -> pd.DataFrame:
    """Store a made-up answer to ``_question`` and return it."""
    args, kwargs = _question(db)
    fake = pd.DataFrame({"country": ["XX"], "kpi": ["volume"], "value": [-1.0]})
    results.write(db.path, data_version, {(KPI_NAME, results.arguments_key(args, kwargs)):
                                          pickle.dumps(fake)})  # fmt: skip
    return fake


def test_the_store_answers_only_its_own_data_version_and_code(db: Path, monkeypatch) -> None:
    database = Database(db)
    args, kwargs = _question(database)
    fake = _poison(database, database.version)
    pd.testing.assert_frame_equal(kpi_table(database, *args, **kwargs), fake)
    # the same call with a list instead of a tuple asks the same question
    assert kpi_table(database, list(args[0]), *args[1:]).equals(fake)

    _poison(database, "an older data version")
    assert "XX" not in set(kpi_table(database, *args, **kwargs)["country"])
    with monkeypatch.context() as older_release:
        older_release.setattr(results, "code_version", lambda: "an older release")
        _poison(database, database.version)
    assert "XX" not in set(kpi_table(database, *args, **kwargs)["country"])


def test_a_scoped_user_is_never_answered_from_the_store(db: Path) -> None:
    database = Database(db)
    args, kwargs = _question(database)
    _poison(database, database.version)
    korea = kpi_table(database.scoped(KOREA), *args, **kwargs)
    assert set(korea["country"]) == {"KR"}
    assert (korea.loc[korea["kpi"] == "volume", "value"] > 0).all()


def test_views_stored_by_the_background_job_are_served_without_computing(db: Path,
                                                                         monkeypatch) -> None:
    monkeypatch.setenv("SERVICE_ATLAS_DB", str(db))
    scripts = ("dashboard.py", "pages/5_Peak_season.py", "pages/4_Voice_of_the_customer.py")
    st.cache_data.clear()
    computed = {s: open_page(s) for s in scripts}

    monkeypatch.setenv(results.ENV_VAR, "on")
    job = results.start_precompute(db, countries=())  # what a writer does after publishing
    assert job is not None
    assert job.wait(timeout=240) == 0, results.store_location(db).with_suffix(".log").read_text()
    stored = results.summary(Database(db))
    assert stored.answers > 0 and stored.written_at is not None

    st.cache_data.clear()
    before = results.Counts(results.counts.stored, results.counts.computed)
    for script in scripts:
        served = open_page(script)
        assert not served.exception
        assert [m.value for m in served.metric] == [m.value for m in computed[script].metric]
    assert results.counts.computed == before.computed  # nothing was computed again
    assert results.counts.stored > before.stored

    monkeypatch.setenv(results.ENV_VAR, "off")
    assert results.start_precompute(db) is None


def test_identical_requests_at_the_same_time_compute_once(db: Path) -> None:
    calls = []

    def slow_question(database: Database, n: int) -> int:
        calls.append(n)
        time.sleep(0.3)
        return n * 2

    database = Database(db)
    answers: list[int] = []

    def ask() -> None:
        answers.append(ui_data._call(database.version, database.cache_key, "slow", database,
                                     slow_question, (21,), ()))  # fmt: skip

    threads = [threading.Thread(target=ask) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert answers == [42] * 8
    assert calls == [21]


@pytest.mark.parametrize("data", ["sample.duckdb", "lake"])
def test_the_store_sits_beside_the_data(data: str, tmp_path: Path) -> None:
    assert results.store_location(tmp_path / data).parent == tmp_path
    assert results.store_location(tmp_path / data).name.endswith(".results.sqlite")
