"""Data: what is loaded, where it came from, how complete it is, and what every column means."""

import datetime as dt

import pandas as pd
import streamlit as st

from presentation import format as fmt
from presentation.i18n import _, translate
from ui import access, data
from ui.page import page

flt = page(__file__)


def when(value: object) -> str:
    return "—" if value is None or pd.isna(value) else f"{value:%Y-%m-%d %H:%M}"


def precomputed_line(stored: data.Precomputed) -> str:
    if not stored.answers:
        return _("**Precomputed views:** not yet; each answer is computed on its first view.")
    written = dt.datetime.fromtimestamp(stored.written_at, dt.UTC)
    return _("**Precomputed views:** {answers} answers for this data, stored {when} (UTC).").format(
        answers=fmt.count(stored.answers), when=when(written))


meta = data.data_meta()
st.markdown(
    _("**Source:** {source}").format(source=fmt.escape_markdown(meta.get("source", _("unknown"))))
    + "  \n" + _("**Last updated:** {updated} (UTC)").format(
        updated=fmt.escape_markdown(meta.get("updated_at", _("unknown"))))
    + "  \n" + precomputed_line(data.precomputed())
)  # fmt: skip
overview = data.table_overview()
for column in ("first", "last", "last_import"):  # reference tables have no time coverage
    overview[column] = overview[column].map(when)
st.dataframe(
    overview,
    hide_index=True,
    width="stretch",
    placeholder="—",
    column_config={
        "table_name": st.column_config.TextColumn(_("Table"), width=70),
        "rows": st.column_config.NumberColumn(_("Rows"), format="localized", width=80),
        "first": st.column_config.TextColumn(_("First (UTC)"), width=115),
        "last": st.column_config.TextColumn(_("Last (UTC)"), width=115),
        "last_import": st.column_config.TextColumn(_("Last import (UTC)"), width=115),
        "last_source": st.column_config.TextColumn(_("From file"), width=180),
        "last_loaded": st.column_config.NumberColumn(_("Loaded"), format="localized", width=65),
        "last_refused": st.column_config.NumberColumn(_("Refused"), format="localized", width=65),
        "last_duplicates": st.column_config.NumberColumn(
            _("Duplicate ids"), format="localized", width=90,
            help=_("Rows the last import refused because an earlier row of the same file had "
                   "the same id."),
        ),
    },
)  # fmt: skip
scope = access.current_scope()
if scope.may("import"):
    st.page_link("pages/7_Import_data.py", label=_("Import data from a helpdesk or survey export"),
                 icon=":material/upload:")  # fmt: skip

st.subheader(_("Quality"))
indicators = data.quality_indicators()
history = data.import_history()
tiles = [
    (translate(row.indicator), fmt.percent(row.share) if row.of else "—",
     _("{count} of {total} {table}.").format(count=fmt.count(row.count),
                                            total=fmt.count(row.of), table=row.table_name)
     + " " + translate(row.why))
    for row in indicators.itertuples()
]  # fmt: skip
if history.empty:
    tiles.append((_("Duplicate ids refused (last import)"), "—", _("Nothing imported yet.")))
else:
    last = history.iloc[0]
    tiles.append((
        _("Duplicate ids refused (last import)"), fmt.count(last.duplicates_refused),
        _("{file} into {table} at {when} UTC: {loaded} of {read} rows loaded, {refused} refused "
          "in all. A duplicate is a row whose id an earlier row of the same file already "
          "had.").format(file=fmt.escape_markdown(last.source_file), table=last.table_name,
                         when=when(last.imported_at), loaded=fmt.count(last.rows_loaded),
                         read=fmt.count(last.rows_read), refused=fmt.count(last.rows_refused)),
    ))  # fmt: skip
for start in range(0, len(tiles), 3):
    for column, (label, value, explanation) in zip(st.columns(3), tiles[start : start + 3],
                                                   strict=False):  # fmt: skip
        column.metric(label, value, border=True, help=explanation)

st.subheader(_("Import history"))
if not scope.may("import"):
    st.caption(_("Shown to those who may import data."))
elif history.empty:
    st.info(_("Nothing has been imported into this database yet."), icon=":material/info:")
else:
    history["imported_at"] = history["imported_at"].map(when)
    st.dataframe(
        history,
        hide_index=True,
        width="stretch",
        column_config={
            "imported_at": _("When (UTC)"),
            "table_name": _("Table"),
            "source_file": _("File"),
            "file_format": _("Format"),
            "rows_read": st.column_config.NumberColumn(_("Read"), format="localized"),
            "rows_loaded": st.column_config.NumberColumn(_("Loaded"), format="localized"),
            "rows_refused": st.column_config.NumberColumn(_("Refused"), format="localized"),
            "rows_replaced": st.column_config.NumberColumn(
                _("Replaced"), format="localized", help=_("Rows that updated an existing id.")),
            "duplicates_refused": st.column_config.NumberColumn(_("Duplicates"),
                                                                format="localized"),
            "refused_by_reason": st.column_config.TextColumn(_("Refused because"),
                                                             width="large"),
        },
    )  # fmt: skip

if scope.admin:
    st.subheader(_("Audit log"))
    st.caption(_("Sign-ins, imports and exports: who, when, what and with which filters; the "
                 "latest {count}, newest first.").format(
        count=fmt.count(data.AUDIT_SHOWN)))  # fmt: skip
    st.dataframe(data.audit_entries(), hide_index=True, width="stretch", column_config={
        "happened_at": st.column_config.DatetimeColumn(_("When (UTC)"),
                                                       format="YYYY-MM-DD HH:mm:ss"),
        "user_name": _("Who"), "event": _("What happened"), "what": _("What"),
        "filters": _("Filters")})  # fmt: skip

st.subheader(_("Data model"))
for table in data.data_model():
    with st.expander(f"`{table.name}` — {translate(table.description)}"):
        st.dataframe(
            pd.DataFrame(
                [
                    {
                        "column": c.name,
                        "type": c.sql_type,
                        "meaning": translate(c.description),
                        "required": c.required,
                        "derived": c.derived,
                    }
                    for c in table.columns
                ]
            ),
            hide_index=True,
            width="stretch",
            column_config={"column": _("Column"), "type": _("Type"), "meaning": _("Meaning"),
                           "required": _("Required"), "derived": _("Derived")},
        )  # fmt: skip
