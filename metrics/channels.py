"""Channel comparisons on top of the KPI engine: where customers switch, where the bot hands off.

Pure functions over ``metrics.engine.kpi_table`` results and the ``Filter``: no SQL of their
own (every number comes from the registry's KPIs) and no Streamlit, so they test with plain pytest.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
import pandas as pd

from data_access.filters import Filter
from metrics.engine import RESULT_COLUMNS
from metrics.registry import BOT_CHANNELS  # the channels bot containment is defined on

FlowBasis = Literal["all", "returning"]
FLOW_BASES: tuple[FlowBasis, ...] = ("all", "returning")


def bot_filter(flt: Filter) -> Filter | None:
    """The filter narrowed to the channels a bot answers; ``None`` if it excludes all of them.

    Containment is already defined on bot channels only; narrowing the filter as well makes
    "top members" and counts refer to bot-channel contacts.
    """
    chosen = tuple(c for c in BOT_CHANNELS if not flt.channels or c in flt.channels)
    return flt.narrowed(channels=chosen) if chosen else None


def switch_flows(table: pd.DataFrame, basis: FlowBasis = "all") -> pd.DataFrame:
    """From a ``volume`` table by ``channel`` × ``next_channel``: who came back through what.

    Returns one row per (channel, next_channel) with ``contacts`` and ``share``: with
    ``basis="all"`` the share of all the channel's contacts (off-diagonal shares of a row then add
    up to its ``channel_switch`` rate); with ``basis="returning"`` the share of the channel's
    contacts that were followed by another contact within 7 days (a row adds up to 100 %).
    Combinations nobody took are listed with 0 contacts, so the matrix is complete.
    """
    if basis not in FLOW_BASES:
        raise ValueError(f"unknown basis {basis!r}; valid: {', '.join(FLOW_BASES)}")
    columns = ["channel", "next_channel", "contacts", "base", "share"]
    rows = table[table["kpi"] == "volume"]
    if rows.empty:
        return pd.DataFrame(columns=columns)
    totals = rows.groupby("channel")["value"].sum()
    flows = rows.dropna(subset=["next_channel"])
    returning = flows.groupby("channel")["value"].sum().reindex(totals.index, fill_value=0)
    base = totals if basis == "all" else returning
    nexts = sorted(flows["next_channel"].unique())
    grid = pd.MultiIndex.from_product([totals.index, nexts], names=["channel", "next_channel"])
    contacts = flows.set_index(["channel", "next_channel"])["value"].reindex(grid, fill_value=0)
    out = contacts.rename("contacts").reset_index()
    out["base"] = out["channel"].map(base).astype(float)
    with np.errstate(divide="ignore", invalid="ignore"):
        out["share"] = np.where(out["base"] > 0, out["contacts"] / out["base"], np.nan)
    return out[columns]


def bot_handoffs(table: pd.DataFrame) -> pd.DataFrame:
    """Bot-channel contacts the bot did not resolve, from a ``bot_containment`` table.

    Keeps the table's group columns and adds ``contacts`` (bot-channel contacts, the KPI's n),
    ``contained`` (n × containment), ``handed_off`` (n × (1 − containment): passed to an agent
    queue, including contacts who then left it) and ``handoff_share``; groups without bot-channel
    contacts are dropped. Sorted by hand-offs, most first.
    """
    rows = table[(table["kpi"] == "bot_containment") & (table["n"] > 0)]
    keys = [c for c in rows.columns if c not in RESULT_COLUMNS and not _is_comparison(c)]
    out = rows[keys].copy()
    out["contacts"] = rows["n"].astype(int)
    out["contained"] = np.rint(rows["value"] * rows["n"]).astype(int)  # value is k / n
    out["handed_off"] = out["contacts"] - out["contained"]
    out["handoff_share"] = out["handed_off"] / out["contacts"]
    out["low_confidence"] = rows["low_confidence"]
    return out.sort_values("handed_off", ascending=False, kind="stable").reset_index(drop=True)


def _is_comparison(column: str) -> bool:
    return column.startswith(("previous_", "year_ago_", "baseline_"))
