"""Every KPI and every grouping dimension, declared once as data.

A KPI says what it measures (definition shown in the UI), how it aggregates, which timestamp puts
a row into a period, which direction is good, its default target and what its sample size counts.
The SQL fragments below are written by us, never built from user input; ``metrics.engine``
assembles them into one statement with bound parameters.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from data_access.schema import LIVE_CHANNELS

Kind = Literal["count", "ratio", "quantile", "mean", "nps", "backlog"]
Source = Literal["tickets", "surveys"]
Display = Literal["count", "duration", "percent", "score", "nps", "seconds"]  # how a value reads

# First-response targets in seconds by channel and priority (SLA policy).
SLA_TARGET_SECONDS: dict[str, dict[str, int]] = {
    "email": {"urgent": 3600, "high": 4 * 3600, "normal": 24 * 3600, "low": 48 * 3600},
    "web_form": {"urgent": 3600, "high": 4 * 3600, "normal": 24 * 3600, "low": 48 * 3600},
    "social": {"urgent": 3600, "high": 2 * 3600, "normal": 6 * 3600, "low": 12 * 3600},
    "messaging": {"urgent": 900, "high": 3600, "normal": 4 * 3600, "low": 8 * 3600},
    "chat": {"urgent": 60, "high": 60, "normal": 120, "low": 120},
    "phone": {"urgent": 60, "high": 60, "normal": 120, "low": 120},
}
SERVICE_LEVEL_ANSWER_SECONDS = 20  # the "20" of an 80/20 service-level target
# A contact that leaves the queue sooner is a short abandon (a misdial, a caller who hangs up on
# the greeting): no agent could have answered it, so it is neither offered nor abandoned.
SHORT_ABANDON_SECONDS = 5
BOT_CHANNELS = ("chat", "messaging")
# KPIs that only mean something where a live queue exists (LIVE_CHANNELS: phone, chat); the
# engine returns no value (n = 0) for the other channels, so they show as "not applicable".
QUEUE_KPIS = ("abandonment", "service_level", "asa")
QUEUE_CHANNELS = LIVE_CHANNELS
LOW_CONFIDENCE_N = 30  # groups with fewer observations are flagged
MIN_SURVEY_RESPONSES = 5  # survey groups with fewer responses never show a score (privacy)


def _sla_relation() -> str:
    rows = ", ".join(
        f"('{channel}', '{priority}', {seconds})"
        for channel, targets in SLA_TARGET_SECONDS.items()
        for priority, seconds in targets.items()
    )
    return (
        f"LEFT JOIN (VALUES {rows}) AS sla(channel, priority, target_seconds) "
        "ON sla.channel = t.channel AND sla.priority = t.priority"
    )


# The data's last contact. A ticket dated after tomorrow is a placeholder (9999-12-31 for
# "never"), not a contact: it must not make every open ticket look overdue.
LAST_CONTACT = "(SELECT max(created_at) FROM tickets WHERE created_at < now() + INTERVAL 1 DAY)"
# Relations a KPI can ask the compiler to join to the tickets (t) of its query.
RELATIONS = {
    "sla": _sla_relation(),  # sla.target_seconds: the first-response target of the ticket
    # data_end.ts: "now" for the data (its last contact), so results are reproducible
    "data_end": f"CROSS JOIN (SELECT {LAST_CONTACT} AS ts) AS data_end",
}
SLA_TARGET = "coalesce(sla.target_seconds, 86400)"  # unknown channel/priority: one day
FRT_SECONDS = "epoch(t.first_response_at) - epoch(t.created_at)"
RESOLUTION_SECONDS = "epoch(t.resolved_at) - epoch(t.created_at)"
HUMAN_CONTACT = "NOT t.bot_resolved AND NOT coalesce(t.abandoned, false)"
RESOLVED = "t.resolved_at IS NOT NULL"
SHORT_ABANDON = f"coalesce(t.abandoned AND t.queue_wait_seconds < {SHORT_ABANDON_SECONDS}, false)"
# reached the phone/chat agent queue and stayed long enough to be answered
OFFERED = f"t.abandoned IS NOT NULL AND NOT t.bot_resolved AND NOT {SHORT_ABANDON}"


@dataclass(frozen=True)
class Kpi:
    id: str
    label: str
    definition: str
    kind: Kind
    display: Display
    source: Source = "tickets"
    anchor: str = "created_at"  # timestamp that assigns a row to a period
    value: str | None = None  # expression aggregated (quantile, mean)
    rows: str | None = None  # which rows count (ratio denominator; quantile/mean population)
    success: str | None = None  # ratio numerator condition, on top of ``rows``
    quantile: float | None = None
    direction: int = 1  # +1 higher is better, -1 lower is better, 0 neutral
    target: float | None = None
    n_label: str = "tickets"
    short_label: str | None = None  # for tiles and narrow places
    relations: tuple[str, ...] = ()  # extra relations from RELATIONS its SQL refers to
    # days after the anchor before a row's outcome is known (metrics.maturity): a later reopen,
    # repeat contact, first reply or survey answer can still change it
    matures_days: int = 0

    @property
    def tile_label(self) -> str:
        return self.short_label or self.label

    @property
    def is_survey(self) -> bool:
        return self.source == "surveys"

    @property
    def anchor_label(self) -> str:
        return {
            "created_at": "created",
            "resolved_at": "resolved",
            "sent_at": "survey sent",
            "responded_at": "survey answered",
        }[self.anchor]


KPIS: dict[str, Kpi] = {
    k.id: k
    for k in (
        Kpi("volume", "Volume", "Tickets created in the period.", "count", "count", direction=0),
        Kpi(
            "frt_median",
            "First response (median)",
            "Median time from creation to the first agent response, for tickets that got one.",
            "quantile",
            "duration",
            value=FRT_SECONDS,
            rows="t.first_response_at IS NOT NULL",
            quantile=0.5,
            direction=-1,
            target=4 * 3600,
            n_label="responded tickets",
            short_label="Median first response",
            matures_days=3,
        ),
        Kpi(
            "frt_p90",
            "First response (p90)",
            "90th percentile of time from creation to the first agent response.",
            "quantile",
            "duration",
            value=FRT_SECONDS,
            rows="t.first_response_at IS NOT NULL",
            quantile=0.9,
            direction=-1,
            target=24 * 3600,
            n_label="responded tickets",
            matures_days=3,
        ),
        Kpi(
            "frt_mean",
            "First response (mean)",
            "Mean time from creation to the first agent response (sensitive to outliers).",
            "mean",
            "duration",
            value=FRT_SECONDS,
            rows="t.first_response_at IS NOT NULL",
            direction=-1,
            n_label="responded tickets",
            matures_days=3,
        ),
        Kpi(
            "resolution_median",
            "Resolution time (median)",
            "Median time from creation to resolution, for tickets resolved in the period.",
            "quantile",
            "duration",
            anchor="resolved_at",
            value=RESOLUTION_SECONDS,
            rows=RESOLVED,
            quantile=0.5,
            direction=-1,
            target=24 * 3600,
            n_label="resolved tickets",
            short_label="Median resolution",
        ),
        Kpi(
            "resolution_p90",
            "Resolution time (p90)",
            "90th percentile of time from creation to resolution, for tickets resolved in the"
            " period.",
            "quantile",
            "duration",
            anchor="resolved_at",
            value=RESOLUTION_SECONDS,
            rows=RESOLVED,
            quantile=0.9,
            direction=-1,
            target=5 * 86400,
            n_label="resolved tickets",
        ),
        Kpi(
            "sla",
            "SLA attainment",
            "Share of agent-handled tickets whose first agent response met the target for its"
            " channel and priority, timed from the ticket's creation, so it includes any time"
            " with the bot before the hand-off (chat, messaging) and in the queue (phone, chat)."
            " Unanswered tickets past their target count as misses; abandoned and bot-resolved"
            " contacts are left out.",
            "ratio",
            "percent",
            rows=f"{HUMAN_CONTACT} AND (t.first_response_at IS NOT NULL OR ("
            f"t.resolved_at IS NULL AND epoch(data_end.ts) - epoch(t.created_at) > {SLA_TARGET}))",
            success=f"{FRT_SECONDS} <= {SLA_TARGET}",
            relations=("sla", "data_end"),
            target=0.9,
            n_label="agent-handled tickets",
            matures_days=3,
        ),
        Kpi(
            "fcr",
            "First contact resolution",
            "Share of resolved tickets with no reopen and no repeat contact by the same customer"
            " on the same category within 7 days (an export without reopen counts is judged on"
            " repeat contacts alone).",
            "ratio",
            "percent",
            anchor="resolved_at",
            rows=RESOLVED,
            success="coalesce(t.reopens, 0) = 0 AND NOT t.repeat_contact_7d",
            short_label="FCR",
            target=0.75,
            n_label="resolved tickets",
            matures_days=7,
        ),
        Kpi(
            "reopen_rate",
            "Reopen rate",
            "Share of resolved tickets that were reopened (tickets without a reopen count are"
            " left out).",
            "ratio",
            "percent",
            anchor="resolved_at",
            rows=f"{RESOLVED} AND t.reopens IS NOT NULL",
            success="t.reopens > 0",
            direction=-1,
            target=0.08,
            n_label="resolved tickets",
            matures_days=7,
        ),
        Kpi(
            "one_touch",
            "One-touch resolution",
            "Share of agent-resolved tickets resolved with at most one agent reply.",
            "ratio",
            "percent",
            anchor="resolved_at",
            rows=f"{RESOLVED} AND NOT t.bot_resolved",
            success="t.agent_replies <= 1",
            target=0.4,
            n_label="agent-resolved tickets",
        ),
        Kpi(
            "backlog",
            "Backlog",
            "Tickets open at the end of the period: created before it ended and not resolved by"
            " then. Judged by the timestamps, not the status: open, pending and reopened tickets"
            " count, and a reopened ticket counts as open until its last resolution, even while"
            " it was briefly solved. Abandoned calls and chats are not work in progress.",
            "backlog",
            "count",
            direction=-1,
            n_label="open tickets",
        ),
        Kpi(
            "bot_containment",
            "Bot containment",
            "Share of chat and messaging contacts resolved by the bot with no agent.",
            "ratio",
            "percent",
            rows=f"t.channel IN {BOT_CHANNELS}",
            success="t.bot_resolved",
            target=0.3,
            n_label="bot-channel contacts",
        ),
        Kpi(
            "aht",
            "Average handle time",
            "Mean agent work time per agent-handled ticket.",
            "mean",
            "duration",
            value="t.handle_seconds",
            rows="t.handle_seconds > 0",
            direction=-1,
            target=600,
            n_label="handled tickets",
        ),
        Kpi(
            "abandonment",
            "Abandonment rate",
            f"Phone and chat: contacts that left the queue before an answer ÷ contacts offered to"
            f" agents. Short abandons (left in under {SHORT_ABANDON_SECONDS} s of queue wait)"
            f" count as neither; a bot-resolved chat never joins the queue.",
            "ratio",
            "percent",
            rows=OFFERED,
            success="t.abandoned",
            direction=-1,
            target=0.05,
            n_label="offered contacts",
        ),
        Kpi(
            "asa",
            "Average speed of answer",
            "Phone and chat: mean queue wait of answered contacts (time in the agent queue, not"
            " with the bot).",
            "mean",
            "seconds",
            value="t.queue_wait_seconds",
            rows=f"{OFFERED} AND NOT t.abandoned",
            direction=-1,
            target=30,
            n_label="answered contacts",
        ),
        Kpi(
            "service_level",
            "Service level",
            f"Phone and chat: share of offered contacts answered within"
            f" {SERVICE_LEVEL_ANSWER_SECONDS} s of queue wait, timed from joining the agent queue"
            f" (after any bot); abandoned ones count as not answered, short abandons (under"
            f" {SHORT_ABANDON_SECONDS} s) as neither.",
            "ratio",
            "percent",
            rows=OFFERED,
            success=f"t.abandoned = false AND t.queue_wait_seconds <= "
            f"{SERVICE_LEVEL_ANSWER_SECONDS}",
            target=0.8,
            n_label="offered contacts",
        ),
        Kpi(
            "channel_switch",
            "Channel switching",
            "Share of contacts after which the same customer got in touch again through another"
            " channel within 7 days.",
            "ratio",
            "percent",
            rows="TRUE",
            success="t.next_channel_7d IS NOT NULL AND t.next_channel_7d <> t.channel",
            direction=-1,
            target=0.05,
            matures_days=7,
        ),
        Kpi(
            "csat",
            "CSAT",
            "Share of survey responses scoring 4 or 5 on the 1–5 scale.",
            "ratio",
            "percent",
            source="surveys",
            anchor="responded_at",
            rows="s.csat IS NOT NULL",
            success="s.csat >= 4",
            target=0.85,
            n_label="responses",
        ),
        Kpi(
            "nps",
            "NPS",
            "% promoters (9–10) minus % detractors (0–6), from −100 to +100.",
            "nps",
            "nps",
            source="surveys",
            anchor="responded_at",
            value="s.nps",
            rows="s.nps IS NOT NULL",
            target=30,
            n_label="responses",
        ),
        Kpi(
            "ces",
            "Customer effort (mean)",
            "Mean effort score, 1 (very hard) to 7 (very easy): higher means easier.",
            "mean",
            "score",
            source="surveys",
            anchor="responded_at",
            value="s.ces",
            rows="s.ces IS NOT NULL",
            target=5.5,
            n_label="responses",
            short_label="Effort (mean)",
        ),
        Kpi(
            "ces_easy",
            "Customer effort (% easy)",
            "Share of effort responses scoring 5 or more on the 1–7 scale.",
            "ratio",
            "percent",
            source="surveys",
            anchor="responded_at",
            rows="s.ces IS NOT NULL",
            success="s.ces >= 5",
            target=0.75,
            n_label="responses",
            short_label="Effort (% easy)",
        ),
        Kpi(
            "response_rate",
            "Survey response rate",
            "Survey responses ÷ surveys sent.",
            "ratio",
            "percent",
            source="surveys",
            anchor="sent_at",
            rows="TRUE",
            success="s.responded_at IS NOT NULL",
            target=0.15,
            n_label="surveys sent",
            short_label="Response rate",
            matures_days=3,
        ),
    )
}


@dataclass(frozen=True)
class Dimension:
    id: str
    label: str
    sql: str | None = None  # expression on t (tickets), c (countries); None for time dims
    needs_countries: bool = False
    time: str | None = None  # grain for date_trunc, or 'local_hour' / 'local_hour_of_week'


DIMENSIONS: dict[str, Dimension] = {
    d.id: d
    for d in (
        Dimension("country", "Country", "t.country"),
        Dimension("region", "Region", "c.region", needs_countries=True),
        Dimension("subregion", "Subregion", "c.subregion", needs_countries=True),
        Dimension("language", "Language", "t.language"),
        Dimension("channel", "Channel", "t.channel"),
        Dimension("priority", "Priority", "t.priority"),
        Dimension("category", "Contact reason", "t.category"),
        Dimension("hub", "Hub", "t.hub"),
        Dimension("agent", "Agent", "t.agent_id"),
        Dimension("next_channel", "Next contact's channel (within 7 days)", "t.next_channel_7d"),
        Dimension("half_hour", "Half hour", time="half_hour"),
        Dimension("hour", "Hour", time="hour"),
        Dimension("day", "Day", time="day"),
        Dimension("week", "Week", time="week"),
        Dimension("month", "Month", time="month"),
        Dimension("quarter", "Quarter", time="quarter"),
        Dimension("local_day", "Day (customer's local date)", time="local_day"),
        Dimension("local_hour", "Hour of day (customer's local time)", time="local_hour"),
        Dimension(
            "local_hour_of_week",
            "Hour of week (customer's local time, Monday 00:00 = 0)",
            time="local_hour_of_week",
        ),
    )
}
GRAINS = ("half_hour", "hour", "day", "week", "month", "quarter")
TREND_GRAINS = ("day", "week", "month")  # the choices pages offer for charts over time
CATEGORICAL_DIMENSIONS = tuple(d for d, v in DIMENSIONS.items() if v.time is None)


class UnknownNameError(ValueError):
    """A KPI or dimension name that is not in the registry."""


def get_kpis(ids: list[str] | tuple[str, ...]) -> list[Kpi]:
    unknown = [k for k in ids if k not in KPIS]
    if unknown:
        raise UnknownNameError(f"unknown KPI {', '.join(unknown)}; valid KPIs: {', '.join(KPIS)}")
    return [KPIS[k] for k in ids]


def get_dimensions(ids: list[str] | tuple[str, ...]) -> list[Dimension]:
    unknown = [d for d in ids if d not in DIMENSIONS]
    if unknown:
        raise UnknownNameError(
            f"unknown dimension {', '.join(unknown)}; valid dimensions: {', '.join(DIMENSIONS)}"
        )
    return [DIMENSIONS[d] for d in ids]


def kpi_markdown() -> str:
    """The KPI definitions as a Markdown table (in the README; a test keeps it in sync)."""
    direction = {1: "higher", -1: "lower", 0: "—"}
    rows = "\n".join(
        f"| `{k.id}` | {k.label} | {k.definition} | {k.anchor_label} | "
        f"{f'{k.matures_days} days' if k.matures_days else 'at once'} | {direction[k.direction]} |"
        for k in KPIS.values()
    )
    return (
        "| id | KPI | definition | period by | settles | better |\n"
        "| --- | --- | --- | --- | --- | --- |\n" + rows
    )
