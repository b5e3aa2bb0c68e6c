"""KPI tiles: value, target, change against the previous period and a sparkline."""

from __future__ import annotations

import math
from collections.abc import Sequence

import pandas as pd
import streamlit as st

from data_access.filters import Filter
from metrics.registry import KPIS
from ui import data
from ui import format as fmt


def _sparkline_grain(flt: Filter, survey: bool) -> str:
    """Daily points for short periods; survey KPIs one step coarser (few responses a day)."""
    days = flt.days or 0
    if days <= 92:
        return "week" if survey else "day"
    return "month" if survey and days > 365 else "week"


def _delta_color(kpi_id: str, significant: bool) -> str:
    if not significant:
        return "gray"
    return {1: "normal", -1: "inverse", 0: "off"}[KPIS[kpi_id].direction]


def _help(kpi_id: str, row: pd.Series) -> str:
    kpi = KPIS[kpi_id]
    lines = [f"**{kpi.label}**: {kpi.definition}"]
    if kpi.target is not None:
        lines.append(f"Target: {fmt.kpi_value(kpi, kpi.target)}.")
    if not math.isnan(row["ci_low"]):
        lines.append(f"95% interval: {fmt.kpi_value(kpi, row['ci_low'])} – "
                     f"{fmt.kpi_value(kpi, row['ci_high'])}.")  # fmt: skip
    lines.append(f"n = {fmt.count(row['n'])} {kpi.n_label} ({kpi.anchor_label} in the period).")
    return "  \n".join(lines)


def kpi_tiles(flt: Filter, kpi_ids: Sequence[str]) -> pd.DataFrame:
    """Draw one tile per KPI in a row; returns the table behind them."""
    st.caption(
        f"Change against the previous {flt.days} days; grey and *n.s.* = not"
        " statistically significant at 95%. Hover ⓘ for definitions and intervals."
    )
    table = data.kpi_table(kpi_ids, flt=flt, compare=("previous",)).set_index("kpi")
    trends = {
        survey: data.kpi_table([k for k in kpi_ids if KPIS[k].is_survey == survey], flt=flt,
                               grain=_sparkline_grain(flt, survey))
        for survey in (False, True) if any(KPIS[k].is_survey == survey for k in kpi_ids)
    }  # fmt: skip
    columns = st.columns(len(kpi_ids))
    for column, kpi_id in zip(columns, kpi_ids, strict=True):
        kpi = KPIS[kpi_id]
        with column:
            if kpi_id not in table.index:
                st.metric(kpi.tile_label, fmt.MISSING, help=kpi.definition, border=True)
                continue
            row = table.loc[kpi_id]
            value = fmt.kpi_value(kpi, row["value"])
            if row["suppressed"]:
                value = fmt.SUPPRESSED
            significant = bool(row["previous_significant"])
            trend = trends[kpi.is_survey]
            spark = trend[trend["kpi"] == kpi_id]["value"].dropna().tolist()
            if kpi.fmt == "duration":
                spark = [v / 3600 for v in spark]
            st.metric(
                kpi.tile_label,
                value,
                delta=fmt.kpi_delta(kpi, row["previous_delta"]) or None,
                delta_color=_delta_color(kpi_id, significant),
                delta_description=None if significant else "n.s.",
                help=_help(kpi_id, row),
                border=True,
                chart_data=spark if len(spark) > 1 else None,
                chart_type="area",
            )
    return table.reset_index()
