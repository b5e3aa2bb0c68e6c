"""Why a KPI moved between two periods: the part the mix of groups explains and the part the
rates within the groups explain (a shift-share decomposition).

A KPI whose value is a weighted mean of its groups' values (ratios, means, NPS: each group
weighs its share of the KPI's population, the engine's ``n``) splits exactly with the symmetric
(midpoint, Shapley two-factor) formula, per group g:

    mix_g  = (w1_g - w0_g) * (r0_g + r1_g) / 2
    rate_g = (r1_g - r0_g) * (w0_g + w1_g) / 2

and sum(mix_g) + sum(rate_g) = sum(w1 r1) - sum(w0 r0), the engine's overall change. A group
seen in one period only weighs 0 in the other and takes its rate from the period it is in: its
whole effect is mix (it arrived or left), none of it rate.

A quantile (median, p90) is not a weighted mean of group quantiles, so it splits through the
counterfactual quantile Q(w, D): the rows of distribution D reweighted so that the groups have
the shares w. Averaged over both orders (Shapley),

    mix  = [Q(w1, D0) - Q(w0, D0) + Q(w1, D1) - Q(w0, D1)] / 2
    rate = [Q(w0, D1) - Q(w0, D0) + Q(w1, D1) - Q(w1, D0)] / 2

which add up to Q(w1, D1) - Q(w0, D0), the engine's change; per group it gives the same
formulas on group quantiles, which rank the groups but need not add up.

Counts (volume, backlog) are sums, not rates: they do not decompose (``decompose`` returns
None). Survey groups the engine hides for privacy are folded into 'Other'; if a group is still
hidden after that, the dimension is skipped: nothing hidden is ever used.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from data_access.database import Database
from data_access.filters import Filter
from data_access.results import precomputed
from metrics import drilldown
from metrics.engine import OTHER, kpi_table
from metrics.engine.compile import request_periods
from metrics.registry import KPIS, Kpi

WEIGHTED_MEANS = ("ratio", "mean", "nps")  # the overall value is the n-weighted mean of groups
DIMENSIONS = ("channel", "country", "language", "category", "priority")
RATE_MEMBERS = 3  # groups named behind the rate part
GROUP_COLUMNS = ["member", "n0", "n1", "w0", "w1", "r0", "r1", "mix", "rate"]


def decomposes(kpi_id: str) -> bool:
    """Whether the KPI's change splits into mix and rate (counts do not)."""
    return KPIS[kpi_id].kind in (*WEIGHTED_MEANS, "quantile")


def shift_share(groups: pd.DataFrame) -> pd.DataFrame:
    """Each group's mix and rate parts (columns ``mix``, ``rate``) from its weights ``w0``,
    ``w1`` (shares of the population, each period's adding up to 1) and values ``r0``, ``r1``.

    A group missing from a period has weight 0 (or NaN) there and takes the other period's
    value; groups with no weight in either period are left out. The parts add up to
    sum(w1 r1) - sum(w0 r0) exactly (up to rounding)."""
    w0, w1 = groups["w0"].fillna(0.0), groups["w1"].fillna(0.0)
    present = (w0 > 0) | (w1 > 0)
    w0, w1, groups = w0[present], w1[present], groups[present]
    r0 = groups["r0"].where(w0 > 0, groups["r1"])
    r1 = groups["r1"].where(w1 > 0, r0)
    return groups.assign(w0=w0, w1=w1, r0=r0, r1=r1, mix=(w1 - w0) * (r0 + r1) / 2,
                         rate=(r1 - r0) * (w0 + w1) / 2)  # fmt: skip


@dataclass(frozen=True)
class Decomposition:
    """A KPI's change from the compared period (0) to the current one (1) along one dimension.

    ``groups``: one row per member (``GROUP_COLUMNS``; n, weight and value in each period and
    the member's mix and rate parts). ``groups_add_up``: whether those parts add up to ``mix``
    and ``rate`` (False for quantiles, where they only rank the groups)."""

    kpi: str
    dimension: str
    compare: str
    value0: float
    value1: float
    mix: float
    rate: float
    groups: pd.DataFrame
    groups_add_up: bool = True

    @property
    def change(self) -> float:
        return self.value1 - self.value0

    @property
    def mix_share(self) -> float:
        """The mix part as a share of the change (above 1 when the rates moved the other way);
        NaN when nothing changed."""
        return self.mix / self.change if self.change else float("nan")


@dataclass(frozen=True)
class Explanation:
    """The sentence behind a change: the dimension whose mix explains most of it, the member
    the mix moved towards, and the members whose own values drove the rate part."""

    decomposition: Decomposition
    mix_member: object | None  # gained share and pushed the KPI the way the mix part went
    rate_members: tuple[object, ...]  # biggest rate parts in the direction of the rate part

    @property
    def dimension(self) -> str:
        return self.decomposition.dimension


