"""Writing a database file: all or nothing, with derived columns kept in step.

Writers (the sample generator, the importer) work on a private copy of the database file and
publish it with one atomic ``os.replace``. A reader that has the old file open keeps reading the
old data; the next query after the swap sees a new data version and reopens. Nobody ever sees
half a load, and a crash or kill mid-write leaves the published file untouched.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import json
import os
import re
import shutil
import time
import uuid
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path

import duckdb

from data_access import reference
from data_access.catalog import META_KEY, catalog_json
from data_access.schema import (
    BOOKKEEPING,
    IMPORT_COLUMNS,
    SURVEYS,
    TABLES,
    TICKET_ATTRIBUTES,
    TICKETS,
)

Progress = Callable[[float, str], None]
WRITER_MEMORY_LIMIT = "2GB"  # DuckDB's share of a writer's memory; the rest is Python's

_OWNER = re.compile(r"(\d+)-")  # private files are named <prefix><pid>-...


class WriterBusyError(RuntimeError):
    """Another process is writing the same database file."""


def create_tables(con: duckdb.DuckDBPyConnection) -> None:
    """Create any canonical table that does not exist yet."""
    existing = {row[0] for row in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()}
    for table in TABLES.values():
        if table.name not in existing:
            con.execute(table.ddl())
    for ddl in BOOKKEEPING.values():
        con.execute(ddl)


def record_import(
    con: duckdb.DuckDBPyConnection,
    table_name: str,
    source_file: str,
    file_format: str,
    counts: Mapping[str, int],
    refused_by_reason: Mapping[str, int],
    mapping: str | None = None,
) -> None:
    """Add one row to ``atlas_imports``; ``counts`` holds rows_read/loaded/refused/replaced and
    duplicates_refused."""
    now = dt.datetime.now(dt.UTC)
    values = [now, table_name, source_file, file_format,
              *(int(counts.get(k, 0)) for k in IMPORT_COLUMNS[4:9]),
              json.dumps(dict(refused_by_reason), sort_keys=True), mapping]  # fmt: skip
    con.execute("INSERT INTO atlas_imports VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", values)


def _derive_tickets(con: duckdb.DuckDBPyConnection) -> None:
    """Recompute the derived ticket columns over the whole table, ordered by creation time.

    Local time uses each country's main zone. Repeat contacts look at the same customer's next
    ticket: on the same category for first-contact resolution, on any category for channel
    switching. The window functions run over a narrow projection (then joined back by rowid):
    sorting whole rows would need several times the memory at tens of millions of tickets.
    """
    countries = [r[0] for r in con.execute("SELECT DISTINCT country FROM tickets").fetchall()]
    zones = reference.countries_frame(countries)[["country", "timezone"]] if countries else None
    con.execute("CREATE OR REPLACE TEMP TABLE country_zone (country VARCHAR, timezone VARCHAR)")
    if zones is not None:
        con.executemany("INSERT INTO country_zone VALUES (?, ?)", zones.values.tolist())
    con.execute(
        """
        CREATE OR REPLACE TEMP TABLE next_contacts AS
        SELECT rowid AS row_id,
            lead(created_at) OVER (PARTITION BY customer_id, category
                                   ORDER BY created_at, ticket_id) AS next_same_topic_at,
            lead(created_at) OVER (PARTITION BY customer_id
                                   ORDER BY created_at, ticket_id) AS next_contact_at,
            lead(channel) OVER (PARTITION BY customer_id
                                ORDER BY created_at, ticket_id) AS next_contact_channel
        FROM tickets
        """
    )
    source = ", ".join(f"t.{c.name}" for c in TICKETS.source_columns)
    con.execute(
        f"""
        CREATE OR REPLACE TABLE tickets AS
        SELECT {source},
            timezone(coalesce(z.timezone, 'UTC'), t.created_at) AS local_created_at,
            coalesce(n.next_same_topic_at
                     <= coalesce(t.resolved_at, t.created_at) + INTERVAL 7 DAY, false)
                AS repeat_contact_7d,
            CASE WHEN n.next_contact_at <= t.created_at + INTERVAL 7 DAY
                 THEN n.next_contact_channel END AS next_channel_7d
        FROM tickets t
        JOIN next_contacts n ON n.row_id = t.rowid
        LEFT JOIN country_zone z USING (country)
        ORDER BY t.created_at
        """  # noqa: S608 - identifiers come from data_access.schema, not from users
    )
    con.execute("DROP TABLE next_contacts")


def _derive_surveys(con: duckdb.DuckDBPyConnection) -> None:
    """Copy each survey's ticket attributes onto it, ordered by send time.

    Survey KPIs are cut by the ticket's country, language, channel...: joining two million
    surveys to ten million tickets on every query cost seconds; a copy costs a few megabytes.
    """
    source = ", ".join(f"s.{c.name}" for c in SURVEYS.source_columns)
    copied = ", ".join(f"t.{name}" for name, _ in TICKET_ATTRIBUTES)
    con.execute(
        f"""
        CREATE OR REPLACE TABLE surveys AS
        SELECT {source}, {copied}
        FROM surveys s LEFT JOIN tickets t ON t.ticket_id = s.ticket_id
        ORDER BY s.sent_at
        """  # noqa: S608 - identifiers come from data_access.schema, not from users
    )


def finalize(con: duckdb.DuckDBPyConnection, source: str | None) -> str:
    """Derive columns, stamp a new data version and return it (``source=None`` keeps the
    description the writer stored in ``atlas_meta`` itself)."""
    _derive_tickets(con)
    _derive_surveys(con)
    version = uuid.uuid4().hex
    now = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    stamps = [("data_version", version), ("updated_at", now), (META_KEY, catalog_json(con))]
    if source is not None:
        stamps.append(("source", source))
    for key, value in stamps:
        con.execute("INSERT OR REPLACE INTO atlas_meta VALUES (?, ?)", [key, value])
    con.execute("CHECKPOINT")
    return version


def scratch_path(path: Path, label: str) -> Path:
    """A private file next to ``path`` for this process, removed as stale if the process dies."""
    path = Path(path)
    return path.with_name(f"{path.name}.tmp-{os.getpid()}-{uuid.uuid4().hex[:8]}-{label}")


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _started_at(pid: int) -> float | None:
    """When process ``pid`` started (Unix time), from Linux's /proc; None where that is missing."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        boot = next(float(line.split()[1]) for line in Path("/proc/stat").read_text().splitlines()
                    if line.startswith("btime "))  # fmt: skip
    except (OSError, IndexError, StopIteration):
        return None
    return boot + int(fields[19]) / os.sysconf("SC_CLK_TCK")  # field 22: start, in clock ticks


