"""The one way into the data: a process-wide database object that hands out a cursor per query.

An in-memory DuckDB attaches the data file read-only and exposes the canonical tables as views,
plus a small ``countries`` table (names, ISO-3, UN region, time zone) for the countries present.
Streamlit serves each session in its own thread; a DuckDB connection is not safe to share across
threads, so every query runs on its own ``cursor()``.

When a writer publishes a new file (``data_access.store``) the file's identity changes; the next
query notices, attaches the new file and reports a new ``version`` so caches keyed by it refresh.
Queries already running finish on the old file.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pandas as pd

from data_access import lake, reference
from data_access.access import EVERYTHING, Scope, create_scope_schema
from data_access.config import data_location
from data_access.schema import BOOKKEEPING, TABLES, TICKET_ATTRIBUTES

Params = Sequence[object] | Mapping[str, object]


class DataNotFoundError(FileNotFoundError):
    """The configured data location holds no database."""


@dataclass(frozen=True)
class _Snapshot:
    con: duckdb.DuckDBPyConnection
    identity: tuple[int, int, int]
    version: str
    schemas: dict[str, str]  # Scope.key -> its schema in ``con`` (``data_access.access``)


def _identity(path: Path) -> tuple[int, int, int]:
    """What changes when a writer publishes: the DuckDB file, or a lake's manifest."""
    stat = (path / lake.MANIFEST if path.is_dir() else path).stat()
    return (stat.st_ino, stat.st_mtime_ns, stat.st_size)


def _lake_tables(lake_path: Path) -> dict[str, str]:
    """SELECTs over a Parquet lake's tables (``data_access.lake``), by table name."""
    selects = {}
    for name in [*TABLES, *BOOKKEEPING]:
        if not (lake_path / name).is_dir():
            continue
        files = lake.table_glob(lake_path, name).replace("'", "''")
        partitioned = name in lake.PARTITIONED_BY
        columns = f"* EXCLUDE ({lake.PARTITION})" if partitioned else "*"
        options = ", hive_partitioning = true" if partitioned else ""
        selects[name] = f"SELECT {columns} FROM read_parquet('{files}'{options})"  # noqa: S608
    return selects


def _file_tables(con: duckdb.DuckDBPyConnection, path: Path) -> dict[str, str]:
    """SELECTs over the tables of a DuckDB file, attached read-only as ``atlas``."""
    con.execute("ATTACH ? AS atlas (READ_ONLY)", [str(path)])
    present = {r[0] for r in con.execute(
        "SELECT table_name FROM duckdb_tables() WHERE database_name = 'atlas'"
    ).fetchall()}  # fmt: skip
    names = present & {*TABLES, *BOOKKEEPING}
    return {name: f"SELECT * FROM atlas.{name}" for name in names}  # noqa: S608


def _survey_view(con: duckdb.DuckDBPyConnection, stored: str) -> str:
    """The surveys view; data written before surveys carried their ticket's attributes gets
    them by a join (slower, same results)."""
    columns = set(con.execute(f"SELECT * FROM ({stored}) LIMIT 0").df().columns)  # noqa: S608
    missing = [name for name, _ in TICKET_ATTRIBUTES if name not in columns]
    if not missing:
        return stored
    copied = ", ".join(f"t.{name}" for name in missing)
    join = "LEFT JOIN tickets t ON t.ticket_id = s.ticket_id"
    return f"SELECT s.*, {copied} FROM ({stored}) s {join}"  # noqa: S608


