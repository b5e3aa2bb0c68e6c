"""Turning staged text into typed rows, and every reason a row is refused, in SQL.

The loader stages each mapped column as text in ``staging.raw`` (one row per record, with its row
number ``_row``). Here that text is parsed into the canonical types (``staging.parsed``) and every
check writes one line per problem into ``staging.problems``: row, canonical column, the file's
column, reason, the offending value and a detail. A row with any problem is refused as a whole.

Identifiers in the SQL come from ``data_access.schema`` and this package's constants; every value
that came from a user (column headers, formats, time zones, constants) is a bound parameter.
Country, language and other codes, and the zones written after times, are resolved in Python
once per distinct value (``codes``) and joined back from small lookup tables.

Timestamps: a zone written after the time (``+09:00``, ``Z``, ``GMT+9``, ``Asia/Seoul``) is
applied, an abbreviation or unknown zone refuses the row, and a time without one is in the
import's zone. Every timestamp must fall in the import's date window (``config.DateWindow``).
"""

from __future__ import annotations

import functools
import sys
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field

import duckdb
import pyarrow as pa
import pyarrow.compute as pc

from data_access import config
from data_access.importer import codes, privacy
from data_access.importer.mapping import (
    CONSTANT,
    SCORE_RANGES,
    TEXT_COLUMNS,
    UNITS,
    Mapping,
    kind,
    local_format,
)
from data_access.importer.readers import BadRow, Batch
from data_access.schema import RESOLVED_STATUSES, UNRESOLVED_STATUSES

MISSING = "missing required field"
EMPTY_ROW = "empty row"
BAD_DATE = "unparseable date"
OUT_OF_WINDOW = "date outside the accepted range"
BAD_ZONE = "unsupported time zone"
RESOLVED_WHILE_OPEN = "resolution date on an unresolved ticket"
BAD_DURATION = "unparseable duration"
NEGATIVE_DURATION = "negative duration"
BAD_NUMBER = "unparseable number"
NEGATIVE_COUNT = "negative count"
COUNT_TOO_LARGE = "number out of range"
OUT_OF_RANGE = "score out of range"
UNKNOWN_FLAG = "unknown yes/no value"
DUPLICATE = "duplicate id"
ORDER_CHECKS = {
    # table: (column, earlier column, reason)
    "tickets": (
        ("resolved_at", "created_at", "resolution before creation"),
        ("first_response_at", "created_at", "first response before creation"),
    ),
    "surveys": (("responded_at", "sent_at", "response before the survey was sent"),),
    "shifts": (("end_at", "start_at", "shift ends before it starts"),),
}
LIST_SEPARATORS = r"\s*[,;|/]\s*"
ISO_DATE = r"\d{4}-\d{1,2}-\d{1,2}([T ]\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?)?"
# A value as (date and time of day, with its fraction and AM/PM; the zone written after it)
ZONE_SPLIT = (r"^(.*?\d:\d{2}(?::\d{2}(?:[.,]\d+)?)?(?:\s*(?:[AaPp][Mm]\b|[AaPp]\.[Mm]\.))?)"
              r"\s*(\S.*)?$")  # fmt: skip
EPOCH_FORMATS = ("epoch", "epoch_ms")
MAX_SECONDS = 1e10  # about 317 years: anything longer is not a duration
MAX_COUNT = 2_147_483_647  # the largest INTEGER: count columns hold no more


def staged_columns(mapping: Mapping) -> list[str]:
    """Canonical columns staged as text, in schema order."""
    return [c.name for c in mapping.schema.source_columns if c.name in mapping.columns]


def zoned_columns(mapping: Mapping) -> list[str]:
    """Timestamp columns read as text, where a zone may follow the time."""
    return [
        name
        for name in staged_columns(mapping)
        if kind(mapping.table, name) == "timestamp"
        and mapping.columns[name].after is None
        and mapping.columns[name].format not in EPOCH_FORMATS
    ]


