"""Import data: upload a ticket, survey, agent or shift export, map its columns, load it safely.

Layout only: the steps are in ``ui.import_wizard``, reading, checking and loading in
``data_access.importer``; the import works on a private copy of the database and publishes it in
one step, so the rest of the app keeps serving the old data until then and shows the new data on
its next rerun.
"""

import pandas as pd
import streamlit as st

from presentation import format as fmt
from presentation.i18n import _
from ui import access, language
from ui import import_wizard as wizard
from ui.page import page

flt = page(__file__)
access.require("import")

PREVIEW_ROWS = 1000
location = wizard.data_location()
language.keep_choices("import_table", "import_enc", "import_delim", "import_mapping_choice")


def show_result(result: wizard.ImportResult) -> None:
    """What the last import did: counts, reasons, refused rows and the full report."""
    st.subheader(_("Last import"))
    message = _("**{file}** → `{table}`: {loaded} of {read} rows loaded in {seconds} s.").format(
        file=fmt.escape_markdown(result.file), table=result.table,
        loaded=fmt.count(result.rows_loaded),
        read=fmt.count(result.rows_read), seconds=fmt.number(result.seconds, 1))  # fmt: skip
    if result.rows_refused:
        st.warning(message + " " + _("{refused} rows were refused: see below.").format(
            refused=fmt.count(result.rows_refused)), icon=":material/rule:")  # fmt: skip
    else:
        st.success(message + " " + _("No row was refused."), icon=":material/check_circle:")
    with st.container(horizontal=True):
        st.metric(_("Rows read"), fmt.count(result.rows_read), border=True)
        st.metric(_("Loaded"), fmt.count(result.rows_loaded), border=True)
        st.metric(_("Refused"), fmt.count(result.rows_refused), border=True)
        st.metric(_("Replaced existing rows"), fmt.count(result.rows_replaced), border=True,
                  help=_("Rows whose id was already in the database: the file's version "
                         "replaced them, so importing the same file twice never "
                         "duplicates."))  # fmt: skip
    if result.first is not None:
        st.caption(
            _("The loaded rows run from {first} to {last} (UTC). Set the period in the sidebar to "
              "cover them to see them on the other pages.").format(
                first=fmt.date(result.first), last=fmt.date(result.last))
        )
    for note in result.notes:
        st.caption(f":material/info: {fmt.escape_markdown(note)}")
    if result.rows_refused:
        left, right = st.columns([1, 2], gap="large")
        with left:
            st.markdown("**" + _("Refused rows by reason") + "**")
            st.dataframe(
                pd.DataFrame(list(result.reasons.items()), columns=["reason", "rows"]),
                hide_index=True,
                width="stretch",
                column_config={
                    "reason": st.column_config.TextColumn(_("Reason"), width="medium"),
                    "rows": st.column_config.NumberColumn(_("Rows"), format="localized",
                                                          width=70),
                },
            )  # fmt: skip
        with right:
            shown = len(result.problems)
            st.markdown(_("**Refused rows** (first {count})").format(count=fmt.count(shown))
                        if shown < result.problem_count
                        else "**" + _("Refused rows") + "**")  # fmt: skip
            st.dataframe(
                result.problems,
                hide_index=True,
                height=300,
                column_config={
                    "file": None,
                    "row": st.column_config.NumberColumn(_("Row"), format="%d",
                                                         help=_("Row 1 is the header.")),
                    "column": _("File column"),
                    "field": _("Service Atlas column"),
                    "reason": _("Reason"),
                    "value": _("Value"),
                    "detail": _("Detail"),
                },
            )  # fmt: skip
        st.download_button(
            _("Download the validation report (CSV)"),
            data=result.report_csv,
            file_name=f"{result.file.rsplit('.', 1)[0]}_refused_rows.csv",
            mime="text/csv",
            icon=":material/download:",
        )
        if len(result.problems) < result.problem_count:
            st.caption(_("The table and the download hold the first {shown} of {total} problems. "
                         "For all of them, import the file from the command line with --report "
                         "refused.csv (python -m atlas import --help).").format(
                shown=fmt.count(len(result.problems)),
                total=fmt.count(result.problem_count)))  # fmt: skip
    with st.container(horizontal=True):
        st.page_link("dashboard.py", label=_("See it on the Overview"), icon=":material/public:")
        st.page_link("pages/9_Data.py", label=_("Data quality and import history"),
                     icon=":material/database:")  # fmt: skip


st.markdown(
    _("Imports go into `{file}` (in `{folder}`). The dashboard keeps serving the current data "
      "while an import runs and switches to the new data when it is complete; a failed import "
      "changes nothing. Importing the same file again replaces rows by their id instead of "
      "adding them twice.").format(file=location.name, folder=location.parent)
)
if wizard.is_sample(location):
    st.warning(
        _("This is the built-in **synthetic sample**: imported rows are added next to the "
          "invented ones. To keep your data on its own, start the dashboard with "
          "`{variable}=/path/to/support.duckdb` or import with the command line "
          "(`python -m atlas import --help`).").format(variable=wizard.DATA_VARIABLE),
        icon=":material/warning:",
    )