class Database:
    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._lock = threading.Lock()
        self._snapshot: _Snapshot | None = None

    def _open(self) -> _Snapshot:
        if not self.path.exists():
            raise DataNotFoundError(f"No database at {self.path}")
        identity = _identity(self.path)
        con = duckdb.connect(":memory:")
        con.execute("SET enable_progress_bar = false")
        is_lake = self.path.is_dir()
        selects = _lake_tables(self.path) if is_lake else _file_tables(con, self.path)
        if "surveys" in selects:
            selects["surveys"] = _survey_view(con, selects["surveys"])
        # names come from the schema, the lake path from configuration, never from users
        for name, select in sorted(selects.items(), key=lambda item: item[0] == "surveys"):
            con.execute(f"CREATE VIEW {name} AS {select}")
        for name, ddl in BOOKKEEPING.items():  # older files: empty records, same columns
            if name not in selects:
                con.execute(ddl)
        countries = [r[0] for r in con.execute("SELECT DISTINCT country FROM tickets").fetchall()]
        con.register("countries_frame", reference.countries_frame(sorted(countries)))
        con.execute("CREATE TABLE countries AS SELECT * FROM countries_frame")
        con.unregister("countries_frame")
        for name in ("tickets", "surveys"):  # what drill-downs list; a scope narrows it further
            con.execute(f"CREATE VIEW listable_{name} AS SELECT * FROM {name}")  # noqa: S608
        row = con.execute("SELECT value FROM atlas_meta WHERE key = 'data_version'").fetchone()
        version = row[0] if row else f"{identity[0]}-{identity[1]}"
        return _Snapshot(con, identity, version, {})

    def _current(self) -> _Snapshot:
        snapshot = self._snapshot
        try:
            changed = snapshot is None or _identity(self.path) != snapshot.identity
        except FileNotFoundError:
            changed = True
        if changed:
            with self._lock:
                snapshot = self._snapshot
                if (
                    snapshot is None
                    or not self.path.exists()
                    or (_identity(self.path) != snapshot.identity)
                ):
                    snapshot = self._snapshot = self._open()
        return snapshot

    @property
    def version(self) -> str:
        """Identifies the data currently served; changes whenever new data is published."""
        return self._current().version

    scope: Scope = EVERYTHING

    @property
    def cache_key(self) -> str:
        """Keys anything cached from this database's answers: its file and what it may see."""
        return f"{self.path}#{self.scope.key}"

    def scoped(self, scope: Scope) -> Database:
        """This data as ``scope`` may see it: every query of the result runs on the scope's
        views (``data_access.access``), whatever its SQL asks for."""
        return self if scope.unrestricted else ScopedDatabase(self, scope)

    def _cursor(self) -> duckdb.DuckDBPyConnection:
        return self._current().con.cursor()

    def query(self, sql: str, params: Params = ()) -> pd.DataFrame:
        """Run one statement with bound parameters on a fresh cursor; return a DataFrame."""
        cursor = self._cursor()
        try:
            return cursor.execute(sql, params).df()
        finally:
            cursor.close()

    def meta(self) -> dict[str, str]:
        rows = self.query("SELECT key, value FROM atlas_meta")
        return dict(zip(rows["key"], rows["value"], strict=True))


class ScopedDatabase(Database):
    """A database seen through a ``Scope``: same file and version, only the scope's rows."""

    def __init__(self, base: Database, scope: Scope) -> None:
        self.base, self.scope, self.path = base, scope, base.path

    @property
    def version(self) -> str:
        return self.base.version

    def scoped(self, scope: Scope) -> Database:
        return self.base.scoped(scope)

    def _cursor(self) -> duckdb.DuckDBPyConnection:
        snapshot = self.base._current()
        schema = snapshot.schemas.get(self.scope.key)
        if schema is None:
            with self.base._lock:  # one session creates a scope's views; the others reuse them
                if self.scope.key not in snapshot.schemas:
                    snapshot.schemas[self.scope.key] = create_scope_schema(snapshot.con, self.scope)
                schema = snapshot.schemas[self.scope.key]
        cursor = snapshot.con.cursor()
        cursor.execute(f"SET search_path = '{schema},main'")  # a hash-derived name, no user text
        return cursor


_databases: dict[Path, Database] = {}
_registry_lock = threading.Lock()


def get_database(path: Path | None = None) -> Database:
    """The process-wide database for ``path`` (default: the configured location)."""
    path = Path(path) if path is not None else data_location()
    with _registry_lock:
        if path not in _databases:
            _databases[path] = Database(path)
        return _databases[path]


def data_exists(path: Path | None = None) -> bool:
    path = Path(path) if path is not None else data_location()
    if path.is_dir():
        return (path / lake.MANIFEST).exists()
    return path.exists() and os.path.getsize(path) > 0
