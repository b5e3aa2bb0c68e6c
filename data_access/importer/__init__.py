"""Bring your own data: import ticket, survey, agent and shift exports into Service Atlas.

    from data_access.importer import import_file, load_mapping
    result = import_file("tickets", "export.csv", "data/support.duckdb",
                         load_mapping("zendesk.json"), timezone="Europe/Berlin")

or from the command line: ``python -m atlas import tickets export.csv --db PATH``.
Modules: ``readers`` (CSV/Parquet/XLSX as streamed text), ``mapping`` (the JSON mapping),
``suggestion`` (a first mapping from headers), ``codes`` (country/language/channel names to codes),
``privacy`` (pseudonyms and masking), ``validation`` (parsing and checks in SQL), ``loader``
(one import, all or nothing). Nothing here imports Streamlit.
"""

from data_access.importer.loader import ImportAborted, ImportResult, import_file, inspect_file
from data_access.importer.mapping import (
    IMPORTABLE,
    ColumnSpec,
    Mapping,
    MappingError,
    load_mapping,
    saved_mappings,
)
from data_access.importer.readers import (
    FileInfo,
    ImportFileError,
    ImportOptionError,
    preview,
    staged_upload,
)
from data_access.importer.suggestion import Suggestion, suggest

__all__ = [
    "IMPORTABLE",
    "ColumnSpec",
    "FileInfo",
    "ImportAborted",
    "ImportFileError",
    "ImportOptionError",
    "ImportResult",
    "Mapping",
    "MappingError",
    "Suggestion",
    "import_file",
    "inspect_file",
    "load_mapping",
    "preview",
    "saved_mappings",
    "staged_upload",
    "suggest",
]
