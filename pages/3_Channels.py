"""Channels: how our channels compare, where customers switch channel, how much the bot contains."""

import pandas as pd
import streamlit as st

from data_access.filters import Filter
from metrics import channels
from metrics.engine import natural_grain, partial_buckets
from metrics.registry import KPIS, TREND_GRAINS
from ui import channel_charts, charts, controls, data, filters, show
from ui import format as fmt
from ui.page import page
from ui.tiles import kpi_tiles

QUEUE_KPIS = channels.QUEUE_KPIS  # abandonment, service level, ASA: phone and chat only
SCORECARD_KPIS = ("volume", "frt_median", "resolution_median", "sla", "fcr", "csat")
BAR_KPIS = (*SCORECARD_KPIS[1:], *QUEUE_KPIS)
FLOW_LABELS = {"all": "all its contacts", "returning": "contacts that came back"}
HANDOFF_SPLITS = ("category", "language", "country")
TOP_MEMBERS = 10  # hand-offs by language or country: the biggest, the rest as 'Other'


def _channel_names(codes: tuple[str, ...]) -> str:
    """'Chat', 'Chat and Phone', 'E-mail, Phone and Social'."""
    names = [fmt.member("channel", c) for c in codes]
    return " and ".join([", ".join(names[:-1]), names[-1]] if len(names) > 2 else names)


def _has_values(table: pd.DataFrame, kpi: str) -> bool:
    return bool(table.loc[table["kpi"] == kpi, "value"].notna().any())


def channel_mix(flt: Filter, scores: pd.DataFrame) -> None:
    st.subheader("Channel mix")
    present = tuple(scores.loc[(scores["kpi"] == "volume") & (scores["value"] > 0), "channel"])
    if not present:
        show.empty("No contacts under these filters: widen the period or remove a filter.")
        return
    if len(present) == 1:
        show.empty(
            f"Only {_channel_names(present)} contacts are in the filter, so its share is 100 %. "
            "Remove the channel filter to compare the mix."
        )
        return
    grain = controls.select("Grain", TREND_GRAINS, "grain", natural_grain(flt), str.capitalize,
                            horizontal=True)  # fmt: skip
    mix = data.kpi_table(["volume"], by=["channel"], flt=flt, grain=grain)
    show.chart(channel_charts.channel_mix(mix, grain), "channel_mix", data=mix)
    st.caption(
        f"Each band is a channel's share of the contacts created in that {grain} (UTC), so the "
        "bands always add up to 100 %. Hover for the shares."
    )


