"""Putting things on screen the same way everywhere: charts, click-to-filter, empty states."""

from __future__ import annotations

from collections.abc import Callable

import plotly.graph_objects as go
import streamlit as st

from ui import theme  # noqa: F401 - registers the plotly template before any figure is built

# Maps fetch their world outline from our own static folder, not from the internet.
PLOTLY_CONFIG = {
    "displaylogo": False,
    "topojsonURL": "./app/static/topojson/",
    "modeBarButtonsToRemove": ["lasso2d", "select2d", "autoScale2d"],
    "toImageButtonOptions": {"format": "png", "scale": 2},
}


def chart(fig: go.Figure, key: str, on_pick: Callable[[list], None] | None = None) -> None:
    """Draw a figure. With ``on_pick``, clicking points calls it with their ``customdata``."""
    if on_pick is None:
        st.plotly_chart(fig, key=key, theme=None, config=PLOTLY_CONFIG)
        return

    def picked() -> None:
        state = st.session_state.get(key)
        points = state.selection.points if state else []
        values = [p.get("customdata") for p in points]
        values = [v[0] if isinstance(v, list) else v for v in values if v is not None]
        if values:
            on_pick(values)

    st.plotly_chart(fig, key=key, theme=None, config=PLOTLY_CONFIG, on_select=picked,
                    selection_mode="points")  # fmt: skip


def empty(message: str) -> None:
    """Say why there is nothing to show, instead of an empty chart."""
    st.info(message, icon=":material/info:")
