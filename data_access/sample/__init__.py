"""Synthetic sample data: a realistic global customer-service operation, built reproducibly.

``build_sample`` simulates the data (``generator``) and writes it through ``data_access.store``,
so the published file appears atomically. Run it from the command line with
``python -m atlas sample --out data/sample.duckdb``.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from data_access import store
from data_access.sample.generator import HISTORY_DAYS, Progress, generate

DEFAULT_TICKETS = 600_000
DEFAULT_SEED = 20261126


def _insert_sample(con, data) -> None:  # noqa: ANN001 - duckdb connection and SampleData
    """Turn the generator's numbered rows into canonical rows (ids formatted in SQL: fast)."""
    con.register("gen_tickets", data.tickets)
    con.register("gen_surveys", data.surveys)
    con.register("gen_agents", data.agents)
    con.register("gen_shifts", data.shifts)
    con.register("gen_hubs", data.hubs)
    con.execute(
        """
        INSERT INTO tickets BY NAME
        SELECT printf('T%09d', ticket_number) AS ticket_id,
               printf('c%010x', (customer_number * 2654435761) % 1099511627776) AS customer_id,
               created_at, first_response_at, resolved_at,
               status::VARCHAR AS status, channel::VARCHAR AS channel,
               country::VARCHAR AS country, language::VARCHAR AS language,
               priority::VARCHAR AS priority, category::VARCHAR AS category, hub::VARCHAR AS hub,
               CASE WHEN agent_number > 0 THEN printf('A%04d', agent_number) END AS agent_id,
               agent_replies, reopens, handle_seconds, queue_wait_seconds, abandoned, bot_resolved
        FROM gen_tickets
        """
    )
    con.execute(
        """
        INSERT INTO surveys BY NAME
        SELECT printf('S%09d', row_number() OVER (ORDER BY sent_at, ticket_number)) AS survey_id,
               printf('T%09d', ticket_number) AS ticket_id,
               sent_at, responded_at, csat, nps, ces, comment
        FROM gen_surveys
        """
    )
    con.execute("INSERT INTO agents BY NAME SELECT * FROM gen_agents")
    con.execute("INSERT INTO shifts BY NAME SELECT * FROM gen_shifts ORDER BY start_at")
    con.execute("INSERT INTO hubs BY NAME SELECT * FROM gen_hubs")
    for name in ("gen_tickets", "gen_surveys", "gen_agents", "gen_shifts", "gen_hubs"):
        con.unregister(name)


def build_sample(
    out: Path,
    n_tickets: int = DEFAULT_TICKETS,
    seed: int = DEFAULT_SEED,
    end: dt.date | None = None,
    progress: Progress | None = None,
    days: int = HISTORY_DAYS,
) -> Path:
    """Generate the sample of ``days`` ending on ``end`` and publish it at ``out``; returns the
    path. Fewer days make a quicker sample (for tests of one behaviour)."""
    end = end or dt.date.today()
    report = progress or (lambda fraction, message: None)
    data = generate(n_tickets, seed, end, lambda f, m: report(0.8 * f, m), days)
    report(0.8, "writing the database")
    source = (f"synthetic sample: {n_tickets} tickets over {days} days, seed {seed}, ending "
              f"{end.isoformat()}")
    with store.rewrite(Path(out), source, copy_existing=False) as con:
        _insert_sample(con, data)
        del data  # free the generated frames before deriving columns over the written rows
        report(0.9, "deriving local times and repeat contacts")
    report(1.0, "done")
    return Path(out)
