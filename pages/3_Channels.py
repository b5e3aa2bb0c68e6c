"""Channels: how our channels compare, where customers switch channel, how much the bot contains."""

import pandas as pd
import streamlit as st

from metrics.registry import (
    BOT_CHANNELS,
    KPIS,
    QUEUE_CHANNELS,
    QUEUE_KPIS,
    SERVICE_LEVEL_ANSWER_SECONDS,
    SLA_TARGET_SECONDS,
)
from presentation import channel_charts, charts
from presentation import format as fmt
from presentation.i18n import N_, _, translate
from ui import controls, data, filters, show
from ui.filters import Filter
from ui.page import page
from ui.tiles import kpi_tiles

SCORECARD_KPIS = ("volume", "frt_median", "resolution_median", "sla", "fcr", "csat")
BAR_KPIS = (*SCORECARD_KPIS[1:], *QUEUE_KPIS)
FLOW_LABELS = {"all": N_("all its contacts"), "returning": N_("contacts that came back")}
HANDOFF_SPLITS = ("category", "language", "country")
TOP_MEMBERS = 10  # hand-offs by language or country: the biggest, the rest as 'Other'


def _channel_names(codes: tuple[str, ...], either: bool = False) -> str:
    """'Chat', 'Chat and Phone', 'E-mail, Phone and Social' ('Chat or Phone' with ``either``),
    for Markdown."""
    names = [fmt.escape_markdown(fmt.member("channel", c)) for c in codes]
    if len(names) < 2:
        return "".join(names)
    joined = _("{first} or {last}") if either else _("{first} and {last}")
    return joined.format(first=", ".join(names[:-1]), last=names[-1])


def _has_values(table: pd.DataFrame, kpi: str) -> bool:
    return bool(table.loc[table["kpi"] == kpi, "value"].notna().any())


def channel_mix(flt: Filter, scores: pd.DataFrame) -> None:
    st.subheader(_("Channel mix"))
    present = tuple(scores.loc[(scores["kpi"] == "volume") & (scores["value"] > 0), "channel"])
    if not present:
        show.empty(_("No contacts under these filters: widen the period or remove a filter."))
        return
    if len(present) == 1:
        show.empty(
            _("Only {channels} contacts are in the filter, so its share is 100 %. Remove the "
              "channel filter to compare the mix.").format(channels=_channel_names(present))
        )
        return
    grain = controls.grain(flt)
    mix = data.kpi_table(["volume"], by=["channel"], flt=flt, grain=grain)
    show.chart(show.figure(channel_charts.channel_mix, mix, grain), "channel_mix", data=mix)
    st.caption(
        _("Each band is a channel's share of the contacts created in that {grain} (UTC), so the "
          "bands always add up to 100 %. Hover for the shares.").format(
            grain=fmt.grain_name(grain))
    )


def sla_versus_service_level() -> str:
    """Why a live channel can score low on SLA and high on service level at the same time."""
    targets = [t for c in QUEUE_CHANNELS for t in SLA_TARGET_SECONDS[c].values()]
    return _(
        "SLA attainment and service level time different things. SLA runs from the contact's "
        "creation, so for a chat it includes the conversation with the bot before the "
        "hand-off; it is judged against the channel and priority target ({low}–{high} for "
        "{channels}) and leaves abandoned contacts out. Service level counts only the wait in "
        "the agent queue, against {answer}, and counts abandoned contacts as misses. A chat can "
        "meet the service level and still miss its SLA."
    ).format(low=fmt.duration(min(targets)), high=fmt.duration(max(targets)),
             channels=_channel_names(QUEUE_CHANNELS),
             answer=fmt.duration(SERVICE_LEVEL_ANSWER_SECONDS))  # fmt: skip


