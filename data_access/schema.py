"""The canonical tables: their columns, types and meaning, declared once.

The generator, the importer, the README's data-model section and the tests all read this module.
Columns marked ``derived`` are computed by ``data_access.store`` when data is written, never
supplied by a source file.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Column:
    name: str
    sql_type: str
    description: str
    required: bool = False
    derived: bool = False


@dataclass(frozen=True)
class Table:
    name: str
    description: str
    key: str
    columns: tuple[Column, ...]

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]

    @property
    def source_columns(self) -> list[Column]:
        """Columns a source file may provide (everything except derived columns)."""
        return [c for c in self.columns if not c.derived]

    def ddl(self) -> str:
        """CREATE TABLE statement; names and types come from this module, never from users.

        No PRIMARY KEY index: at tens of millions of rows the index costs more memory than the
        table, and uniqueness is enforced where rows enter (generator, importer).
        """
        cols = ",\n  ".join(
            f"{c.name} {c.sql_type}{' NOT NULL' if c.required else ''}" for c in self.columns
        )
        return f"CREATE TABLE {self.name} (\n  {cols}\n)"


CHANNELS = ("email", "chat", "phone", "social", "web_form", "messaging")
LIVE_CHANNELS = ("chat", "phone")  # have a queue: wait, abandonment, service level
BOT_CHANNELS = ("chat", "messaging")  # a bot answers first and may resolve
PRIORITIES = ("low", "normal", "high", "urgent")
STATUSES = ("open", "pending", "solved", "closed", "abandoned")
RESOLVED_STATUSES = ("solved", "closed")  # have a resolution date
UNRESOLVED_STATUSES = ("open", "pending")  # still being worked on: no resolution date yet

TICKETS = Table(
    "tickets",
    "One row per customer contact (ticket, chat, call or message thread).",
    "ticket_id",
    (
        Column("ticket_id", "VARCHAR", "Unique ticket identifier.", required=True),
        Column(
            "customer_id",
            "VARCHAR",
            "Pseudonymous customer identifier (keyed hash).",
            required=True,
        ),
        Column("created_at", "TIMESTAMPTZ", "When the customer made contact (UTC).", required=True),
        Column(
            "first_response_at",
            "TIMESTAMPTZ",
            "First human agent response (UTC); empty for bot-resolved and abandoned contacts.",
        ),
        Column(
            "resolved_at", "TIMESTAMPTZ", "When the ticket was last resolved (UTC); empty if open."
        ),
        Column("status", "VARCHAR", f"Current status: {', '.join(STATUSES)}.", required=True),
        Column("channel", "VARCHAR", f"Contact channel: {', '.join(CHANNELS)}.", required=True),
        Column("country", "VARCHAR", "Customer country, ISO 3166-1 alpha-2.", required=True),
        Column("language", "VARCHAR", "Language of the conversation, ISO 639-1.", required=True),
        Column("priority", "VARCHAR", f"Priority: {', '.join(PRIORITIES)}.", required=True),
        Column(
            "category",
            "VARCHAR",
            "Contact reason (shipping, returns_refunds, payment, ...).",
            required=True,
        ),
        Column("hub", "VARCHAR", "Support hub (team) that owns the ticket.", required=True),
        Column("agent_id", "VARCHAR", "Agent who handled the ticket; empty for bot-only contacts."),
        Column("agent_replies", "INTEGER", "Number of public agent replies."),
        Column("reopens", "INTEGER", "Times the ticket was reopened after being resolved."),
        Column("handle_seconds", "DOUBLE", "Agent work time on the ticket, seconds (AHT input)."),
        Column(
            "queue_wait_seconds",
            "DOUBLE",
            "Phone/chat: seconds in queue before an agent answered or the customer left.",
        ),
        Column("abandoned", "BOOLEAN", "Phone/chat: the customer left the queue before an answer."),
        Column("bot_resolved", "BOOLEAN", "Resolved by the bot with no agent involvement."),
        Column(
            "local_created_at",
            "TIMESTAMP",
            "created_at in the customer's local time (the country's main time zone).",
            derived=True,
        ),
        Column(
            "repeat_contact_7d",
            "BOOLEAN",
            "The same customer contacted again about the same category after this ticket was"
            " created and within 7 days of its resolution.",
            derived=True,
        ),
        Column(
            "next_channel_7d",
            "VARCHAR",
            "Channel of the same customer's next contact within 7 days, if any.",
            derived=True,
        ),
    ),
)

# Ticket columns every survey carries a copy of: the dimensions survey KPIs are cut by
TICKET_ATTRIBUTES = (("country", "VARCHAR"), ("language", "VARCHAR"), ("channel", "VARCHAR"),
                     ("priority", "VARCHAR"), ("category", "VARCHAR"), ("hub", "VARCHAR"),
                     ("agent_id", "VARCHAR"), ("next_channel_7d", "VARCHAR"))  # fmt: skip

SURVEYS = Table(
    "surveys",
    "One row per satisfaction survey sent after a ticket.",
    "survey_id",
    (
        Column("survey_id", "VARCHAR", "Unique survey identifier.", required=True),
        Column("ticket_id", "VARCHAR", "The ticket the survey asks about.", required=True),
        Column("sent_at", "TIMESTAMPTZ", "When the survey was sent (UTC).", required=True),
        Column("responded_at", "TIMESTAMPTZ", "When the customer answered (UTC); empty if not."),
        Column("csat", "SMALLINT", "Customer satisfaction, 1 (very dissatisfied) to 5."),
        Column("nps", "SMALLINT", "Likelihood to recommend, 0 to 10."),
        Column("ces", "SMALLINT", "Customer effort score, 1 (very hard) to 7 (very easy)."),
        Column("comment", "VARCHAR", "Free-text comment, contact details masked."),
        *(
            Column(
                name,
                sql_type,
                f"Copy of the survey's ticket's {name}, made when data is written so"
                " survey KPIs filter and group without a join; empty if the ticket is unknown.",
                derived=True,
            )
            for name, sql_type in TICKET_ATTRIBUTES
        ),
    ),
)

AGENTS = Table(
    "agents",
    "One row per agent: where they sit and what they can handle.",
    "agent_id",
    (
        Column("agent_id", "VARCHAR", "Unique agent identifier.", required=True),
        Column("hub", "VARCHAR", "Hub the agent works in.", required=True),
        Column("languages", "VARCHAR[]", "Languages spoken, ISO 639-1 codes.", required=True),
        Column("channels", "VARCHAR[]", "Channels the agent handles.", required=True),
    ),
)

SHIFTS = Table(
    "shifts",
    "The schedule: one row per planned shift.",
    "agent_id, start_at",
    (
        Column("agent_id", "VARCHAR", "Agent on shift.", required=True),
        Column("start_at", "TIMESTAMPTZ", "Shift start (UTC).", required=True),
        Column("end_at", "TIMESTAMPTZ", "Shift end (UTC).", required=True),
    ),
)

HUBS = Table(
    "hubs",
    "One row per support hub: its local time zone, used when a question is about the team.",
    "hub",
    (
        Column("hub", "VARCHAR", "Hub identifier.", required=True),
        Column("name", "VARCHAR", "Display name.", required=True),
        Column("timezone", "VARCHAR", "IANA time zone of the hub.", required=True),
    ),
)

TABLES: dict[str, Table] = {t.name: t for t in (TICKETS, SURVEYS, AGENTS, SHIFTS, HUBS)}

# The data's source line (atlas_meta 'source') ends with the last import's table and file:
# "synthetic sample: ...; last import: tickets from export.csv" (data_access.importer.loader).
LAST_IMPORT = "; last import: "

# The database's own records: its data version and source, and one row per import
# (``data_access.store.record_import``). Files written before imports existed lack the second.
IMPORT_COLUMNS = ("imported_at", "table_name", "source_file", "file_format", "rows_read",
                  "rows_loaded", "rows_refused", "rows_replaced", "duplicates_refused",
                  "refused_by_reason", "mapping")  # fmt: skip
BOOKKEEPING: dict[str, str] = {
    "atlas_meta": "CREATE TABLE IF NOT EXISTS atlas_meta (key VARCHAR PRIMARY KEY, value VARCHAR)",
    "atlas_imports": """
CREATE TABLE IF NOT EXISTS atlas_imports (
  imported_at TIMESTAMPTZ NOT NULL,
  table_name VARCHAR NOT NULL,
  source_file VARCHAR NOT NULL,
  file_format VARCHAR,
  rows_read BIGINT NOT NULL,
  rows_loaded BIGINT NOT NULL,
  rows_refused BIGINT NOT NULL,
  rows_replaced BIGINT NOT NULL,
  duplicates_refused BIGINT NOT NULL,
  refused_by_reason VARCHAR,
  mapping VARCHAR
)""",
}


def markdown() -> str:
    """The data model as Markdown tables (pasted into the README; a test keeps them in sync)."""
    parts = []
    for table in TABLES.values():
        rows = "\n".join(
            f"| `{c.name}` | {c.sql_type} | {c.description}"
            f"{' *(required)*' if c.required else ''}{' *(derived)*' if c.derived else ''} |"
            for c in table.columns
        )
        parts.append(
            f"**`{table.name}`** — {table.description}\n\n| column | type | meaning |\n"
            f"| --- | --- | --- |\n{rows}"
        )
    return "\n\n".join(parts)
