"""Charts of the Staffing page: where and when scheduled agents fall short of what is required."""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from presentation import format as fmt
from presentation import theme
from presentation.i18n import _

SCALE_QUANTILE = 0.95  # the colours span this share of the cells; the rest are clipped


def gap_limit(values: np.ndarray) -> float:
    """Where the colour scale ends on either side of 0: the 95th percentile of |gap| rounded
    up to a tenth, so a few extreme cells do not wash out all the others (at least 0.1)."""
    sizes = np.abs(values[~np.isnan(values)])
    if not sizes.size:
        return 1.0
    return max(np.ceil(np.quantile(sizes, SCALE_QUANTILE) * 10) / 10, 0.1)


def _gap_heatmap(matrix: pd.DataFrame, title: str, x_title: str, hover: str) -> go.Figure:
    values = matrix.to_numpy(dtype=float)
    limit = gap_limit(values)
    edge = fmt.number(limit, 1)
    fig = go.Figure(
        go.Heatmap(
            z=values,
            x=[str(c) for c in matrix.columns],
            y=[str(i) for i in matrix.index],
            colorscale=theme.GAP,
            zmid=0,
            zmin=-limit,
            zmax=limit,
            xgap=1,
            ygap=1,
            colorbar={
                "title": {"text": _("agents<br>short (−) / spare (+)")},
                "thickness": 12,
                "tickvals": [-limit, 0, limit],  # the ends hold every cell beyond them
                "ticktext": [f"≤ −{edge}", "0", f"≥ +{edge}"],
                "ticklabelposition": "outside bottom",  # the top one clear of the title
            },
            hovertemplate=hover + "<extra></extra>",
        )
    )
    fig.update_yaxes(autorange="reversed")
    fig.update_xaxes(title_text=x_title)
    fig.update_layout(title=title, height=max(300, 24 * len(matrix) + 130))
    return fig


def language_by_hour(plan: pd.DataFrame, zone: str) -> go.Figure:
    """Mean gap per language and hour of day (hours in ``zone``)."""
    hours = plan["local"].dt.hour
    matrix = (
        plan.assign(hour=hours)
        .pivot_table(index="language", columns="hour", values="gap", aggfunc="mean")
        .reindex(columns=range(24))
    )
    matrix = matrix.loc[matrix.mean(axis=1).sort_values().index]
    matrix.index = [fmt.member("language", code) for code in matrix.index]
    matrix.columns = [f"{h:02d}" for h in matrix.columns]
    return _gap_heatmap(
        matrix,
        _("Average gap by language and hour of day"),
        _("hour ({zone})").format(zone=zone),
        _("{row} at {hour}:00 — {gap} agents on average").format(
            row="%{y}", hour="%{x}", gap="%{z:+.1f}"),
    )


def day_by_hour(plan: pd.DataFrame, zone: str, language: str, typical_week: bool) -> go.Figure:
    """Gap per day (or weekday of a typical week) and hour for one language."""
    rows = plan[plan["language"] == language].assign(hour=lambda p: p["local"].dt.hour)
    if typical_week:
        weekdays = fmt.weekdays()
        rows = rows.assign(day=rows["local"].dt.day_of_week.map(dict(enumerate(weekdays))))
        order = list(weekdays)
    else:
        pattern, days = _("EEE dd MMM"), rows["local"].dt.normalize()
        names = {day: fmt.datetime(day, pattern) for day in days.unique()}
        rows = rows.assign(day=days.map(names))
        order = list(dict.fromkeys(rows.sort_values("local")["day"]))
    matrix = rows.pivot_table(index="day", columns="hour", values="gap", aggfunc="mean")
    matrix = matrix.reindex(index=order, columns=range(24))
    matrix.columns = [f"{h:02d}" for h in matrix.columns]
    name = fmt.member("language", language)
    title = (_("{language}: scheduled minus required agents, a typical week") if typical_week
             else _("{language}: scheduled minus required agents, each day"))  # fmt: skip
    return _gap_heatmap(
        matrix,
        title.format(language=name),
        _("hour ({zone})").format(zone=zone),
        _("{row} {hour}:00 — {gap} agents").format(row="%{y}", hour="%{x}", gap="%{z:+.1f}"),
    )
