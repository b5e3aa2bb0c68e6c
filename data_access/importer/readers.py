"""Reading import files as a stream of Arrow batches of text: CSV, Parquet and XLSX.

Every cell comes out as text (or null) exactly as written; turning text into timestamps, numbers
and codes happens later, in SQL (``validation``). A file is never read whole: CSV goes through
pyarrow's streaming reader in blocks, Parquet by row groups, XLSX through openpyxl's read-only
row iterator. Formulas in workbooks are never evaluated (cached values are read) and a cell that
starts with ``=``, ``+`` or ``@`` is just text.

Row numbers are what a spreadsheet shows: the header is row 1, the first record row 2 (blank lines
in a CSV are not records and are not counted). Parquet rows count from 1.
Every problem is an ``ImportFileError`` whose message names the file (and row/column if known);
``ImportOptionError`` when the options chosen (encoding, delimiter, sheet) do not fit the file.
A CSV row may be at most ``CSV_BLOCK_BYTES`` (2 MiB) long, and no value may hold a NUL byte.
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import datetime as dt
import io
import json
import os
import re
import tempfile
import unicodedata
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import charset_normalizer
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from data_access import store

MAX_COLUMNS = 4096
CSV_BLOCK_BYTES = 2 << 20  # also the longest row a CSV may have: longer ones span three blocks
BAD_ROW_CHARS = 1000  # text kept of an unsplittable row: more than a report shows, so masking
#                       contact details never meets an address cut in half
XLSX_BATCH_ROWS = 20_000
PARQUET_BATCH_ROWS = 100_000
SAMPLE_BYTES = 1 << 20
DELIMITERS = (",", ";", "\t", "|")


class ImportFileError(ValueError):
    """A file that cannot be imported, with a message that names it."""


class ImportOptionError(ImportFileError):
    """The reading options chosen (encoding, delimiter, sheet) do not fit the file."""


@dataclass(frozen=True)
class FileInfo:
    """What an import file is: its format, text encoding and delimiter, and its headers."""

    path: Path
    name: str  # as the user knows it (an upload keeps its original name)
    format: str
    headers: tuple[str, ...]
    size: int
    encoding: str | None = None
    delimiter: str | None = None
    sheet: str | None = None
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class BadRow:
    """A record the reader could not split into the header's columns."""

    row: int | None
    reason: str
    detail: str
    text: str


@dataclass(frozen=True)
class Batch:
    table: pa.Table  # the requested columns, all strings
    rows: np.ndarray  # row number of each record
    done: float  # share of the file read so far


# ------------------------------------------------------------------------------------ inspect
def inspect(
    path: Path,
    name: str | None = None,
    encoding: str | None = None,
    delimiter: str | None = None,
    sheet: str | None = None,
) -> FileInfo:
    """Detect the format (and for CSV the encoding and delimiter) and read the headers."""
    path = Path(path)
    name = name or path.name
    try:
        size = path.stat().st_size
        with path.open("rb") as handle:
            head = handle.read(SAMPLE_BYTES)
    except OSError as error:
        raise ImportFileError(f"{name}: cannot be opened ({error.strerror or error}).") from None
    if size == 0 or not head.strip():
        raise ImportFileError(f"{name} is empty: there is nothing to import.")
    kind = _format(path, head, name)
    if kind == "parquet":
        return _inspect_parquet(path, name, size)
    if kind == "xlsx":
        return _inspect_xlsx(path, name, size, sheet)
    return _inspect_csv(path, name, size, head, encoding, delimiter)


def _format(path: Path, head: bytes, name: str) -> str:
    if head.startswith(b"PAR1"):
        return "parquet"
    if head.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(path) as archive:
                if "xl/workbook.xml" in archive.namelist():
                    return "xlsx"
        except zipfile.BadZipFile:
            raise ImportFileError(f"{name} looks like a damaged ZIP or XLSX file.") from None
        raise ImportFileError(f"{name} is a ZIP archive, not an XLSX workbook: unpack it and "
                              "import the CSV, Parquet or XLSX file inside.")  # fmt: skip
    known = {
        b"\xd0\xcf\x11\xe0": "an old Excel (.xls) workbook: save it as .xlsx or CSV",
        b"\x1f\x8b": "gzip-compressed: unpack it first",
        b"BZh": "bzip2-compressed: unpack it first",
        b"%PDF": "a PDF document, not a data export",
        b"\x89PNG": "an image, not a data export",
        b"\xff\xd8\xff": "an image, not a data export",
    }
    for magic, what in known.items():
        if head.startswith(magic):
            raise ImportFileError(f"{name} is {what}.")
    return "csv"


