"""The column mapping: which column of an export fills which canonical column, saved as JSON.

A mapping names, for each canonical column of one table, where its values come from::

    {
      "service_atlas_mapping": 1,
      "table": "tickets",
      "timezone": "America/Los_Angeles",        # for timestamps written without an offset
      "csv": {"encoding": "utf-8", "delimiter": ","},  # optional; detected when absent
      "columns": {
        "ticket_id": "Id",                                   # a column of the file
        "created_at": {"column": "Created at", "format": "%m/%d/%Y %I:%M %p"},
        "first_response_at": {"column": "First reply time in minutes",
                              "after": "created_at", "unit": "minutes"},   # a duration
        "channel": {"column": "Via", "values": {"Call": "phone"}},       # a value map
        "country": {"constant": "US"},                       # the same for every row
        "comment": {"columns": ["Title", "Message"], "separator": " — "}
      }
    }

Timestamps: ``format`` is a strptime pattern, ``iso`` (the default), ``epoch`` or ``epoch_ms``.
A zone written after the time (``+09:00``, ``Z``, ``GMT+9``, ``Asia/Seoul``) is applied; an
abbreviation (``KST``, ``PST``) is refused; a time without one is in the mapping's ``timezone``.
Duration columns (``handle_seconds``, ``queue_wait_seconds``) take a ``unit``. A value map turns
the file's words into canonical values before they are checked. Columns whose header says they
hold a name, an e-mail address or a phone number can only feed ``customer_id``, which is hashed.

Defaults when a column is not mapped: ``status`` is derived from ``resolved_at`` (solved or
open), ``bot_resolved`` is false; every other optional column stays empty.
"""

from __future__ import annotations

import json
import re
import zoneinfo
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from data_access.importer import codes, privacy
from data_access.schema import TABLES, Column, Table

FORMAT_VERSION = 1
IMPORTABLE = ("tickets", "surveys", "agents", "shifts")
UNITS = {"seconds": 1.0, "minutes": 60.0, "hours": 3600.0, "days": 86400.0}
TIMESTAMP_FORMATS = ("iso", "epoch", "epoch_ms")  # besides strptime patterns
SCORE_RANGES = {"csat": (1, 5), "nps": (0, 10), "ces": (1, 7)}
DURATION_COLUMNS = ("handle_seconds", "queue_wait_seconds")
# The column a duration-as-timestamp is added to, per table.
START_COLUMN = {"tickets": "created_at", "surveys": "sent_at", "shifts": "start_at"}
# Columns that may be left out although required: they have a documented default.
DEFAULTS = {("tickets", "status"): "derived from resolved_at (solved if resolved, else open)"}
OPTIONAL_DEFAULTS = {("tickets", "bot_resolved"): "false"}
TEXT_COLUMNS = ("comment", "category", "hub")  # free text: may join several columns; masked
CONSTANT = "(constant)"


class MappingError(ValueError):
    """A mapping that cannot work; ``problems`` lists every reason, each a full sentence."""

    def __init__(self, problems: list[str], source: str = "mapping") -> None:
        self.problems = problems
        super().__init__(f"{source}: " + " ".join(problems))


def kind(table: str, column: str) -> str:
    """How a column is read: timestamp, duration, count, score, flag, code(s), text or id."""
    sql_type = _column(table, column).sql_type
    if sql_type == "TIMESTAMPTZ":
        return "timestamp"
    if column in DURATION_COLUMNS:
        return "duration"
    if column in SCORE_RANGES:
        return "score"
    if sql_type == "INTEGER":
        return "count"
    if sql_type == "BOOLEAN":
        return "flag"
    if sql_type == "VARCHAR[]":
        return "codes"
    if column in codes.RESOLVERS:
        return "code"
    if column in TEXT_COLUMNS:
        return "text"
    return "id"


def _column(table: str, column: str) -> Column:
    return next(c for c in TABLES[table].columns if c.name == column)


