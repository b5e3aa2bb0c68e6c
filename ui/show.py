"""Putting things on screen the same way everywhere: charts and tables with their downloads,
click-to-filter and click-to-list, empty states."""

from __future__ import annotations

import pickle
from collections.abc import Callable
from typing import TypeVar

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from presentation import charts  # registers the plotly template (theme)
from presentation import format as fmt
from presentation.i18n import _
from ui import downloads, drilldown

# Maps fetch their world outline from our own static folder, not from the internet.
PLOTLY_CONFIG = {
    "displaylogo": False,
    "topojsonURL": "./app/static/topojson/",
    "modeBarButtonsToRemove": ["lasso2d", "select2d", "autoScale2d"],
    "toImageButtonOptions": {"format": "png", "scale": 2},
}
# For a user who may not export: the chart's own "download as PNG" button goes too.
PLOTLY_CONFIG_NO_EXPORT = PLOTLY_CONFIG | {
    "modeBarButtonsToRemove": [*PLOTLY_CONFIG["modeBarButtonsToRemove"], "toImage"]
}


T = TypeVar("T")
# A figure from ``figure`` is escaped already: ``chart`` does not walk it again.
_ESCAPED = "_atlas_escaped"


def _frame_digest(frame: pd.DataFrame) -> bytes:
    """Every cell of ``frame`` with its labels: Streamlit's own hash samples a frame of 50,000
    rows or more, and two figures must never share a cache entry. The pickle is complete and,
    for the small tables a page draws, several times faster than pandas' row hashes."""
    return pickle.dumps(frame, protocol=pickle.HIGHEST_PROTOCOL)


@st.cache_data(show_spinner=False, max_entries=512, ttl=3600,
               hash_funcs={pd.DataFrame: _frame_digest})  # fmt: skip
def _made(name: str, view: tuple[str, bool], _make: Callable[..., T], args: tuple,
          kwargs: tuple) -> T:  # fmt: skip
    """Keyed by ``name`` (what ``_make`` makes; Streamlit hashes no parameter whose name starts
    with an underscore), the language and view (``fmt.view``) and the arguments."""
    return _make(*args, **dict(kwargs))


def _name(build: Callable) -> str:
    return f"{build.__module__}.{build.__qualname__}"


def prepared(build: Callable[..., T], *args: object, **kwargs: object) -> T:
    """``build(*args, **kwargs)`` made once for the same arguments, language and view, then
    reused (a copy each time): for the pandas work that turns query results into what a page
    shows (a pivoted table, formatted cells). ``build`` is a module-level function of
    ``presentation`` (its module and name key the cache) taking query results and plain values,
    and returning plain data."""
    return _made(_name(build), fmt.view(), build, args, tuple(sorted(kwargs.items())))


def figure(build: Callable[..., go.Figure], *args: object, **kwargs: object) -> go.Figure:
    """``build(*args, **kwargs)`` ready for ``chart``, built once for the same arguments, language
    and view and then reused: building a figure runs plotly's validators over every property,
    the largest cost of a page whose query results are cached. ``build`` is a module-level
    function of ``presentation`` (its module and name key the cache) taking query results and
    plain values; put every change to the figure inside such a function, since ``chart`` does
    not escape the returned figure again."""

    def escaped_spec(*args: object, **kwargs: object) -> dict:
        return charts.escaped_spec(build(*args, **kwargs))

    spec = _made(f"{_name(build)}, escaped", fmt.view(), escaped_spec, args,
                 tuple(sorted(kwargs.items())))  # fmt: skip
    fig = go.Figure(spec, _validate=False)  # validated when it was built
    setattr(fig, _ESCAPED, True)
    return fig


def chart(
    fig: go.Figure,
    key: str,
    on_pick: Callable[[list], None] | None = None,
    data: pd.DataFrame | None = None,
    pick_label: str | None = None,
) -> None:
    """Draw a figure with its download menu (``data``: the table behind it). Clicking a point
    offers what can be done with it: with ``on_pick``, focus the filters on the points'
    ``customdata`` (``on_pick`` is called with them; ``pick_label`` names that action, default
    "Filter to …"); with a KPI table from ``ui.data`` as ``data``, list the tickets behind the
    point (``ui.drilldown``)."""
    if not getattr(fig, _ESCAPED, False):
        fig = charts.escape_markup(fig)
    config = PLOTLY_CONFIG if downloads.may_export() else PLOTLY_CONFIG_NO_EXPORT
    if on_pick is None and not drilldown.knows_cells(data):
        st.plotly_chart(fig, key=key, theme=None, config=config)
    else:
        event = st.plotly_chart(fig, key=key, theme=None, config=config,
                                on_select="rerun", selection_mode="points")  # fmt: skip
        points = event.selection.points if event else []
        if points:
            _picked(points, on_pick, data, key, pick_label)
    title = (fig.layout.title.text or key) if fig.layout.title else key
    downloads.menu(fig, data, title, key)


def _picked(points: list[dict], on_pick: Callable[[list], None] | None,
            data: pd.DataFrame | None, key: str, label: str | None) -> None:  # fmt: skip
    """The actions a click offers, under the chart: focus the filters, list the tickets."""
    members = [v[0] if isinstance(v, list) else v for v in (p.get("customdata") for p in points)]
    members = [m for m in members if m is not None and m != drilldown.OTHER]
    offer = drilldown.offer_of_point(data, points[0]) if len(points) == 1 else None
    if not (offer or (on_pick and members)):
        return
    with st.container(horizontal=True, vertical_alignment="center", key=f"{key}_picked"):
        st.caption(offer.what if offer else ", ".join(map(str, members)))
        if on_pick and members:
            names = offer.members if offer else ", ".join(map(str, members))
            st.button(label or _("Filter to {members}").format(members=names), key=f"{key}_narrow",
                      icon=":material/filter_alt:", on_click=on_pick, args=(members,))  # fmt: skip
        if offer:
            drilldown.button(offer, key=f"{key}_drill")


def pick_hint() -> str:
    """What a click on a chart offers, said once for every chart that offers it."""
    return _("Click a point, bar or country to filter to it or list the tickets behind it.")


def table(
    data: pd.DataFrame, key: str, title: str, shown: object = None, **options: object
) -> None:
    """Draw a table (``shown``: a styled version of ``data``) with CSV and XLSX downloads.
    Columns without a header in ``column_config`` get the export's header in the language. A KPI
    table from ``ui.data`` drawn as it is lets the user select a row and list its tickets."""
    headers = downloads.headers(data.columns)
    if headers:
        options["column_config"] = headers | dict(options.get("column_config") or {})
    # a KPI table drawn as it is: selecting a row offers the tickets behind it
    listable = shown is None and "on_select" not in options and drilldown.knows_rows(data)
    if listable:
        options.update(on_select="rerun", selection_mode="single-row")
    options.setdefault("placeholder", fmt.MISSING)  # Streamlit writes 'None' in an empty cell
    event = st.dataframe(data if shown is None else shown, key=key, **options)
    offer = drilldown.offer_of_row(data, event.selection.rows[0]) if (
        listable and event.selection.rows) else None  # fmt: skip
    if offer:
        with st.container(horizontal=True, vertical_alignment="center", key=f"{key}_picked"):
            st.caption(offer.what)
            drilldown.button(offer, key=f"{key}_drill")
    downloads.menu(None, data, title, key)


def empty(message: str) -> None:
    """Say why there is nothing to show, instead of an empty chart."""
    st.info(message, icon=":material/info:")
