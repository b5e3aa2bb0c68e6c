"""The Parquet lake: the same numbers as the DuckDB file, published all or nothing."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from atlas.cli import main as atlas_cli
from data_access import audit, lake
from data_access.catalog import read_catalog
from data_access.database import Database, data_exists
from data_access.filters import Filter
from data_access.quality import import_history, quality_indicators, table_overview
from metrics.engine import kpi_table
from tests.apptest import open_page
from tests.cli import run_main
from tests.conftest import SAMPLE_END, write_rows

NOVEMBER = Filter(start=dt.date(2026, 11, 1), end=SAMPLE_END)


@pytest.fixture(scope="module")
def lake_path(sample_lake: Path) -> Path:
    return sample_lake


@pytest.fixture(scope="module")
def file_db(sample_path: Path) -> Database:
    return Database(sample_path)


def test_layout_is_month_partitions_with_a_manifest(lake_path: Path):
    assert (lake_path / lake.MANIFEST).exists()
    months = sorted(p.name for p in (lake_path / "tickets").iterdir())
    assert months[-1] == "month=2026-11"
    assert all(m.startswith("month=") for m in months)
    assert (lake_path / "hubs" / "data.parquet").exists()
    assert data_exists(lake_path)
    assert not data_exists(lake_path / "tickets")  # a folder without a manifest is not a lake


@pytest.mark.parametrize(
    ("kpis", "by", "grain"),
    [
        (["volume", "fcr", "sla", "reopen_rate"], ["country"], None),
        (["resolution_median", "frt_p90", "aht", "abandonment"], ["channel"], None),
        (["csat", "nps", "ces", "response_rate"], ["language"], None),
        (["volume", "backlog"], [], "week"),
        (["volume"], ["local_hour"], None),
    ],
)
def test_lake_gives_the_same_numbers_as_the_duckdb_file(file_db, lake_path, kpis, by, grain):
    from_file = kpi_table(file_db, kpis, by, NOVEMBER, grain, compare=["previous"])
    from_lake = kpi_table(Database(lake_path), kpis, by, NOVEMBER, grain, compare=["previous"])
    pd.testing.assert_frame_equal(from_lake, from_file)


def test_catalog_and_tables_match(file_db, lake_path):
    assert read_catalog(Database(lake_path)) == read_catalog(file_db)
    for summary in (table_overview, quality_indicators, import_history):
        pd.testing.assert_frame_equal(summary(Database(lake_path)), summary(file_db))
    assert Database(lake_path).version == file_db.version


def test_republishing_a_lake_is_seen_by_an_open_reader(tmp_path: Path):
    t0 = dt.datetime(2026, 3, 2, 9, tzinfo=dt.UTC)
    row = {"ticket_id": "a", "customer_id": "c", "created_at": t0, "status": "open",
           "channel": "email", "country": "DE", "language": "de", "priority": "normal",
           "category": "shipping", "hub": "EMEA"}  # fmt: skip
    db_file = write_rows(tmp_path / "one.duckdb", [row])
    out = lake.export_lake(db_file, tmp_path / "lake")
    reader = Database(out)
    assert kpi_table(reader, ["volume"])["value"].tolist() == [1]

    write_rows(db_file, [row, {**row, "ticket_id": "b"}])
    lake.export_lake(db_file, out)
    assert kpi_table(reader, ["volume"])["value"].tolist() == [2]
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith("lake")] == ["lake"]


def test_a_failed_export_leaves_the_old_lake_untouched(tmp_path: Path, sample_path: Path):
    out = lake.export_lake(sample_path, tmp_path / "lake")
    before = sorted(str(p.relative_to(out)) for p in out.rglob("*"))
    with pytest.raises(duckdb.Error):
        lake.export_lake(tmp_path / "not-a-database.duckdb", out)
    assert sorted(str(p.relative_to(out)) for p in out.rglob("*")) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["lake"]  # staging removed


def test_cli_exports(tmp_path: Path, sample_path: Path):
    out = tmp_path / "cli-lake"
    done = run_main(atlas_cli, "lake", "--db", str(sample_path), "--out", str(out))
    assert done.returncode == 0, done.stderr
    assert data_exists(out)
    missing = run_main(atlas_cli, "lake", "--db", str(tmp_path / "none"), "--out", str(out))
    assert missing.returncode == 2
    assert "No database at" in missing.stderr


@pytest.mark.parametrize("script", ["dashboard.py", "pages/6_Staffing.py", "pages/9_Data.py"])
def test_the_dashboard_runs_on_a_lake(monkeypatch, sample_path, lake_path: Path, script: str):
    """Pages show the same tiles and tables whichever storage the data sits in."""
    query = {"period": "last_28d"}
    monkeypatch.setenv(audit.ENV_VAR, str(lake_path.parent / "audit.duckdb"))  # one audit log
    monkeypatch.setenv("SERVICE_ATLAS_DB", str(sample_path))
    from_file = open_page(script, query)
    monkeypatch.setenv("SERVICE_ATLAS_DB", str(lake_path))
    from_lake = open_page(script, query)
    assert not from_lake.exception, [e.message for e in from_lake.exception]
    assert [m.value for m in from_lake.metric] == [m.value for m in from_file.metric]
    assert len(from_lake.dataframe) == len(from_file.dataframe)
    for shown, expected in zip(from_lake.dataframe, from_file.dataframe, strict=True):
        pd.testing.assert_frame_equal(shown.value, expected.value)
