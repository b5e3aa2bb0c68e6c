"""Short abandons: a contact that leaves the queue within seconds is neither offered nor abandoned.

Seven contacts on 2025-03-03 (UTC), waits in seconds. The threshold is
registry.SHORT_ABANDON_SECONDS = 5: a wait under it is a short abandon, 5 s itself is not.
"""

from __future__ import annotations

import datetime as dt

import pytest

from data_access.database import Database
from data_access.filters import Filter
from metrics.engine import kpi_table
from metrics.registry import KPIS, SHORT_ABANDON_SECONDS
from tests.conftest import write_rows

DAY = Filter(start=dt.date(2025, 3, 3), end=dt.date(2025, 3, 3))


def contact(tid: str, channel: str, wait: float | None, abandoned: bool, bot: bool = False) -> dict:
    created = dt.datetime(2025, 3, 3, 10, tzinfo=dt.UTC)
    answered = not abandoned and not bot
    return {
        "ticket_id": tid, "customer_id": f"c-{tid}", "created_at": created,
        "first_response_at": created + dt.timedelta(seconds=wait) if answered else None,
        "status": "abandoned" if abandoned else "solved", "channel": channel, "country": "DE",
        "language": "de", "priority": "normal", "category": "shipping", "hub": "EMEA",
        "queue_wait_seconds": wait, "abandoned": abandoned, "bot_resolved": bot,
    }  # fmt: skip


# fmt: off
CONTACTS = [
    contact("P1", "phone", 10, False),   # answered within 20 s
    contact("P2", "phone", 30, False),   # answered after 20 s
    contact("P3", "phone", 3, True),     # short abandon: 3 s < 5 s, left out
    contact("P4", "phone", 40, True),    # abandoned
    contact("P5", "phone", 5, True),     # abandoned at exactly 5 s: not short
    contact("P6", "phone", None, True),  # abandoned, wait unknown: cannot be called short
    contact("C1", "chat", 0, False, bot=True),  # the bot resolved it: never in the queue
]
# fmt: on


@pytest.fixture(scope="module")
def table(tmp_path_factory: pytest.TempPathFactory):
    path = write_rows(tmp_path_factory.mktemp("short") / "short.duckdb", CONTACTS)
    result = kpi_table(Database(path), ["abandonment", "service_level", "asa"], flt=DAY)
    return result.set_index("kpi")


def test_short_abandons_are_neither_offered_nor_abandoned(table):
    # offered: P1 P2 P4 P5 P6 = 5 (P3 short, C1 bot); abandoned: P4 P5 P6 = 3 -> 3/5
    assert table.loc["abandonment", "n"] == 5
    assert table.loc["abandonment", "value"] == pytest.approx(3 / 5)


def test_service_level_and_asa_use_the_same_offered_contacts(table):
    # answered within 20 s: P1 of the 5 offered -> 1/5; ASA: (10 + 30) / 2 answered = 20 s
    assert table.loc["service_level", "n"] == 5
    assert table.loc["service_level", "value"] == pytest.approx(1 / 5)
    assert table.loc["asa", "value"] == pytest.approx(20)


def test_the_definitions_name_the_threshold():
    assert SHORT_ABANDON_SECONDS == 5
    assert "under 5 s" in KPIS["abandonment"].definition
    assert "under 5 s" in KPIS["service_level"].definition
