"""One import, all or nothing: read, stage, check, upsert, record, publish.

The whole import runs inside ``data_access.store.rewrite`` on a private copy of the database,
with a scratch DuckDB file beside it for the staging tables, and is published with one
``os.replace``. A failure, an exception or a kill at any point leaves the published file as it
was (the next writer removes the leftovers). Readers keep serving the old file meanwhile and see
the new data version after the swap.

Rows are upserted by the table's key: existing rows with an incoming id are deleted, then the
incoming rows inserted, so importing the same file twice changes nothing. Refused rows are
reported (row, column, reason, value) and counted: rows read = rows loaded + rows refused.
Reported values go through ``privacy.mask_contacts``, and the text of a row that could not be
split into columns is not shown at all when the file has a name, e-mail or phone column. The
full report is written only to the file the caller names; nothing is left in a temp folder.
"""

from __future__ import annotations

import contextlib
import os
import time
import zoneinfo
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv

from data_access import config, spreadsheet, store
from data_access.importer import privacy, readers, suggestion, validation
from data_access.importer.mapping import IMPORTABLE, START_COLUMN, Mapping, MappingError, kind
from data_access.importer.readers import BadRow, ImportFileError
from data_access.schema import LAST_IMPORT

Progress = Callable[[float, str], None]
MEMORY_LIMIT = os.environ.get("SERVICE_ATLAS_IMPORT_MEMORY", "256MB")
LOCK_TIMEOUT_SECONDS = 10.0
SAMPLE_PROBLEMS = 1000  # problems kept in memory (the full list goes to the report file)
REPORT_VALUE_CHARS = 200  # of each value shown in a report, after masking


class ImportAborted(RuntimeError):
    """The database could not complete the import (e.g. out of memory); nothing was changed."""


@dataclass
class ImportResult:
    """What an import did, with the refused rows (a sample here, all of them in the report)."""

    table: str
    file: str
    file_format: str
    rows_read: int
    rows_loaded: int
    rows_refused: int
    rows_replaced: int
    reasons: dict[str, int]  # refused rows per reason (a row may have several reasons)
    problems: pd.DataFrame  # the first problems, in file order (columns: see _REPORT_SQL)
    problem_count: int  # all problems (a row may have several)
    report_path: Path | None  # the full report, when one was asked for
    mapping: Mapping
    timezone: str
    seconds: float
    first: object = None  # earliest start time (created_at, sent_at, start_at) loaded, UTC
    last: object = None  # latest
    notes: list[str] = field(default_factory=list)

    @property
    def duplicates_refused(self) -> int:
        return self.reasons.get(validation.DUPLICATE, 0)

    def report_csv(self) -> bytes:
        """The validation report as CSV: all of it if a report file was written, else the first
        ``SAMPLE_PROBLEMS`` problems."""
        if self.report_path is not None and self.report_path.exists():
            return self.report_path.read_bytes()
        # CRLF line ends: a cell holding a bare CR is quoted too (see presentation.export.csv_bytes)
        return self.problems.to_csv(index=False, lineterminator="\r\n").encode()

    def summary(self) -> str:
        lines = [
            f"{self.file} → {self.table}: {self.rows_read:,} rows read, {self.rows_loaded:,} "
            f"loaded ({self.rows_replaced:,} replaced existing rows), {self.rows_refused:,} "
            f"refused, in {self.seconds:.1f} s.",
        ]
        for reason, count in sorted(self.reasons.items(), key=lambda kv: -kv[1]):
            lines.append(f"  {count:>9,}  {reason}")
        return "\n".join(lines)


def inspect_file(path: Path, name: str | None = None, mapping: Mapping | None = None,
                 encoding: str | None = None, delimiter: str | None = None,
                 sheet: str | None = None) -> readers.FileInfo:  # fmt: skip
    """Format, encoding, delimiter and headers of a file (options override the mapping's)."""
    return readers.inspect(
        path,
        name,
        encoding or (mapping.encoding if mapping else None),
        delimiter or (mapping.delimiter if mapping else None),
        sheet or (mapping.sheet if mapping else None),
    )


