"""Data: what is loaded, where it came from, and what every column means."""

import pandas as pd
import streamlit as st

from data_access.schema import TABLES
from ui import data
from ui.page import page

page("Data", "data", ":material/database:", "what is loaded and what it means")

meta = data.data_meta()
st.markdown(
    f"**Source:** {meta.get('source', 'unknown')}  \n"
    f"**Last updated:** {meta.get('updated_at', 'unknown')} (UTC)"
)
summary = pd.DataFrame(data.table_summary())
for column in ("first", "last"):  # reference tables have no time coverage
    summary[column] = summary[column].map(lambda t: "—" if pd.isna(t) else f"{t:%Y-%m-%d %H:%M}")
st.dataframe(
    summary,
    hide_index=True,
    column_config={
        "table_name": "Table",
        "rows": st.column_config.NumberColumn("Rows", format="localized"),
        "first": "First (UTC)",
        "last": "Last (UTC)",
    },
)

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
