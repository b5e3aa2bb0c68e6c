"""Data: what is loaded, where it came from, and what every column means."""

import pandas as pd
import streamlit as st

from data_access.schema import TABLES
from ui import data
from ui.page import page

page("Data", "data", ":material/database:", "what is loaded and what it means")

meta = data.data_meta()
st.markdown(f"**Source:** {meta.get('source', 'unknown')}  \n"
            f"**Last updated:** {meta.get('updated_at', 'unknown')} (UTC)")
summary = pd.DataFrame(data.table_summary())
st.dataframe(
    summary,
    hide_index=True,
    column_config={
        "table_name": "Table",
        "rows": st.column_config.NumberColumn("Rows", format="localized"),
        "first": st.column_config.DatetimeColumn("First", format="YYYY-MM-DD HH:mm"),
        "last": st.column_config.DatetimeColumn("Last", format="YYYY-MM-DD HH:mm"),
    },
)

st.subheader("Data model")
for table in TABLES.values():
    with st.expander(f"`{table.name}` — {table.description}"):
        st.dataframe(
            pd.DataFrame(
                [{"column": c.name, "type": c.sql_type, "meaning": c.description,
                  "required": c.required, "derived": c.derived} for c in table.columns]
            ),
            hide_index=True,
            width="stretch",
        )