def column_labels(mapping: Mapping) -> dict[str, str]:
    """How the report names where a canonical column's values came from."""
    labels = {}
    for name, spec in mapping.columns.items():
        labels[name] = CONSTANT if spec.constant is not None else " + ".join(spec.sources)
    return labels


# ---------------------------------------------------------------------------------- staging
def stage_batch(batch: Batch, mapping: Mapping, key: bytes) -> pa.Table:
    """One batch of the file as the staging table's columns: trimmed text, value maps applied,
    customer ids hashed, contact details in free text masked."""
    n = batch.table.num_rows
    arrays: dict[str, pa.Array] = {"_row": pa.array(batch.rows, pa.int64())}
    for name in staged_columns(mapping):
        spec = mapping.columns[name]
        if spec.constant is not None:
            arrays[name] = pa.repeat(pa.scalar(spec.constant.strip(), pa.string()), n)
            continue
        parts = [_clean(batch.table.column(c).combine_chunks()) for c in spec.sources]
        if len(parts) == 1:
            values = parts[0]
        else:
            # joined in Python: pyarrow's binary_join_element_wise drops all-null rows
            rows = zip(*(part.to_pylist() for part in parts), strict=True)
            joined = [spec.separator.join(p for p in row if p) or None for row in rows]
            values = pa.array(joined, pa.string())
        if spec.values:
            values = _value_map(values, spec.values)
        if name == "customer_id":
            values = privacy.pseudonymise(values, key)
        elif name == "agent_id":
            values = privacy.pseudonymise_contacts(values, key)
        elif name in TEXT_COLUMNS:
            values = privacy.mask_array(values)
        arrays[name] = values
    return pa.table(arrays)


@functools.cache
def _invisible() -> str:
    """Whitespace and format characters (zero-width space, BOM, word joiner, ...): nothing
    a reader can see, so a value made of them only is empty."""
    return "".join(c for c in map(chr, range(sys.maxunicode + 1))
                   if c.isspace() or unicodedata.category(c) == "Cf")  # fmt: skip


def _clean(values: pa.Array) -> pa.Array:
    if isinstance(values, pa.ChunkedArray):
        values = values.combine_chunks()
    trimmed = pc.utf8_trim(values, characters=_invisible())
    return pc.if_else(pc.equal(trimmed, ""), pa.scalar(None, pa.string()), trimmed)


def _value_map(values: pa.Array, value_map: dict[str, str]) -> pa.Array:
    keys = pa.array([k.strip().lower() for k in value_map], pa.string())
    targets = pa.array([v.strip() for v in value_map.values()], pa.string())
    positions = pc.index_in(pc.utf8_lower(values), value_set=keys)
    return pc.coalesce(pc.take(targets, positions), values)


def create_raw(con: duckdb.DuckDBPyConnection, mapping: Mapping) -> None:
    columns = "".join(f", {name} VARCHAR" for name in staged_columns(mapping))
    con.execute(f"CREATE TABLE staging.raw (_row BIGINT{columns})")


