"""Putting things on screen the same way everywhere: charts and tables with their downloads,
click-to-filter, empty states."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from presentation import charts, export  # charts registers the plotly template (theme)
from presentation.i18n import _, translate

# Maps fetch their world outline from our own static folder, not from the internet.
PLOTLY_CONFIG = {
    "displaylogo": False,
    "topojsonURL": "./app/static/topojson/",
    "modeBarButtonsToRemove": ["lasso2d", "select2d", "autoScale2d"],
    "toImageButtonOptions": {"format": "png", "scale": 2},
}
_CONTEXT = "_export_context"
MIME = {
    "png": "image/png",
    "svg": "image/svg+xml",
    "html": "text/html",
    "csv": "text/csv",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def set_context(filters: str, timezone: str, data_as_of: str) -> None:
    """Called by ui.page: what every export of this run states about the view."""
    st.session_state[_CONTEXT] = {"filters": filters, "timezone": timezone,
                                  "data_as_of": data_as_of}  # fmt: skip


def _context(title: str, data: pd.DataFrame | None) -> export.Context:
    kpis = tuple(dict.fromkeys(data["kpi"])) if data is not None and "kpi" in data else ()
    return export.Context(title=title, kpis=kpis, **st.session_state.get(_CONTEXT, {
        "filters": "", "timezone": "UTC", "data_as_of": ""}))  # fmt: skip


def _table_buttons(data: pd.DataFrame, ctx: export.Context, key: str) -> None:
    for kind, label, render in (("csv", _("Data (CSV)"), export.csv_bytes),
                               ("xlsx", _("Data (XLSX)"), export.xlsx_bytes)):  # fmt: skip
        st.download_button(label, data=partial(render, data, ctx), key=f"{key}_{kind}",
                           file_name=export.file_name(ctx, kind), mime=MIME[kind],
                           on_click="ignore", icon=":material/table:")  # fmt: skip


def _framed(render: Callable[..., bytes], fig: go.Figure, ctx: export.Context, *args: object
            ) -> bytes:  # fmt: skip
    """``render`` of ``fig`` titled with its context; runs only when its button is clicked."""
    return render(export.with_context(fig, ctx), *args)


def downloads(fig: go.Figure | None, data: pd.DataFrame | None, title: str, key: str) -> None:
    """A 'Download' menu: the chart as PNG, SVG and HTML, its data as CSV and XLSX, each file
    stating filters, time zone, data date and definitions. Files are made only on click."""
    ctx = _context(title, data)
    with st.popover(_("Download"), icon=":material/download:"):
        if fig is not None:
            no_chrome = export.chrome_path() is None
            for kind, label in (("png", _("Image (PNG)")), ("svg", _("Vector (SVG)"))):
                st.download_button(
                    label, data=partial(_framed, export.image_bytes, fig, ctx, kind),
                    key=f"{key}_{kind}", file_name=export.file_name(ctx, kind), mime=MIME[kind],
                    on_click="ignore", icon=":material/image:", disabled=no_chrome,
                    help=translate(export.MISSING_CHROME) if no_chrome else None,
                )  # fmt: skip
            if no_chrome:
                st.caption(translate(export.MISSING_CHROME))
            st.download_button(
                _("Interactive (HTML)"), data=partial(_framed, export.html_bytes, fig, ctx),
                key=f"{key}_html",
                file_name=export.file_name(ctx, "html"), mime=MIME["html"], on_click="ignore",
                icon=":material/web:",
            )  # fmt: skip
        if data is not None:
            _table_buttons(data, ctx, key)


def chart(
    fig: go.Figure,
    key: str,
    on_pick: Callable[[list], None] | None = None,
    data: pd.DataFrame | None = None,
) -> None:
    """Draw a figure with its download menu (``data``: the table behind it). With ``on_pick``,
    clicking points calls it with their ``customdata``."""
    fig = charts.escape_markup(fig)
    if on_pick is None:
        st.plotly_chart(fig, key=key, theme=None, config=PLOTLY_CONFIG)
    else:

        def picked() -> None:
            state = st.session_state.get(key)
            points = state.selection.points if state else []
            values = [p.get("customdata") for p in points]
            values = [v[0] if isinstance(v, list) else v for v in values if v is not None]
            if values:
                on_pick(values)

        st.plotly_chart(fig, key=key, theme=None, config=PLOTLY_CONFIG, on_select=picked,
                        selection_mode="points")  # fmt: skip
    title = (fig.layout.title.text or key) if fig.layout.title else key
    downloads(fig, data, title, key)


def table(
    data: pd.DataFrame, key: str, title: str, shown: object = None, **options: object
) -> None:
    """Draw a table (``shown``: a styled version of ``data``) with CSV and XLSX downloads.
    Columns without a header in ``column_config`` get the export's header in the language."""
    headers = {c: export.header(c) for c in data.columns if export.header(c) != c}
    if headers:
        options["column_config"] = headers | dict(options.get("column_config") or {})
    st.dataframe(data if shown is None else shown, key=key, **options)
    downloads(None, data, title, key)


def empty(message: str) -> None:
    """Say why there is nothing to show, instead of an empty chart."""
    st.info(message, icon=":material/info:")