@dataclass(frozen=True)
class ColumnSpec:
    """Where one canonical column's values come from."""

    column: str | None = None  # one column of the file
    columns: tuple[str, ...] = ()  # several text columns, joined
    separator: str = " — "
    constant: str | None = None  # the same value in every row
    after: str | None = None  # a duration added to this timestamp column
    unit: str | None = None  # of a duration
    format: str | None = None  # of a timestamp
    values: dict[str, str] = field(default_factory=dict)  # file value -> canonical value

    @property
    def sources(self) -> tuple[str, ...]:
        return (self.column,) if self.column is not None else self.columns

    def to_json(self) -> str | dict[str, Any]:
        data: dict[str, Any] = {}
        if self.column is not None:
            data["column"] = self.column
        if self.columns:
            data["columns"] = list(self.columns)
            data["separator"] = self.separator
        if self.constant is not None:
            data["constant"] = self.constant
        for key in ("after", "unit", "format"):
            if getattr(self, key) is not None:
                data[key] = getattr(self, key)
        if self.values:
            data["values"] = dict(self.values)
        return data["column"] if list(data) == ["column"] else data

    @classmethod
    def from_json(cls, data: object, where: str) -> ColumnSpec:
        if isinstance(data, str):
            return cls(column=data)
        if not isinstance(data, dict):
            raise MappingError([f"{where} must be a column name or an object."])
        unknown = set(data) - {"column", "columns", "separator", "constant", "after", "unit",
                               "format", "values"}  # fmt: skip
        if unknown:
            raise MappingError([f"{where} has unknown keys: {', '.join(sorted(unknown))}."])
        values = data.get("values") or {}
        if not isinstance(values, dict):
            raise MappingError([f"{where}: 'values' must map file values to canonical values."])
        columns = data.get("columns") or ()
        if isinstance(columns, str) or not all(isinstance(c, str) for c in columns):
            raise MappingError([f"{where}: 'columns' must be a list of column names."])
        text = {k: data.get(k) for k in ("column", "constant", "after", "unit", "format")}
        for key, value in text.items():
            if value is not None and not isinstance(value, (str, int, float)):
                raise MappingError([f"{where}: '{key}' must be text."])
        return cls(
            column=None if text["column"] is None else str(text["column"]),
            columns=tuple(columns),
            separator=str(data.get("separator", " — ")),
            constant=None if text["constant"] is None else str(text["constant"]),
            after=text["after"],
            unit=text["unit"],
            format=text["format"],
            values={str(k): str(v) for k, v in values.items()},
        )


@dataclass
class Mapping:
    table: str
    columns: dict[str, ColumnSpec]
    timezone: str | None = None
    encoding: str | None = None
    delimiter: str | None = None
    sheet: str | None = None
    description: str = ""

    @property
    def schema(self) -> Table:
        return TABLES[self.table]

    def source_columns(self) -> list[str]:
        """The file columns this mapping reads, in first-use order."""
        seen: dict[str, None] = {}
        for spec in self.columns.values():
            for name in spec.sources:
                seen[name] = None
        return list(seen)

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"service_atlas_mapping": FORMAT_VERSION, "table": self.table}
        if self.description:
            data["description"] = self.description
        if self.timezone:
            data["timezone"] = self.timezone
        csv = {k: getattr(self, k) for k in ("encoding", "delimiter") if getattr(self, k)}
        if csv:
            data["csv"] = csv
        if self.sheet:
            data["sheet"] = self.sheet
        order = self.schema.column_names
        data["columns"] = {
            name: self.columns[name].to_json()
            for name in sorted(self.columns, key=lambda n: order.index(n) if n in order else 999)
        }
        return data

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2, ensure_ascii=False) + "\n"

    @classmethod
    def from_dict(cls, data: object, source: str = "mapping") -> Mapping:
        if not isinstance(data, dict):
            raise MappingError(["The mapping must be a JSON object."], source)
        if data.get("service_atlas_mapping", FORMAT_VERSION) != FORMAT_VERSION:
            raise MappingError(
                [f"Unsupported mapping version (expected {FORMAT_VERSION})."], source
            )
        table = data.get("table")
        if table not in IMPORTABLE:
            raise MappingError([f"'table' must be one of {', '.join(IMPORTABLE)}."], source)
        raw_columns = data.get("columns")
        if not isinstance(raw_columns, dict):
            raise MappingError(["'columns' must map canonical columns to file columns."], source)
        csv = data.get("csv") or {}
        try:
            columns = {
                str(name): ColumnSpec.from_json(spec, f"columns.{name}")
                for name, spec in raw_columns.items()
            }
        except MappingError as error:
            raise MappingError(error.problems, source) from None
        return cls(
            table=table,
            columns=columns,
            timezone=data.get("timezone"),
            encoding=csv.get("encoding"),
            delimiter=csv.get("delimiter"),
            sheet=data.get("sheet"),
            description=str(data.get("description", "")),
        )

    @classmethod
    def from_json(cls, text: str, source: str = "mapping") -> Mapping:
        try:
            data = json.loads(text)
        except json.JSONDecodeError as error:
            raise MappingError([f"Not valid JSON ({error.msg}, line {error.lineno})."],
                               source) from None  # fmt: skip
        return cls.from_dict(data, source)

    @classmethod
    def load(cls, path: Path) -> Mapping:
        path = Path(path)
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as error:
            raise MappingError([f"Cannot read it ({error})."], str(path)) from None
        return cls.from_json(text, path.name)

    def save(self, path: Path) -> None:
        Path(path).write_text(self.to_json(), encoding="utf-8")

    def problems(self, headers: list[str] | None = None) -> list[str]:
        """Everything wrong with this mapping (against the file's headers when given)."""
        table = self.schema
        found: list[str] = []
        names = {c.name: c for c in table.source_columns}
        derived = {c.name for c in table.columns if c.derived}
        for name, spec in self.columns.items():
            if name in derived:
                found.append(f"'{name}' is computed by Service Atlas and cannot be imported.")
                continue
            if name not in names:
                found.append(f"'{name}' is not a column of {table.name} "
                             f"(columns: {', '.join(names)}).")  # fmt: skip
                continue
            found += _spec_problems(self.table, name, spec, headers, self.columns)
        for column in table.source_columns:
            if (column.required and column.name not in self.columns
                    and (self.table, column.name) not in DEFAULTS):  # fmt: skip
                found.append(f"Required column '{column.name}' is not mapped: choose a column "
                             "of the file or give a constant.")  # fmt: skip
        if self.timezone:
            try:
                zoneinfo.ZoneInfo(self.timezone)
            except (zoneinfo.ZoneInfoNotFoundError, ValueError):
                found.append(f"Unknown time zone '{self.timezone}' (use an IANA name such as "
                             "Europe/Berlin).")  # fmt: skip
        return found

    def check(self, headers: list[str] | None = None, source: str = "mapping") -> None:
        if problems := self.problems(headers):
            raise MappingError(problems, source)


