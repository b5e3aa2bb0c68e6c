"""Charts of the Peak season page: local-time heatmaps, peak multipliers, the forecast."""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from metrics.forecast import Forecast
from presentation import charts, theme
from presentation import format as fmt
from presentation.i18n import _

PEAK_ROW_PX = 32  # one member's pair of bars


def heatmap_grid(matrices: dict[str, pd.DataFrame], title: str) -> go.Figure:
    """Small multiples of hour-of-week heatmaps, each on its own scale (shapes, not sizes)."""
    names = list(matrices)
    columns = 2 if len(names) > 1 else 1
    rows = int(np.ceil(len(names) / columns))
    fig = make_subplots(
        rows=rows,
        cols=columns,
        subplot_titles=names,
        horizontal_spacing=0.06,
        vertical_spacing=0.16 if rows > 1 else 0.08,
    )
    for index, name in enumerate(names):
        matrix = matrices[name]
        peak = np.nanmax(matrix.to_numpy()) or 1  # NaN: an hour the period never covers
        fig.add_trace(
            go.Heatmap(
                z=matrix.to_numpy() / peak * 100,
                x=list(matrix.columns),
                y=list(matrix.index),
                colorscale=theme.SEQUENTIAL,
                zmin=0,
                zmax=100,
                showscale=index == 0,
                colorbar={"title": {"text": _("% of busiest hour")}, "thickness": 12},
                customdata=matrix.to_numpy(),
                xgap=1,
                ygap=1,
                hovertemplate=f"{name}<br>"
                + _("{day} {hour}:00 local").format(day="%{y}", hour="%{x}") + "<br>"
                + _("{contacts} contacts/hour ({share} % of the busiest hour)").format(
                    contacts="%{customdata:.1f}", share="%{z:.0f}")
                + "<extra></extra>",
            ),
            row=index // columns + 1,
            col=index % columns + 1,
        )
    fig.update_yaxes(autorange="reversed")
    fig.update_xaxes(tickvals=["00", "06", "12", "18"])
    for column in range(1, columns + 1):
        fig.update_xaxes(title_text=_("local hour"), row=rows, col=column)
    fig.update_layout(title=title, height=260 * rows + 110)
    return charts.title_room(fig, 40)  # the subplot titles stand on the plots' top edge


def peak_years(table: pd.DataFrame, member_dimension: str, title: str) -> go.Figure:
    """Load multiplier per member, this occurrence against the one a year earlier; as tall as
    its bars need, the legend above them in their order."""
    rows = table.sort_values("multiplier")
    names = [fmt.member(member_dimension, m) for m in rows["member"]]
    fig = go.Figure()
    # a horizontal group draws its first trace lowest: the year before goes first
    fig.add_trace(
        go.Bar(
            y=names,
            x=rows["previous_multiplier"],
            orientation="h",
            name=_("a year earlier"),
            legendrank=2,
            marker={"color": theme.OTHER},
            hovertemplate="%{y}: " + _("×{multiplier} a year earlier").format(
                multiplier="%{x:.2f}") + "<extra></extra>",
        )
    )
    fig.add_trace(
        go.Bar(
            y=names,
            x=rows["multiplier"],
            orientation="h",
            name=_("latest"),
            legendrank=1,
            marker={"color": theme.PALETTE[1]},
            customdata=np.stack([rows["peak_daily"], rows["baseline_daily"]], axis=1),
            hovertemplate="%{y}: " + _("×{multiplier} ({peak} contacts/day against {before} "
                                       "before)").format(
                multiplier="%{x:.2f}", peak="%{customdata[0]:.0f}",
                before="%{customdata[1]:.0f}") + "<extra></extra>",
        )
    )
    fig.add_vline(x=1, line_dash="dot", line_color=theme.NEUTRAL)
    fig.update_layout(
        title=title,
        barmode="group",
        height=PEAK_ROW_PX * len(rows) + 170,
        xaxis={"title": {"text": _("load multiplier (× a normal day)")}},
    )
    return charts.legend_above(fig)


def forecast_chart(
    result: Forecast, name: str, events: pd.DataFrame | None, history_days: int = 120
) -> go.Figure:
    """History, the back-test over the held-out weeks, and the forecast with its interval."""
    history = result.history.tail(history_days)
    ahead = result.forecast
    fig = go.Figure()
    fig.add_trace(
        go.Scatter(
            x=pd.concat([ahead["day"], ahead["day"][::-1]]),
            y=np.concatenate([ahead["upper"], ahead["lower"][::-1]]),
            fill="toself",
            mode="lines",
            fillcolor=theme.FAINT,
            line={"width": 0},
            name=_("95% prediction interval"),
            hoverinfo="skip",
        )
    )
    fig.add_trace(
        go.Scatter(
            x=history["day"],
            y=history["volume"],
            mode="lines",
            name=_("actual"),
            line={"color": theme.PALETTE[7], "width": 1.5},
            hovertemplate="%{x|" + _("%a %d %b") + "}: "
            + _("{count} contacts").format(count="%{y:,.0f}") + "<extra></extra>",
        )
    )
    fig.add_trace(
        go.Scatter(
            x=result.backtest["day"],
            y=result.backtest["predicted"],
            mode="lines",
            name=_("back-test (fitted without these weeks)"),
            line={"color": theme.PALETTE[5], "dash": "dot", "width": 1.5},
            hovertemplate="%{x|" + _("%a %d %b") + "}: "
            + _("{count} forecast").format(count="%{y:,.0f}") + "<extra></extra>",
        )
    )
    fig.add_trace(
        go.Scatter(
            x=ahead["day"],
            y=ahead["mean"],
            mode="lines",
            name=_("forecast"),
            line={"color": theme.PALETTE[0], "width": 2},
            customdata=np.stack([ahead["lower"], ahead["upper"]], axis=1),
            hovertemplate="%{x|" + _("%a %d %b") + "}: "
            + _("{count} contacts (95%: {low}–{high})").format(
                count="%{y:,.0f}", low="%{customdata[0]:,.0f}", high="%{customdata[1]:,.0f}")
            + "<extra></extra>",
        )
    )
    if events is not None and not events.empty:
        shown = (history["day"].min(), ahead["day"].max() + charts.DAY)
        charts.mark_events(fig, events, shown)
    charts.localize_dates(fig)
    fig.update_layout(
        title=_("Daily contacts, {name}: history and the next {weeks} weeks").format(
            name=name, weeks=len(ahead) // 7),
        height=430,
        yaxis={"title": {"text": _("contacts per day")}, "rangemode": "tozero"},
    )
    return fig