def _inspect_csv(path: Path, name: str, size: int, head: bytes, encoding: str | None,
                 delimiter: str | None) -> FileInfo:  # fmt: skip
    chosen = encoding is not None
    encoding, notes = _encoding(head, encoding, name, complete=size <= len(head))
    text = _decode_sample(head, encoding, name, chosen)
    _refuse_binary(text, name)
    if delimiter is not None:
        delimiter = {"\\t": "\t", "tab": "\t", "TAB": "\t"}.get(delimiter, delimiter)
        if len(delimiter) != 1 or delimiter in '"\r\n':
            raise ImportOptionError(f"{name}: the delimiter must be one character, not "
                                    f"{delimiter!r}.")  # fmt: skip
    else:
        delimiter = _delimiter(text)
    try:
        header = next(csv.reader(io.StringIO(text), delimiter=delimiter), [])
    except csv.Error as error:
        raise ImportFileError(f"{name}: the header row cannot be read ({error}).") from None
    headers = _clean_headers(header, name)
    return FileInfo(path, name, "csv", headers, size, encoding, delimiter, None, tuple(notes))


_BOMS = ((codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"),
         (codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"),
         (codecs.BOM_UTF16_BE, "utf-16"))  # fmt: skip


def _encoding(head: bytes, stated: str | None, name: str, complete: bool) -> tuple[str, list]:
    notes: list[str] = []
    marked = next((codec for bom, codec in _BOMS if head.startswith(bom)), None)
    if stated:
        return _chosen_encoding(head, stated, name, complete, marked, notes), notes
    if marked:
        return marked, notes
    if b"\x00" in head:
        if order := _utf16_without_bom(head):
            return order, notes
        raise ImportFileError(f"{name} contains binary data (a NUL byte at offset "
                              f"{head.index(0)}), not CSV text.")  # fmt: skip
    if _is_utf8(head, complete):
        return "utf-8", notes
    guess = charset_normalizer.from_bytes(head).best()
    # Short Western samples fit many code pages equally well; Windows-1252 (a superset of the
    # printable Latin-1) is by far the most common, so it wins every tie.
    western = charset_normalizer.from_bytes(head, cp_isolation=["cp1252"]).best()
    if western is not None and (guess is None or western.chaos <= guess.chaos + 0.02):
        guess = western
    if guess is None:
        raise ImportFileError(
            f"{name} is not text in any encoding we recognise: is it a data export (CSV, "
            "Parquet or XLSX)?"
        )
    detected = codecs.lookup(guess.encoding).name
    notes.append(f"Text encoding detected as {detected} (not UTF-8).")
    return detected, notes


def _chosen_encoding(head: bytes, stated: str, name: str, complete: bool, marked: str | None,
                     notes: list[str]) -> str:  # fmt: skip
    """The codec name of an encoding the user chose, if it is one that can read this file."""
    try:
        codec = codecs.lookup(stated).name
    except LookupError:
        raise ImportOptionError(f"{name}: unknown encoding '{stated}'.") from None
    try:
        b"a".decode(codec)  # rot13, base64, zlib... are codecs but not text encodings
    except LookupError:
        raise ImportOptionError(f"{name}: '{stated}' is not a text encoding: choose one such as "
                                "utf-8, latin-1, cp1252 or utf-16.") from None  # fmt: skip
    except UnicodeError:
        pass  # a text encoding, which cannot read a lone "a" (utf-16, utf-32)
    if codec in ("utf-16", "utf-32") and marked != codec:
        # without a byte-order mark Python's decoder refuses the text; UTF-16 shows its byte
        # order by the zero bytes beside ASCII letters
        if codec == "utf-16" and (order := _utf16_without_bom(head)):
            return order
        raise ImportOptionError(f"{name} is not {codec.upper()} text (it starts with no "
                                "byte-order mark): choose another encoding or leave it on "
                                "automatic.")  # fmt: skip
    if codec in ("latin-1", "iso8859-1", "cp1252") and _is_utf8(head, complete) and \
            any(b > 127 for b in head):  # fmt: skip
        notes.append(f"The file reads as UTF-8 but {codec} was chosen: accented letters may "
                     "come out garbled.")  # fmt: skip
    return codec


def _utf16_without_bom(head: bytes) -> str | None:
    """'utf-16-le' or 'utf-16-be' when every other byte is mostly zero (ASCII text in UTF-16)."""
    even, odd = head[0::2].count(0), head[1::2].count(0)
    if odd > len(head) // 4 and even < odd // 10:
        return "utf-16-le"
    if even > len(head) // 4 and odd < even // 10:
        return "utf-16-be"
    return None


def _is_utf8(head: bytes, complete: bool) -> bool:
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as error:
        # a sample cut in the middle of a character is still UTF-8
        return (
            not complete
            and error.start >= len(head) - 3
            and error.reason.startswith("unexpected end")
        )
    return True


def _decode_sample(head: bytes, encoding: str, name: str, chosen: bool) -> str:
    try:
        return codecs.getincrementaldecoder(encoding)(errors="strict").decode(head, final=False)
    except UnicodeError as error:  # UnicodeDecodeError, or e.g. punycode's own complaint
        start = getattr(error, "start", None)
        line = head[:start].count(b"\n") + 1 if start is not None else None
        where = f" (byte {start}, line {line})" if start is not None else ""
        refused = ImportOptionError if chosen else ImportFileError
        raise refused(
            f"{name} is not valid {encoding} text{where}: choose the file's encoding (e.g. "
            "latin-1, cp1252 or utf-16) or leave it on automatic."
        ) from None


def _refuse_binary(text: str, name: str) -> None:
    control = [i for i, ch in enumerate(text[:200_000])
               if unicodedata.category(ch) == "Cc" and ch not in "\t\r\n"]  # fmt: skip
    if len(control) > max(3, len(text[:200_000]) // 1000):
        raise ImportFileError(f"{name} looks like binary data, not CSV text (control characters "
                              f"from character {control[0]}).")  # fmt: skip


def _delimiter(text: str) -> str:
    lines = text.splitlines(keepends=True)[:200]
    if len(text) >= SAMPLE_BYTES // 2 and len(lines) > 1:
        lines = lines[:-1]  # the last line of a sample may be cut short
    sample = "".join(lines)
    best, best_score = ",", (False, 1)
    for candidate in DELIMITERS:
        try:
            records = list(csv.reader(io.StringIO(sample), delimiter=candidate))[:100]
        except csv.Error:
            continue
        records = [r for r in records if r]
        if not records or len(records[0]) <= 1:
            continue
        width = len(records[0])
        body = records[1:] or records
        consistent = sum(len(r) == width for r in body) / len(body)
        score = (consistent >= 0.8, width if consistent >= 0.8 else consistent)
        if score > best_score:
            best, best_score = candidate, score
    return best


def _clean_headers(raw: list[object], name: str) -> tuple[str, ...]:
    if len(raw) > MAX_COLUMNS:
        raise ImportFileError(f"{name} has {len(raw):,} columns; the importer reads at most "
                              f"{MAX_COLUMNS:,}. Export only the columns you need.")  # fmt: skip
    while raw and (raw[-1] is None or str(raw[-1]).strip() == ""):
        raw = raw[:-1]
    if not raw:
        raise ImportFileError(f"{name} has no header row (column names) in its first line.")
    headers: list[str] = []
    seen: dict[str, int] = {}
    for i, cell in enumerate(raw):
        text = "" if cell is None else str(cell).replace("\ufeff", "").strip()
        text = text or f"column {i + 1}"
        if text in seen:
            seen[text] += 1
            text = f"{text} ({seen[text]})"
        seen.setdefault(text, 1)
        headers.append(text)
    return tuple(headers)


def _inspect_parquet(path: Path, name: str, size: int) -> FileInfo:
    try:
        schema = pq.ParquetFile(path).schema_arrow
    except (pa.ArrowException, OSError) as error:
        raise ImportFileError(f"{name} is not a readable Parquet file ({error}).") from None
    headers = _clean_headers(list(schema.names), name)
    if tuple(schema.names) != headers:
        raise ImportFileError(f"{name}: Parquet column names must be unique and not empty.")
    return FileInfo(path, name, "parquet", headers, size)


def _open_workbook(path: Path, name: str):
    import openpyxl  # imported here: only XLSX imports need it

    try:
        return openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises many kinds for damaged workbooks
        raise ImportFileError(f"{name} is not a readable XLSX workbook ({error}).") from None


def _worksheet(workbook: object, sheet: str | None, name: str):
    if sheet is None:
        return workbook.worksheets[0]
    if sheet not in workbook.sheetnames:
        raise ImportOptionError(f"{name} has no sheet '{sheet}' (sheets: "
                                f"{', '.join(workbook.sheetnames)}).")  # fmt: skip
    return workbook[sheet]


def _inspect_xlsx(path: Path, name: str, size: int, sheet: str | None) -> FileInfo:
    workbook = _open_workbook(path, name)
    try:
        worksheet = _worksheet(workbook, sheet, name)
        try:
            header = next(worksheet.iter_rows(max_row=1, values_only=True), ())
        except Exception as error:
            raise ImportFileError(f"{name}: the first sheet cannot be read ({error}).") from None
        headers = _clean_headers([_cell_text(v) for v in header], name)
        return FileInfo(path, name, "xlsx", headers, size, sheet=worksheet.title)
    finally:
        workbook.close()


# -------------------------------------------------------------------------------------- read
def read_batches(info: FileInfo, columns: list[str], bad_rows: list[BadRow]) -> Iterator[Batch]:
    """Stream the file's ``columns`` as string batches; unsplittable rows go to ``bad_rows``."""
    missing = [c for c in columns if c not in info.headers]
    if missing:
        raise ImportFileError(f"{info.name} has no column {', '.join(map(repr, missing))}.")
    if info.format == "parquet":
        batches = _parquet_batches(info, columns)
    elif info.format == "xlsx":
        batches = _xlsx_batches(info, columns)
    else:
        batches = _csv_batches(info, columns, bad_rows)
    for batch in batches:
        _refuse_nul(info, batch)
        yield batch


def _refuse_nul(info: FileInfo, batch: Batch) -> None:
    """A NUL byte is never text (the first MiB of a CSV was checked whole by ``inspect``)."""
    for column in batch.table.column_names:
        found = pc.fill_null(pc.match_substring(batch.table.column(column), "\x00"), False)
        if pc.any(found).as_py():
            row = batch.rows[pc.index(found, True).as_py()]
            raise ImportFileError(f"{info.name}: row {row}, column '{column}' holds a NUL byte: "
                                  "the file is damaged or is not a text export.")  # fmt: skip


def _csv_batches(info: FileInfo, columns: list[str], bad_rows: list[BadRow]) -> Iterator[Batch]:
    skipped: list[int] = []  # row numbers of records skipped by the parser, in file order

    def on_invalid_row(row: pacsv.InvalidRow) -> str:
        bad_rows.append(BadRow(
            row.number, "wrong number of fields",
            f"expected {row.expected_columns} fields, found {row.actual_columns}",
            row.text[:BAD_ROW_CHARS],
        ))  # fmt: skip
        if row.number is not None:
            skipped.append(row.number)
        return "skip"

    arrow_encoding = "utf8" if info.encoding in ("utf-8", "utf-8-sig", "ascii") else info.encoding
    stream = pa.OSFile(str(info.path), "rb")
    # a column list keeps duplicate/empty header names apart; Arrow must not count all-empty
    # columns, so every column is read as text
    names = list(info.headers)
    try:
        reader = pacsv.open_csv(
            stream,
            read_options=pacsv.ReadOptions(use_threads=False, block_size=CSV_BLOCK_BYTES,
                                           column_names=names, skip_rows=1,
                                           encoding=arrow_encoding),
            parse_options=pacsv.ParseOptions(delimiter=info.delimiter or ",",
                                             newlines_in_values=True,
                                             invalid_row_handler=on_invalid_row),
            convert_options=pacsv.ConvertOptions(include_columns=columns,
                                                 column_types=dict.fromkeys(columns, pa.string()),
                                                 null_values=[""], strings_can_be_null=True,
                                                 quoted_strings_can_be_null=True),
        )  # fmt: skip
    except (pa.ArrowException, UnicodeError, OSError) as error:
        stream.close()
        raise ImportFileError(_read_error(info, error, 2)) from None
    good = 0
    try:
        while True:
            try:
                batch = reader.read_next_batch()
            except StopIteration:
                break
            except (pa.ArrowException, UnicodeError, OSError) as error:
                near = good + len(skipped) + 2
                raise ImportFileError(_read_error(info, error, near)) from None
            positions = np.arange(good, good + batch.num_rows, dtype=np.int64) + 2
            good += batch.num_rows
            if skipped:
                starts = np.asarray(skipped, dtype=np.int64) - np.arange(len(skipped))
                positions = positions + np.searchsorted(starts, positions, side="right")
            done = min(stream.tell() / info.size, 1.0) if info.size else 1.0
            yield Batch(pa.Table.from_batches([batch]).select(columns), positions, done)
    finally:
        stream.close()


_ARROW_PLACE = re.compile(r"In CSV column #(\d+): Row #(\d+): (?:CSV conversion error to \w+: )?")


def _read_error(info: FileInfo, error: Exception, near: int) -> str:
    """The message for a CSV the reader gave up on, at the row (and column) where it did."""
    message = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
    if "straddling object" in message:  # a row longer than a block, see CSV_BLOCK_BYTES
        return _too_long(info, near)
    where = f"near row {near}"
    if place := _ARROW_PLACE.search(message):  # Arrow counts rows as we do (header = 1)
        where = f"in row {place.group(2)}, column '{info.headers[int(place.group(1))]}'"
        message = _ARROW_PLACE.sub("", message)
    if isinstance(error, UnicodeError) or "UTF8" in message or "UTF-8" in message:
        return (f"{info.name} is not valid {info.encoding or 'UTF-8'} text {where}: the file is "
                "probably in another encoding (e.g. latin-1, cp1252 or utf-16). Choose it "
                "explicitly.")  # fmt: skip
    return f"{info.name}: cannot read the file {where} ({message})."


def _too_long(info: FileInfo, near: int) -> str:
    limit = f"{CSV_BLOCK_BYTES >> 20} MiB"
    found = _long_row(info, CSV_BLOCK_BYTES)
    what = (f"row {found[0]} is longer than {limit} (in column '{found[1]}')" if found
            else f"a row at or after row {near} is longer than {limit}")  # fmt: skip
    return (
        f"{info.name}: {what}; the importer reads rows of at most {limit}. Shorten that "
        "field or leave the column out of the export."
    )


def _long_row(info: FileInfo, limit: int) -> tuple[int, str] | None:
    """Row number and column where the first record grows past ``limit`` bytes (as UTF-8).

    A quote-aware scan, line by line, reading at most ``limit`` characters at a time, so a field
    of any size costs no more memory than that. Rows are counted as the CSV reader counts them.
    """
    delimiter = info.delimiter or ","
    d = re.escape(delimiter)
    value = rf'(?:"[^"]*+(?:""[^"]*+)*+"[^{d}\r\n]*+|[^"{d}\r\n][^{d}\r\n]*+|)'
    whole_line = re.compile(rf"{value}(?:{d}{value})*+(?:\r\n|\n|\r)")  # a one-line record
    row = 0  # records seen (the header is the first)
    with open(info.path, encoding=info.encoding, errors="replace", newline="") as handle:
        state, size = _Scan(), 0
        for piece in iter(lambda: handle.readline(limit), ""):
            grown = size + len(piece.encode())
            if grown > limit:
                within = len(piece.encode()[: limit - size + 1].decode(errors="ignore"))
                field = _scan(piece[:within], delimiter, state).field
                return row + 1, (info.headers[field] if field < len(info.headers)
                                 else f"column {field + 1}")  # fmt: skip
            if size == 0 and whole_line.fullmatch(piece):  # the common case, without a loop
                row += piece.strip("\r\n") != ""  # blank lines are not records
                continue
            blank = size == 0 and piece.strip("\r\n") == ""
            state, size = _scan(piece, delimiter, state), grown
            if piece.endswith(("\n", "\r")) and not state.quoted:  # the record ends here
                row += not blank
                state, size = _Scan(), 0
    return None


@dataclass(frozen=True)
class _Scan:
    """Where a scan through one CSV record stands."""

    quoted: bool = False  # inside a quoted value
    at_start: bool = True  # the next character begins a value (where a quote opens quoting)
    field: int = 0  # index of the current value


def _scan(text: str, delimiter: str, state: _Scan) -> _Scan:
    """``state`` after reading ``text`` (quotes open only at a value's start; "" is a quote)."""
    quoted, at_start, field = state.quoted, state.at_start, state.field
    i = 0
    while i < len(text):
        if quoted:
            end = text.find('"', i)
            if end < 0:
                return _Scan(True, False, field)
            doubled = text.startswith('"', end + 1)
            quoted, i = doubled, end + (2 if doubled else 1)
        elif at_start and text[i] == '"':
            quoted, at_start, i = True, False, i + 1
        else:
            end = text.find(delimiter, i)
            if end < 0:
                return _Scan(False, False, field)
            field, at_start, i = field + 1, True, end + 1
    return _Scan(quoted, at_start, field)


def _parquet_batches(info: FileInfo, columns: list[str]) -> Iterator[Batch]:
    try:
        parquet = pq.ParquetFile(info.path)
        total = parquet.metadata.num_rows or 1
        offset = 0
        for batch in parquet.iter_batches(batch_size=PARQUET_BATCH_ROWS, columns=columns):
            table = pa.table({c: _as_text(batch.column(c)) for c in columns})
            rows = np.arange(offset, offset + batch.num_rows, dtype=np.int64) + 1
            offset += batch.num_rows
            yield Batch(table, rows, min(offset / total, 1.0))
    except (pa.ArrowException, OSError) as error:
        raise ImportFileError(f"{info.name}: cannot read the Parquet data ({error}).") from None


def _as_text(array: pa.Array) -> pa.Array:
    if pa.types.is_string(array.type):
        return array
    if pa.types.is_large_string(array.type) or pa.types.is_dictionary(array.type):
        return array.cast(pa.string())
    try:
        return array.cast(pa.string())
    except (pa.ArrowNotImplementedError, pa.ArrowInvalid):
        return pa.array([None if v is None else json.dumps(v, default=str, ensure_ascii=False)
                         for v in array.to_pylist()], pa.string())  # fmt: skip


def _cell_text(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    text = str(value)
    return text if text != "" else None


def _xlsx_batches(info: FileInfo, columns: list[str]) -> Iterator[Batch]:
    workbook = _open_workbook(info.path, info.name)
    try:
        worksheet = _worksheet(workbook, info.sheet, info.name)
        positions = [info.headers.index(c) for c in columns]
        total = worksheet.max_row or 0
        values: list[list[str | None]] = [[] for _ in columns]
        numbers: list[int] = []
        row_number = 1
        try:
            for row_number, row in enumerate(worksheet.iter_rows(min_row=2, values_only=True), 2):
                if all(v is None or (isinstance(v, str) and not v.strip()) for v in row):
                    continue  # a blank row is not a record
                for slot, position in zip(values, positions, strict=True):
                    slot.append(_cell_text(row[position]) if position < len(row) else None)
                numbers.append(row_number)
                if len(numbers) >= XLSX_BATCH_ROWS:
                    yield _xlsx_batch(columns, values, numbers, row_number, total)
                    values, numbers = [[] for _ in columns], []
        except ImportFileError:
            raise
        except Exception as error:
            raise ImportFileError(f"{info.name}: cannot read row {row_number + 1} of sheet "
                                  f"'{worksheet.title}' ({error}).") from None  # fmt: skip
        if numbers:
            yield _xlsx_batch(columns, values, numbers, row_number, total)
    finally:
        workbook.close()


def _xlsx_batch(columns: list[str], values: list[list[str | None]], numbers: list[int],
                row_number: int, total: int) -> Batch:  # fmt: skip
    table = pa.table({c: pa.array(v, pa.string()) for c, v in zip(columns, values, strict=True)})
    done = min(row_number / total, 1.0) if total else 0.5
    return Batch(table, np.asarray(numbers, dtype=np.int64), done)


def preview(info: FileInfo, rows: int = 200) -> pd.DataFrame:
    """The first ``rows`` records, every column as text (for choosing a mapping)."""
    bad: list[BadRow] = []
    frames = []
    count = 0
    for batch in read_batches(info, list(info.headers), bad):
        frames.append(batch.table.slice(0, rows - count))
        count += min(batch.table.num_rows, rows - count)
        if count >= rows:
            break
    if not frames:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in info.headers})
    table = pa.concat_tables(frames)
    return pd.DataFrame({c: table.column(c).to_pylist() for c in info.headers}, dtype=object)


UPLOAD_PREFIX = "atlas-upload-"


@contextlib.contextmanager
def staged_upload(name: str, content: bytes | memoryview) -> Iterator[Path]:
    """An uploaded file as a private temporary file (keeping its extension), deleted on exit.

    The file is named after this process, so what a killed server left is removed by the next
    upload (``store.remove_orphaned_files``).
    """
    folder = Path(tempfile.gettempdir())
    store.remove_orphaned_files(folder, UPLOAD_PREFIX)
    suffix = "".join(ch for ch in Path(name).suffix[:10] if ch.isalnum() or ch == ".")
    handle, path = tempfile.mkstemp(prefix=f"{UPLOAD_PREFIX}{os.getpid()}-", suffix=suffix)
    try:
        with open(handle, "wb") as out:
            out.write(content)
        yield Path(path)
    finally:
        Path(path).unlink(missing_ok=True)
