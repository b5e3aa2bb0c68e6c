"""The tickets (or survey responses) behind a number, in a dialog: paged, sorted, downloadable.

Tables from ``ui.data.kpi_table`` carry the scope they were computed over (as JSON in
their ``attrs``, which pandas keeps through filtering and sorting), so a chart drawn from one knows
the cell behind a clicked point without the page passing anything more. The queries and the
privacy rule are ``metrics.drilldown``'s.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

import pandas as pd
import streamlit as st

from metrics import drilldown
from metrics.drilldown import Cell, HiddenForPrivacy, Scope, cell_of_row
from metrics.registry import KPIS, MIN_SURVEY_RESPONSES
from presentation import charts, export
from presentation import format as fmt
from presentation.i18n import _
from ui import access, data, downloads, filters

OTHER = drilldown.OTHER
_OPEN = "_drill_open"  # session state: (key of the button whose dialog is open, its offer)


@dataclass(frozen=True)
class Offer:
    """A cell that can be listed, with what the table says about it."""

    cell: Cell
    n: int  # rows behind it: the table's n
    hidden: bool  # a survey score hidden for privacy: its responses are not listed

    @property
    def members(self) -> str:
        """The cell's members in words: 'South Korea', 'Chat · Other'."""
        scope = self.cell.scope
        return " · ".join(fmt.member(name, value) for name, value in self.cell.members
                          if name in scope.by)  # fmt: skip

    @property
    def what(self) -> str:
        """The cell in words: 'CSAT · South Korea · week from 3 Nov 2026'."""
        parts = [fmt.kpi_label(self.cell.kpi), self.members]
        grain = self.cell.scope.grain
        if grain:
            start = pd.Timestamp(dict(self.cell.members)[grain])
            moment = fmt.date(start.date()) + (f" {start:%H:%M}" if grain in ("hour", "half_hour")
                                               else "")  # fmt: skip
            parts.append(_("{grain} from {start}").format(grain=fmt.grain_label(grain),
                                                          start=moment))  # fmt: skip
        return " · ".join(p for p in parts if p)


def _scope(table: pd.DataFrame | None) -> Scope | None:
    """The scope a KPI table from ``ui.data`` carries, if it still has its group columns (and
    the user may list ticket-level rows at all)."""
    text = table.attrs.get(drilldown.ATTRS_KEY) if table is not None else None
    if not access.current_scope().may("rows"):
        return None
    if not isinstance(text, str) or not {"kpi", "n", "suppressed"} <= set(table.columns):
        return None
    scope = Scope.from_json(text)
    return scope if set(scope.keys) <= set(table.columns) else None


def _offer(scope: Scope, row: pd.Series) -> Offer | None:
    if pd.isna(row["n"]):
        return None
    return Offer(cell_of_row(row["kpi"], scope, row), int(row["n"]), bool(row["suppressed"]))


def knows_rows(table: pd.DataFrame | None) -> bool:
    """Whether each row of ``table`` is a cell that can be listed (a KPI table from ui.data)."""
    return _scope(table) is not None


def knows_cells(table: pd.DataFrame | None) -> bool:
    """Whether ``table`` is a one-KPI table that knows its scope (a chart click can be listed)."""
    return knows_rows(table) and table["kpi"].nunique() == 1


def offer_of_row(table: pd.DataFrame, position: int) -> Offer | None:
    """The cell of the table's row at ``position`` (a selected row), if the table knows it."""
    scope = _scope(table)
    return _offer(scope, table.iloc[position]) if scope else None


def offer_of_point(table: pd.DataFrame | None, point: Mapping[str, object]) -> Offer | None:
    """The cell behind a clicked chart point: its ``customdata`` names the member of the table's
    dimension, its ``x`` the time bucket. None when the table does not say (not a KPI table, a
    point of another period or of no row)."""
    if not knows_cells(table) or point.get("legendgroup") == charts.YEAR_AGO_GROUP:
        return None
    scope = _scope(table)
    if len(scope.by) > 1:
        return None
    rows = table
    if scope.by:
        member = point.get("customdata")
        member = member[0] if isinstance(member, list) else member
        rows = rows[rows[scope.by[0]] == member]
    if scope.grain:
        try:
            bucket = pd.Timestamp(point.get("x"))
        except (TypeError, ValueError):
            return None
        rows = rows[pd.to_datetime(rows[scope.grain]) == bucket]
    return _offer(scope, rows.iloc[0]) if len(rows) == 1 else None


