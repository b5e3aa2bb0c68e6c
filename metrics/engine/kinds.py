"""One object per KPI kind: its SQL aggregates, its statistics per group, its test of a change.

``kind_of(kpi)`` is what the engine asks wherever kinds differ: the compiler for the
aggregate columns (``compile``), the runner for value, n and interval from them (``run``), the
comparison for the p-value of a change (``statistics``). A KPI's aggregate columns are named
``<kpi id>__<statistic>``. Adding a kind means one class here, an entry in ``KINDS`` and its
name in ``metrics.registry.Kind``.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from metrics import stats
from metrics.registry import Kpi


@dataclass
class Measures:
    """One KPI's statistics, one entry per group. ``detail``: the raw statistics its test of a
    change reads (kept in the table with ``details=True``)."""

    value: np.ndarray
    n: np.ndarray
    ci_low: np.ndarray | float = np.nan
    ci_high: np.ndarray | float = np.nan
    se: np.ndarray | float = np.nan
    detail: dict[str, np.ndarray] = field(default_factory=dict)
    after_data_end: np.ndarray | bool = False  # a backlog counted after the data's last day


class Kind(ABC):
    scales_with_period = False  # an event count: against a period of another length, a rate
    snapshot = False  # a point-in-time count: SELECTs of its own, no sampling error, no test

    @abstractmethod
    def aggregates(self, kpi: Kpi) -> list[str]:
        """SQL aggregate columns over the rows of one group."""

    @abstractmethod
    def measures(self, part: pd.DataFrame, kpi: Kpi) -> Measures:
        """Value, n, interval and detail from the aggregate columns of ``part``."""

    @abstractmethod
    def p_value(self, rows: pd.DataFrame, exposure_ratio: float) -> np.ndarray:
        """Two-sided p-value of the change from the ``*_other`` columns to the current ones;
        NaN where it cannot be tested. Compared counts are already scaled by
        ``exposure_ratio`` (current period length / compared period length)."""


def _column(rows: pd.DataFrame, name: str) -> np.ndarray:
    return rows[name].to_numpy(float) if name in rows else np.full(len(rows), np.nan)


def _floats(part: pd.DataFrame, kpi: Kpi, statistic: str) -> np.ndarray:
    return part[f"{kpi.id}__{statistic}"].to_numpy(float)


class Count(Kind):
    scales_with_period = True

    def aggregates(self, kpi: Kpi) -> list[str]:
        return [f'count(*) AS "{kpi.id}__n"']

    def measures(self, part: pd.DataFrame, kpi: Kpi) -> Measures:
        n = _floats(part, kpi, "n")
        return Measures(value=n, n=n)

    def p_value(self, rows: pd.DataFrame, exposure_ratio: float) -> np.ndarray:
        # value_other is already scaled; test the raw counts against their exposures
        return stats.poisson_count_p_value(
            _column(rows, "value"), _column(rows, "value_other") / exposure_ratio, exposure_ratio
        )


class Ratio(Kind):
    def aggregates(self, kpi: Kpi) -> list[str]:
        return [f'count(*) FILTER (WHERE ({kpi.rows}) AND ({kpi.success})) AS "{kpi.id}__k"',
                f'count(*) FILTER (WHERE {kpi.rows}) AS "{kpi.id}__n"']  # fmt: skip

    def measures(self, part: pd.DataFrame, kpi: Kpi) -> Measures:
        k, n = _floats(part, kpi, "k"), _floats(part, kpi, "n")
        with np.errstate(divide="ignore", invalid="ignore"):
            value = np.where(n > 0, k / n, np.nan)
        ci_low, ci_high = stats.wilson_interval(k, n)
        return Measures(value, n, ci_low, ci_high, detail={"successes": k})

    def p_value(self, rows: pd.DataFrame, exposure_ratio: float) -> np.ndarray:
        return stats.two_proportion_p_value(_column(rows, "successes"), _column(rows, "n"),
                                            _column(rows, "successes_other"),
                                            _column(rows, "n_other"))  # fmt: skip


class Mean(Kind):
    def aggregates(self, kpi: Kpi) -> list[str]:
        return [f'avg({kpi.value}) FILTER (WHERE {kpi.rows}) AS "{kpi.id}__mean"',
                f'stddev_samp({kpi.value}) FILTER (WHERE {kpi.rows}) AS "{kpi.id}__sd"',
                f'count({kpi.value}) FILTER (WHERE {kpi.rows}) AS "{kpi.id}__n"']  # fmt: skip

    def measures(self, part: pd.DataFrame, kpi: Kpi) -> Measures:
        value, sd, n = (_floats(part, kpi, s) for s in ("mean", "sd", "n"))
        ci_low, ci_high = stats.mean_interval(value, sd, n)
        return Measures(value, n, ci_low, ci_high, detail={"sd": sd})

    def p_value(self, rows: pd.DataFrame, exposure_ratio: float) -> np.ndarray:
        return stats.welch_p_value(*(_column(rows, c) for c in (
            "value", "sd", "n", "value_other", "sd_other", "n_other")))  # fmt: skip


def _difference_p_value(rows: pd.DataFrame) -> np.ndarray:
    """The z-test of a difference of two estimates with standard errors (``se``)."""
    return stats.difference_p_value(*(_column(rows, c) for c in (
        "value", "se", "value_other", "se_other")))  # fmt: skip


class Nps(Kind):
    def aggregates(self, kpi: Kpi) -> list[str]:
        return [f'count(*) FILTER (WHERE ({kpi.rows}) AND {kpi.value} >= 9) AS "{kpi.id}__pro"',
                f'count(*) FILTER (WHERE ({kpi.rows}) AND {kpi.value} <= 6) AS "{kpi.id}__det"',
                f'count(*) FILTER (WHERE {kpi.rows}) AS "{kpi.id}__n"']  # fmt: skip

    def measures(self, part: pd.DataFrame, kpi: Kpi) -> Measures:
        pro, det, n = (_floats(part, kpi, s) for s in ("pro", "det", "n"))
        ci_low, ci_high = stats.nps_interval(pro, det, n)
        return Measures(stats.nps_value(pro, det, n), n, ci_low, ci_high,
                        stats.nps_standard_error(pro, det, n),
                        detail={"promoters": pro, "detractors": det})  # fmt: skip

    def p_value(self, rows: pd.DataFrame, exposure_ratio: float) -> np.ndarray:
        return _difference_p_value(rows)


class Quantile(Kind):
    """Only the window of sorted values around the quantile leaves the database
    (``order_statistic_window``). Quantiles of one expression repeat the same ``count`` and
    ``list`` aggregates, which DuckDB computes once: one sort per expression."""

    def aggregates(self, kpi: Kpi) -> list[str]:
        n = f"count({kpi.value}) FILTER (WHERE {kpi.rows})"
        ordered = f"list({kpi.value} ORDER BY {kpi.value}) FILTER (WHERE {kpi.rows})"
        first, last = order_statistic_window(n, kpi.quantile)
        return [f'{n} AS "{kpi.id}__n"', f'{first} AS "{kpi.id}__first"',
                f'list_slice({ordered}, {first}, {last}) AS "{kpi.id}__window"']  # fmt: skip

    def measures(self, part: pd.DataFrame, kpi: Kpi) -> Measures:
        n = _floats(part, kpi, "n")
        order_statistic = _order_statistics(part[f"{kpi.id}__first"], part[f"{kpi.id}__window"])
        value, ci_low, ci_high = stats.quantile_with_interval(order_statistic, n, kpi.quantile)
        return Measures(value, n, ci_low, ci_high, stats.quantile_standard_error(ci_low, ci_high))

    def p_value(self, rows: pd.DataFrame, exposure_ratio: float) -> np.ndarray:
        return _difference_p_value(rows)


def order_statistic_window(n: str, q: float) -> tuple[str, str]:
    """SQL for the first and last rank (1-based) of the sorted observations a q-quantile needs:
    n*q plus or minus 3 standard deviations of Binomial(n, q) and 3 ranks, which holds the
    interpolation points and both ranks of ``stats.quantile_ranks``. Only this window, not
    all n observations, leaves the database."""
    half = f"(ceil(3 * sqrt({n} * {q * (1 - q)!r})) + 3)::BIGINT"
    first = f"greatest(1, floor({n} * {q!r})::BIGINT - {half})"
    last = f"least({n}, ceil({n} * {q!r})::BIGINT + {half} + 1)"
    return first, last


def _order_statistics(first: pd.Series, windows: pd.Series) -> Callable[[object], np.ndarray]:
    """``order_statistic(rank)`` for each group: its rank-th smallest value (1-based), read from
    the group's window of sorted values that starts at rank ``first``; NaN outside the window."""
    windows = windows.map(lambda w: w if isinstance(w, np.ndarray) else np.empty(0))
    lengths = windows.map(len).to_numpy(dtype=int)  # int also when there is no group
    starts = np.cumsum(lengths) - lengths  # where each group's window begins in ``flat``
    flat = np.concatenate([*windows.to_numpy(), [np.nan]])  # the last NaN: outside a window
    first = first.fillna(1).to_numpy(float)

    def order_statistic(rank: object) -> np.ndarray:
        offset = np.asarray(rank, dtype=float) - first
        with np.errstate(invalid="ignore"):
            inside = (offset >= 0) & (offset < lengths)
        return flat[np.where(inside, starts + np.nan_to_num(offset).astype(int), -1)]

    return order_statistic


