"""The same tables as a directory of Parquet files, for data that outgrows one DuckDB file.

Layout (hive partitioning, one folder per month of each table's time column)::

    lake/_atlas.json                    data version and what wrote it
    lake/tickets/month=2026-11/*.parquet
    lake/surveys/month=2026-11/*.parquet
    lake/shifts/month=2026-11/*.parquet
    lake/agents/data.parquet, lake/hubs/..., lake/atlas_meta/..., lake/atlas_imports/...

Point ``SERVICE_ATLAS_DB`` at the directory and ``data_access.database`` reads it with DuckDB's
``read_parquet``; the same files can be served by any engine that reads Parquet (Trino, Spark
SQL, DuckDB over object storage). Writing is all or nothing: a new lake is written next to the
old one and swapped in with two renames.

    python -m atlas lake --db data/sample.duckdb --out data/lake
"""

from __future__ import annotations

import json
import os
import shutil
import uuid
from pathlib import Path

import duckdb

from data_access.schema import BOOKKEEPING, TABLES

MANIFEST = "_atlas.json"
PARTITION = "month"
# table -> the timestamp that decides its month folder (None: one file)
PARTITIONED_BY = {"tickets": "created_at", "surveys": "sent_at", "shifts": "start_at"}


def _literal(path: Path) -> str:
    """A path as an SQL string literal (COPY takes no bound parameter for its target)."""
    return "'" + str(path).replace("'", "''") + "'"


def table_glob(lake: Path, table: str) -> str:
    """The read_parquet pattern of a table in a lake."""
    if table in PARTITIONED_BY:
        return str(lake / table / "**" / "*.parquet")
    return str(lake / table / "*.parquet")


def export_lake(db_path: Path, out: Path) -> Path:
    """Write every table of a DuckDB file as a lake at ``out`` (replacing it atomically)."""
    db_path, out = Path(db_path), Path(out)
    staging = out.with_name(f"{out.name}.tmp-{uuid.uuid4().hex[:8]}")
    staging.mkdir(parents=True)
    try:
        con = duckdb.connect(str(db_path), read_only=True)
        try:
            con.execute("SET TimeZone = 'UTC'")  # month folders by UTC month
            tables = con.execute("SELECT table_name FROM duckdb_tables()").fetchall()
            present = {row[0] for row in tables}
            for table in [t for t in [*TABLES, *BOOKKEEPING] if t in present]:
                target = _literal(staging / table)
                if table in PARTITIONED_BY:
                    column = PARTITIONED_BY[table]
                    # table and column names come from the schema, not from users
                    query = (
                        f"SELECT *, strftime({column}, '%Y-%m') AS {PARTITION} "  # noqa: S608
                        f"FROM {table} ORDER BY {column}"
                    )
                    con.execute(
                        f"COPY ({query}) TO {target} (FORMAT PARQUET, PARTITION_BY ({PARTITION}))"
                    )
                    if not any((staging / table).rglob("*.parquet")):  # no rows: keep columns
                        (staging / table / f"{PARTITION}=none").mkdir(parents=True)
                        file = _literal(staging / table / f"{PARTITION}=none" / "data.parquet")
                        con.execute(f"COPY (FROM {table} LIMIT 0) TO {file} (FORMAT PARQUET)")
                else:
                    (staging / table).mkdir()
                    file = _literal(staging / table / "data.parquet")
                    con.execute(f"COPY {table} TO {file} (FORMAT PARQUET)")
            version = con.execute(
                "SELECT value FROM atlas_meta WHERE key = 'data_version'"
            ).fetchone()
        finally:
            con.close()
        manifest = {"data_version": (version[0] if version else uuid.uuid4().hex),
                    "source": str(db_path)}  # fmt: skip
        (staging / MANIFEST).write_text(json.dumps(manifest))
        _swap(staging, out)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return out


def _swap(new: Path, out: Path) -> None:
    """Replace ``out`` by ``new`` (renames only; a reader has the old files open or the new)."""
    if out.exists():
        old = out.with_name(f"{out.name}.old-{uuid.uuid4().hex[:8]}")
        os.replace(out, old)
        os.replace(new, out)
        shutil.rmtree(old, ignore_errors=True)
    else:
        os.replace(new, out)