def _owner_gone(pid: int, written_at: float) -> bool:
    """The process that wrote a file last at ``written_at`` has ended: its id is free or was
    taken by a process that started later (ids are reused)."""
    if not _alive(pid):
        return True
    started = _started_at(pid)
    return started is not None and started > written_at + 1.0  # /proc/stat counts whole seconds


def remove_orphaned_files(folder: Path, prefix: str) -> list[Path]:
    """Delete the files (and folders) named ``<prefix><pid>-…`` in ``folder`` whose process has
    ended: what a killed writer or upload left behind. A running owner's files are never touched.
    """
    removed = []
    for candidate in Path(folder).glob(f"{glob_escape(prefix)}*"):
        match = _OWNER.match(candidate.name[len(prefix) :])
        with contextlib.suppress(OSError):  # gone meanwhile, or in a folder we may not change
            if match and _owner_gone(int(match.group(1)), candidate.stat().st_mtime):
                if candidate.is_dir():
                    shutil.rmtree(candidate)
                else:
                    candidate.unlink()
                removed.append(candidate)
    return removed


def remove_stale_files(path: Path) -> list[Path]:
    """Delete private copies, WAL and spill files that killed writers left next to ``path``."""
    path = Path(path)
    return remove_orphaned_files(path.parent, f"{path.name}.tmp-")


def glob_escape(name: str) -> str:
    return re.sub(r"([*?\[])", r"[\1]", name)


@contextlib.contextmanager
def writer_lock(path: Path, timeout: float | None = None) -> Iterator[None]:
    """Hold the exclusive writer lock of the database at ``path``.

    Two writers must not both copy, change and publish the same file: the second would publish
    over the first and lose its rows. The lock is an ``flock`` on the database's folder (the file
    itself is replaced on every publish, the folder stays), so writers of databases in one folder
    take turns; the kernel frees it when the holder exits, even on a kill. ``timeout=None`` waits
    as long as it takes.
    """
    folder = Path(path).resolve().parent
    folder.mkdir(parents=True, exist_ok=True)
    fd = os.open(folder, os.O_RDONLY)
    try:
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if deadline is not None and time.monotonic() >= deadline:
                    raise WriterBusyError(
                        f"Another import or rebuild is writing {Path(path).name} (or a database "
                        f"beside it); try again when it has finished."
                    ) from None
                time.sleep(0.1)
        yield
    finally:
        os.close(fd)  # closing the descriptor releases the lock


@contextlib.contextmanager
def rewrite(
    path: Path,
    source: str | None,
    copy_existing: bool = True,
    lock_timeout: float | None = None,
) -> Iterator[duckdb.DuckDBPyConnection]:
    """Yield a connection to a private copy of ``path``; publish it atomically on success.

    ``copy_existing=False`` starts from an empty database (the sample generator). Writers take
    turns (``writer_lock``); files a killed writer left behind are removed first.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with writer_lock(path, lock_timeout):
        remove_stale_files(path)
        tmp = path.with_name(f"{path.name}.tmp-{os.getpid()}-{uuid.uuid4().hex[:8]}")
        con = None
        try:
            if copy_existing and path.exists():
                shutil.copyfile(path, tmp)  # a full disk fails here: the except cleans up
            con = duckdb.connect(str(tmp))
            con.execute("SET enable_progress_bar = false")
            # sorts and windows over tens of millions of rows spill to disk instead of growing
            con.execute(f"SET memory_limit = '{WRITER_MEMORY_LIMIT}'")
            create_tables(con)
            yield con
            finalize(con, source)
            con.close()
            os.replace(tmp, path)
        except BaseException:
            if con is not None:
                con.close()
            tmp.unlink(missing_ok=True)
            Path(f"{tmp}.wal").unlink(missing_ok=True)
            shutil.rmtree(f"{tmp}.tmp", ignore_errors=True)
            raise
