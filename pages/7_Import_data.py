"""Import data: upload a ticket, survey, agent or shift export, map its columns, load it safely.

UI only: reading, checking and loading happen in ``data_access.importer``; the import works on a
private copy of the database and publishes it in one step, so the rest of the app keeps serving
the old data until then and shows the new data on its next rerun.
"""

import hashlib

import pandas as pd
import streamlit as st

from data_access import config, importer
from data_access.importer import editing, privacy
from data_access.importer.mapping import UNITS
from data_access.store import WriterBusyError
from ui import format as fmt
from ui.page import page

flt = page(
    "Import data",
    "import",
    ":material/upload:",
    "bring your own ticket and survey exports",
)

TABLE_HELP = {
    "tickets": "one row per ticket, chat, call or message thread",
    "surveys": "one row per satisfaction survey (CSAT, NPS, CES)",
    "agents": "one row per agent: hub, languages, channels",
    "shifts": "one row per planned shift: agent, start, end",
}
SUGGEST = "Suggest from the file's headers"
UPLOAD_MAPPING = "Upload a saved mapping (JSON)…"
ENCODINGS = ["Detect automatically", "utf-8", "utf-16", "latin-1", "cp1252"]
DELIMITERS = {"Detect automatically": None, "Comma ,": ",", "Semicolon ;": ";", "Tab": "\t",
              "Pipe |": "|"}  # fmt: skip
PREVIEW_ROWS = 1000
location = config.data_location()


def show_result(result: importer.ImportResult) -> None:
    """What the last import did: counts, reasons, refused rows and the full report."""
    st.subheader("Last import")
    message = (f"**{result.file}** → `{result.table}`: {result.rows_loaded:,} of "
               f"{result.rows_read:,} rows loaded in {result.seconds:.1f} s.")  # fmt: skip
    if result.rows_refused:
        st.warning(f"{message} {result.rows_refused:,} rows were refused: see below.",
                   icon=":material/rule:")  # fmt: skip
    else:
        st.success(f"{message} No row was refused.", icon=":material/check_circle:")
    with st.container(horizontal=True):
        st.metric("Rows read", f"{result.rows_read:,}", border=True)
        st.metric("Loaded", f"{result.rows_loaded:,}", border=True)
        st.metric("Refused", f"{result.rows_refused:,}", border=True)
        st.metric("Replaced existing rows", f"{result.rows_replaced:,}", border=True,
                  help="Rows whose id was already in the database: the file's version replaced "
                       "them, so importing the same file twice never duplicates.")  # fmt: skip
    if result.first is not None:
        st.caption(
            f"The loaded rows run from {result.first:%d %b %Y} to {result.last:%d %b %Y} (UTC). "
            "Set the period in the sidebar to cover them to see them on the other pages."
        )
    for note in result.notes:
        st.caption(f":material/info: {note}")
    if result.rows_refused:
        left, right = st.columns([1, 2], gap="large")
        with left:
            st.markdown("**Refused rows by reason**")
            st.dataframe(
                pd.DataFrame(list(result.reasons.items()), columns=["reason", "rows"]),
                hide_index=True,
                width="stretch",
                column_config={
                    "reason": st.column_config.TextColumn("Reason", width="medium"),
                    "rows": st.column_config.NumberColumn("Rows", format="localized", width=70),
                },
            )
        with right:
            shown = len(result.problems)
            st.markdown(f"**Refused rows** (first {shown:,})" if shown < result.rows_refused
                        else "**Refused rows**")  # fmt: skip
            st.dataframe(
                result.problems,
                hide_index=True,
                height=300,
                column_config={
                    "file": None,
                    "row": st.column_config.NumberColumn("Row", format="%d",
                                                         help="Row 1 is the header."),
                    "column": "File column",
                    "field": "Service Atlas column",
                    "reason": "Reason",
                    "value": "Value",
                    "detail": "Detail",
                },
            )  # fmt: skip
        st.download_button(
            "Download the validation report (CSV)",
            data=result.report_csv,
            file_name=f"{result.file.rsplit('.', 1)[0]}_refused_rows.csv",
            mime="text/csv",
            icon=":material/download:",
        )
    with st.container(horizontal=True):
        st.page_link("dashboard.py", label="See it on the Overview", icon=":material/public:")
        st.page_link("pages/9_Data.py", label="Data quality and import history",
                     icon=":material/database:")  # fmt: skip


