"""Files to take away: the Download menu of charts and tables, each file stating its context
(filters, time zone, data date, definitions)."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from data_access import audit
from presentation import export
from presentation.i18n import _, translate
from ui import access

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


def context(title: str, kpis: tuple[str, ...] = (), filters: str | None = None) -> export.Context:
    """The context of an export made on this page (``filters``: a narrower view's own line)."""
    page = st.session_state.get(_CONTEXT, {"filters": "", "timezone": "UTC", "data_as_of": ""})
    return export.Context(title=title, kpis=kpis, **{**page, **(
        {"filters": filters} if filters is not None else {})})  # fmt: skip


def audited(kind: str, ctx: export.Context, user: str) -> None:
    """Record an export in the audit log (files are made on click: this runs on the click)."""
    audit.record("export", user, f"{kind.upper()}: {ctx.title}", ctx.filters)


def may_export() -> bool:
    """Whether the user may take files away; if not, the download menus are left out."""
    return access.current_scope().may("export")


def _rendered(render: Callable[..., bytes], frame: Callable[[], pd.DataFrame],
              ctx: export.Context, kind: str, user: str) -> bytes:  # fmt: skip
    audited(kind, ctx, user)
    return render(frame(), ctx)


def table_buttons(
    frame: pd.DataFrame | Callable[[], pd.DataFrame], ctx: export.Context, key: str
) -> None:
    """CSV and XLSX buttons for a table, or for a function that returns it (called on click)."""
    if not may_export():
        return
    user = access.current_scope().user
    source = frame if callable(frame) else (lambda: frame)
    for kind, label, render in (("csv", _("Data (CSV)"), export.csv_bytes),
                               ("xlsx", _("Data (XLSX)"), export.xlsx_bytes)):  # fmt: skip
        st.download_button(label, data=partial(_rendered, render, source, ctx, kind, user),
                           key=f"{key}_{kind}", file_name=export.file_name(ctx, kind),
                           mime=MIME[kind], on_click="ignore", icon=":material/table:")  # fmt: skip


def _framed(render: Callable[..., bytes], fig: go.Figure, ctx: export.Context, kind: str,
            user: str, *args: object) -> bytes:  # fmt: skip
    """``render`` of ``fig`` titled with its context; runs only when its button is clicked."""
    audited(kind, ctx, user)
    return render(export.with_context(fig, ctx), *args)


def menu(fig: go.Figure | None, data: pd.DataFrame | None, title: str, key: str) -> None:
    """A 'Download' menu: the chart as PNG, SVG and HTML, its data as CSV and XLSX, each file
    stating filters, time zone, data date and definitions. Files are made only on click."""
    if not may_export():
        return
    kpis = tuple(dict.fromkeys(data["kpi"])) if data is not None and "kpi" in data else ()
    ctx = context(title, kpis)
    user = access.current_scope().user
    with st.popover(_("Download"), icon=":material/download:"):
        if fig is not None:
            no_chrome = export.chrome_path() is None
            for kind, label in (("png", _("Image (PNG)")), ("svg", _("Vector (SVG)"))):
                st.download_button(
                    label, data=partial(_framed, export.image_bytes, fig, ctx, kind, user, kind),
                    key=f"{key}_{kind}", file_name=export.file_name(ctx, kind), mime=MIME[kind],
                    on_click="ignore", icon=":material/image:", disabled=no_chrome,
                    help=translate(export.MISSING_CHROME) if no_chrome else None,
                )  # fmt: skip
            if no_chrome:
                st.caption(translate(export.MISSING_CHROME))
            st.download_button(
                _("Interactive (HTML)"),
                data=partial(_framed, export.html_bytes, fig, ctx, "html", user),
                key=f"{key}_html",
                file_name=export.file_name(ctx, "html"), mime=MIME["html"], on_click="ignore",
                icon=":material/web:",
            )  # fmt: skip
        if data is not None:
            table_buttons(data, ctx, key)


def headers(columns: object) -> dict[str, str]:
    """``column_config`` headers in the language for columns exports name ('ci_low')."""
    return {c: export.header(c) for c in columns if export.header(c) != c}
