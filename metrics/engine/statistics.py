"""Statistics over the tidy KPI table: survey privacy suppression and period comparisons.

``suppress`` hides every survey group whose score could be read or worked out; ``changes``
adds, per comparison, the compared value, the delta and its p-value, or why it has none.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from data_access.catalog import Catalog
from data_access.filters import DIMENSION_FIELDS, Filter
from metrics import maturity
from metrics.engine.compile import Period
from metrics.engine.kinds import kind_of, part_of
from metrics.registry import KPIS, MIN_SURVEY_RESPONSES, Kpi

SHOWN_WHEN_HIDDEN = ("kpi", "period", "n", "low_confidence", "suppressed")


def suppress(
    table: pd.DataFrame, raw: pd.DataFrame, kpis: list[Kpi], keys: list[str], flt: Filter
) -> pd.DataFrame:
    """Hide every survey group whose score could be read off this table or worked out from it.

    A group is hidden when it, or one of its parts, has 1 to ``MIN_SURVEY_RESPONSES - 1``
    responses: its parts are, for each filtered dimension, each named member and the members
    left out (with that dimension's filter lifted), so that no result differs from another
    filter's by a small group. Then, in each set of sibling groups that add up to a total
    shown elsewhere (the members along one dimension, the other dimensions and the period held
    fixed), more siblings are hidden, smallest first, until the hidden ones together have no
    small part either, so nothing hidden can be recovered by subtraction. ``n`` stays shown.
    """
    hidden = table["suppressed"].to_numpy(bool).copy()
    groups = [*keys, "period"]
    for kpi in kpis:
        rows = np.flatnonzero(table["kpi"].to_numpy() == kpi.id)
        if not kpi.is_survey or not rows.size:
            continue
        own = table.iloc[rows][groups].reset_index(drop=True)
        parts = _response_parts(own, table["n"].to_numpy(float)[rows], raw, kpi, groups, flt)
        small = ((parts > 0) & (parts < MIN_SURVEY_RESPONSES)).any(axis=1)
        hidden[rows] = _complementary(own, parts, hidden[rows] | small, keys)
    scores = [c for c in table.columns if c not in {*keys, *SHOWN_WHEN_HIDDEN}]
    return table.assign(**{c: table[c].where(~hidden) for c in scores}, suppressed=hidden)


def _response_parts(
    own: pd.DataFrame, n: np.ndarray, raw: pd.DataFrame, kpi: Kpi, groups: list[str],
    flt: Filter,
) -> np.ndarray:  # fmt: skip
    """A row per group: its responses, then for each filtered dimension the responses of each
    named member and, last, of the rest (from ``compile._member_selects``)."""
    columns = [n[:, None]]
    rows = own.assign(__row=np.arange(len(own)))
    for name in DIMENSION_FIELDS:
        named = getattr(flt, name)
        if not named:
            continue
        lifted = raw.loc[raw["__part"] == f"{part_of(kpi)}:{name}",
                         [*groups, "__member", f"{kpi.id}__n"]]  # fmt: skip
        found = rows.merge(lifted, on=groups)
        member = pd.Categorical(found["__member"], categories=named).codes  # the rest: -1
        counts = np.zeros((len(own), len(named) + 1))
        responses = found[f"{kpi.id}__n"].to_numpy(float)
        np.add.at(counts, (found["__row"].to_numpy(), member), responses)
        columns.append(counts)
    return np.hstack(columns)


def _complementary(
    own: pd.DataFrame, parts: np.ndarray, hidden: np.ndarray, keys: list[str]
) -> np.ndarray:
    """``hidden`` grown until no set of siblings hides a small part (see ``suppress``): each
    round hides, in every set whose hidden rows hold a small part, the sibling with the fewest
    responses among those with some in that part. A set where no sibling has any is left: its
    total has the same small part, so it is hidden itself."""
    hidden = hidden.copy()
    siblings = [own.groupby([*(k for k in keys if k != dim), "period"], dropna=False).ngroup()
                .to_numpy() for dim in keys]  # fmt: skip
    changed = True
    while changed:
        changed = False
        for sets in siblings:
            together = np.zeros((sets.max() + 1, parts.shape[1]))
            np.add.at(together, sets, parts * hidden[:, None])
            small = (together > 0) & (together < MIN_SURVEY_RESPONSES)
            helpers = np.flatnonzero(~hidden & (small[sets] & (parts > 0)).any(axis=1))
            if helpers.size:
                by_size = helpers[np.lexsort((parts[helpers, 0], sets[helpers]))]
                first = np.r_[True, np.diff(sets[by_size]) != 0]
                hidden[by_size[first]] = True
                changed = True
    return hidden


def changes(
    table: pd.DataFrame, keys: list[str], periods: list[Period], grain: str | None, span: Catalog
) -> pd.DataFrame:
    """Current rows with, per comparison, the compared value, delta and significance.

    ``<name>_not_tested`` says why a comparison has no p-value: ``too_little_data`` (see
    ``metrics.stats``: no observations, a NaN or zero standard error, a suppressed side), or a
    ``metrics.maturity`` reason; a snapshot such as the backlog has none and no p-value.
    Counts from a compared period of another length (the 365-day baseline) are scaled to the
    current period's length, and tested as rates. Periods not both inside the data get no
    delta at all.
    """
    current = table[table["period"] == "current"].drop(columns="period")
    current = current.assign(provisional=maturity.provisional(current, span, periods[0].flt, grain))
    for period in periods[1:]:
        name = period.name
        ratio = 1.0 if grain else periods[0].flt.days / period.flt.days
        other = table[table["period"] == name].drop(columns="period")
        merged = current.merge(other, on=[*keys, "kpi"], how="left", suffixes=("", "_other"))
        kinds = merged["kpi"].map(lambda k: kind_of(KPIS[k]))
        counts = kinds.map(lambda kind: kind.scales_with_period).to_numpy(bool)
        merged.loc[counts, "value_other"] = merged.loc[counts, "value_other"] * ratio
        p_value = np.full(len(merged), np.nan)
        for kpi_id, rows in merged.groupby("kpi").groups.items():
            kind = kind_of(KPIS[kpi_id])
            p_value[merged.index.get_indexer(rows)] = kind.p_value(merged.loc[rows], ratio)
        shift = pd.DateOffset(years=period.shift_year, days=period.shift_days)
        blocker = maturity.comparison_blocker(current, span, periods[0].flt, period.flt, grain,
                                              shift)  # fmt: skip
        # a privacy-suppressed side is never tested, whatever its hidden numbers say
        hidden = (merged["suppressed"] | merged["suppressed_other"].eq(True)).to_numpy(bool)
        snapshot = kinds.map(lambda kind: kind.snapshot).to_numpy(bool)  # nothing to test
        too_little = (~np.isfinite(p_value) | hidden) & ~snapshot
        blocker[too_little & pd.isna(blocker)] = maturity.TOO_LITTLE_DATA
        p_value[pd.notna(blocker) | hidden] = np.nan
        compared = merged["value_other"].to_numpy(float, copy=True)
        compared[np.isin(blocker, maturity.UNCOMPARABLE)] = np.nan
        delta = merged["value"].to_numpy(float) - compared
        with np.errstate(divide="ignore", invalid="ignore"):
            delta_rel = delta / np.abs(compared)
        current = current.assign(**{
            f"{name}_value": compared,
            f"{name}_n": merged["n_other"].to_numpy(),
            f"{name}_delta": delta,
            f"{name}_delta_rel": delta_rel,
            f"{name}_p_value": p_value,
            f"{name}_significant": p_value < 0.05,
            f"{name}_not_tested": blocker,
        })  # fmt: skip
    return current