table = st.radio(
    _("What does the file hold?"),
    wizard.TABLES,
    horizontal=True,
    format_func=wizard.table_label,
    captions=[wizard.table_caption(t) for t in wizard.TABLES],
    key="import_table",
)
upload = st.file_uploader(
    _("Export file"),
    type=["csv", "tsv", "txt", "parquet", "xlsx"],
    help=_("CSV (any delimiter; UTF-8, UTF-16 or Latin-1), Parquet or XLSX (first sheet). Files "
           "larger than the upload limit import from the command line: python -m atlas "
           "import tickets FILE --db PATH."),
    key="import_upload",
)
if upload is None:
    if "import_result" in st.session_state:
        show_result(st.session_state["import_result"])
    else:
        st.info(_("Choose an export file to see its columns and a suggested mapping."),
                icon=":material/upload_file:")  # fmt: skip
    st.stop()

with st.expander(_("File reading options")):
    options = st.columns(2)
    encoding_choice = options[0].selectbox(_("Text encoding (CSV)"), wizard.ENCODINGS,
                                           format_func=wizard.encoding_label,
                                           key="import_enc")  # fmt: skip
    delimiter_choice = options[1].selectbox(_("Delimiter (CSV)"), list(wizard.DELIMITERS),
                                            format_func=wizard.delimiter_label,
                                            key="import_delim")  # fmt: skip
encoding, delimiter = wizard.reading_options(encoding_choice, delimiter_choice)

mapping_choice = st.selectbox(
    _("Column mapping"),
    wizard.mapping_choices(),
    format_func=wizard.mapping_label,
    help=_("Start from a suggestion or from a mapping saved earlier; edit it below, then "
           "download it to reuse it here or with the command line (--mapping)."),
    key="import_mapping_choice",
)
uploaded = None
if mapping_choice == wizard.UPLOAD:
    mapping_file = st.file_uploader(_("Mapping (JSON)"), type=["json"],
                                    key="import_mapping_file")  # fmt: skip
    if mapping_file is None:
        st.stop()
    uploaded = (mapping_file.name, mapping_file.getvalue())
try:
    base = wizard.chosen_mapping(mapping_choice, uploaded)
except wizard.MappingError as error:
    st.error(fmt.escape_markdown(error), icon=":material/error:")
    st.stop()
if base is not None and base.table != table:
    mapping_name = uploaded[0] if uploaded else wizard.mapping_label(mapping_choice)
    st.error(_("The mapping '{mapping}' is for {other}, not {table}: choose {other} above or "
               "another mapping.").format(mapping=fmt.escape_markdown(mapping_name),
                                          other=fmt.escape_markdown(base.table), table=table),
             icon=":material/error:")  # fmt: skip
    st.stop()

try:
    info, sample = wizard.read_upload(upload.name, upload.getbuffer(), base, encoding, delimiter,
                                      PREVIEW_ROWS)  # fmt: skip
except wizard.ImportFileError as error:
    st.error(fmt.escape_markdown(error), icon=":material/error:")
    st.stop()

details = _("{format}, {columns} columns, {size} bytes").format(
    format=info.format.upper(), columns=fmt.count(len(info.headers)), size=fmt.count(upload.size))
if info.format == "csv":
    shown_delimiter = {"\t": _("tab"), ",": _("comma"), ";": _("semicolon"), "|": _("pipe")}
    details += ", " + _("{encoding}, delimiter: {delimiter}").format(
        encoding=info.encoding,
        delimiter=shown_delimiter.get(info.delimiter, repr(info.delimiter)))  # fmt: skip
st.caption(f":material/description: {fmt.escape_markdown(f'{upload.name} — {details}')}")
for note in info.notes:
    st.warning(fmt.escape_markdown(note), icon=":material/warning:")

base, notes = wizard.starting_mapping(table, info, sample, base)
personal = wizard.personal_columns(info.headers)
signature = wizard.editor_key(upload.file_id, table, mapping_choice, encoding, delimiter)

with st.expander(_("Preview: the first {count} rows").format(count=min(len(sample), 50)),
                 expanded=False):  # fmt: skip
    shown = sample.head(50).copy()
    for header in personal:
        shown[header] = "•••"  # personal data is not shown and never stored
    st.dataframe(shown, hide_index=True)
    if personal:
        st.caption(_("Hidden (personal data, never stored): ") + fmt.escape_markdown(", ".join(
            f"{h} ({k})" for h, k in personal.items())))  # fmt: skip