# ---------------------------------------------------------------------------------- lookups
def build_lookups(con: duckdb.DuckDBPyConnection, mapping: Mapping) -> None:
    """A (raw, code, ambiguous) table per coded column and a table of the zones written after
    times, each distinct value resolved once in Python."""
    _build_zones(con, mapping)
    for name in staged_columns(mapping):
        how = kind(mapping.table, name)
        if how == "codes":
            rows = con.execute(
                f"SELECT DISTINCT unnest(string_split_regex({name}, ?)) AS v "  # noqa: S608
                f"FROM staging.raw WHERE {name} IS NOT NULL",
                [LIST_SEPARATORS],
            ).fetchall()
            resolve = codes.RESOLVERS[name]
        elif how in ("code", "flag"):
            rows = con.execute(
                f"SELECT DISTINCT {name} FROM staging.raw WHERE {name} IS NOT NULL"  # noqa: S608
            ).fetchall()
            resolve = codes.RESOLVERS[name] if how == "code" else codes.yes_no
        else:
            continue
        raw = [r[0] for r in rows if r[0]]
        ambiguous = codes.AMBIGUOUS[name][1] if name in codes.AMBIGUOUS else lambda v: None
        lookup = pa.table({
            "raw": pa.array(raw, pa.string()),
            "code": pa.array([resolve(v) for v in raw], pa.string()),
            "ambiguous": pa.array([ambiguous(v) for v in raw], pa.string()),
        })  # fmt: skip
        con.register("lookup_rows", lookup)
        con.execute(f"CREATE TABLE staging.lookup_{name} AS SELECT * FROM lookup_rows")  # noqa: S608
        con.unregister("lookup_rows")
        if how == "codes":
            con.execute(
                f"""
                CREATE TABLE staging.list_{name} AS
                WITH items AS (
                    SELECT p._row, p.pos, p.part, l.code
                    FROM (SELECT _row, unnest(parts) AS part, unnest(range(len(parts))) AS pos
                          FROM (SELECT _row, string_split_regex({name}, ?) AS parts
                                FROM staging.raw WHERE {name} IS NOT NULL)) p
                    LEFT JOIN staging.lookup_{name} l ON l.raw = p.part
                    WHERE p.part <> ''
                ),
                known AS (  -- each code once, where it first appears
                    SELECT _row, code, min(pos) AS pos FROM items
                    WHERE code IS NOT NULL GROUP BY _row, code
                )
                SELECT r._row, k.codes, u.unknown
                FROM (SELECT DISTINCT _row FROM items) r
                LEFT JOIN (SELECT _row, list(code ORDER BY pos) AS codes FROM known
                           GROUP BY _row) k ON k._row = r._row
                LEFT JOIN (SELECT _row, string_agg(part, ', ' ORDER BY pos) AS unknown
                           FROM items WHERE code IS NULL GROUP BY _row) u ON u._row = r._row
                """,  # noqa: S608 - identifiers from data_access.schema
                [LIST_SEPARATORS],
            )


def _build_zones(con: duckdb.DuckDBPyConnection, mapping: Mapping) -> None:
    """``staging.zones``: what each distinct text written after a time means (``codes.Zone``).

    Collected from every value with text after its time, also where the whole value turns out
    to fit the column's format (such text is then not a zone and the row never meets it).
    """
    found = " UNION ".join(
        f"SELECT nullif(regexp_extract({name}, '{ZONE_SPLIT}', 2), '') AS z "  # noqa: S608
        "FROM staging.raw"
        for name in zoned_columns(mapping)
    )
    distinct = f"SELECT DISTINCT z FROM ({found}) WHERE z IS NOT NULL"  # noqa: S608
    written = [r[0] for r in con.execute(distinct).fetchall()] if found else []
    zones = [codes.time_zone(text) for text in written]
    table = pa.table({
        "raw": pa.array(written, pa.string()),
        "name": pa.array([z.name for z in zones], pa.string()),
        "minutes": pa.array([z.minutes for z in zones], pa.int32()),
        "problem": pa.array([z.problem for z in zones], pa.string()),
    })  # fmt: skip
    con.register("zone_rows", table)
    con.execute("CREATE TABLE staging.zones AS SELECT * FROM zone_rows")
    con.unregister("zone_rows")


# ---------------------------------------------------------------------------------- parsing
def _number(x: str) -> str:
    return f"CASE WHEN isfinite(try_cast({x} AS DOUBLE)) THEN try_cast({x} AS DOUBLE) END"


def _epoch(x: str, unit: str) -> str:
    scale = 1000.0 if unit == "epoch_ms" else 1.0
    seconds = f"({_number(x)} / {scale})"
    return f"CASE WHEN abs({seconds}) < 1e11 THEN to_timestamp({seconds}) END"


def _local(x: str, pattern: str | None, p: str) -> str:
    """SQL reading text ``x`` as a date and time without zone (TIMESTAMP): the whole text must
    fit the format (a pattern in ``$p``) or ISO 8601."""
    iso = f"CASE WHEN regexp_full_match({x}, '{ISO_DATE}') THEN try_cast({x} AS TIMESTAMP) END"
    return iso if pattern in (None, "iso") else f"coalesce(try_strptime({x}, ${p}), {iso})"