class Backlog(Kind):
    """Tickets open at a moment: a snapshot, counted by ``compile._backlog_selects``."""

    snapshot = True

    def aggregates(self, kpi: Kpi) -> list[str]:
        raise TypeError("the backlog has SELECTs of its own (compile._backlog_selects)")

    def measures(self, part: pd.DataFrame, kpi: Kpi) -> Measures:
        after_end = part["backlog__after_end"].eq(True).to_numpy()  # not measured
        n = np.where(after_end, np.nan, _floats(part, kpi, "n"))
        return Measures(value=n, n=n, after_data_end=after_end)

    def p_value(self, rows: pd.DataFrame, exposure_ratio: float) -> np.ndarray:
        return np.full(len(rows), np.nan)  # no sampling error: nothing to test


KINDS: dict[str, Kind] = {"count": Count(), "ratio": Ratio(), "mean": Mean(), "nps": Nps(),
                          "quantile": Quantile(), "backlog": Backlog()}  # fmt: skip


def kind_of(kpi: Kpi) -> Kind:
    return KINDS[kpi.kind]


def part_of(kpi: Kpi) -> str:
    """The ``__part`` label of the SELECTs that hold ``kpi``'s aggregate columns."""
    return "backlog" if kind_of(kpi).snapshot else f"{kpi.source}_{kpi.anchor}"