def channel_scorecard(scores: pd.DataFrame) -> None:
    """The per-channel KPI tables and a bar chart of one KPI."""
    st.subheader(_("How channels compare"))
    if scores.empty:
        show.empty(_("No contacts under these filters: widen the period or remove a filter."))
        return
    styler, columns = channel_charts.scorecard(show.prepared(
        channel_charts.scorecard_cells, scores, SCORECARD_KPIS, counts=("csat",)))  # fmt: skip
    show.table(scores, "channel_scores", _("How channels compare"), shown=styler,
               hide_index=True, width="stretch", column_config=columns)  # fmt: skip
    notes = [_("Median resolution and FCR count tickets resolved in the period, CSAT the survey "
               "answers received in it. Grey: fewer than 30 observations.")]  # fmt: skip
    if scores.loc[scores["kpi"] == "csat", "suppressed"].any():
        notes.append(_("An empty CSAT rests on fewer than 5 answers and is hidden (privacy)."))
    notes.append(_("Hover a column header for its definition and target; click it to sort."))
    st.caption(" ".join(notes))

    queue = _channel_names(QUEUE_CHANNELS)
    st.markdown(_("**Live queues** ({channels}: the other channels have no queue)").format(
        channels=queue))
    if not _has_values(scores, "abandonment"):
        show.empty(_("The channel filter excludes {channels}, the channels with a live "
                     "queue.").format(channels=queue))
    else:
        styler, columns = channel_charts.scorecard(show.prepared(
            channel_charts.scorecard_cells, scores, QUEUE_KPIS, counts=("abandonment",),
            counts_first=True))  # fmt: skip
        queue_scores = scores[scores["kpi"].isin(QUEUE_KPIS)]
        show.table(queue_scores, "queue_scores", _("Live queues by channel"), shown=styler,
                   hide_index=True, width="content", column_config=columns)  # fmt: skip
        st.caption(sla_versus_service_level())

    pick, _spare = st.columns([1, 2])
    with pick:
        kpi = controls.select(_("Compare channels on"), BAR_KPIS, "kpi", "sla", fmt.kpi_label,
                              help=_("Bars show the 95% interval and the target."))  # fmt: skip
    if not _has_values(scores, kpi):
        reason = (
            _("{kpi} only exists for the {channels} queues, and the channel filter excludes "
              "both.").format(kpi=fmt.kpi_label(kpi), channels=queue)
            if kpi in QUEUE_KPIS
            else _("No {kpi} under these filters.").format(kpi=fmt.kpi_label(kpi).lower())
        )
        show.empty(reason)
        return
    figure = show.figure(charts.bars, scores, kpi, "channel", target=KPIS[kpi].target,
                         title=_("{kpi} by channel").format(kpi=fmt.kpi_label(kpi)))  # fmt: skip
    show.chart(figure, "channel_bars", on_pick=filters.narrow_on_pick("channel"),
               data=scores[scores["kpi"] == kpi])  # fmt: skip
    st.caption(
        f"{fmt.kpi_definition(kpi)} "
        + _("Whiskers: 95% interval; pale bars: fewer than 30 observations.") + " "
        + show.pick_hint()
    )


def channel_switching(flt: Filter, scores: pd.DataFrame) -> None:
    st.subheader(_("Channel switching"))
    rates, flows_col = st.columns(2, gap="large")
    with rates:
        if scores.empty or not _has_values(scores, "channel_switch"):
            show.empty(_("No contacts under these filters, so no channel switching to show."))
        else:
            figure = show.figure(charts.bars, scores, "channel_switch", "channel",
                                 target=KPIS["channel_switch"].target,
                                 title=_("Contacts followed by another channel"))  # fmt: skip
            show.chart(figure, "switch_bars", on_pick=filters.narrow_on_pick("channel"),
                       data=scores[scores["kpi"] == "channel_switch"])  # fmt: skip
            st.caption(f"{fmt.kpi_definition('channel_switch')} "
                       + show.pick_hint())  # fmt: skip
    with flows_col:
        basis = controls.select(_("Row percentages of"), tuple(FLOW_LABELS), "flow", "all",
                                lambda b: translate(FLOW_LABELS[b]), horizontal=True)  # fmt: skip
        flows = data.switch_flows(flt, basis)
        if flows.empty or flows["contacts"].sum() == 0:
            show.empty(_("No customer contacted us again within 7 days under these filters."))
            return
        show.chart(show.figure(channel_charts.flow_heatmap, flows, basis), "switch_flows",
                   data=flows)
        st.caption(
            _("Each row is the channel of a contact, each column the channel of the same "
              "customer's next contact within 7 days, as a percentage of all its contacts: the "
              "row's cells off the diagonal add up to its switching rate. The diagonal is a "
              "repeat contact through the same channel, not a switch.") if basis == "all" else
            _("Each row is the channel of a contact, each column the channel of the same "
              "customer's next contact within 7 days, as a percentage of its contacts after "
              "which the customer came back within 7 days (rows add up to 100 %). The diagonal "
              "is a repeat contact through the same channel, not a switch.")
        )  # fmt: skip


