"""Which results are settled and which comparisons are like with like.

Some KPIs need time after their anchor timestamp before a row's outcome is known: a ticket
resolved yesterday may still be reopened, a survey sent yesterday may still be answered. Each KPI
declares that time in the registry (``Kpi.matures_days``); a result whose window reaches into the
last ``matures_days`` days of the data is *provisional*. A comparison is *not tested* (no p-value,
never significant) when the current result is provisional, and is not made at all (no compared
value, no delta) when either period reaches outside the days the data covers: a period that runs
past the data's last day or a compared period that starts before its first day would compare a
part with a whole.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from data_access.catalog import Catalog
from data_access.filters import Filter
from metrics.registry import KPIS

# Why a comparison was not tested (the values of the ``<comparison>_not_tested`` columns).
IMMATURE = "immature"  # the current result has not settled yet
AFTER_DATA = "after_data"  # the current period runs past the data's last day
BEFORE_DATA = "before_data"  # the compared period starts before the data's first day
TOO_LITTLE_DATA = "too_little_data"  # a side without enough observations (metrics.stats)
UNCOMPARABLE = (AFTER_DATA, BEFORE_DATA)  # no compared value or delta is shown at all

_GRAIN_LENGTH = {
    "half_hour": pd.DateOffset(minutes=30),
    "hour": pd.DateOffset(hours=1),
    "day": pd.DateOffset(days=1),
    "week": pd.DateOffset(weeks=1),
    "month": pd.DateOffset(months=1),
    "quarter": pd.DateOffset(months=3),
}


def settled_through(kpi_id: str, span: Catalog) -> dt.date:
    """The last day whose rows of ``kpi_id`` have had time to settle."""
    return span.last_day - dt.timedelta(days=KPIS[kpi_id].matures_days)


def provisional(table: pd.DataFrame, span: Catalog, flt: Filter, grain: str | None) -> np.ndarray:
    """Per result row: its window (time bucket, else the filter's period) reaches past the day
    through which its KPI has settled."""
    if table.empty:
        return np.zeros(0, dtype=bool)
    ends = {k: pd.Timestamp(settled_through(k, span) + dt.timedelta(days=1))
            for k in table["kpi"].unique()}  # fmt: skip
    settled_end = table["kpi"].map(ends)
    if grain:
        window_end = pd.to_datetime(table[grain]) + _GRAIN_LENGTH[grain]
    else:
        last = flt.end or span.last_day
        window_end = pd.Series(pd.Timestamp(last + dt.timedelta(days=1)), index=table.index)
    return (window_end > settled_end).to_numpy()


def comparison_blocker(
    table: pd.DataFrame,
    span: Catalog,
    flt: Filter,
    compared: Filter,
    grain: str | None,
    shift: pd.DateOffset,
) -> np.ndarray:
    """Per current row: why comparing it with the ``compared`` period is not tested (one of the
    reason constants above), or None. ``shift`` moves a compared bucket onto the current one."""
    reasons = np.full(len(table), None, dtype=object)
    reasons[table["provisional"].to_numpy(bool)] = IMMATURE
    runs_past_data = bool(flt.end and flt.end > span.last_day)
    if grain:  # bucket by bucket: each is compared with the one ``shift`` earlier
        start = pd.to_datetime(table[grain])
        reasons[((start - shift).dt.date < span.first_day).to_numpy()] = BEFORE_DATA
        if runs_past_data:
            data_end = pd.Timestamp(span.last_day + dt.timedelta(days=1))
            reasons[(start + _GRAIN_LENGTH[grain] > data_end).to_numpy()] = AFTER_DATA
    else:
        if compared.start and compared.start < span.first_day:
            reasons[:] = BEFORE_DATA
        if runs_past_data:
            reasons[:] = AFTER_DATA
    return reasons


def notes(table: pd.DataFrame, comparisons: list[str], span: Catalog) -> list[str]:
    """Plain-English reasons for every comparison in ``table`` that was not tested (for the
    command line and the pack's notes)."""
    lines = []
    for name in comparisons:
        reasons = table.get(f"{name}_not_tested", pd.Series(dtype=object))
        if (reasons == AFTER_DATA).any():
            lines.append(f"{name}: not compared where the period runs past the data's last day"
                         f" ({span.last_day}).")  # fmt: skip
        if (reasons == BEFORE_DATA).any():
            lines.append(f"{name}: not compared where the {name} period starts before the"
                         f" data's first day ({span.first_day}).")  # fmt: skip
        for kpi_id in table.loc[reasons == IMMATURE, "kpi"].unique():
            kpi = KPIS[kpi_id]
            lines.append(f"{name}: {kpi_id} not tested: it settles {kpi.matures_days} days after"
                         f" {kpi.anchor_label}, so results after"
                         f" {settled_through(kpi_id, span)} are provisional.")  # fmt: skip
    return lines