def _split_zones(name: str, pattern: str | None) -> str:
    """``_local_<c>`` and ``_zone_<c>`` of a zoned column, over ``staging.raw``: the local date
    and time, and the text after the time when the whole value is not a date in the format."""
    p = f"fmt_{name}"
    whole = _local(name, pattern, p)
    before = _local(f"regexp_extract({name}, '{ZONE_SPLIT}', 1)", pattern, p)
    after = f"nullif(regexp_extract({name}, '{ZONE_SPLIT}', 2), '')"
    return (f"coalesce({whole}, {before}) AS _local_{name}, "
            f"CASE WHEN {whole} IS NULL THEN {after} END AS _zone_{name}")  # fmt: skip


def _seconds(x: str, unit: str | None) -> str:
    factor = UNITS[unit or "seconds"]
    clock = (f"CASE WHEN regexp_full_match({x}, '\\d{{1,6}}:\\d{{2}}(:\\d{{2}}(\\.\\d+)?)?') "
             f"THEN epoch(try_cast({x} AS INTERVAL)) END")  # fmt: skip
    return f"coalesce({_number(x)} * {factor}, {clock})"


def parse(con: duckdb.DuckDBPyConnection, mapping: Mapping, timezone: str) -> None:
    """Create ``staging.parsed``: ``_row``, ``_empty``, ``raw_<c>``, helpers and typed columns.

    Helpers: ``n_<c>`` is the number read from a numeric column (seconds for durations),
    ``bad_<c>`` the unrecognised items of a list column.
    """
    table = mapping.table
    params: dict[str, object] = {}
    zoned = zoned_columns(mapping)
    split = "".join(f", {_split_zones(c, mapping.columns[c].format)}" for c in zoned)
    from_file = [c for c in staged_columns(mapping) if mapping.columns[c].constant is None]
    empty = " AND ".join(f"r.{c} IS NULL" for c in from_file) or "false"
    inner = ["r._row", f"({empty}) AS _empty"]  # expressions over staging.raw r
    outer = ["b._row", "b._empty"]  # expressions over the inner select b
    joins = []

    def helper(expression: str, alias: str) -> None:
        inner.append(f"{expression} AS {alias}")
        outer.append(f"b.{alias}")

    for column in mapping.schema.source_columns:
        name, how = column.name, kind(table, column.name)
        if name not in mapping.columns:
            outer.append(f"{_default(table, name, column.sql_type)} AS {name}")
            continue
        spec = mapping.columns[name]
        x = f"r.{name}"
        helper(x, f"raw_{name}")
        if how == "timestamp" and spec.after is not None:
            helper(_seconds(x, spec.unit), f"n_{name}")
            outer.append(
                f"CASE WHEN abs(b.n_{name}) <= {MAX_SECONDS} THEN b.{spec.after} + "
                f"to_microseconds(CAST(round(b.n_{name} * 1e6) AS BIGINT)) END AS {name}"
            )
            continue
        if how == "timestamp" and spec.format in EPOCH_FORMATS:
            value = _epoch(x, spec.format)
        elif how == "timestamp":
            params["tz"] = timezone
            if spec.format not in (None, "iso"):
                params[f"fmt_{name}"] = local_format(spec.format)
            zone, local = f"zn_{name}", f"r._local_{name}"
            joins.append(f"LEFT JOIN staging.zones {zone} ON {zone}.raw = r._zone_{name}")
            helper(f"{zone}.problem", f"zp_{name}")
            value = (f"CASE WHEN r._zone_{name} IS NULL THEN timezone($tz, {local}) "
                     f"WHEN {zone}.name IS NOT NULL THEN timezone({zone}.name, {local}) "
                     f"ELSE timezone('UTC', {local} - to_minutes({zone}.minutes)) END")  # fmt: skip
        elif how == "duration":
            seconds = _seconds(x, spec.unit)
            helper(seconds, f"n_{name}")
            value = f"CASE WHEN abs({seconds}) <= {MAX_SECONDS} THEN {seconds} END"
        elif how in ("count", "score"):
            n = _number(x)
            helper(n, f"n_{name}")
            low, high, sql_type = ((0, MAX_COUNT, "INTEGER") if how == "count"
                                   else (*SCORE_RANGES[name], "SMALLINT"))  # fmt: skip
            value = (f"CASE WHEN {n} BETWEEN {low} AND {high} AND {n} = floor({n}) "
                     f"THEN CAST({n} AS {sql_type}) END")  # fmt: skip
        elif how in ("code", "flag"):
            joins.append(f"LEFT JOIN staging.lookup_{name} lk_{name} ON lk_{name}.raw = {x}")
            if name in codes.AMBIGUOUS:
                helper(f"lk_{name}.ambiguous", f"amb_{name}")
            value = f"lk_{name}.code" if how == "code" else f"CAST(lk_{name}.code AS BOOLEAN)"
        elif how == "codes":
            joins.append(f"LEFT JOIN staging.list_{name} ls_{name} ON ls_{name}._row = r._row")
            helper(f"ls_{name}.unknown", f"bad_{name}")
            value = f"ls_{name}.codes"
        else:
            value = x
        helper(value, name)
    sql = (
        f"CREATE TABLE staging.parsed AS SELECT {', '.join(outer)} FROM ("  # noqa: S608
        f"SELECT {', '.join(inner)} FROM (SELECT *{split} FROM staging.raw) r "
        f"{' '.join(joins)}) b"
    )
    con.execute(sql, params)