def _compared_filter(flt: Filter, compare: str) -> Filter:
    return request_periods(flt, [compare])[1].flt


def _overall(db: Database, kpi_id: str, flt: Filter, compare: str) -> tuple[float, float] | None:
    """The engine's compared and current values, or None where there is no change to explain
    (no value, hidden for privacy, or periods the engine will not compare)."""
    table = kpi_table(db, [kpi_id], flt=flt, compare=[compare])
    if table.empty:
        return None
    row = table.iloc[0]
    value0, value1 = float(row[f"{compare}_value"]), float(row["value"])
    return (value0, value1) if np.isfinite(value0) and np.isfinite(value1) else None


def _group_tables(db: Database, kpi: Kpi, flts: tuple[Filter, Filter], by: str
                  ) -> list[pd.DataFrame] | None:  # fmt: skip
    """The engine's table by ``by`` for each period; survey members hidden in either period are
    folded into 'Other', and if anything is still hidden, None."""
    tables = [kpi_table(db, [kpi.id], by=[by], flt=f) for f in flts]
    hidden = {m for t in tables for m in t.loc[t["suppressed"], by]}
    if not hidden:
        return tables
    shown = sorted({m for t in tables for m in t[by].dropna()} - hidden - {OTHER})
    if not shown:
        return None
    tables = [kpi_table(db, [kpi.id], by=[by], flt=f, keep={by: shown}) for f in flts]
    return None if any(t["suppressed"].any() for t in tables) else tables


def _weighted_mean_groups(tables: list[pd.DataFrame], by: str) -> pd.DataFrame:
    both = [t[[by, "n", "value"]].rename(columns={by: "member", "n": f"n{i}", "value": f"r{i}"})
            for i, t in enumerate(tables)]  # fmt: skip
    groups = both[0].merge(both[1], on="member", how="outer")
    return _with_weights(groups)


def _with_weights(groups: pd.DataFrame) -> pd.DataFrame:
    groups = groups.fillna({"n0": 0.0, "n1": 0.0})
    return groups.assign(w0=groups["n0"] / groups["n0"].sum(), w1=groups["n1"] / groups["n1"].sum())


def weighted_quantile(values: np.ndarray, weights: np.ndarray, q: float) -> float:
    """The q-quantile of ``values``, each counted ``weights`` times: linear interpolation between
    order statistics at position (N - 1) q, N the total weight, as ``quantile_cont`` does; with
    unit weights exactly the engine's quantile (``stats.quantile_with_interval``)."""
    order = np.argsort(values, kind="stable")
    values, weights = values[order], weights[order]
    values, weights = values[weights > 0], weights[weights > 0]
    cumulative = np.cumsum(weights)
    position = (cumulative[-1] - 1) * q
    below = np.floor(position)

    def order_statistic(rank: float) -> float:  # 0-based: the value covering that position
        return values[min(np.searchsorted(cumulative, rank, side="right"), len(values) - 1)]

    low = order_statistic(below)
    fraction = position - below
    return low + fraction * (order_statistic(below + 1) - low) if fraction > 0 else low


def _reweighted_quantile(codes: np.ndarray, values: np.ndarray, own: np.ndarray, total: float,
                         target: np.ndarray, q: float) -> float:  # fmt: skip
    """Q(target, D): the rows (group ``codes``, ``values``) of a period with ``own`` rows per
    group, reweighted to the shares of the ``target`` counts and to ``total`` rows in all.
    Weights are ratios of whole numbers, so equal shares give weights of exactly 1."""
    weights = (target[codes] * total) / (target.sum() * own[codes])
    return weighted_quantile(values, weights, q)


def _quantile_decomposition(kpi: Kpi, rows: list[pd.DataFrame], by: str
                            ) -> tuple[float, float, pd.DataFrame]:  # fmt: skip
    """Mix and rate of a quantile from both periods' rows (module docstring)."""
    members = pd.concat([r[by] for r in rows], ignore_index=True)
    codes, uniques = pd.factorize(members, use_na_sentinel=False)
    codes = np.split(codes, [len(rows[0])])
    values = [r[drilldown.VALUE].to_numpy(float) for r in rows]
    counts = [np.bincount(c, minlength=len(uniques)).astype(float) for c in codes]
    # a group missing from one period lends that period its rows from the other (weight 0 in
    # its own period, so Q(w0, D0) and Q(w1, D1) are untouched)
    lent = [np.isin(codes[1 - i], np.flatnonzero(counts[i] == 0)) for i in (0, 1)]
    filled = [(np.r_[codes[i], codes[1 - i][lent[i]]], np.r_[values[i], values[1 - i][lent[i]]],
               counts[i] + np.bincount(codes[1 - i][lent[i]], minlength=len(uniques)))
              for i in (0, 1)]  # fmt: skip
    q = kpi.quantile

    def counterfactual(shares: int, rows_of: int) -> float:
        """The rows of period ``rows_of``, as many as it had, with period ``shares``' shares."""
        c, v, own = filled[rows_of]
        return _reweighted_quantile(c, v, own, counts[rows_of].sum(), counts[shares], q)

    ones = [np.ones(len(v)) for v in values]
    q00, q11 = (weighted_quantile(values[i], ones[i], q) for i in (0, 1))
    q10, q01 = counterfactual(1, 0), counterfactual(0, 1)
    mix = ((q10 - q00) + (q11 - q01)) / 2
    rate = ((q01 - q00) + (q11 - q10)) / 2
    group_values = [[weighted_quantile(values[i][codes[i] == g], ones[i][codes[i] == g], q)
                     if counts[i][g] else np.nan for g in range(len(uniques))]
                    for i in (0, 1)]  # fmt: skip
    groups = pd.DataFrame({"member": uniques, "n0": counts[0], "n1": counts[1],
                           "r0": group_values[0], "r1": group_values[1]})  # fmt: skip
    return mix, rate, _with_weights(groups)


