"""Data: what is loaded, where it came from, how complete it is, and what every column means."""

import pandas as pd
import streamlit as st

from data_access import quality
from data_access.schema import TABLES
from ui import data
from ui import format as fmt
from ui.page import page

flt = page("Data", "data", ":material/database:", "what is loaded, where from, and how complete")


def when(value: object) -> str:
    return "—" if value is None or pd.isna(value) else f"{value:%Y-%m-%d %H:%M}"


meta = data.data_meta()
st.markdown(
    f"**Source:** {meta.get('source', 'unknown')}  \n"
    f"**Last updated:** {meta.get('updated_at', 'unknown')} (UTC)"
)
overview = data.query(quality.table_overview)
for column in ("first", "last", "last_import"):  # reference tables have no time coverage
    overview[column] = overview[column].map(when)
st.dataframe(
    overview,
    hide_index=True,
    width="stretch",
    placeholder="—",
    column_config={
        "table_name": st.column_config.TextColumn("Table", width=70),
        "rows": st.column_config.NumberColumn("Rows", format="localized", width=80),
        "first": st.column_config.TextColumn("First (UTC)", width=115),
        "last": st.column_config.TextColumn("Last (UTC)", width=115),
        "last_import": st.column_config.TextColumn("Last import (UTC)", width=115),
        "last_source": st.column_config.TextColumn("From file", width=180),
        "last_loaded": st.column_config.NumberColumn("Loaded", format="localized", width=65),
        "last_refused": st.column_config.NumberColumn("Refused", format="localized", width=65),
        "last_duplicates": st.column_config.NumberColumn(
            "Duplicate ids", format="localized", width=90,
            help="Rows the last import refused because an earlier row of the same file had "
                 "the same id.",
        ),
    },
)  # fmt: skip
st.page_link("pages/7_Import_data.py", label="Import data from a helpdesk or survey export",
             icon=":material/upload:")  # fmt: skip

st.subheader("Quality")
indicators = data.query(quality.quality_indicators)
history = data.query(quality.import_history)
tiles = [
    (row.indicator, fmt.percent(row.share) if row.of else "—",
     f"{row.count:,} of {row.of:,} {row.table_name}. {row.why}")
    for row in indicators.itertuples()
]  # fmt: skip
if history.empty:
    tiles.append(("Duplicate ids refused (last import)", "—", "Nothing imported yet."))
else:
    last = history.iloc[0]
    tiles.append((
        "Duplicate ids refused (last import)", f"{last.duplicates_refused:,}",
        f"{last.source_file} into {last.table_name} at {when(last.imported_at)} UTC: "
        f"{last.rows_loaded:,} of {last.rows_read:,} rows loaded, {last.rows_refused:,} refused "
        "in all. A duplicate is a row whose id an earlier row of the same file already had.",
    ))  # fmt: skip
for start in range(0, len(tiles), 3):
    for column, (label, value, explanation) in zip(st.columns(3), tiles[start : start + 3],
                                                   strict=False):  # fmt: skip
        column.metric(label, value, border=True, help=explanation)

st.subheader("Import history")
if history.empty:
    st.info("Nothing has been imported into this database yet.", icon=":material/info:")
else:
    history["imported_at"] = history["imported_at"].map(when)
    st.dataframe(
        history,
        hide_index=True,
        width="stretch",
        column_config={
            "imported_at": "When (UTC)",
            "table_name": "Table",
            "source_file": "File",
            "file_format": "Format",
            "rows_read": st.column_config.NumberColumn("Read", format="localized"),
            "rows_loaded": st.column_config.NumberColumn("Loaded", format="localized"),
            "rows_refused": st.column_config.NumberColumn("Refused", format="localized"),
            "rows_replaced": st.column_config.NumberColumn(
                "Replaced", format="localized", help="Rows that updated an existing id."),
            "duplicates_refused": st.column_config.NumberColumn("Duplicates",
                                                                format="localized"),
            "refused_by_reason": st.column_config.TextColumn("Refused because", width="large"),
        },
    )  # fmt: skip

st.subheader("Data model")
for table in TABLES.values():
    with st.expander(f"`{table.name}` — {table.description}"):
        st.dataframe(
            pd.DataFrame(
                [
                    {
                        "column": c.name,
                        "type": c.sql_type,
                        "meaning": c.description,
                        "required": c.required,
                        "derived": c.derived,
                    }
                    for c in table.columns
                ]
            ),
            hide_index=True,
            width="stretch",
        )
