"""KPI tiles: value, target, change against the previous period and a sparkline."""

from __future__ import annotations

import math
from collections.abc import Sequence

import pandas as pd
import streamlit as st

from data_access.filters import Filter
from metrics.drilldown import Cell, Scope
from metrics.registry import KPIS
from presentation import format as fmt
from presentation.i18n import _
from ui import data, drilldown

TILE_HEIGHT = 300  # px: as tall as the tallest tile (sparkline, two-line caption, tickets)


def _sparkline_grain(flt: Filter) -> str:
    """One grain for every tile, so sparklines side by side compare: weeks (survey KPIs have too
    few responses a day for daily points), months beyond a year."""
    return "month" if (flt.days or 0) > 365 else "week"


def _delta_color(kpi_id: str, significant: bool) -> str:
    if not significant:
        return "gray"
    return {1: "normal", -1: "inverse", 0: "off"}[KPIS[kpi_id].direction]


def _target_line(kpi_id: str, value: float) -> str:
    """'Target ≥ 85.0 % · met' (or missed), in words and colour."""
    kpi = KPIS[kpi_id]
    if kpi.target is None or kpi.direction == 0:
        return _("No target")
    sign = "≥" if kpi.direction > 0 else "≤"
    text = _("Target {sign} {value}").format(sign=sign, value=fmt.kpi_value(kpi, kpi.target))
    met = fmt.target_met(kpi, value)
    if met is None:  # no value
        return text
    return f"{text} · :blue[{_('met')}]" if met else f"{text} · :orange[{_('missed')}]"


def _help(kpi_id: str, row: pd.Series) -> str:
    kpi = KPIS[kpi_id]
    lines = [f"**{fmt.kpi_label(kpi)}**: {fmt.kpi_definition(kpi)}"]
    if kpi.target is not None:
        lines.append(_("Target: {value}.").format(value=fmt.kpi_value(kpi, kpi.target)))
    if not (math.isnan(row["ci_low"]) or math.isnan(row["ci_high"])):
        lines.append(_("95% interval: {low} – {high}.").format(
            low=fmt.kpi_value(kpi, row["ci_low"]), high=fmt.kpi_value(kpi, row["ci_high"])))
    elif kpi.kind == "quantile" and row["n"] > 0:
        lines.append(_("No 95% interval: too few observations."))
    lines.append(_("n = {n} {counted} ({anchor} in the period).").format(
        n=fmt.count(row["n"]), counted=fmt.n_label(kpi), anchor=fmt.anchor_label(kpi)))
    return "  \n".join(lines)


def kpi_tiles(
    flt: Filter, kpi_ids: Sequence[str], caption: bool = True, per_row: int | None = None
) -> pd.DataFrame:
    """Draw one tile per KPI, ``per_row`` to a row (default: all in one); returns the table
    behind them. All tiles share one query for values and one for sparklines."""
    if caption:
        st.caption(
            _("Change against the previous {days} days; grey and *n.s.* = not statistically "
              "significant at 95%; *not tested* = too few observations for a test; *provisional* "
              "= not settled yet, so not tested. Hover ⓘ for "
              "definitions and intervals.").format(days=flt.days)
        )
    table = data.kpi_table(kpi_ids, flt=flt, compare=("previous",)).set_index("kpi")
    trend = data.kpi_table(kpi_ids, flt=flt, grain=_sparkline_grain(flt))
    per_row = per_row or len(kpi_ids)
    columns = [c for i in range(0, len(kpi_ids), per_row)
               for c in st.columns(per_row)][: len(kpi_ids)]  # fmt: skip
    for column, kpi_id in zip(columns, kpi_ids, strict=True):
        kpi = KPIS[kpi_id]
        with column, st.container(border=True, height=TILE_HEIGHT):
            if kpi_id not in table.index:
                st.metric(fmt.tile_label(kpi), fmt.MISSING, help=fmt.kpi_definition(kpi))
                st.caption(_("No data for this filter"))
                continue
            row = table.loc[kpi_id]
            value = _("hidden") if row["suppressed"] else fmt.kpi_value(kpi, row["value"])
            # a snapshot (backlog) has no sampling error: its change is shown, never "n.s."
            reason = fmt.not_tested(row["previous_not_tested"])
            significant = not reason and (bool(row["previous_significant"])
                                          or kpi.kind == "backlog")  # fmt: skip
            spark = fmt.plot_values(kpi, trend[trend["kpi"] == kpi_id]["value"].dropna()).tolist()
            st.metric(
                fmt.tile_label(kpi),
                value,
                delta=fmt.kpi_delta(kpi, row["previous_delta"]) or None,
                delta_color=_delta_color(kpi_id, significant),
                delta_description=reason or (None if significant else _("n.s.")),
                help=_help(kpi_id, row),
                chart_data=spark if len(spark) > 1 else None,
                chart_type="area",
            )
            if row["suppressed"]:
                st.caption(_("Hidden for privacy: fewer than 5 responses, or derivable from "
                             "other figures"))
            elif row["after_data_end"]:
                st.caption(_("No data: the period ends after the data does"))
            else:
                provisional = f" · *{fmt.not_tested('immature')}*" if row["provisional"] else ""
                st.caption(_target_line(kpi_id, row["value"]) + provisional)
            if row["suppressed"] or not row["after_data_end"]:  # hidden: after_data_end is NaN
                offer = drilldown.Offer(Cell(kpi_id, Scope(flt)), int(row["n"]),
                                        bool(row["suppressed"]))  # fmt: skip
                drilldown.button(offer, key=f"tile_{kpi_id}_drill", small=True)
    return table.reset_index()
