"""The mapping as rows a person can edit (the Import page's table) and back again.

One row per canonical column: the file column it comes from (or a constant), a unit for
durations, a date format for timestamps. A unit on a timestamp column means the file gives a
duration after the table's start time (e.g. first_response_at = created_at + minutes). Value
maps are edited separately, per coded column, from the values seen in the file's first rows.
"""

from __future__ import annotations

import collections
import re
import zoneinfo

from data_access.importer import codes
from data_access.importer.mapping import (
    DEFAULTS,
    OPTIONAL_DEFAULTS,
    START_COLUMN,
    ColumnSpec,
    Mapping,
    kind,
)
from data_access.schema import CHANNELS, PRIORITIES, STATUSES, TABLES

JOIN = " + "  # how several joined file columns are shown in one cell
UNKNOWN = "— unknown —"  # what a value no resolver recognises becomes automatically
VALUE_CHOICES: dict[str, tuple[str, ...]] = {
    "channel": CHANNELS, "channels": CHANNELS, "status": STATUSES, "priority": PRIORITIES,
    "abandoned": ("true", "false"), "bot_resolved": ("true", "false"),
}  # fmt: skip


def time_zones() -> list[str]:
    """IANA time zone names, UTC first."""
    return ["UTC", *sorted(z for z in zoneinfo.available_timezones() if z != "UTC" and "/" in z)]


def mapping_rows(mapping: Mapping) -> list[dict[str, object]]:
    """One editable row per importable column of the mapping's table."""
    rows = []
    for column in TABLES[mapping.table].source_columns:
        spec = mapping.columns.get(column.name, ColumnSpec())
        default = DEFAULTS.get((mapping.table, column.name)) or OPTIONAL_DEFAULTS.get(
            (mapping.table, column.name)
        )
        rows.append({
            "column": column.name,
            "label": f"{column.name} *" if column.required else column.name,
            "required": column.required,
            "source": JOIN.join(spec.sources) if spec.sources else None,
            "constant": spec.constant,
            "unit": spec.unit,
            "format": spec.format,
            "meaning": column.description + (f" If not mapped: {default}." if default else ""),
        })  # fmt: skip
    return rows


def source_options(headers: list[str] | tuple[str, ...], mapping: Mapping) -> list[str]:
    """Choices for the 'from file column' cell: the headers, plus any joined set in use."""
    joined = [JOIN.join(s.columns) for s in mapping.columns.values() if len(s.columns) > 1]
    return [*headers, *joined]


def _text(value: object) -> str | None:
    if value is None or (isinstance(value, float) and value != value):  # NaN from a data editor
        return None
    text = str(value).strip()
    return text or None


def mapping_from_rows(
    table: str,
    rows: list[dict[str, object]],
    headers: list[str] | tuple[str, ...],
    previous: Mapping,
    timezone: str | None,
    value_maps: dict[str, dict[str, str]] | None = None,
) -> Mapping:
    """The mapping the edited rows describe (value maps from ``value_maps``, else kept)."""
    value_maps = value_maps if value_maps is not None else {
        name: spec.values for name, spec in previous.columns.items()
    }  # fmt: skip
    columns: dict[str, ColumnSpec] = {}
    for row in rows:
        name = str(row["column"])
        source, constant = _text(row.get("source")), _text(row.get("constant"))
        unit, pattern = _text(row.get("unit")), _text(row.get("format"))
        if source is None and constant is None:
            continue
        column, joined = source, ()
        if source is not None and source not in headers and JOIN in source:
            column, joined = None, tuple(s.strip() for s in source.split(JOIN))
        how = kind(table, name)
        after = START_COLUMN.get(table) if how == "timestamp" and unit else None
        # a row with both a column and a constant stays ambiguous: the check reports it
        columns[name] = ColumnSpec(
            column=column, columns=joined, constant=constant, after=after, unit=unit,
            format=pattern if how == "timestamp" and after is None else None,
            values=dict(value_maps.get(name, {})),
        )  # fmt: skip
    return Mapping(
        table=table, columns=columns, timezone=timezone, encoding=previous.encoding,
        delimiter=previous.delimiter, sheet=previous.sheet, description=previous.description,
    )  # fmt: skip


def coded_columns(mapping: Mapping) -> list[str]:
    """Mapped columns whose file values are translated: codes, lists of codes and yes/no."""
    coded = ("code", "codes", "flag")
    return [
        name
        for name, spec in mapping.columns.items()
        if spec.constant is None and kind(mapping.table, name) in coded
    ]


def value_rows(mapping: Mapping, column: str, values: list[str]) -> list[dict[str, object]]:
    """Each distinct value seen (with its count), what it becomes automatically, and the map."""
    spec = mapping.columns[column]
    how = kind(mapping.table, column)
    resolve = codes.yes_no if how == "flag" else codes.RESOLVERS[column]
    counted = collections.Counter(v.strip() for v in values if v and v.strip())
    if how == "codes":
        counted = collections.Counter(
            part.strip() for v, n in counted.items()
            for part in re.split(r"[,;|/]", v) for _ in range(n) if part.strip()
        )  # fmt: skip
    lowered = {k.lower(): v for k, v in spec.values.items()}
    return [
        {"value": value, "rows": count, "automatic": resolve(value) or UNKNOWN,
         "becomes": lowered.get(value.lower())}
        for value, count in counted.most_common(200)
    ]  # fmt: skip


def value_map_from_rows(
    rows: list[dict[str, object]], previous: dict[str, str] | None = None
) -> dict[str, str]:
    """The value map the edited rows describe, keeping earlier entries for values not shown
    (the rows come from a preview, so rare values of the file may be missing from it)."""
    shown = {str(r["value"]).strip().lower() for r in rows}
    kept = {k: v for k, v in (previous or {}).items() if k.strip().lower() not in shown}
    edited = {str(r["value"]): str(r["becomes"]).strip() for r in rows
              if _text(r.get("becomes")) is not None}  # fmt: skip
    return {**kept, **edited}
