"""Figures and the KPI table of the Channels page: tidy metric tables in, plotly/Styler out.

Builds on ``presentation.charts`` (same theme, units and hover conventions) and gives every
channel one colour on every chart. No Streamlit calls and no queries here: the page fetches,
this module draws.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from pandas.io.formats.style import Styler

from data_access.schema import CHANNELS
from metrics.channels import FlowBasis
from metrics.registry import KPIS
from presentation import charts, theme
from presentation import format as fmt
from presentation.i18n import _

# one colour per channel wherever it appears; chat and messaging (the bot's) clearly apart
CHANNEL_COLOURS = {
    "email": theme.PALETTE[0],  # blue
    "chat": theme.PALETTE[1],  # orange
    "phone": theme.PALETTE[2],  # bluish green
    "messaging": theme.PALETTE[3],  # reddish purple
    "social": theme.PALETTE[4],  # sky blue
    "web_form": theme.PALETTE[5],  # vermillion
}


def channel_order(channels: Sequence[str]) -> list[str]:
    """Channels in the schema's order (unknown ones after, alphabetically)."""
    known = [c for c in CHANNELS if c in set(channels)]
    return known + sorted(set(channels) - set(CHANNELS))


def colour_channels(fig: go.Figure) -> go.Figure:
    """Give each trace named after a channel that channel's colour (line, marker and fill)."""
    by_label = {fmt.member("channel", c): colour for c, colour in CHANNEL_COLOURS.items()}
    for trace in fig.data:
        colour = by_label.get(trace.name)
        if colour is None:
            continue
        if trace.type == "scatter":
            trace.line.color = colour
            trace.marker.color = colour
            if trace.stackgroup:
                trace.fillcolor = colour
    return fig


def bot_trend(table: pd.DataFrame, grain: str, split: str | None,
              partial: Sequence[pd.Timestamp], title: str) -> go.Figure:  # fmt: skip
    """Bot containment over time (per bot channel, in its colour) against its target."""
    fig = charts.trend(table, "bot_containment", grain, split=split, partial=partial, title=title)
    fig = charts.target_line(fig, "bot_containment", KPIS["bot_containment"].target)
    return colour_channels(fig)


def channel_mix(table: pd.DataFrame, grain: str) -> go.Figure:
    """Share of contacts per channel and ``grain`` bucket, biggest channel at the bottom."""
    volume = table[table["kpi"] == "volume"]
    members = volume.groupby("channel")["value"].sum().sort_values(ascending=False).index
    title = _("Share of contacts by channel, by {grain}").format(grain=fmt.grain_name(grain))
    fig = charts.stacked_share(volume, grain, "channel", title, members=list(members))
    fig.update_layout(hovermode="x unified")
    return colour_channels(fig)


@dataclass(frozen=True)
class ScorecardCells:
    """What ``scorecard`` draws, as plain data: the frame (the channel's name, each KPI's raw
    value, the n columns) and, per KPI, the rows written as hidden (privacy) and the rows drawn
    grey (fewer than 30 observations)."""

    frame: pd.DataFrame
    kpis: tuple[str, ...]
    counts: tuple[str, ...]
    hidden: dict[str, list[int]]
    grey: dict[str, list[int]]


def scorecard_cells(
    table: pd.DataFrame,
    kpis: Sequence[str],
    counts: Sequence[str] = (),
    counts_first: bool = False,
) -> ScorecardCells:
    """A per-channel KPI table: raw numbers (so columns sort numerically), shown formatted by
    ``scorecard``.

    One row per channel that has observations for any of ``kpis`` (so a table of queue KPIs
    leaves out e-mail rather than showing it 0), ordered by the first KPI's n, largest first.
    Each KPI column holds the engine's value (shares as fractions, times in seconds); ``counts``
    are the KPIs that get a column with their n (headed ``fmt.n_header``), placed right after
    the KPI (``counts_first``: right after the channel, e.g. contacts offered before the queue
    KPIs). Values resting on fewer than 30 observations are grey.
    """
    rows = table[table["kpi"].isin(kpis)]
    value = rows.pivot(index="channel", columns="kpi", values="value").reindex(columns=kpis)
    n = rows.pivot(index="channel", columns="kpi", values="n").reindex(columns=kpis).fillna(0)
    low = rows.pivot(index="channel", columns="kpi", values="low_confidence").reindex(columns=kpis)
    hidden_cells = rows.pivot(index="channel", columns="kpi", values="suppressed").reindex(
        columns=kpis)
    present = n.index[(n > 0).any(axis=1)]
    order = n.loc[present, kpis[0]].sort_values(ascending=False, kind="stable").index
    frame = pd.DataFrame({"channel": [fmt.member("channel", c) for c in order]})
    if counts_first:
        for kpi in counts:
            frame[f"{kpi}_n"] = n.loc[order, kpi].to_numpy(int)
    for kpi in kpis:
        frame[kpi] = value.loc[order, kpi].to_numpy(float)
        if kpi in counts and not counts_first:
            frame[f"{kpi}_n"] = n.loc[order, kpi].to_numpy(int)
    hidden, grey = {}, {}
    for kpi in kpis:
        hidden[kpi] = np.flatnonzero(hidden_cells.loc[order, kpi].fillna(False).to_numpy(bool))
        grey[kpi] = np.flatnonzero(low.loc[order, kpi].fillna(False).to_numpy(bool)
                                   & (n.loc[order, kpi].to_numpy() > 0))  # fmt: skip
    return ScorecardCells(frame, tuple(kpis), tuple(counts),
                          {k: v.tolist() for k, v in hidden.items()},
                          {k: v.tolist() for k, v in grey.items()})  # fmt: skip