def _decompose(db: Database, kpi: Kpi, flt: Filter, compare: str, by: str,
               overall: tuple[float, float], rows: list[pd.DataFrame] | None = None
               ) -> Decomposition | None:  # fmt: skip
    flts = (_compared_filter(flt, compare), flt)
    if kpi.kind == "quantile":
        rows = rows or [drilldown.values(db, kpi.id, f, (by,)) for f in flts]
        if any(r.empty for r in rows):
            return None
        mix, rate, groups = _quantile_decomposition(kpi, rows, by)
        groups = shift_share(groups)
        add_up = False
    else:
        tables = _group_tables(db, kpi, flts, by)
        if tables is None:
            return None
        groups = shift_share(_weighted_mean_groups(tables, by))
        mix, rate = float(groups["mix"].sum()), float(groups["rate"].sum())
        add_up = True
    return Decomposition(kpi.id, by, compare, *overall, mix=float(mix), rate=float(rate),
                         groups=groups[GROUP_COLUMNS].reset_index(drop=True),
                         groups_add_up=add_up)  # fmt: skip


def decompose(
    db: Database, kpi_id: str, flt: Filter, compare: str = "previous", by: str = "channel"
) -> Decomposition | None:
    """The KPI's change from the ``compare`` period to ``flt``'s, split into mix and rate along
    ``by``. None for counts (they do not decompose), where the engine shows no change, or where
    the survey groups along ``by`` cannot be shown even folded into 'Other'."""
    kpi = KPIS[kpi_id]
    if not decomposes(kpi_id):
        return None
    overall = _overall(db, kpi_id, flt, compare)
    return None if overall is None else _decompose(db, kpi, flt, compare, by, overall)


def _mix_member(d: Decomposition) -> object | None:
    """The member that gained share and pushed the KPI the way the mix part went: largest
    (w1 - w0) * (r_g - average), which add up to the mix part as well (shares sum to 1)."""
    g = d.groups
    centred = (g["w1"] - g["w0"]) * ((g["r0"] + g["r1"]) / 2 - (d.value0 + d.value1) / 2)
    aligned = centred * np.sign(d.mix)
    candidates = aligned[(g["w1"] > g["w0"]) & (aligned > 0)]
    return None if candidates.empty else g.loc[candidates.idxmax(), "member"]


def _rate_members(d: Decomposition) -> tuple[object, ...]:
    aligned = d.groups["rate"] * np.sign(d.rate)
    top = aligned[aligned > 0].sort_values(ascending=False).head(RATE_MEMBERS)
    return tuple(d.groups.loc[top.index, "member"])


@precomputed
def explain(
    db: Database,
    kpi_id: str,
    flt: Filter,
    compare: str = "previous",
    dimensions: Sequence[str] = DIMENSIONS,
) -> Explanation | None:
    """Decompose along each dimension and keep the one whose mix part explains the largest
    share of the change (``Decomposition.mix_share``), with the member the mix moved to and
    the members behind the rate part. None where nothing decomposes or nothing changed."""
    kpi = KPIS[kpi_id]
    if not decomposes(kpi_id):
        return None
    overall = _overall(db, kpi_id, flt, compare)
    if overall is None or overall[0] == overall[1]:
        return None
    rows = None
    if kpi.kind == "quantile":  # one query per period for every dimension
        flts = (_compared_filter(flt, compare), flt)
        rows = [drilldown.values(db, kpi_id, f, tuple(dimensions)) for f in flts]
    found = [_decompose(db, kpi, flt, compare, by, overall, rows) for by in dimensions]
    found = [d for d in found if d is not None]
    if not found:
        return None
    best = max(found, key=lambda d: d.mix_share)
    return Explanation(best, _mix_member(best), _rate_members(best))
