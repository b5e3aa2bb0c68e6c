"""Cells that spreadsheet programs would run: every CSV the product writes neutralises them.

A cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is read as a
formula by Excel, LibreOffice and Google Sheets (CSV injection); a leading apostrophe makes it
text. Numbers are never touched. The importer's refused-row reports and the exports share this.
"""

from __future__ import annotations

import pyarrow as pa
import pyarrow.compute as pc

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_FORMULA_PATTERN = "^[=+\\-@\t\r]"


def neutralise(value: object) -> object:
    """Text a spreadsheet would run as a formula gets a leading apostrophe; the rest unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def neutralise_array(values: pa.Array) -> pa.Array:
    """``neutralise`` for an Arrow string array (a DuckDB function over millions of rows)."""
    values = values.cast(pa.string())
    risky = pc.fill_null(pc.match_substring_regex(values, _FORMULA_PATTERN), False)
    return pc.if_else(risky, pc.binary_join_element_wise("'", values, ""), values)