st.markdown(
    f"Imports go into `{location.name}` (in `{location.parent}`). The dashboard keeps serving "
    "the current data while an import runs and switches to the new data when it is complete; "
    "a failed import changes nothing. Importing the same file again replaces rows by their id "
    "instead of adding them twice."
)
if config.is_default_sample(location):
    st.warning(
        "This is the built-in **synthetic sample**: imported rows are added next to the "
        f"invented ones. To keep your data on its own, start the dashboard with "
        f"`{config.ENV_VAR}=/path/to/support.duckdb` or import with the command line "
        "(`python -m data_access.importer --help`).",
        icon=":material/warning:",
    )

table = st.radio(
    "What does the file hold?",
    importer.IMPORTABLE,
    horizontal=True,
    format_func=lambda t: t.capitalize(),
    captions=[TABLE_HELP[t] for t in importer.IMPORTABLE],
    key="import_table",
)
upload = st.file_uploader(
    "Export file",
    type=["csv", "tsv", "txt", "parquet", "xlsx"],
    help="CSV (any delimiter; UTF-8, UTF-16 or Latin-1), Parquet or XLSX (first sheet). "
    "Files larger than the upload limit import from the command line: "
    "python -m data_access.importer tickets FILE --db PATH.",
    key="import_upload",
)
if upload is None:
    if "import_result" in st.session_state:
        show_result(st.session_state["import_result"])
    else:
        st.info("Choose an export file to see its columns and a suggested mapping.",
                icon=":material/upload_file:")  # fmt: skip
    st.stop()

# keep one private copy of the upload per file (the uploader holds it in memory anyway)
staged = st.session_state.get("import_staged")
if staged is None or staged[0] != upload.file_id or not staged[1].exists():
    if staged is not None:
        importer.discard_upload(staged[1])
    staged = (upload.file_id, importer.save_upload(upload.name, upload.getbuffer()))
    st.session_state["import_staged"] = staged
path = staged[1]

with st.expander("File reading options"):
    options = st.columns(2)
    encoding_choice = options[0].selectbox("Text encoding (CSV)", ENCODINGS, key="import_enc")
    delimiter_choice = options[1].selectbox("Delimiter (CSV)", list(DELIMITERS),
                                            key="import_delim")  # fmt: skip
encoding = None if encoding_choice == ENCODINGS[0] else encoding_choice
delimiter = DELIMITERS[delimiter_choice]

saved = importer.saved_mappings()
mapping_choice = st.selectbox(
    "Column mapping",
    [SUGGEST, *saved, UPLOAD_MAPPING],
    help="Start from a suggestion or from a mapping saved earlier; edit it below, then download "
    "it to reuse it here or with the command line (--mapping).",
    key="import_mapping_choice",
)
base = None
if mapping_choice == UPLOAD_MAPPING:
    mapping_file = st.file_uploader("Mapping (JSON)", type=["json"], key="import_mapping_file")
    if mapping_file is None:
        st.stop()
    try:
        base = importer.Mapping.from_json(mapping_file.getvalue().decode("utf-8", "replace"),
                                          mapping_file.name)  # fmt: skip
    except importer.MappingError as error:
        st.error(str(error), icon=":material/error:")
        st.stop()
elif mapping_choice in saved:
    base = importer.load_mapping(saved[mapping_choice])