def _default(table: str, name: str, sql_type: str) -> str:
    if (table, name) == ("tickets", "status"):
        return "CASE WHEN b.resolved_at IS NOT NULL THEN 'solved' ELSE 'open' END"
    if (table, name) == ("tickets", "bot_resolved"):
        return "false"
    return f"CAST(NULL AS {sql_type})"


# --------------------------------------------------------------------------------- problems
@dataclass(frozen=True)
class Check:
    column: str  # canonical column
    condition: str  # SQL over staging.parsed
    reason: str
    detail: str = ""  # text shown with the problem (bound as a parameter)
    detail_sql: str = ""  # or an expression of this module's own over staging.parsed
    params: dict[str, object] = field(default_factory=dict)  # values condition and detail bind


def checks(mapping: Mapping, window: config.DateWindow) -> list[Check]:
    """Every per-row check for this mapping, in the order they are reported."""
    table = mapping.table
    found: list[Check] = []
    for column in mapping.schema.source_columns:
        name = column.name
        if name not in mapping.columns:
            continue
        spec = mapping.columns[name]
        how = kind(table, name)
        raw = f"raw_{name}"
        if column.required:
            found.append(Check(name, f"{raw} IS NULL", MISSING))
        if how == "timestamp":
            found += _timestamp_checks(mapping, name, window)
        elif how == "duration":
            found.append(Check(name, f"{raw} IS NOT NULL AND {name} IS NULL", BAD_DURATION,
                               f"a number of {spec.unit or 'seconds'}"))  # fmt: skip
            found.append(Check(name, f"{name} < 0", NEGATIVE_DURATION))
        elif how == "count":
            found.append(Check(name, f"{raw} IS NOT NULL AND n_{name} IS NULL", BAD_NUMBER))
            found.append(Check(name, f"n_{name} < 0", NEGATIVE_COUNT))
            found.append(Check(name, f"n_{name} > {MAX_COUNT}", COUNT_TOO_LARGE,
                               f"a whole number from 0 to {MAX_COUNT:,}"))  # fmt: skip
            found.append(Check(name, f"n_{name} BETWEEN 0 AND {MAX_COUNT} AND {name} IS NULL",
                               BAD_NUMBER, "not a whole number"))  # fmt: skip
        elif how == "score":
            low, high = SCORE_RANGES[name]
            found.append(Check(name, f"{raw} IS NOT NULL AND n_{name} IS NULL", BAD_NUMBER))
            found.append(Check(name, f"n_{name} IS NOT NULL AND {name} IS NULL", OUT_OF_RANGE,
                               f"a whole number from {low} to {high}"))  # fmt: skip
        elif how == "code":
            unknown = f"{raw} IS NOT NULL AND {name} IS NULL"
            if name in codes.AMBIGUOUS:
                found.append(Check(name, f"amb_{name} IS NOT NULL", codes.AMBIGUOUS[name][0],
                                   detail_sql=f"amb_{name}"))  # fmt: skip
                unknown += f" AND amb_{name} IS NULL"
            found.append(Check(name, unknown, codes.UNKNOWN_REASON[name]))
        elif how == "codes":
            found.append(Check(name, f"bad_{name} IS NOT NULL", codes.UNKNOWN_REASON[name],
                               detail_sql=f"'not recognised: ' || bad_{name}"))  # fmt: skip
        elif how == "flag":
            found.append(Check(name, f"{raw} IS NOT NULL AND {name} IS NULL", UNKNOWN_FLAG,
                               "expected yes or no"))  # fmt: skip
    for later, earlier, reason in ORDER_CHECKS.get(table, ()):
        # a duration after the start is never earlier unless negative (reported as such)
        if later in mapping.columns and earlier in mapping.columns and \
                mapping.columns[later].after is None:  # fmt: skip
            detail = (f"'{earlier} ' || strftime(timezone('UTC', {earlier}), "
                      "'%Y-%m-%d %H:%M:%S') || ' UTC'")  # fmt: skip
            found.append(Check(later, f"{later} < {earlier}", reason, detail_sql=detail))
    if table == "tickets" and {"status", "resolved_at"} <= set(mapping.columns):
        rule = (f"; a resolved ticket is {' or '.join(RESOLVED_STATUSES)}, an unresolved one has "
                "no resolution date")  # fmt: skip
        found.append(Check("resolved_at", "resolved_at IS NOT NULL AND list_contains("
                           "$unresolved, status)", RESOLVED_WHILE_OPEN,
                           detail_sql="'the status is ' || status || $resolved_rule",
                           params={"unresolved": list(UNRESOLVED_STATUSES),
                                   "resolved_rule": rule}))  # fmt: skip
    return found


