"""``ui.show.figure`` and ``ui.show.prepared``: a figure or a table is built once per data,
language and view, and a warm page view reuses it unchanged (a figure escaped like any drawn
figure, a table a copy of its own to change)."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import plotly.io as pio
import pytest

from presentation import charts, tables
from presentation import format as fmt
from presentation.i18n import using
from ui import show

built: list[str] = []  # one entry per call of the builder below


def counted_bars(table: pd.DataFrame, title: str) -> object:
    """``charts.bars`` of SLA by channel, counting its calls."""
    built.append(title)
    return charts.bars(table, "sla", "channel", target=0.8, title=title)


def counted_total(table: pd.DataFrame) -> go.Figure:
    """One bar: the sum of ``value``, counting its calls."""
    built.append("total")
    return go.Figure(go.Bar(y=[table["value"].sum()]))


def sla(values: list[float], channels: tuple[str, ...] = ("email", "chat")) -> pd.DataFrame:
    return pd.DataFrame({
        "kpi": "sla", "channel": list(channels), "value": values, "ci_low": np.nan,
        "ci_high": np.nan, "n": 120, "low_confidence": False,
    })  # fmt: skip


def drawn(fig: object) -> dict:
    """The figure as the browser gets it (key order aside)."""
    return json.loads(pio.to_json(fig, validate=False))


@pytest.fixture(autouse=True)
def empty_cache():
    show._made.clear()
    built.clear()


def test_a_cached_figure_is_the_escaped_figure_and_is_built_once():
    title = "SLA for <a href='https://example.com'>Hub</a>"
    expected = drawn(charts.escape_markup(counted_bars(sla([0.9, 0.7]), title)))
    built.clear()
    first = show.figure(counted_bars, sla([0.9, 0.7]), title)
    again = show.figure(counted_bars, sla([0.9, 0.7]), title)
    assert drawn(first) == drawn(again) == expected
    assert "&lt;a href" in first.layout.title.text
    assert built == [title]  # the second view reused the first one's figure


def test_other_data_language_or_view_builds_again():
    show.figure(counted_bars, sla([0.9, 0.7]), "SLA")
    show.figure(counted_bars, sla([0.9, 0.6]), "SLA")  # another value
    show.figure(counted_bars, sla([0.9, 0.7], ("email", "phone")), "SLA")  # another member
    with using("ko"):
        korean = show.figure(counted_bars, sla([0.9, 0.7]), "SLA")
    fmt.restrict_view(True)
    try:
        show.figure(counted_bars, sla([0.9, 0.7]), "SLA")
    finally:
        fmt.restrict_view(False)
    assert len(built) == 5
    assert "이메일" in korean.data[0].y  # the channel named in Korean


def test_large_frames_differing_in_one_cell_are_two_figures():
    """Streamlit's own hash samples a frame of 50,000 rows or more; the figure cache does not."""
    big = pd.DataFrame({"value": np.zeros(60_000)})
    changed = big.copy()
    changed.loc[12_345, "value"] = 1.0
    totals = [show.figure(counted_total, frame).data[0].y[0] for frame in (big, changed)]
    assert totals == [0.0, 1.0]
    assert len(built) == 2


def test_a_prepared_table_is_the_pivot_and_a_copy_each_time():
    first = show.prepared(tables.wide, sla([0.9, 0.7]), "channel", ("sla",))
    assert first.equals(tables.wide(sla([0.9, 0.7]), "channel", ("sla",)))
    first.insert(1, "share", 0.5)  # as Markets adds a share column to its breakdown
    assert "share" not in show.prepared(tables.wide, sla([0.9, 0.7]), "channel", ("sla",))