st.subheader(_("Map the columns"))
start_column = wizard.start_column(table)
st.caption(
    _("For each Service Atlas column (\\* required) choose the file column it comes from, or "
      "type a constant when the file does not have it (e.g. country `US` for a single-market "
      "export).")
    + (" " + _("A unit on a time column means the file gives a duration after {start} (e.g. "
               "*First reply time in minutes*). Date format: a pattern such as "
               "`%d/%m/%Y %H:%M`, `iso`, `epoch` or `epoch_ms`.").format(start=start_column)
       if start_column else "")
)  # fmt: skip
zones = wizard.time_zones()
zone_default = base.timezone if base.timezone in zones else "UTC"
timezone = st.selectbox(
    _("Time zone of times written without an offset") if start_column
    else _("Time zone of new hubs"),
    zones,
    index=zones.index(zone_default),
    help=_("Times with an offset (2024-05-31T14:00:00+02:00 or …Z) keep their own zone. Hubs "
           "that are new to Service Atlas get this zone as their local time."),
    key=f"import_tz_{signature}",
)
mapping_rows = wizard.mapping_rows(base)
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
            _("Service Atlas column"), width=160, pinned=True, help=_("* required")),
        "source": st.column_config.SelectboxColumn(
            _("From file column"), options=wizard.source_options(info.headers, base), width=200,
            help=_("The column of your file that fills this one.")),
        "constant": st.column_config.TextColumn(
            _("Constant"), width=110, help=_("The same value for every row, e.g. US or en.")),
        "unit": st.column_config.SelectboxColumn(
            _("Unit"), options=list(wizard.UNITS), width=80,
            help=_("Durations: the unit of the file's numbers. Time columns: the file gives a "
                   "duration after the start time in this unit.")),
        "format": st.column_config.TextColumn(
            _("Date format"), width=150,
            help=_("How the file writes dates: a pattern such as %d/%m/%Y %H:%M, or iso, epoch, "
                   "epoch_ms. Empty means iso.")),
        "meaning": st.column_config.TextColumn(_("Meaning"), width="large"),
    },
)  # fmt: skip
rows = edited.to_dict("records")
draft = wizard.mapping_from_rows(table, rows, info.headers, base, timezone)

coded = wizard.value_tables(draft, sample)
value_maps = {}
if coded:
    st.markdown(_("**Values** — how the file's words become Service Atlas codes"))
    st.caption(_("From the first {count} rows. Values left unknown are refused and listed in the "
                 "report; set *becomes* to translate them.").format(
                     count=fmt.count(len(sample))))  # fmt: skip
    for values in coded:
        label = f"`{values.column}` ← {fmt.escape_markdown(values.source)}: " + _(
            "{count} distinct values"
        ).format(count=len(values.rows))
        label += ", " + _("{count} unknown").format(count=values.unknown) if values.unknown else ""
        with st.expander(label, expanded=bool(values.unknown)):
            becomes = (st.column_config.SelectboxColumn(_("Becomes"), options=list(values.choices))
                       if values.choices else st.column_config.TextColumn(
                           _("Becomes"), help=_("A code or a name, e.g. DE or Germany")))
            table_of_values = st.data_editor(
                pd.DataFrame(values.rows, columns=["value", "rows", "automatic", "becomes"]),
                key=f"import_values_{signature}_{values.column}_{values.source}",
                hide_index=True,
                placeholder="",
                disabled=["value", "rows", "automatic"],
                column_config={"value": _("In the file"), "rows": _("Rows (preview)"),
                               "automatic": _("Recognised as"), "becomes": becomes},
            )  # fmt: skip
            value_maps[values.column] = wizard.value_map(values,
                                                         table_of_values.to_dict("records"))
mapping = wizard.with_values(draft, rows, info.headers, base, value_maps)

problems = mapping.problems(list(info.headers))
if notes:
    with st.expander(_("What the suggestion guessed"), icon=":material/lightbulb:"):
        for note in notes:
            st.markdown(f"- {fmt.escape_markdown(note)}")
for problem in problems:
    st.error(fmt.escape_markdown(problem), icon=":material/error:")

with st.container(horizontal=True, vertical_alignment="center"):
    start = st.button(
        _("Import into {table}").format(table=table),
        type="primary",
        disabled=bool(problems),
        icon=":material/upload:",
        help=_("Fix the mapping problems above first.") if problems else None,
    )
    st.download_button(
        _("Download this mapping (JSON)"),
        data=mapping.to_json(),
        file_name=f"{table}_mapping.json",
        mime="application/json",
        icon=":material/download:",
    )

if start:
    with st.status(_("Importing {file}…").format(file=fmt.escape_markdown(upload.name)),
                   expanded=True) as status:
        bar = st.progress(0.0, _("Starting"))
        try:
            result = wizard.run_import(
                table, upload.name, upload.getbuffer(), mapping, timezone, encoding, delimiter,
                progress=lambda share, message: bar.progress(min(max(share, 0.0), 1.0), message),
            )  # fmt: skip
        except wizard.NOT_IMPORTED as error:
            status.update(label=_("Not imported: nothing was changed"), state="error")
            st.error(fmt.escape_markdown(error), icon=":material/error:")
        else:
            status.update(label=_("Imported {count} rows").format(
                count=fmt.count(result.rows_loaded)), state="complete")
            st.session_state["import_result"] = result
            st.rerun()  # redraw everything (filters, data coverage) from the new data version

if "import_result" in st.session_state:
    show_result(st.session_state["import_result"])