def _timestamp_checks(mapping: Mapping, name: str, window: config.DateWindow) -> list[Check]:
    spec, raw = mapping.columns[name], f"raw_{name}"
    found = []
    if spec.after is not None:
        # judged on the duration itself: a bad start time is reported on its own column
        found.append(Check(name, f"{raw} IS NOT NULL AND (n_{name} IS NULL OR "
                           f"abs(n_{name}) > {MAX_SECONDS})", BAD_DURATION,
                           f"a number of {spec.unit} after {spec.after}"))  # fmt: skip
        found.append(Check(name, f"n_{name} < 0", NEGATIVE_DURATION))
    else:
        expected = {None: "a date such as 2024-05-31 14:00", "iso":
                    "a date such as 2024-05-31 14:00", "epoch": "seconds since 1970",
                    "epoch_ms": "milliseconds since 1970"}.get(spec.format)  # fmt: skip
        detail = f"expected {expected or 'the format ' + str(spec.format)}"
        unparsed = f"{raw} IS NOT NULL AND {name} IS NULL"
        if name in zoned_columns(mapping):  # a refused zone is reported as such
            found.append(Check(name, f"zp_{name} IS NOT NULL", BAD_ZONE, detail_sql=f"zp_{name}"))
            unparsed += f" AND zp_{name} IS NULL"
        found.append(Check(name, unparsed, BAD_DATE, detail))
    outside = f"({name} < $earliest OR {name} >= $until)"
    if spec.after is not None:  # a start outside is reported on its own column
        outside += f" AND {spec.after} >= $earliest AND {spec.after} < $until"
    read_as = f"strftime(timezone('UTC', {name}), '%Y-%m-%d %H:%M:%S')"
    found.append(Check(
        name, outside, OUT_OF_WINDOW,
        detail_sql=f"'read as ' || {read_as} || ' UTC; accepted ' || $window",
        params={"earliest": window.earliest, "until": window.until,
                "window": f"{window} (set {config.IMPORT_DATES_VAR} to change it)"},
    ))  # fmt: skip
    return found


