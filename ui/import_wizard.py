"""The Import page's steps without their layout: choices, reading the upload, the mapping being
edited, and the import itself.

The page (``pages/7_Import_data.py``) draws the widgets and calls these; the data work happens in
``data_access.importer``. Choices are stable codes shown through a translated label, so a choice
survives a language switch (a translated label compared as a value would not).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from data_access import audit, config, importer, results
from data_access.importer import (
    FileInfo,
    ImportFileError,
    ImportResult,
    Mapping,
    MappingError,
    editing,
    privacy,
)
from data_access.importer.mapping import START_COLUMN, UNITS
from data_access.store import WriterBusyError
from presentation.i18n import N_, translate
from ui import access

__all__ = ["UNITS", "FileInfo", "ImportFileError", "ImportResult", "Mapping", "MappingError"]

TABLES = importer.IMPORTABLE
_TABLE_TEXT = {
    "tickets": (N_("Tickets"), N_("one row per ticket, chat, call or message thread")),
    "surveys": (N_("Surveys"), N_("one row per satisfaction survey (CSAT, NPS, CES)")),
    "agents": (N_("Agents"), N_("one row per agent: hub, languages, channels")),
    "shifts": (N_("Shifts"), N_("one row per planned shift: agent, start, end")),
}
AUTOMATIC = "auto"  # detect the encoding or delimiter from the file
_AUTOMATIC_TEXT = N_("Detect automatically")
ENCODINGS = (AUTOMATIC, "utf-8", "utf-16", "latin-1", "cp1252")
DELIMITERS = {AUTOMATIC: None, "comma": ",", "semicolon": ";", "tab": "\t", "pipe": "|"}
_DELIMITER_TEXT = {
    AUTOMATIC: _AUTOMATIC_TEXT,
    "comma": N_("Comma ,"),
    "semicolon": N_("Semicolon ;"),
    "tab": N_("Tab"),
    "pipe": N_("Pipe |"),
}
# the mapping to start from: a suggestion, a saved mapping (by name) or an uploaded one; a
# saved mapping's name is a file stem of ours, never starting with ':'
SUGGEST, UPLOAD = ":suggest", ":upload"
# the reasons an import stops without changing anything, shown to the person importing
NOT_IMPORTED = (ImportFileError, MappingError, importer.ImportAborted, WriterBusyError,
                privacy.PseudonymKeyError)  # fmt: skip


def table_label(table: str) -> str:
    return translate(_TABLE_TEXT[table][0]) if table in _TABLE_TEXT else table.capitalize()


def table_caption(table: str) -> str:
    return translate(_TABLE_TEXT[table][1]) if table in _TABLE_TEXT else ""


def encoding_label(code: str) -> str:
    return translate(_AUTOMATIC_TEXT) if code == AUTOMATIC else code


def delimiter_label(code: str) -> str:
    return translate(_DELIMITER_TEXT[code])


def mapping_choices() -> list[str]:
    return [SUGGEST, *importer.saved_mappings(), UPLOAD]


def mapping_label(choice: str) -> str:
    labels = {SUGGEST: N_("Suggest from the file's headers"),
              UPLOAD: N_("Upload a saved mapping (JSON)…")}  # fmt: skip
    return translate(labels[choice]) if choice in labels else choice


def reading_options(encoding: str, delimiter: str) -> tuple[str | None, str | None]:
    """The readers' encoding and delimiter for the chosen codes (``None``: detect)."""
    return (None if encoding == AUTOMATIC else encoding), DELIMITERS.get(delimiter)


def chosen_mapping(choice: str, uploaded: tuple[str, bytes] | None = None) -> Mapping | None:
    """The mapping to start from: ``None`` to suggest one, a saved one by name, or the
    ``uploaded`` (file name, content) JSON; a broken JSON raises ``MappingError``."""
    if choice == UPLOAD and uploaded is not None:
        name, content = uploaded
        return Mapping.from_json(content.decode("utf-8", "replace"), name)
    saved = importer.saved_mappings()
    return importer.load_mapping(saved[choice]) if choice in saved else None


def read_upload(name: str, content: bytes | memoryview, mapping: Mapping | None,
                encoding: str | None, delimiter: str | None,
                rows: int) -> tuple[FileInfo, pd.DataFrame]:  # fmt: skip
    """The upload's format, headers and first ``rows`` rows (``ImportFileError`` if unreadable).
    The upload is on disk only while it is read, never between reruns."""
    with importer.staged_upload(name, content) as path:
        info = importer.inspect_file(path, name, mapping, encoding, delimiter)
        return info, importer.preview(info, rows)