def scorecard(cells: ScorecardCells) -> tuple[Styler, dict[str, object]]:
    """The Styler of a ``scorecard_cells`` table (values in their unit, hidden ones said so,
    few observations grey) and its ``column_config`` (header and definition of each column;
    keys are the KPI ids and ``<kpi>_n``)."""
    frame = cells.frame
    styler = frame.style
    config: dict[str, object] = {"channel": {"label": _("Channel")}}
    for kpi in cells.kpis:
        definition = KPIS[kpi]
        styler = styler.format(lambda v, k=kpi: fmt.kpi_value(k, v), subset=[kpi],
                               na_rep=fmt.MISSING)  # fmt: skip
        if cells.hidden[kpi]:  # the value stays NaN (sorting works), the text says why
            styler = styler.format(lambda _value: fmt.suppressed(),
                                   subset=(frame.index[cells.hidden[kpi]], [kpi]))  # fmt: skip
        if cells.grey[kpi]:
            styler = styler.map(lambda _: f"color: {theme.NEUTRAL}",
                                subset=(frame.index[cells.grey[kpi]], [kpi]))  # fmt: skip
        target = (" " + _("Target: {value}.").format(value=fmt.kpi_value(kpi, definition.target))
                  if definition.target is not None else "")  # fmt: skip
        config[kpi] = {"label": fmt.tile_label(kpi),
                       "help": f"{fmt.kpi_label(kpi)}: {fmt.kpi_definition(kpi)}{target}"}
        if kpi in cells.counts:
            styler = styler.format(fmt.count, subset=[f"{kpi}_n"])
            n_help = _("The n of {kpi}: {counted}.").format(kpi=fmt.kpi_label(kpi),
                                                            counted=fmt.n_label(kpi))
            config[f"{kpi}_n"] = {"label": fmt.n_header(kpi), "help": n_help}
    return styler, config


def flow_heatmap(flows: pd.DataFrame, basis: FlowBasis) -> go.Figure:
    """Channel of a contact (rows) → channel of the same customer's next contact (columns)."""
    share = flows.pivot(index="channel", columns="next_channel", values="share") * 100
    contacts = flows.pivot(index="channel", columns="next_channel", values="contacts")
    rows = channel_order(share.index)
    columns = channel_order(share.columns)
    share, contacts = share.loc[rows, columns], contacts.loc[rows, columns]
    share.index = [fmt.member("channel", c) for c in rows]
    share.columns = [fmt.member("channel", c) for c in columns]
    hover = (_("{share} of {channel} contacts") if basis == "all"
             else _("{share} of {channel} contacts followed by another within 7 days"))
    share_text = "<b>" + _("{value} %").format(value="%{z:.1f}") + "</b>"
    fig = charts.heatmap(
        share,
        _("Where customers went next (within 7 days)"),
        _("% of row"),
        hover="%{y} → %{x}<br>" + hover.format(share=share_text, channel="%{y}") + "<br>"
        + _("{count} contacts").format(count="%{customdata:,}"),
    )  # fmt: skip
    fig.update_traces(
        customdata=contacts.to_numpy(dtype=int), zmin=0,
        texttemplate=_("{value} %").format(value="%{z:.1f}"), textfont={"size": 12},
    )  # fmt: skip
    fig.update_layout(
        xaxis={"title": {"text": _("next contact (within 7 days)")}},
        yaxis={"title": {"text": _("this contact")}},
        height=max(320, 36 * len(rows) + 160),
    )  # fmt: skip
    return fig


def handoff_bars(handoffs: pd.DataFrame, dimension: str, title: str) -> go.Figure:
    """Bot-channel contacts per member, split into resolved by the bot and handed to an agent.

    Sorted by hand-offs, most at the top; the hand-off share is written on the bar.
    """
    rows = handoffs.iloc[::-1]  # plotly draws the first category at the bottom
    labels = [fmt.member(dimension, m) for m in rows[dimension]]
    codes = rows[dimension].tolist()
    hover = [
        f"<b>{label}</b><br>"
        + _("{handed} handed to an agent ({share})").format(
            handed=fmt.count(r.handed_off), share=fmt.percent(r.handoff_share))
        + "<br>" + _("{contained} resolved by the bot").format(contained=fmt.count(r.contained))
        + "<br>" + _("of {contacts} bot-channel contacts").format(contacts=fmt.count(r.contacts))
        for label, r in zip(labels, rows.itertuples(), strict=True)
    ]  # fmt: skip
    fig = go.Figure()
    fig.add_trace(go.Bar(
        y=labels, x=rows["handed_off"], orientation="h", name=_("handed to an agent"),
        marker={"color": theme.BAD}, customdata=codes,
        text=[f"{fmt.count(h)} ({fmt.percent(s, 0)})"
              for h, s in zip(rows["handed_off"], rows["handoff_share"], strict=True)],
        textposition="inside", insidetextanchor="end",
        hovertext=hover, hoverinfo="text",
    ))  # fmt: skip
    fig.add_trace(go.Bar(
        y=labels, x=rows["contained"], orientation="h", name=_("resolved by the bot"),
        marker={"color": "rgba(0,114,178,0.35)"}, customdata=codes,
        hovertext=hover, hoverinfo="text",
    ))  # fmt: skip
    fig.update_layout(
        title=title, barmode="stack", height=max(290, 26 * len(rows) + 140),
        xaxis={"rangemode": "tozero", "tickformat": ",",
               "title": {"text": _("chat and messaging contacts")}},
        legend={"traceorder": "normal", "y": 1.0, "yanchor": "bottom"},
        margin={"t": 70},
    )  # fmt: skip
    return fig