def create_problems(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(
        "CREATE TABLE staging.problems (_row BIGINT, field VARCHAR, source_column VARCHAR, "
        "reason VARCHAR, value VARCHAR, detail VARCHAR)"
    )


def add_bad_rows(con: duckdb.DuckDBPyConnection, bad_rows: Iterable[BadRow]) -> None:
    rows = [(b.row, None, None, b.reason, b.text, b.detail) for b in bad_rows]
    if rows:
        con.executemany("INSERT INTO staging.problems VALUES (?, ?, ?, ?, ?, ?)", rows)


def find_problems(con: duckdb.DuckDBPyConnection, mapping: Mapping,
                  window: config.DateWindow) -> None:  # fmt: skip
    """Fill ``staging.problems`` from the checks, then refuse repeated ids among the rest."""
    labels = column_labels(mapping)
    params: dict[str, object] = {}
    con.execute(
        "INSERT INTO staging.problems SELECT _row, NULL, NULL, ?, NULL, NULL "
        "FROM staging.parsed WHERE _empty",
        [EMPTY_ROW],
    )
    parts = []
    for i, check in enumerate(checks(mapping, window)):
        params.update(check.params)
        params[f"field{i}"] = check.column
        params[f"source{i}"] = labels.get(check.column)
        params[f"reason{i}"] = check.reason
        value = f"CAST(raw_{check.column} AS VARCHAR)"  # the report masks, then cuts it short
        detail = check.detail_sql
        if not detail:
            params[f"detail{i}"] = check.detail or None
            detail = f"$detail{i}"
        # identifiers and conditions are this module's own; values are bound parameters
        parts.append(
            f"SELECT _row, $field{i}, $source{i}, $reason{i}, {value}, {detail} "  # noqa: S608
            f"FROM staging.parsed WHERE NOT _empty AND ({check.condition})"
        )
    if parts:
        con.execute("INSERT INTO staging.problems " + " UNION ALL ".join(parts), params)
    key = [k.strip() for k in mapping.schema.key.split(",")]
    if all(k in mapping.columns for k in key):
        # among rows with no other problem, the first of each id wins; an aggregate (not a
        # window over every row) keeps this cheap at millions of rows
        columns = ", ".join(key)
        same = " AND ".join(f"c.{k} = f.{k}" for k in key)
        shown = " || ' / ' || ".join(f"CAST(c.{k} AS VARCHAR)" for k in key)
        con.execute(
            f"""
            INSERT INTO staging.problems
            WITH candidates AS (
                SELECT p._row, {", ".join(f"p.{k}" for k in key)} FROM staging.parsed p
                ANTI JOIN (SELECT DISTINCT _row FROM staging.problems) r ON r._row = p._row
                WHERE {" AND ".join(f"p.{k} IS NOT NULL" for k in key)}
            ),
            firsts AS (
                SELECT {columns}, min(_row) AS first_row FROM candidates
                GROUP BY {columns} HAVING count(*) > 1
            )
            SELECT c._row, ?, ?, ?, left({shown}, 200), 'same id as row ' || f.first_row
            FROM candidates c JOIN firsts f ON {same}
            WHERE c._row > f.first_row
            """,  # noqa: S608 - identifiers from data_access.schema
            [key[0], labels.get(key[0]), DUPLICATE],
        )


def create_valid(con: duckdb.DuckDBPyConnection, mapping: Mapping) -> None:
    """``staging.valid``: the canonical columns of every row without a problem."""
    columns = ", ".join(f"p.{c.name}" for c in mapping.schema.source_columns)
    con.execute(
        f"CREATE TABLE staging.valid AS SELECT {columns} FROM staging.parsed p "  # noqa: S608
        "ANTI JOIN (SELECT DISTINCT _row FROM staging.problems) r ON r._row = p._row"
    )