def channel_scorecard(scores: pd.DataFrame) -> None:
    """The per-channel KPI tables and a bar chart of one KPI."""
    st.subheader("How channels compare")
    if scores.empty:
        show.empty("No contacts under these filters: widen the period or remove a filter.")
        return
    styler, columns = channel_charts.scorecard(scores, SCORECARD_KPIS, {"csat": "CSAT responses"})
    show.table(scores, "channel_scores", "How channels compare", shown=styler, hide_index=True,
               width="stretch", column_config=columns)  # fmt: skip
    notes = ["Median resolution and FCR count tickets resolved in the period, CSAT the survey "
             "answers received in it. Grey: fewer than 30 observations."]  # fmt: skip
    if scores.loc[scores["kpi"] == "csat", "suppressed"].any():
        notes.append("An empty CSAT rests on fewer than 5 answers and is hidden (privacy).")
    notes.append("Hover a column header for its definition and target; click it to sort.")
    st.caption(" ".join(notes))

    queue = _channel_names(channels.QUEUE_CHANNELS)
    st.markdown(f"**Live queues** ({queue}: the other channels have no queue)")
    if not _has_values(scores, "abandonment"):
        show.empty(f"The channel filter excludes {queue}, the channels with a live queue.")
    else:
        offered = {"abandonment": "Offered"}
        styler, columns = channel_charts.scorecard(scores, QUEUE_KPIS, offered, counts_first=True)
        queue_scores = scores[scores["kpi"].isin(QUEUE_KPIS)]
        show.table(queue_scores, "queue_scores", "Live queues by channel", shown=styler,
                   hide_index=True, width="content", column_config=columns)  # fmt: skip

    pick, _ = st.columns([1, 2])
    with pick:
        kpi = controls.select("Compare channels on", BAR_KPIS, "kpi", "sla",
                              lambda k: KPIS[k].label,
                              help="Bars show the 95% interval and the target.")  # fmt: skip
    if not _has_values(scores, kpi):
        reason = (
            f"{KPIS[kpi].label} only exists for the {queue} queues, and the channel filter "
            "excludes both."
            if kpi in QUEUE_KPIS
            else f"No {KPIS[kpi].label.lower()} under these filters."
        )
        show.empty(reason)
        return
    figure = charts.bars(scores, kpi, "channel", target=KPIS[kpi].target,
                         title=f"{KPIS[kpi].label} by channel")  # fmt: skip
    show.chart(figure, "channel_bars", on_pick=filters.narrow_on_pick("channel"),
               data=scores[scores["kpi"] == kpi])  # fmt: skip
    st.caption(
        f"{KPIS[kpi].definition} Whiskers: 95% interval; pale bars: fewer than 30 observations. "
        "Click a bar to filter every page to that channel."
    )


def channel_switching(flt: Filter, scores: pd.DataFrame) -> None:
    st.subheader("Channel switching")
    rates, flows_col = st.columns(2, gap="large")
    with rates:
        if scores.empty or not _has_values(scores, "channel_switch"):
            show.empty("No contacts under these filters, so no channel switching to show.")
        else:
            figure = charts.bars(scores, "channel_switch", "channel",
                                 target=KPIS["channel_switch"].target,
                                 title="Contacts followed by another channel")  # fmt: skip
            show.chart(figure, "switch_bars", on_pick=filters.narrow_on_pick("channel"),
                       data=scores[scores["kpi"] == "channel_switch"])  # fmt: skip
            st.caption(f"{KPIS['channel_switch'].definition} Click a bar to focus on a channel.")
    with flows_col:
        basis = controls.select("Row percentages of", tuple(FLOW_LABELS), "flow", "all",
                                FLOW_LABELS.get, horizontal=True)  # fmt: skip
        volume = data.kpi_table(["volume"], by=["channel", "next_channel"], flt=flt)
        flows = channels.switch_flows(volume, basis)
        if flows.empty or flows["contacts"].sum() == 0:
            show.empty("No customer contacted us again within 7 days under these filters.")
            return
        show.chart(channel_charts.flow_heatmap(flows, basis), "switch_flows", data=flows)
        of_what = ("all its contacts: the row's cells off the diagonal add up to its switching "
                   "rate" if basis == "all" else
                   "its contacts after which the customer came back within 7 days (rows add up "
                   "to 100 %)")  # fmt: skip
        st.caption(
            f"Each row is the channel of a contact, each column the channel of the same "
            f"customer's next contact within 7 days, as a percentage of {of_what}. The diagonal "
            "is a repeat contact through the same channel, not a switch."
        )