if base is not None and base.table != table:
    st.error(f"The mapping '{mapping_choice}' is for {base.table}, not {table}: choose "
             f"{base.table} above or another mapping.", icon=":material/error:")  # fmt: skip
    st.stop()

try:
    info = importer.inspect_file(path, upload.name, base, encoding, delimiter)
    sample = importer.preview(info, PREVIEW_ROWS)
except importer.ImportFileError as error:
    st.error(str(error), icon=":material/error:")
    st.stop()

details = f"{info.format.upper()}, {len(info.headers):,} columns, {fmt.count(upload.size)} bytes"
if info.format == "csv":
    shown_delimiter = {"\t": "tab", ",": "comma", ";": "semicolon", "|": "pipe"}
    details += (f", {info.encoding}, delimiter: "
                f"{shown_delimiter.get(info.delimiter, repr(info.delimiter))}")  # fmt: skip
st.caption(f":material/description: {upload.name} — {details}")
for note in info.notes:
    st.warning(note, icon=":material/warning:")

suggestion = importer.suggest(table, info.headers, sample) if base is None else None
base = base if base is not None else suggestion.mapping
personal = {h: kind for h in info.headers if (kind := privacy.personal_data_kind(h))}
signature = hashlib.sha1(
    f"{upload.file_id}|{table}|{mapping_choice}|{encoding}|{delimiter}".encode()
).hexdigest()[:12]

with st.expander(f"Preview: the first {min(len(sample), 50)} rows", expanded=False):
    shown = sample.head(50).copy()
    for header in personal:
        shown[header] = "•••"  # personal data is not shown and never stored
    st.dataframe(shown, hide_index=True)
    if personal:
        st.caption("Hidden (personal data, never stored): " + ", ".join(
            f"{h} ({k})" for h, k in personal.items()))  # fmt: skip

st.subheader("Map the columns")
start_column = editing.START_COLUMN.get(table)
st.caption(
    "For each Service Atlas column (\\* required) choose the file column it comes from, or type "
    "a constant when the file does not have it (e.g. country `US` for a single-market export)."
    + (f" A unit on a time column means the file gives a duration after {start_column} (e.g. "
       "*First reply time in minutes*). Date format: a pattern such as `%d/%m/%Y %H:%M`, "
       "`iso`, `epoch` or `epoch_ms`." if start_column else "")
)  # fmt: skip
zones = editing.time_zones()
zone_default = base.timezone if base.timezone in zones else "UTC"
timezone = st.selectbox(
    "Time zone of times written without an offset" if start_column else "Time zone of new hubs",
    zones,
    index=zones.index(zone_default),
    help="Times with an offset (2024-05-31T14:00:00+02:00 or …Z) keep their own zone. Hubs "
    "that are new to Service Atlas get this zone as their local time.",
    key=f"import_tz_{signature}",
)
mapping_rows = editing.mapping_rows(base)
edited = st.data_editor(
    pd.DataFrame(mapping_rows),
    key=f"import_editor_{signature}",
    hide_index=True,
    width="stretch",
    height=35 * (len(mapping_rows) + 1) + 3,  # every column at once, no inner scrolling
    num_rows="fixed",
    placeholder="",
    column_order=["label", "source", "constant", "unit", "format", "meaning"],
    disabled=["label", "meaning"],
    column_config={
        "label": st.column_config.TextColumn(
            "Service Atlas column", width=160, pinned=True, help="* required"),
        "source": st.column_config.SelectboxColumn(
            "From file column", options=editing.source_options(info.headers, base), width=200,
            help="The column of your file that fills this one."),
        "constant": st.column_config.TextColumn(
            "Constant", width=110, help="The same value for every row, e.g. US or en."),
        "unit": st.column_config.SelectboxColumn(
            "Unit", options=list(UNITS), width=80,
            help="Durations: the unit of the file's numbers. Time columns: the file gives a "
                 "duration after the start time in this unit."),
        "format": st.column_config.TextColumn(
            "Date format", width=150,
            help="How the file writes dates: a pattern such as %d/%m/%Y %H:%M, or iso, epoch, "
                 "epoch_ms. Empty means iso."),
        "meaning": st.column_config.TextColumn("Meaning", width="large"),
    },
)  # fmt: skip
rows = edited.to_dict("records")
draft = editing.mapping_from_rows(table, rows, info.headers, base, timezone)

