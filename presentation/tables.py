"""KPI tables: one row per group, one column per KPI, coloured against targets, n alongside."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import pandas as pd
from pandas.io.formats.style import Styler

from metrics.registry import KPIS
from presentation import format as fmt
from presentation.i18n import _

MET = "background-color: rgba(0, 114, 178, 0.12)"
MISSED = "background-color: rgba(213, 94, 0, 0.16)"
LOW_CONFIDENCE = "color: #8A8F98; font-style: italic"


def wide(
    table: pd.DataFrame, dimension: str, kpis: Sequence[str], n_of: Sequence[str] = ()
) -> pd.DataFrame:
    """Pivot the engine's tidy table: a row per member (codes in the index, a readable ``name``
    column first), a column per KPI plus ``<kpi>_n`` for the KPIs in ``n_of``; sorted by volume
    when present."""
    pivot = table.pivot_table(index=dimension, columns="kpi", values="value", aggfunc="first",
                              dropna=False)  # fmt: skip
    frame = pd.DataFrame(index=pivot.index)
    frame.insert(0, "name", [fmt.member(dimension, m) for m in pivot.index])
    for kpi in kpis:
        frame[kpi] = pivot.get(kpi, np.nan)
        if kpi in n_of:
            counts = table[table["kpi"] == kpi].set_index(dimension)["n"]
            frame[f"{kpi}_n"] = counts.reindex(frame.index)
    if "volume" in frame:
        frame = frame.sort_values("volume", ascending=False)
    return frame


def _flags(table: pd.DataFrame, dimension: str, flag: str) -> set[tuple[str, str]]:
    rows = table[table[flag].astype(bool)]
    return set(zip(rows[dimension], rows["kpi"], strict=True))


def styled(
    frame: pd.DataFrame,
    table: pd.DataFrame,
    dimension: str,
    extra_formats: dict[str, Callable[[float], str]] | None = None,
) -> Styler:
    """Each KPI column in its unit, tinted against the KPI's target; low-confidence cells grey,
    privacy-suppressed cells written as hidden. Show it with ``hide_index=True``."""
    low = _flags(table, dimension, "low_confidence")
    hidden = _flags(table, dimension, "suppressed")

    def colour(column: pd.Series) -> list[str]:
        kpi = KPIS.get(column.name)
        styles = []
        for member, value in column.items():
            css = []
            met = fmt.target_met(kpi, value) if kpi else None
            if met is not None:
                css.append(MET if met else MISSED)
            if kpi and (member, kpi.id) in low:
                css.append(LOW_CONFIDENCE)
            styles.append("; ".join(css))
        return styles

    formats: dict[str, Callable] = dict(extra_formats or {})
    for column in frame.columns:
        if column in KPIS:
            formats[column] = _formatter(column)
        elif column.endswith("_n"):
            formats[column] = fmt.count
    styler = frame.style.format(formats, na_rep=fmt.MISSING).apply(colour, axis=0)
    for member, kpi_id in hidden:  # the value stays NaN (sorting works), the text says why
        if member in frame.index and kpi_id in frame.columns:
            styler = styler.format(lambda _value: fmt.suppressed(),
                                   subset=pd.IndexSlice[[member], [kpi_id]])  # fmt: skip
    return styler


def _formatter(kpi_id: str) -> Callable[[float], str]:
    return lambda value: fmt.kpi_value(kpi_id, value)


def column_config(frame: pd.DataFrame, name_label: str) -> dict[str, str]:
    """Readable column headers: short KPI labels; 'n' columns named after what they count."""
    labels = {"name": name_label}
    for column in frame.columns:
        if column in KPIS:
            labels[column] = fmt.tile_label(column)
        elif column.endswith("_n") and column[:-2] in KPIS:
            labels[column] = fmt.n_header(column[:-2])
    return labels


def peers(frame: pd.DataFrame, kpis: Sequence[str]) -> pd.DataFrame:
    """``metrics.peers`` rows as a table to read: a row per KPI (its label), a column each for
    the market, its subregion and all markets, values formatted, hidden ones said so."""
    names = {"market": lambda code: fmt.member("country", code),
             "region": fmt.region_label,
             "world": lambda _name: fmt.all_markets(title=True)}  # fmt: skip
    out = pd.DataFrame({_("KPI"): [fmt.tile_label(k) for k in kpis]})
    for scope, label in names.items():
        rows = frame[frame["scope"] == scope].set_index("kpi").reindex(kpis)
        if rows["name"].isna().all():
            continue
        header = label(rows["name"].dropna().iloc[0])
        out[header] = [fmt.suppressed() if hidden else fmt.kpi_value(k, v)
                       for k, v, hidden in zip(kpis, rows["value"],
                                               rows["suppressed"].fillna(False), strict=True)]
    return out
