"""A market review on Trends, Markets, Peak season and Staffing: one country or one language
gets charts and tables that fit it, and the layout facts read from the figures (axis ranges,
legend and title positions, colour scales, label lengths) hold.

Plotly places an automatically positioned title with its baseline in the middle of the top
margin; subplot titles stand on the plot's top edge. The geometry helpers below follow those
rules to tell whether two texts meet without a browser (the screenshots check the rest).
"""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from tests.apptest import figures, open_page


def x_end(fig: go.Figure) -> pd.Timestamp:
    """Where the x-axis ends: its range, or (autorange) the furthest trace point or shape."""
    if fig.layout.xaxis.range:
        return pd.Timestamp(fig.layout.xaxis.range[1])
    ends = [pd.Timestamp(s.x1) for s in fig.layout.shapes if s.x1 is not None]
    ends += [pd.Timestamp(x) for t in fig.data for x in (t.x or ()) if x is not None]
    return max(ends)


# ---------------------------------------------------------------- Trends
def test_trends_axis_ends_with_the_data_and_names_peaks_in_the_legend(use_sample):
    # Black Friday 2025 runs 28 Nov - 1 Dec: it starts on the period's last day
    at = open_page("pages/1_Trends.py", {"period": "custom", "dates": "2025-11-01..2025-11-28"})
    figure = figures(at)[0]
    last = pd.Timestamp("2025-11-28")  # the last day bucket with data
    assert last <= x_end(figure) <= last + pd.Timedelta(days=1)
    assert all(pd.Timestamp(s.x1) <= x_end(figure) for s in figure.layout.shapes)
    names = {t.name for t in figure.data}
    assert {"Black Friday – Cyber Monday", "11.11 Singles' Day"} <= names
    assert not figure.layout.annotations  # no names written on the plot to run into each other
    friday = next(t for t in figure.data if t.name == "Black Friday – Cyber Monday")
    assert friday.hovertext == ("Black Friday – Cyber Monday: 28 Nov 2025 – 01 Dec 2025",)
