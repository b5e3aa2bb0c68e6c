"""Writing a database file: all or nothing, with derived columns kept in step.

Writers (the sample generator, the importer) work on a private copy of the database file and
publish it with one atomic ``os.replace``. A reader that has the old file open keeps reading the
old data; the next query after the swap sees a new data version and reopens. Nobody ever sees
half a load, and a crash or kill mid-write leaves the published file untouched.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import shutil
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import duckdb

from data_access import reference
from data_access.schema import TABLES, TICKETS

Progress = Callable[[float, str], None]

META_DDL = "CREATE TABLE IF NOT EXISTS atlas_meta (key VARCHAR PRIMARY KEY, value VARCHAR)"


def create_tables(con: duckdb.DuckDBPyConnection) -> None:
    """Create any canonical table that does not exist yet."""
    existing = {row[0] for row in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()}
    for table in TABLES.values():
        if table.name not in existing:
            con.execute(table.ddl())
    con.execute(META_DDL)


def _derive_tickets(con: duckdb.DuckDBPyConnection) -> None:
    """Recompute the derived ticket columns over the whole table, ordered by creation time.

    Local time uses each country's main zone. Repeat contacts look at the same customer's next
    ticket: on the same category for first-contact resolution, on any category for channel
    switching.
    """
    countries = [r[0] for r in con.execute("SELECT DISTINCT country FROM tickets").fetchall()]
    zones = reference.countries_frame(countries)[["country", "timezone"]] if countries else None
    con.execute("CREATE OR REPLACE TEMP TABLE country_zone (country VARCHAR, timezone VARCHAR)")
    if zones is not None:
        con.executemany("INSERT INTO country_zone VALUES (?, ?)", zones.values.tolist())
    source = ", ".join(f"t.{c.name}" for c in TICKETS.source_columns)
    con.execute(
        f"""
        CREATE OR REPLACE TABLE tickets AS
        WITH ordered AS (
            SELECT *,
                lead(created_at) OVER (PARTITION BY customer_id, category
                                       ORDER BY created_at, ticket_id) AS next_same_topic_at,
                lead(created_at) OVER (PARTITION BY customer_id
                                       ORDER BY created_at, ticket_id) AS next_contact_at,
                lead(channel) OVER (PARTITION BY customer_id
                                    ORDER BY created_at, ticket_id) AS next_contact_channel
            FROM tickets
        )
        SELECT {source},
            timezone(coalesce(z.timezone, 'UTC'), t.created_at) AS local_created_at,
            coalesce(t.next_same_topic_at
                     <= coalesce(t.resolved_at, t.created_at) + INTERVAL 7 DAY, false)
                AS repeat_contact_7d,
            CASE WHEN t.next_contact_at <= t.created_at + INTERVAL 7 DAY
                 THEN t.next_contact_channel END AS next_channel_7d
        FROM ordered t LEFT JOIN country_zone z USING (country)
        ORDER BY t.created_at
        """  # noqa: S608 - identifiers come from data_access.schema, not from users
    )


def finalize(con: duckdb.DuckDBPyConnection, source: str) -> str:
    """Derive columns, stamp a new data version and return it."""
    _derive_tickets(con)
    version = uuid.uuid4().hex
    now = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    for key, value in (("data_version", version), ("updated_at", now), ("source", source)):
        con.execute("INSERT OR REPLACE INTO atlas_meta VALUES (?, ?)", [key, value])
    con.execute("CHECKPOINT")
    return version


@contextlib.contextmanager
def rewrite(
    path: Path, source: str, copy_existing: bool = True
) -> Iterator[duckdb.DuckDBPyConnection]:
    """Yield a connection to a private copy of ``path``; publish it atomically on success.

    ``copy_existing=False`` starts from an empty database (the sample generator).
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f"{path.name}.tmp-{os.getpid()}-{uuid.uuid4().hex[:8]}")
    if copy_existing and path.exists():
        shutil.copyfile(path, tmp)
    con = duckdb.connect(str(tmp))
    con.execute("SET enable_progress_bar = false")
    try:
        create_tables(con)
        yield con
        finalize(con, source)
        con.close()
        os.replace(tmp, path)
    except BaseException:
        con.close()
        tmp.unlink(missing_ok=True)
        Path(f"{tmp}.wal").unlink(missing_ok=True)
        raise