def bot_containment(flt: Filter) -> None:
    st.subheader(_("Bot containment and hand-offs"))
    bot_flt = data.bot_filter(flt)
    bots = _channel_names(BOT_CHANNELS)
    if bot_flt is None:
        show.empty(
            _("The bot answers {bots} only, and the channel filter keeps {kept}. Add {either} to "
              "the channel filter to see how much the bot contains.").format(
                bots=bots, kept=_channel_names(flt.channels),
                either=_channel_names(BOT_CHANNELS, either=True))
        )
        return
    bots = _channel_names(bot_flt.channels)  # the bot channels the filter keeps
    overall = data.kpi_table(["bot_containment"], flt=bot_flt)
    if overall.empty or overall["n"].sum() == 0:
        show.empty(_("No {bots} contacts under these filters: widen the period or remove a "
                     "filter.").format(bots=bots))
        return
    total = data.bot_handoffs(overall).iloc[0]
    headline, trend_col = st.columns([1, 3], gap="large")
    with headline:
        kpi_tiles(bot_flt, ["bot_containment"], caption=False)
        with st.container(border=True):
            st.metric(
                _("Handed to an agent"),
                fmt.count(total["handed_off"]),
                help=_("Bot-channel contacts the bot did not resolve: contacts × (1 − "
                       "containment). Includes customers who then left the agent queue."),
            )
            st.caption(_("{share} of {contacts} {bots} contacts").format(
                share=fmt.percent(total["handoff_share"]), contacts=fmt.count(total["contacts"]),
                bots=bots))  # fmt: skip
    with trend_col:
        grain = controls.grain(flt, "bot_grain")
        split = "channel" if len(bot_flt.channels) > 1 else None
        trend = data.kpi_table(["bot_containment"], by=[split] if split else [], flt=bot_flt,
                               grain=grain)  # fmt: skip
        figure = show.figure(channel_charts.bot_trend, trend, grain, split,
                             data.partial_buckets(flt, grain),
                             _("Bot containment by {grain}").format(grain=fmt.grain_name(grain)))
        show.chart(figure, "bot_trend", data=trend)
        st.caption(
            f"{fmt.kpi_definition('bot_containment')} "
            + _("Hollow points: fewer than 30 contacts, or a {grain} the period's edge cuts "
                "short. The change in the tile is against the previous {days} days.").format(
                grain=fmt.grain_name(grain), days=flt.days)
        )

    pick, _spare = st.columns([1, 2])
    with pick:
        split_by = controls.select(_("Where the bot hands off, by"), HANDOFF_SPLITS, "handoff_by",
                                   "category", fmt.dimension_label)  # fmt: skip
    keep = (
        {split_by: data.top_members(split_by, bot_flt, TOP_MEMBERS)}
        if split_by != "category"
        else None
    )
    table = data.kpi_table(["bot_containment"], by=[split_by], flt=bot_flt, keep=keep)
    handoffs = data.bot_handoffs(table)
    label = fmt.dimension_label(split_by).lower()
    if handoffs.empty:
        show.empty(_("No {bots} contacts to break down by {dimension}.").format(
            bots=bots, dimension=label))
        return
    rates, counts = st.columns(2, gap="large")
    with rates:
        figure = show.figure(charts.bars, table, "bot_containment", split_by,
                             target=KPIS["bot_containment"].target,
                             title=_("Bot containment by {dimension}").format(
                                 dimension=label))  # fmt: skip
        show.chart(figure, "bot_rates", on_pick=filters.narrow_on_pick(split_by), data=table)
    with counts:
        figure = show.figure(
            channel_charts.handoff_bars, handoffs, split_by,
            title=_("Hand-offs to agents by {dimension}").format(dimension=label))  # fmt: skip
        show.chart(figure, "bot_handoffs", on_pick=filters.narrow_on_pick(split_by),
                   data=handoffs)  # fmt: skip
    others = " " + _("Smaller groups are combined as 'Other'.") if keep else ""
    st.caption(
        _("Left: how often the bot resolves {bots} contacts on its own (95% interval, target "
          "dotted). Right: where the hand-offs come from, most at the top: the label is the "
          "number handed to an agent and its share of the group.").format(bots=bots)
        + others + " " + show.pick_hint()
    )


flt = page(__file__)
# one query for every per-channel number on the page (cached by data version and filter)
scores = data.kpi_table([*SCORECARD_KPIS, *QUEUE_KPIS, "channel_switch"], by=["channel"], flt=flt)
channel_mix(flt, scores)
channel_scorecard(scores)
channel_switching(flt, scores)
bot_containment(flt)
