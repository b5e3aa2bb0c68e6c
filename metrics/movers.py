"""Which groups changed the most, among changes that are statistically real.

Scanning every country, language and channel for changes tests many hypotheses at once, so the
p-values are adjusted for the false discovery rate (Benjamini–Hochberg, 5 %) across everything
scanned before anything counts as a mover. Movers are then ranked by effect size, not by p-value
(with enough data every tiny change is "significant"): the absolute log ratio for counts,
durations and means (a doubling and a halving rank alike), Cohen's h for proportions, and the
change in NPS points divided by 100. Low-confidence and privacy-suppressed groups never rank,
and comparisons that could not be tested (``<compare>_not_tested``: too little data, unsettled,
outside the data) are not counted among the tests at all.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from data_access.database import Database
from data_access.filters import Filter
from data_access.results import precomputed
from metrics import stats
from metrics.engine import kpi_table
from metrics.registry import KPIS

MOVER_COLUMNS = ["dimension", "member", "kpi", "value", "compared_value", "delta", "delta_rel",
                 "p_value", "q_value", "effect", "improved", "n", "compared_n"]  # fmt: skip
FALSE_DISCOVERY_RATE = 0.05


def effect_size(kpi_id: str, value: np.ndarray, compared: np.ndarray) -> np.ndarray:
    kind = KPIS[kpi_id].kind
    with np.errstate(divide="ignore", invalid="ignore"):
        if kind == "ratio":
            return np.abs(2 * np.arcsin(np.sqrt(value)) - 2 * np.arcsin(np.sqrt(compared)))
        if kind == "nps":
            return np.abs(value - compared) / 100
        return np.abs(np.log(value / compared))


@precomputed
def biggest_movers(
    db: Database,
    kpis: Sequence[str],
    flt: Filter,
    dimensions: Sequence[str] = ("country", "language", "channel"),
    compare: str = "previous",
    limit: int = 10,
) -> pd.DataFrame:
    """The ``limit`` largest real changes of ``kpis`` across the members of each dimension."""
    frames = []
    for dimension in dimensions:
        table = kpi_table(db, kpis, by=[dimension], flt=flt, compare=[compare])
        table = table.rename(columns={dimension: "member"}).assign(dimension=dimension)
        frames.append(table)
    if not frames:
        return pd.DataFrame(columns=MOVER_COLUMNS)
    table = pd.concat(frames, ignore_index=True)
    # untested comparisons have no p-value: they are not among the m tests and never rank
    table["q_value"] = stats.benjamini_hochberg(table[f"{compare}_p_value"])
    table = table[
        (table["q_value"] < FALSE_DISCOVERY_RATE)
        & ~table["low_confidence"]
        & ~table["suppressed"]
        & (table[f"{compare}_n"].fillna(0) >= 30)
    ].copy()
    table["compared_value"] = table[f"{compare}_value"]
    table["compared_n"] = table[f"{compare}_n"]
    table["delta"] = table[f"{compare}_delta"]
    table["delta_rel"] = table[f"{compare}_delta_rel"]
    table["p_value"] = table[f"{compare}_p_value"]
    table["effect"] = np.nan
    for kpi_id, rows in table.groupby("kpi").groups.items():
        table.loc[rows, "effect"] = effect_size(
            kpi_id, table.loc[rows, "value"].to_numpy(float),
            table.loc[rows, "compared_value"].to_numpy(float),
        )  # fmt: skip
    if table.empty:
        return pd.DataFrame(columns=MOVER_COLUMNS)
    direction = table["kpi"].map(lambda k: KPIS[k].direction).astype(int)
    table["improved"] = np.where(direction == 0, None, np.sign(table["delta"]) * direction > 0)
    table = table[np.isfinite(table["effect"])]
    return (
        table.sort_values(["effect", "p_value"], ascending=[False, True])
        .head(limit)[MOVER_COLUMNS]
        .reset_index(drop=True)
    )
