"""Run a request: execute its SQL, shape the raw aggregates into the tidy KPI table.

``kpi_table`` is the one entry point the rest of the app uses: it compiles the request
(``metrics.engine.compile``), runs it on the database, turns each KPI's aggregate columns into
value, n and interval, then hides small survey groups and adds the comparisons
(``metrics.engine.statistics``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

import numpy as np
import pandas as pd

from data_access.catalog import read_catalog
from data_access.database import Database
from data_access.filters import Filter
from metrics import maturity, stats
from metrics.engine.compile import Compiled, compile_request, request_periods, split_dimensions
from metrics.engine.statistics import changes, suppress
from metrics.registry import Kpi, get_kpis

RESULT_COLUMNS = ["kpi", "value", "n", "ci_low", "ci_high", "low_confidence", "suppressed",
                  "after_data_end"]  # fmt: skip

TIDY_ORDER = ["value", "n", "ci_low", "ci_high", "se", "low_confidence", "suppressed",
              "after_data_end"]  # fmt: skip


def _kpi_rows(raw: pd.DataFrame, kpi: Kpi, compiled: Compiled, keys: list[str]) -> pd.DataFrame:
    """Turn one KPI's raw aggregate columns into tidy rows with intervals."""
    if kpi.kind == "backlog":
        part = raw[raw["__part"] == "backlog"]
    else:
        part = raw[raw["__part"] == f"{kpi.source}_{kpi.anchor}"]
    out = part[keys].assign(kpi=kpi.id)
    nan = np.full(len(part), np.nan)
    ci_low, ci_high, se, detail = nan, nan, nan, {}
    after_end = np.zeros(len(part), bool)
    if kpi.kind in ("count", "backlog"):
        n = part[f"{kpi.id}__n"].to_numpy(float)
        if kpi.kind == "backlog":  # a moment after the data's last day: not measured
            after_end = part["backlog__after_end"].eq(True).to_numpy()
            n = np.where(after_end, np.nan, n)
        value = n
    elif kpi.kind == "ratio":
        k = part[f"{kpi.id}__k"].to_numpy(float)
        n = part[f"{kpi.id}__n"].to_numpy(float)
        with np.errstate(divide="ignore", invalid="ignore"):
            value = np.where(n > 0, k / n, np.nan)
        ci_low, ci_high = stats.wilson_interval(k, n)
        detail = {"successes": k}
    elif kpi.kind == "mean":
        value = part[f"{kpi.id}__mean"].to_numpy(float)
        sd = part[f"{kpi.id}__sd"].to_numpy(float)
        n = part[f"{kpi.id}__n"].to_numpy(float)
        ci_low, ci_high = stats.mean_interval(value, sd, n)
        detail = {"sd": sd}
    elif kpi.kind == "nps":
        pro = part[f"{kpi.id}__pro"].to_numpy(float)
        det = part[f"{kpi.id}__det"].to_numpy(float)
        n = part[f"{kpi.id}__n"].to_numpy(float)
        value = stats.nps_value(pro, det, n)
        ci_low, ci_high = stats.nps_interval(pro, det, n)
        se = stats.nps_standard_error(pro, det, n)
        detail = {"promoters": pro, "detractors": det}
    else:  # quantile
        n_column, first_column, window_column = compiled.quantile_columns[kpi.id]
        n = part[n_column].to_numpy(float)
        order_statistic = _order_statistics(part[first_column], part[window_column])
        value, ci_low, ci_high = stats.quantile_with_interval(order_statistic, n, kpi.quantile)
        se = stats.quantile_standard_error(ci_low, ci_high)
    hidden = kpi.is_survey & (n < stats.MIN_SURVEY_RESPONSES)
    columns = {"value": value, "ci_low": ci_low, "ci_high": ci_high, "se": se, **detail}
    # nothing about a too-small survey group leaks out
    columns = {name: np.where(hidden, np.nan, values) for name, values in columns.items()}
    columns.update(n=n, low_confidence=n < stats.LOW_CONFIDENCE_N, suppressed=hidden,
                   after_data_end=after_end)  # fmt: skip
    return out.assign(**{name: columns[name] for name in TIDY_ORDER + list(detail)})