def import_file(
    table: str,
    path: Path | str,
    db: Path | str,
    mapping: Mapping | None = None,
    *,
    name: str | None = None,
    timezone: str | None = None,
    encoding: str | None = None,
    delimiter: str | None = None,
    sheet: str | None = None,
    report: Path | str | None = None,
    progress: Progress | None = None,
    dates: str | None = None,
) -> ImportResult:
    """Import ``path`` into ``table`` of the database at ``db`` and publish it atomically.

    Without a mapping the suggested one is used (and must cover the required columns). Every
    timestamp must fall in the window ``dates`` gives ("FIRST/LAST", see
    ``config.import_date_window``; by default $SERVICE_ATLAS_IMPORT_DATES, else 2000-01-01 to a
    day after now, a year for shifts); rows outside it are refused. Raises
    ``ImportFileError`` (unreadable file), ``MappingError`` (mapping does not fit the file),
    ``store.WriterBusyError`` (another import is running) or ``ImportAborted`` (the database
    could not finish, e.g. out of memory); nothing is published then.
    """
    started = time.monotonic()
    say = progress or (lambda fraction, message: None)
    if table not in IMPORTABLE:
        raise MappingError([f"Cannot import into '{table}': choose {', '.join(IMPORTABLE)}."])
    try:
        ahead = config.SCHEDULE_AHEAD if table == "shifts" else config.FUTURE_ALLOWANCE
        window = config.import_date_window(dates, ahead=ahead)
    except ValueError as error:
        raise MappingError([str(error)]) from None
    path, db = Path(path), Path(db)
    say(0.0, "Reading the file")
    info = inspect_file(path, name, mapping, encoding, delimiter, sheet)
    notes = list(info.notes)
    if mapping is None:
        suggested = suggestion.suggest(table, info.headers, readers.preview(info))
        mapping, notes = suggested.mapping, notes + suggested.notes

    if mapping.table != table:
        raise MappingError([f"The mapping is for {mapping.table}, not {table}."])
    declared = timezone or mapping.timezone
    zone = declared or "UTC"
    try:
        zoneinfo.ZoneInfo(zone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise MappingError([f"Unknown time zone '{zone}' (use e.g. Europe/Berlin)."]) from None
    mapping.timezone = zone
    mapping.check(list(info.headers), source=info.name)
    if not declared and any(kind(table, c) == "timestamp" for c in mapping.columns):
        notes.append("No time zone was given: times without an offset were read as UTC.")
    key = privacy.pseudonymisation_key(db)

    bad_rows: list[BadRow] = []
    scratch = store.scratch_path(db, "staging.duckdb")
    say(0.02, "Making a private copy of the database")
    try:
        counts, reasons, (problems, problem_count, report_path), first, last = _publish(
            db, info, mapping, key, bad_rows, zone, window, report, scratch, say
        )
    except duckdb.OutOfMemoryException:
        raise ImportAborted(
            f"{info.name}: not imported — the import needed more than its memory budget "
            f"({MEMORY_LIMIT}); set SERVICE_ATLAS_IMPORT_MEMORY higher (e.g. 1GB). Nothing "
            "was changed."
        ) from None
    except duckdb.Error as error:
        message = str(error).splitlines()[0]
        raise ImportAborted(
            f"{info.name}: not imported — the database reported: {message}. Nothing was changed."
        ) from None
    except OSError as error:  # e.g. the disk filled up while copying the database
        raise ImportAborted(
            f"{info.name}: not imported — could not write the private copy of {db.name} beside "
            f"it ({error.strerror or error}): an import needs free disk space for a copy of the "
            "database. Nothing was changed."
        ) from None
    say(1.0, "Done")
    return ImportResult(
        table=table, file=info.name, file_format=info.format,
        rows_read=counts["rows_read"], rows_loaded=counts["rows_loaded"],
        rows_refused=counts["rows_refused"], rows_replaced=counts["rows_replaced"],
        reasons=reasons, problems=problems, problem_count=problem_count,
        report_path=report_path, mapping=mapping,
        timezone=zone, seconds=time.monotonic() - started, first=first, last=last, notes=notes,
    )  # fmt: skip


def _publish(
    db: Path,
    info: readers.FileInfo,
    mapping: Mapping,
    key: bytes,
    bad_rows: list[BadRow],
    zone: str,
    window: config.DateWindow,
    report: Path | str | None,
    scratch: Path,
    say: Progress,
) -> tuple[dict[str, int], dict[str, int], Report, object, object]:
    """The import proper, on a private copy published at the end (``store.rewrite``)."""
    table = mapping.table
    with store.rewrite(db, None, copy_existing=True, lock_timeout=LOCK_TIMEOUT_SECONDS) as con:
        con.execute("SET memory_limit = ?", [MEMORY_LIMIT])
        con.execute("SET preserve_insertion_order = false")
        con.execute("SET TimeZone = 'UTC'")
        con.execute("ATTACH ? AS staging", [str(scratch)])
        try:
            counts, reasons, problems = _load(
                con, info, mapping, key, bad_rows, zone, window, report, say
            )
            start = START_COLUMN.get(table)
            first, last = (con.execute(
                f"SELECT min({start}), max({start}) FROM staging.valid"  # noqa: S608 - schema
            ).fetchone() if start else (None, None))  # fmt: skip
            base = con.execute("SELECT value FROM atlas_meta WHERE key = 'source'").fetchone()
            base_text = (base[0] if base else "").split(LAST_IMPORT)[0] or "imported data"
            con.execute(
                "INSERT OR REPLACE INTO atlas_meta VALUES ('source', ?)",
                [f"{base_text}{LAST_IMPORT}{table} from {info.name}"],
            )
            store.record_import(con, table, info.name, info.format, counts, reasons,
                                mapping.to_json())  # fmt: skip
        finally:
            with contextlib.suppress(duckdb.Error):
                con.execute("DETACH staging")
            for leftover in (scratch, Path(f"{scratch}.wal")):
                leftover.unlink(missing_ok=True)
        say(0.92, "Publishing: recomputing derived columns")
    return counts, reasons, problems, first, last


def _load(
    con: duckdb.DuckDBPyConnection,
    info: readers.FileInfo,
    mapping: Mapping,
    key: bytes,
    bad_rows: list[BadRow],
    zone: str,
    window: config.DateWindow,
    report: Path | str | None,
    say: Progress,
) -> tuple[dict[str, int], dict[str, int], Report]:
    validation.create_raw(con, mapping)
    staged = 0
    for batch in readers.read_batches(info, mapping.source_columns(), bad_rows):
        arrow = validation.stage_batch(batch, mapping, key)
        con.register("incoming_batch", arrow)
        con.execute("INSERT INTO staging.raw SELECT * FROM incoming_batch")
        con.unregister("incoming_batch")
        staged += arrow.num_rows
        say(0.05 + 0.6 * batch.done, f"Reading rows: {staged:,}")
    rows_read = staged + len(bad_rows)
    if rows_read == 0:
        raise ImportFileError(f"{info.name} has a header but no data rows: nothing to import.")

    say(0.66, "Checking rows")
    validation.build_lookups(con, mapping)
    validation.parse(con, mapping, zone)
    validation.create_problems(con)
    validation.add_bad_rows(con, bad_rows)
    validation.find_problems(con, mapping, window)
    validation.create_valid(con, mapping)

    refused_staged = con.execute(
        "SELECT count(DISTINCT _row) FROM staging.problems WHERE field IS NOT NULL OR reason = ?",
        [validation.EMPTY_ROW],
    ).fetchone()[0]
    reasons = dict(con.execute(
        "SELECT reason, count(DISTINCT _row) + count(*) FILTER (WHERE _row IS NULL) "
        "FROM staging.problems GROUP BY reason ORDER BY 2 DESC, 1"
    ).fetchall())  # fmt: skip
    rows_loaded = con.execute("SELECT count(*) FROM staging.valid").fetchone()[0]
    if rows_loaded != staged - refused_staged:  # a check missed a row: refuse to publish
        raise RuntimeError(f"internal error: {rows_loaded} valid of {staged} staged rows with "
                           f"{refused_staged} refused")  # fmt: skip

    say(0.8, "Writing the report")
    problems = _report(con, info, report)

    say(0.84, f"Loading {rows_loaded:,} rows")
    table = mapping.table
    keys = [k.strip() for k in mapping.schema.key.split(",")]
    match = " AND ".join(f"{table}.{k} = v.{k}" for k in keys)
    replaced = con.execute(
        f"DELETE FROM {table} USING staging.valid v WHERE {match}"  # noqa: S608 - schema names
    ).fetchone()[0]
    con.execute(f"INSERT INTO {table} BY NAME SELECT * FROM staging.valid")  # noqa: S608
    if "hub" in {c.name for c in mapping.schema.source_columns}:  # new hubs get a row in hubs
        con.execute(
            "INSERT INTO hubs SELECT DISTINCT hub, hub, ? FROM staging.valid "
            "WHERE hub IS NOT NULL AND hub NOT IN (SELECT hub FROM hubs)",
            [zone],
        )
    counts = {
        "rows_read": rows_read,
        "rows_loaded": rows_loaded,
        "rows_refused": refused_staged + len(bad_rows),
        "rows_replaced": replaced,
        "duplicates_refused": reasons.get(validation.DUPLICATE, 0),
    }
    if counts["rows_loaded"] + counts["rows_refused"] != rows_read:
        raise RuntimeError("internal error: loaded + refused differs from rows read")
    return counts, reasons, problems


Report = tuple[pd.DataFrame, int, Path | None]  # the first problems, how many, the report file

# A value is masked before it is cut short, so no half address escapes the masking. The text of
# a row that could not be split (no field: the whole line) is hidden if the file has personal
# columns, since it cannot be told which part of it came from them.
_REPORT_SQL = """
    SELECT neutralise($file) AS file, _row AS "row", neutralise(source_column) AS "column",
        field, reason,
        CASE WHEN $hide_lines AND field IS NULL AND value IS NOT NULL THEN $hidden
             ELSE neutralise(left(mask_contacts(value), $chars)) END AS value,
        detail
    FROM staging.problems ORDER BY _row NULLS LAST, field NULLS FIRST, reason
"""


def _report(con: duckdb.DuckDBPyConnection, info: readers.FileInfo,
            report: Path | str | None) -> Report:  # fmt: skip
    """The first problems as a frame, their number, and (if asked) all of them in a CSV file."""
    params = {"file": info.name, "hidden": privacy.HIDDEN, "chars": REPORT_VALUE_CHARS,
              "hide_lines": any(privacy.personal_data_kind(h) for h in info.headers)}  # fmt: skip
    cursor = con.cursor()
    try:
        for name, function in (("mask_contacts", privacy.mask_array),
                               ("neutralise", spreadsheet.neutralise_array)):
            cursor.create_function(name, function, [duckdb.sqltype("VARCHAR")],
                                   duckdb.sqltype("VARCHAR"), type="arrow")  # fmt: skip
        sample = cursor.execute(f"{_REPORT_SQL} LIMIT {SAMPLE_PROBLEMS}", params).df()
        [(count,)] = cursor.execute("SELECT count(*) FROM staging.problems").fetchall()
        if report is not None:
            report = Path(report)
            _write_report(cursor.sql(_REPORT_SQL, params=params).to_arrow_reader(50_000), report,
                          info.name)  # fmt: skip
    finally:
        cursor.close()
    return sample, count, report


def _write_report(batches: pa.RecordBatchReader, report: Path, file_name: str) -> None:
    try:
        with pacsv.CSVWriter(str(report), batches.schema) as writer:
            for batch in batches:
                writer.write_batch(batch)
    except OSError as error:
        with contextlib.suppress(OSError):
            report.unlink(missing_ok=True)  # half a report
        raise ImportAborted(
            f"{file_name}: not imported — the report cannot be written to "
            f"{report} ({error.strerror or error}). Nothing was changed."
        ) from None
