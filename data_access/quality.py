"""How complete and trustworthy the loaded data is: per-table coverage, the import history and
quality indicators, for the Data page.

Reads only (through ``Database``); the import history lives in ``atlas_imports``, written by
``data_access.store.record_import``. A database written before imports existed has no such table:
every function then answers as if nothing had been imported.
"""

from __future__ import annotations

import json

import pandas as pd

from data_access import reference
from data_access.database import Database


def import_history(db: Database, limit: int = 100) -> pd.DataFrame:
    """The latest imports, newest first (empty with the same columns when there are none)."""
    history = db.query(
        "SELECT imported_at, table_name, source_file, file_format, rows_read, rows_loaded, "
        "rows_refused, rows_replaced, duplicates_refused, refused_by_reason "
        "FROM atlas_imports ORDER BY imported_at DESC LIMIT ?",
        [limit],
    )
    history["refused_by_reason"] = history["refused_by_reason"].map(_reasons_text)
    return history


def _reasons_text(value: object) -> str:
    try:
        reasons = json.loads(value) if isinstance(value, str) else {}
    except json.JSONDecodeError:
        return ""
    return ", ".join(f"{reason} ({count:,})" for reason, count in reasons.items())


def table_overview(db: Database) -> pd.DataFrame:
    """Per table: rows, time coverage (UTC) and the last import (time, file, counts)."""
    return db.query(
        """
        WITH coverage AS (
            SELECT 1 AS position, 'tickets' AS table_name, count(*) AS rows,
                   min(created_at) AS first, max(created_at) AS last FROM tickets
            UNION ALL SELECT 2, 'surveys', count(*), min(sent_at), max(sent_at) FROM surveys
            UNION ALL SELECT 3, 'agents', count(*), NULL, NULL FROM agents
            UNION ALL SELECT 4, 'shifts', count(*), min(start_at), max(end_at) FROM shifts
            UNION ALL SELECT 5, 'hubs', count(*), NULL, NULL FROM hubs
        ), last_import AS (
            SELECT table_name, imported_at AS last_import, source_file AS last_source,
                   rows_loaded AS last_loaded, rows_refused AS last_refused,
                   duplicates_refused AS last_duplicates
            FROM atlas_imports
            QUALIFY row_number() OVER (PARTITION BY table_name ORDER BY imported_at DESC) = 1
        )
        SELECT * EXCLUDE (position) FROM coverage LEFT JOIN last_import USING (table_name)
        ORDER BY position
        """
    )


# (table, indicator, why) of each data-quality indicator, in the order quality_indicators
# measures them
INDICATORS = (
    ("tickets", "No first response (handled tickets)",
     "Agent-handled: not bot-resolved, not abandoned. Open tickets waiting for a reply, or an "
     "export without first-reply times."),
    ("tickets", "No resolution time (closed tickets)", "Resolution-time KPIs leave these out."),
    ("tickets", "Unknown country (tickets)",
     "Not an ISO 3166 code: no region, map position or local time."),
    ("tickets", "Unknown language (tickets)", "Not an ISO 639-1 code."),
    ("surveys", "Surveys without a ticket",
     "They count in totals but not under a country, language or channel."),
)  # fmt: skip


def quality_indicators(db: Database) -> pd.DataFrame:
    """Indicators of gaps in the data: one row each with its share, count and base."""
    counts = db.query(
        """
        SELECT
          (SELECT count(*) FROM tickets) AS tickets,
          (SELECT count(*) FROM tickets
            WHERE NOT coalesce(bot_resolved, false) AND NOT coalesce(abandoned, false))
            AS handled,
          (SELECT count(*) FROM tickets
            WHERE NOT coalesce(bot_resolved, false) AND NOT coalesce(abandoned, false)
              AND first_response_at IS NULL) AS handled_without_response,
          (SELECT count(*) FROM tickets WHERE resolved_at IS NULL
              AND status IN ('solved', 'closed')) AS closed_without_resolution,
          (SELECT count(*) FROM surveys) AS surveys,
          (SELECT count(*) FROM surveys WHERE country IS NULL) AS surveys_without_ticket
        """
    ).iloc[0]
    by_country = db.query("SELECT country, count(*) AS n FROM tickets GROUP BY country")
    by_language = db.query("SELECT language, count(*) AS n FROM tickets GROUP BY language")
    unknown_country = int(by_country.loc[~by_country["country"].map(
        lambda c: reference.is_country_code(c)), "n"].sum())  # fmt: skip
    unknown_language = int(by_language.loc[~by_language["language"].map(
        lambda c: reference.is_language_code(c)), "n"].sum())  # fmt: skip
    tickets, surveys, handled = int(counts.tickets), int(counts.surveys), int(counts.handled)
    measured = [(int(counts.handled_without_response), handled),
                (int(counts.closed_without_resolution), tickets),
                (unknown_country, tickets), (unknown_language, tickets),
                (int(counts.surveys_without_ticket), surveys)]  # fmt: skip
    rows = [(table, name, count, of, why)
            for (table, name, why), (count, of) in zip(INDICATORS, measured, strict=True)]
    frame = pd.DataFrame(rows, columns=["table_name", "indicator", "count", "of", "why"])
    frame["share"] = [c / n if n else None for c, n in zip(frame["count"], frame["of"],
                                                         strict=True)]  # fmt: skip
    return frame[["table_name", "indicator", "share", "count", "of", "why"]]