def _order_statistics(first: pd.Series, windows: pd.Series) -> Callable[[object], np.ndarray]:
    """``order_statistic(rank)`` for each group: its rank-th smallest value (1-based), read from
    the group's window of sorted values that starts at rank ``first``; NaN outside the window."""
    windows = windows.map(lambda w: w if isinstance(w, np.ndarray) else np.empty(0))
    lengths = windows.map(len).to_numpy()
    starts = np.cumsum(lengths) - lengths  # where each group's window begins in ``flat``
    flat = np.concatenate([*windows.to_numpy(), [np.nan]])  # the last NaN: outside a window
    first = first.fillna(1).to_numpy(float)

    def order_statistic(rank: object) -> np.ndarray:
        offset = np.asarray(rank, dtype=float) - first
        with np.errstate(invalid="ignore"):
            inside = (offset >= 0) & (offset < lengths)
        return flat[np.where(inside, starts + np.nan_to_num(offset).astype(int), -1)]

    return order_statistic


def kpi_table(
    db: Database,
    kpis: Sequence[str],
    by: Sequence[str] = (),
    flt: Filter | None = None,
    grain: str | None = None,
    compare: Sequence[str] = (),
    details: bool = False,
    keep: Mapping[str, Sequence[str]] | None = None,
) -> pd.DataFrame:
    """KPIs by dimensions: one row per group and KPI.

    Columns: the group columns (``by`` then the grain), ``kpi``, ``value``, ``n``, ``ci_low``,
    ``ci_high``, ``low_confidence``, ``suppressed``, ``provisional`` (not settled yet,
    ``metrics.maturity``), ``after_data_end`` (a backlog counted at a moment after the data's
    last day, in the filter's zone: value and n NaN); with ``compare``, for each comparison
    ``<name>_value``, ``_n``, ``_delta``, ``_delta_rel``, ``_p_value``, ``_significant``,
    ``_not_tested`` (why there is no p-value: ``metrics.maturity``'s reason codes).
    ``details=True`` keeps the raw statistics (successes, se, sd, promoters, detractors).
    ``keep`` lumps the members of a dimension outside the given list into 'Other'.
    Survey groups whose scores could be read or worked out are ``suppressed``
    (``statistics.suppress``): their scores and statistics are NaN, their ``n`` is kept.
    """
    flt = flt or Filter()
    compiled = compile_request(kpis, by, flt, grain, compare, keep)
    raw = db.query(compiled.sql, compiled.params)
    dims = split_dimensions(by, grain)
    keys = [d.id for d in dims]
    frames = [_kpi_rows(raw, k, compiled, [*keys, "period"]) for k in get_kpis(list(kpis))]
    table = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
    table = table.sort_values([*keys, "period"], kind="stable").reset_index(drop=True)
    table = suppress(table, raw, get_kpis(list(kpis)), keys, flt)
    span = read_catalog(db)
    if compare:
        table = changes(table, keys, request_periods(flt, compare), grain, span)
    else:
        table = table.drop(columns="period")
        table = table.assign(provisional=maturity.provisional(table, span, flt, grain))
    detail_columns = ["se", "successes", "sd", "promoters", "detractors"]
    if not details:
        table = table.drop(columns=[c for c in table.columns if c in detail_columns
                                    or c.endswith("_other")])  # fmt: skip
    return table.reset_index(drop=True)


def top_members(db: Database, dimension: str, flt: Filter, n: int) -> list[str]:
    """The ``n`` members of a dimension with the most contacts under the filter."""
    table = kpi_table(db, ["volume"], by=[dimension], flt=flt)
    return table.nlargest(n, "value")[dimension].tolist()