def bot_containment(flt: Filter) -> None:
    st.subheader("Bot containment and hand-offs")
    bot_flt = channels.bot_filter(flt)
    bots = _channel_names(channels.BOT_CHANNELS)
    if bot_flt is None:
        show.empty(
            f"The bot answers {bots} only, and the channel filter keeps "
            f"{_channel_names(flt.channels)}. Add {bots.replace(' and ', ' or ')} to the channel "
            "filter to see how much the bot contains."
        )
        return
    bots = _channel_names(bot_flt.channels)  # the bot channels the filter keeps
    overall = data.kpi_table(["bot_containment"], flt=bot_flt)
    if overall.empty or overall["n"].sum() == 0:
        show.empty(f"No {bots} contacts under these filters: widen the period or remove a filter.")
        return
    total = channels.bot_handoffs(overall).iloc[0]
    grain_default = natural_grain(flt)
    headline, trend_col = st.columns([1, 3], gap="large")
    with headline:
        kpi_tiles(bot_flt, ["bot_containment"], caption=False)
        with st.container(border=True):
            st.metric(
                "Handed to an agent",
                fmt.count(total["handed_off"]),
                help="Bot-channel contacts the bot did not resolve: contacts × (1 − containment)."
                " Includes customers who then left the agent queue.",
            )
            st.caption(f"{fmt.percent(total['handoff_share'])} of {fmt.count(total['contacts'])} "
                       f"{bots} contacts")  # fmt: skip
    with trend_col:
        grain = controls.select("Grain", TREND_GRAINS, "bot_grain", grain_default, str.capitalize,
                                horizontal=True)  # fmt: skip
        split = "channel" if len(bot_flt.channels) > 1 else None
        trend = data.kpi_table(["bot_containment"], by=[split] if split else [], flt=bot_flt,
                               grain=grain)  # fmt: skip
        figure = charts.trend(trend, "bot_containment", grain, split=split,
                              partial=partial_buckets(flt, grain),
                              title=f"Bot containment by {grain}")  # fmt: skip
        figure = channel_charts.with_target(figure, "bot_containment")
        figure = channel_charts.colour_channels(figure)
        show.chart(figure, "bot_trend", data=trend)
        st.caption(
            f"{KPIS['bot_containment'].definition} Hollow points: fewer than 30 contacts, or a "
            f"{grain} the period's edge cuts short. The change in the tile is against the "
            f"previous {flt.days} days."
        )

    pick, _ = st.columns([1, 2])
    with pick:
        split_by = controls.select("Where the bot hands off, by", HANDOFF_SPLITS, "handoff_by",
                                   "category", fmt.dimension_label)  # fmt: skip
    keep = (
        {split_by: data.top_members(split_by, bot_flt, TOP_MEMBERS)}
        if split_by != "category"
        else None
    )
    table = data.kpi_table(["bot_containment"], by=[split_by], flt=bot_flt, keep=keep)
    handoffs = channels.bot_handoffs(table)
    label = fmt.dimension_label(split_by).lower()
    if handoffs.empty:
        show.empty(f"No {bots} contacts to break down by {label}.")
        return
    rates, counts = st.columns(2, gap="large")
    with rates:
        figure = charts.bars(table, "bot_containment", split_by,
                             target=KPIS["bot_containment"].target,
                             title=f"Bot containment by {label}")  # fmt: skip
        show.chart(figure, "bot_rates", on_pick=filters.narrow_on_pick(split_by), data=table)
    with counts:
        figure = channel_charts.handoff_bars(handoffs, split_by,
                                             title=f"Hand-offs to agents by {label}")  # fmt: skip
        show.chart(figure, "bot_handoffs", on_pick=filters.narrow_on_pick(split_by),
                   data=handoffs)  # fmt: skip
    others = " Smaller groups are combined as 'Other'." if keep else ""
    st.caption(
        f"Left: how often the bot resolves {bots} contacts on its own (95% interval, target "
        f"dotted). Right: where the hand-offs come from, most at the top: the label is the "
        f"number handed to an agent and its share of the group.{others} Click a bar to filter "
        f"to that {label}."
    )


flt = page("Channels", "channels", ":material/forum:",
           "how channels compare, where customers switch, how much the bot contains")  # fmt: skip
# one query for every per-channel number on the page (cached by data version and filter)
scores = data.kpi_table([*SCORECARD_KPIS, *QUEUE_KPIS, "channel_switch"], by=["channel"], flt=flt)
channel_mix(flt, scores)
channel_scorecard(scores)
channel_switching(flt, scores)
bot_containment(flt)