def _spec_problems(table: str, name: str, spec: ColumnSpec, headers: list[str] | None,
                   all_specs: dict[str, ColumnSpec]) -> list[str]:  # fmt: skip
    found = []
    how = kind(table, name)
    ways = sum([spec.column is not None, bool(spec.columns), spec.constant is not None])
    if ways != 1:
        found.append(f"'{name}' needs exactly one of a column, a list of columns or a constant.")
    if spec.columns and how != "text":
        found.append(f"'{name}' can only come from one column (several are joined only for "
                     f"{', '.join(TEXT_COLUMNS)}).")  # fmt: skip
    for source in spec.sources:
        if headers is not None and source not in headers:
            found.append(f"'{name}' reads column '{source}', which the file does not have.")
        personal = privacy.personal_data_kind(source)
        if personal and name != "customer_id":
            found.append(f"Column '{source}' holds personal data ({personal}); it is never "
                         f"stored, so it cannot fill '{name}' (only customer_id, which is "
                         "hashed, may use it).")  # fmt: skip
    if spec.after is not None:
        start = START_COLUMN.get(table)
        if how != "timestamp" or spec.after != start or name == start:
            found.append(f"'{name}': 'after' is only for timestamps given as a duration after "
                         f"{start or 'a start time'}.")  # fmt: skip
        elif start not in all_specs or all_specs[start].after is not None:
            found.append(f"'{name}' is a duration after '{start}', which is not mapped.")
        if spec.unit is None:
            found.append(f"'{name}': give the 'unit' of the duration ({', '.join(UNITS)}).")
    if spec.unit is not None:
        if spec.unit not in UNITS:
            found.append(f"'{name}': unknown unit '{spec.unit}' (use {', '.join(UNITS)}).")
        if how != "duration" and spec.after is None:
            found.append(f"'{name}': a unit applies to durations only.")
    if spec.format is not None and (how != "timestamp" or spec.after is not None):
        found.append(f"'{name}': a date format applies to timestamps only.")
    if spec.format is not None and spec.format not in TIMESTAMP_FORMATS and "%" not in spec.format:
        found.append(
            f"'{name}': date format '{spec.format}' is neither a strptime pattern "
            f"(e.g. %d/%m/%Y %H:%M) nor one of {', '.join(TIMESTAMP_FORMATS)}."
        )
    if spec.format is not None and re.search("%[zZ]", local_format(spec.format)):
        found.append(f"'{name}': in date format '{spec.format}' the time zone (%z or %Z) can "
                     "only come last.")  # fmt: skip
    resolver = codes.RESOLVERS.get(name)
    targets = list(spec.values.values()) + ([spec.constant] if spec.constant is not None else [])
    for value in targets:
        if name in codes.AMBIGUOUS and (meaning := codes.AMBIGUOUS[name][1](value)):
            found.append(f"'{name}': '{value}' is ambiguous: {meaning}.")
        elif resolver is not None and resolver(value) is None:
            found.append(f"'{name}': '{value}' is not a known {name.rstrip('s')}.")
        if how == "score" and not _in_range(name, value):
            low, high = SCORE_RANGES[name]
            found.append(f"'{name}': '{value}' is not a score from {low} to {high}.")
        if how == "flag" and codes.yes_no(value) is None:
            found.append(f"'{name}': '{value}' is not yes or no.")
    if spec.constant is not None and how == "id" and name != "customer_id" and \
            TABLES[table].key.startswith(name):  # fmt: skip
        found.append(f"'{name}' identifies rows and cannot be a constant.")
    return found


def local_format(pattern: str) -> str:
    """A strptime pattern without its trailing zone (%z, %Z): the importer reads the zone
    written after a time itself, by the rules of ``codes.time_zone``."""
    return re.sub(r"\s*%[zZ]\s*$", "", pattern)


def _in_range(name: str, value: str) -> bool:
    low, high = SCORE_RANGES[name]
    try:
        number = float(value)
    except ValueError:
        return False
    return number.is_integer() and low <= number <= high


def load_mapping(path: Path | str) -> Mapping:
    """Read a mapping JSON file (raises ``MappingError`` with a clear message)."""
    return Mapping.load(Path(path))


def saved_mappings() -> dict[str, Path]:
    """The mappings shipped with Service Atlas (``mappings/*.json``), by file stem."""
    folder = Path(__file__).resolve().parent / "mappings"
    return {path.stem: path for path in sorted(folder.glob("*.json"))}
