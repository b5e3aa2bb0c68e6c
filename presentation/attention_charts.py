"""The chart of one finding on the Attention page and in the pack: the daily series, the band
the model expected, and the finding's days shaded."""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from metrics.attention import AttentionItem
from metrics.registry import KPIS
from presentation import charts, theme
from presentation import format as fmt
from presentation.i18n import _


def finding_chart(item: AttentionItem, title: str) -> go.Figure:
    trace = item.trace if item.trace is not None else pd.DataFrame()
    kpi = KPIS[item.kpi]
    fig = go.Figure()
    if not trace.empty:
        band = trace.dropna(subset=["low", "high"])
        band = band[np.isfinite(band["low"]) & np.isfinite(band["high"])]
        fig.add_trace(go.Scatter(
            x=pd.concat([band["day"], band["day"][::-1]]),
            y=np.concatenate([fmt.plot_values(kpi, band["high"]),
                              fmt.plot_values(kpi, band["low"])[::-1]]),
            fill="toself", mode="lines", fillcolor=theme.FAINT, line={"width": 0},
            name=_("expected (95 %)"), hoverinfo="skip",
        ))  # fmt: skip
        fig.add_trace(go.Scatter(
            x=trace["day"], y=fmt.plot_values(kpi, trace["expected"]), mode="lines",
            name=_("expected"),
            line={"color": theme.PALETTE[0], "dash": "dot", "width": 1.5},
            hovertext=[fmt.kpi_value(kpi, v) for v in trace["expected"]],
            hovertemplate="%{x|" + _("%a %d %b") + "}: %{hovertext}<extra></extra>",
        ))  # fmt: skip
        fig.add_trace(go.Scatter(
            x=trace["day"], y=fmt.plot_values(kpi, trace["actual"]), mode="lines+markers",
            name=_("actual"),
            line={"color": theme.PALETTE[7], "width": 2}, marker={"size": 4},
            hovertext=[fmt.kpi_value(kpi, v) for v in trace["actual"]],
            hovertemplate="%{x|" + _("%a %d %b") + "}: %{hovertext}<extra></extra>",
        ))  # fmt: skip
        charts._value_axis(fig, item.kpi)
    fig.add_vrect(x0=pd.Timestamp(item.start) - pd.Timedelta(hours=12),
                  x1=pd.Timestamp(item.end) + pd.Timedelta(hours=12),
                  fillcolor=theme.BAD, opacity=0.12, line_width=0, layer="below")  # fmt: skip
    charts.localize_dates(fig)
    fig.update_layout(title=title, height=300, margin={"t": 60, "b": 30},
                      showlegend=True)  # fmt: skip
    return charts.legend_above(fig)