value_maps = {name: dict(spec.values) for name, spec in draft.columns.items()}
coded = [c for c in editing.coded_columns(draft) if draft.columns[c].column in sample]
if coded:
    st.markdown("**Values** — how the file's words become Service Atlas codes")
    st.caption(f"From the first {len(sample):,} rows. Values left unknown are refused and listed "
               "in the report; set *becomes* to translate them.")  # fmt: skip
    for column in coded:
        spec = draft.columns[column]
        seen = editing.value_rows(draft, column, sample[spec.column].dropna().tolist())
        unknown = sum(1 for r in seen if r["automatic"] == "— unknown —" and not r["becomes"])
        label = f"`{column}` ← {spec.column}: {len(seen)} distinct values"
        label += f", {unknown} unknown" if unknown else ""
        with st.expander(label, expanded=bool(unknown)):
            choices = editing.VALUE_CHOICES.get(column)
            becomes = (st.column_config.SelectboxColumn("Becomes", options=list(choices))
                       if choices else st.column_config.TextColumn(
                           "Becomes", help="A code or a name, e.g. DE or Germany"))  # fmt: skip
            table_of_values = st.data_editor(
                pd.DataFrame(seen, columns=["value", "rows", "automatic", "becomes"]),
                key=f"import_values_{signature}_{column}_{spec.column}",
                hide_index=True,
                placeholder="",
                disabled=["value", "rows", "automatic"],
                column_config={"value": "In the file", "rows": "Rows (preview)",
                               "automatic": "Recognised as", "becomes": becomes},
            )  # fmt: skip
            value_maps[column] = editing.value_map_from_rows(
                table_of_values.to_dict("records"), spec.values
            )
mapping = editing.mapping_from_rows(table, rows, info.headers, base, timezone, value_maps)

problems = mapping.problems(list(info.headers))
notes = suggestion.notes if suggestion is not None else []
if notes:
    with st.expander("What the suggestion guessed", icon=":material/lightbulb:"):
        for note in notes:
            st.markdown(f"- {note}")
for problem in problems:
    st.error(problem, icon=":material/error:")

with st.container(horizontal=True, vertical_alignment="center"):
    start = st.button(
        f"Import into {table}",
        type="primary",
        disabled=bool(problems),
        icon=":material/upload:",
        help="Fix the mapping problems above first." if problems else None,
    )
    st.download_button(
        "Download this mapping (JSON)",
        data=mapping.to_json(),
        file_name=f"{table}_mapping.json",
        mime="application/json",
        icon=":material/download:",
    )

if start:
    with st.status(f"Importing {upload.name}…", expanded=True) as status:
        bar = st.progress(0.0, "Starting")
        try:
            result = importer.import_file(
                table, path, location, mapping, name=upload.name, timezone=timezone,
                encoding=encoding, delimiter=delimiter,
                progress=lambda share, message: bar.progress(min(max(share, 0.0), 1.0), message),
            )  # fmt: skip
        except (importer.ImportFileError, importer.MappingError, importer.ImportAborted,
                WriterBusyError, privacy.PseudonymKeyError) as error:  # fmt: skip
            status.update(label="Not imported: nothing was changed", state="error")
            st.error(str(error), icon=":material/error:")
        else:
            status.update(label=f"Imported {result.rows_loaded:,} rows", state="complete")
            st.session_state["import_result"] = result
            importer.discard_upload(path)  # written again from the upload if needed
            st.rerun()  # redraw everything (filters, data coverage) from the new data version

if "import_result" in st.session_state:
    show_result(st.session_state["import_result"])