def _open(key: str, offer: Offer) -> None:
    """Open the dialog of ``offer`` on page 1 (the button's last offer may have had more)."""
    for control in ("sort", "descending", "page"):
        st.session_state.pop(f"{key}_{control}", None)
    st.session_state[_OPEN] = (key, offer)


def _close() -> None:
    st.session_state.pop(_OPEN, None)


def button(offer: Offer, key: str, small: bool = False) -> None:
    """'Show the 120 agent-handled tickets' (``small``: '120 agent-handled tickets', a tile's
    link): opens the dialog; disabled, with the reason, for a survey score hidden for privacy."""
    if offer.n <= 0:
        return
    words = {"n": fmt.count(offer.n), "counted": fmt.n_label(offer.cell.kpi)}
    action = _("Show the {n} {counted}").format(**words)
    label = _("{n} {counted}").format(**words) if small else action  # a tile's link
    kind = "tertiary" if small else "secondary"
    if offer.hidden:
        st.button(label, key=key, type=kind, icon=":material/lock:", disabled=True,
                  help=_hidden_message())  # fmt: skip
        return
    st.button(label, key=key, type=kind, icon=":material/list:", on_click=_open,
              args=(key, offer), help=action if small else None)  # fmt: skip
    opened = st.session_state.get(_OPEN)
    if opened and opened[0] == key:
        title = _("Survey responses") if KPIS[offer.cell.kpi].is_survey else _("Tickets")
        st.dialog(title, width="large", on_dismiss=_close)(_listing)(opened[1], key)


def _hidden_message() -> str:
    return _("Hidden for privacy: fewer than {minimum} responses, or a score that could be "
             "worked out from other figures, so the responses are not listed.").format(
        minimum=MIN_SURVEY_RESPONSES)  # fmt: skip


def _listing(offer: Offer, key: str) -> None:
    """The dialog's body: count, sort, page, the rows, downloads."""
    cell = offer.cell
    flt = cell.scope.flt
    summary = filters.filter_summary(flt)
    st.markdown(
        f"**{fmt.escape_markdown(offer.what)}**  \n"
        f"{fmt.escape_markdown(summary)} · {fmt.escape_markdown(flt.timezone)}"
    )
    try:
        total = data.query(drilldown.count, cell)
    except HiddenForPrivacy:
        st.warning(_hidden_message(), icon=":material/lock:")
        return
    if total == 0:
        st.info(_("No rows behind this number."), icon=":material/info:")
        return
    pages = math.ceil(total / drilldown.PAGE_ROWS)
    sort_col, order_col, page_col = st.columns([3, 2, 2], vertical_alignment="bottom")
    sort = sort_col.selectbox(_("Sort by"), cell.columns, key=f"{key}_sort",
                              format_func=export.header)  # fmt: skip
    descending = order_col.toggle(_("Descending"), key=f"{key}_descending")
    page = page_col.number_input(_("Page"), min_value=1, max_value=pages, step=1,
                                 key=f"{key}_page")  # fmt: skip
    offset = (int(page) - 1) * drilldown.PAGE_ROWS
    rows = data.query(drilldown.rows, cell, sort, descending, offset, drilldown.PAGE_ROWS)
    st.dataframe(rows, hide_index=True, key=f"{key}_rows", placeholder=fmt.MISSING,
                 column_config=downloads.headers(rows.columns))  # fmt: skip
    st.caption(
        _("Rows {first}–{last} of {total} {counted}, page {page} of {pages}. Times: the "
          "customer's local time (with its zone) and UTC.").format(
            first=fmt.count(offset + 1), last=fmt.count(offset + len(rows)),
            total=fmt.count(total), counted=fmt.n_label(cell.kpi), page=page, pages=pages)
    )  # fmt: skip
    limit = min(total, drilldown.EXPORT_ROWS)
    ctx = downloads.context(offer.what, (cell.kpi,), filters=f"{offer.what} · {summary}")
    # the file is made on click, outside this session's run, where no signed-in user is known:
    # it reads through the user's scoped database, taken now
    db = data.database()
    with st.container(horizontal=True):
        downloads.table_buttons(lambda: drilldown.rows(db, cell, sort, descending, 0, limit),
                                ctx, f"{key}_export")  # fmt: skip
    if total > drilldown.EXPORT_ROWS:
        st.caption(_("Downloads hold the first {limit} rows in this order.").format(
            limit=fmt.count(drilldown.EXPORT_ROWS)))  # fmt: skip