def editor_key(*choices: object) -> str:
    """A short key for the editors of one file read one way: another file or choice starts
    fresh editors instead of applying the old edits to other rows."""
    return hashlib.sha1("|".join(map(str, choices)).encode()).hexdigest()[:12]


def personal_columns(headers: tuple[str, ...] | list[str]) -> dict[str, str]:
    """File columns whose header says they hold personal data, with its kind (never stored)."""
    return {h: kind for h in headers if (kind := privacy.personal_data_kind(h))}


def starting_mapping(table: str, info: FileInfo, sample: pd.DataFrame,
                     chosen: Mapping | None) -> tuple[Mapping, list[str]]:  # fmt: skip
    """The chosen mapping, or one suggested from the file, with what the suggestion guessed."""
    if chosen is not None:
        return chosen, []
    suggestion = importer.suggest(table, info.headers, sample)
    return suggestion.mapping, suggestion.notes


def start_column(table: str) -> str | None:
    """The time a duration column of ``table`` counts from (``created_at`` for tickets)."""
    return START_COLUMN.get(table)


time_zones = editing.time_zones
mapping_rows = editing.mapping_rows
source_options = editing.source_options
mapping_from_rows = editing.mapping_from_rows


@dataclass(frozen=True)
class ValueTable:
    """The values one coded column takes in the preview, for the person to translate."""

    column: str  # the Service Atlas column
    source: str  # the file column it comes from
    rows: list[dict[str, object]]  # value, rows, automatic, becomes
    unknown: int  # values neither recognised nor translated: their rows would be refused
    choices: tuple[str, ...] | None  # the codes a value can become, when there are few
    previous: dict[str, str]  # the mapping's value map so far


def value_tables(draft: Mapping, sample: pd.DataFrame) -> list[ValueTable]:
    """One table per mapped coded column of ``draft`` whose file column is in the preview."""
    tables = []
    for column in editing.coded_columns(draft):
        spec = draft.columns[column]
        if spec.column not in sample:
            continue
        seen = editing.value_rows(draft, column, sample[spec.column].dropna().tolist())
        unknown = sum(1 for r in seen if r["automatic"] == editing.UNKNOWN and not r["becomes"])
        tables.append(ValueTable(column, spec.column, seen, unknown,
                                 editing.VALUE_CHOICES.get(column), dict(spec.values)))  # fmt: skip
    return tables


def with_values(draft: Mapping, rows: list[dict[str, object]], headers: tuple[str, ...],
                base: Mapping, edited: dict[str, dict[str, str]]) -> Mapping:  # fmt: skip
    """``draft`` with the value maps ``edited`` (column: rows of a ``ValueTable``'s editor)."""
    value_maps = {name: dict(spec.values) for name, spec in draft.columns.items()}
    value_maps |= edited
    return mapping_from_rows(draft.table, rows, headers, base, draft.timezone, value_maps)


def value_map(table: ValueTable, edited_rows: list[dict[str, object]]) -> dict[str, str]:
    return editing.value_map_from_rows(edited_rows, table.previous)


def run_import(table: str, name: str, content: bytes | memoryview, mapping: Mapping,
               timezone: str | None, encoding: str | None, delimiter: str | None,
               progress: Callable[[float, str], None]) -> ImportResult:  # fmt: skip
    """Import the upload into ``table`` of the configured database, all or nothing; raises one
    of ``NOT_IMPORTED`` when nothing was changed. The import is in the audit log."""
    scope = access.require("import")
    with importer.staged_upload(name, content) as path:
        result = importer.import_file(table, path, data_location(), mapping, name=name,
                                      timezone=timezone, encoding=encoding, delimiter=delimiter,
                                      progress=progress)  # fmt: skip
    audit.record("import", scope.user, f"{name} → {table}: {result.rows_loaded} of "
                 f"{result.rows_read} rows loaded")  # fmt: skip
    results.start_precompute(data_location())
    return result


def data_location() -> Path:
    return config.data_location()


def is_sample(location: Path) -> bool:
    """Whether imports go into the built-in synthetic sample."""
    return config.is_default_sample(location)


DATA_VARIABLE = config.ENV_VAR  # the environment variable that points at the data
