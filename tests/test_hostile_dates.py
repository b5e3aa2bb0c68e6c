"""Dates no real ticket has, in a database written before the importer refused them.

The fixture: 183 ordinary tickets, three a day (08:00, 12:00, 16:00 UTC) from 1 March to
30 April 2025, each with an answered survey, plus three tickets dated 0001-01-01, 2099-06-01 and
9999-12-31. The data's real coverage is 2025-03-01 .. 2025-04-30, so the default period (last
28 days) is 2025-04-03 .. 2025-04-30 and a plan ahead starts on Thursday 1 May 2025.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import duckdb
import pytest

from data_access.catalog import META_KEY, read_catalog
from data_access.database import Database
from data_access.filters import FIRST_DAY, LAST_DAY, Filter
from metrics.engine import kpi_table
from tests.apptest import open_page
from tests.conftest import write_rows
from ui.page import PAGES

SCRIPTS = [p.script for p in PAGES]
FIRST, LAST = dt.date(2025, 3, 1), dt.date(2025, 4, 30)
IMPOSSIBLE = (
    dt.datetime(1, 1, 1, tzinfo=dt.UTC),
    dt.datetime(2099, 6, 1, tzinfo=dt.UTC),
    dt.datetime(9999, 12, 31, 12, tzinfo=dt.UTC),
)
MARKETS = (("DE", "de", "email"), ("US", "en", "chat"), ("JP", "ja", "phone"))


def ticket(number: int, created: dt.datetime) -> dict:
    country, language, channel = MARKETS[number % 3]
    return {
        "ticket_id": f"T{number:03d}", "customer_id": f"C{number % 20}", "created_at": created,
        "first_response_at": created, "resolved_at": created, "status": "solved",
        "channel": channel, "country": country, "language": language, "priority": "normal",
        "category": "shipping", "hub": "EMEA", "agent_id": "agent-1", "agent_replies": 1,
        "reopens": 0, "handle_seconds": 300.0, "queue_wait_seconds": 20.0, "abandoned": False,
        "bot_resolved": False,
    }  # fmt: skip


def survey(row: dict) -> dict:
    return {"survey_id": f"S{row['ticket_id']}", "ticket_id": row["ticket_id"],
            "sent_at": row["created_at"], "responded_at": row["created_at"],
            "csat": 4, "nps": 9, "ces": 6}  # fmt: skip


DAYS = [FIRST + dt.timedelta(days=i) for i in range((LAST - FIRST).days + 1)]
ORDINARY = [
    ticket(3 * index + i, dt.datetime.combine(day, dt.time(hour), dt.UTC))
    for index, day in enumerate(DAYS)
    for i, hour in enumerate((8, 12, 16))
]
TICKETS = ORDINARY + [ticket(900 + i, when) for i, when in enumerate(IMPOSSIBLE)]


@pytest.fixture(scope="module")
def hostile_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("hostile") / "hostile.duckdb"
    return write_rows(path, TICKETS, [survey(row) for row in ORDINARY])


@pytest.fixture
def use_hostile(monkeypatch: pytest.MonkeyPatch, hostile_path: Path) -> Path:
    monkeypatch.setenv("SERVICE_ATLAS_DB", str(hostile_path))
    return hostile_path


def captions(at) -> list[str]:
    return [c.value for c in at.sidebar.caption]


# ---------------------------------------------------------------- the catalog
def test_the_date_range_leaves_impossible_dates_out_and_counts_them(hostile_path):
    assert len(ORDINARY) == 61 * 3
    cat = read_catalog(Database(hostile_path))
    assert (cat.first_day, cat.last_day, cat.implausible) == (FIRST, LAST, 3)


def test_a_catalog_stored_by_an_earlier_writer_is_not_trusted(tmp_path):
    path = write_rows(tmp_path / "old.duckdb", TICKETS)
    # what writers stored before: the days of the earliest and latest ticket, whatever they are
    old = json.loads(Database(path).query("SELECT value FROM atlas_meta WHERE key = ?",
                                          [META_KEY])["value"][0])  # fmt: skip
    old.pop("implausible")
    old.update(first_day="0001-01-01", last_day="9999-12-31")
    with duckdb.connect(str(path)) as con:
        con.execute("UPDATE atlas_meta SET value = ? WHERE key = ?", [json.dumps(old), META_KEY])
    cat = read_catalog(Database(path))
    assert (cat.first_day, cat.last_day, cat.implausible) == (FIRST, LAST, 3)


# ---------------------------------------------------------------- filters
def test_filter_dates_stay_where_date_arithmetic_works(hostile_path):
    flt = Filter(start=dt.date.min, end=dt.date.max)
    assert (flt.start, flt.end) == (FIRST_DAY, LAST_DAY)  # 1678-01-01 .. 2261-12-31
    assert flt.end_ts == dt.datetime(2262, 1, 1, tzinfo=dt.UTC)
    for other in (flt.previous_period(), flt.year_earlier(), flt.baseline()):
        assert FIRST_DAY <= other.start <= other.end <= LAST_DAY
    # the 183 ordinary tickets and the one of 2099; 0001 and 9999 lie outside 1678..2261
    volume = kpi_table(Database(hostile_path), ["volume"], flt=flt)
    assert volume["value"].tolist() == [184]


# ---------------------------------------------------------------- every page
@pytest.mark.parametrize("script", SCRIPTS)
def test_every_page_works_and_the_default_period_ends_with_the_real_data(use_hostile, script):
    at = open_page(script)
    assert not at.exception, [e.message for e in at.exception]
    assert at.title and at.title[0].value
    shown = captions(at)
    assert "03 Apr 2025 – 30 Apr 2025 (UTC)" in shown
    assert any(c.startswith("Data through 30 Apr 2025") for c in shown)
    assert any("3 tickets dated before 2000 or in the future are left out" in c for c in shown)


@pytest.mark.parametrize("script", SCRIPTS)
def test_a_link_reaching_year_1_and_9999_is_cut_to_the_data(use_hostile, script):
    at = open_page(script, {"period": "custom", "dates": "0001-01-01..9999-12-31"})
    assert not at.exception, [e.message for e in at.exception]
    assert at.sidebar.date_input[0].value == (FIRST, LAST)
    assert at.query_params["dates"] == "2025-03-01..2025-04-30"


def test_a_plan_ahead_starts_the_day_after_the_real_data(use_hostile):
    at = open_page("pages/6_Staffing.py", {"plan": "ahead"})
    assert not at.exception, [e.message for e in at.exception]
    assert any(c.value.startswith("Planning Thu 01 May 2025 – Wed 14 May 2025")
               for c in at.caption)  # fmt: skip


def test_a_placeholder_date_does_not_make_open_tickets_overdue(tmp_path):
    # On 30 April an e-mail waits from 10:00 for its first reply (target 24 h) and another is
    # answered at once; the data's last contact is 16:00, so the first is not late yet: SLA 1/1.
    # Taking "now" from the 9999-12-31 placeholder would count it as a miss: 1/2.
    waiting = {**ticket(0, dt.datetime(2025, 4, 30, 10, tzinfo=dt.UTC)),
               "first_response_at": None, "resolved_at": None, "status": "open"}  # fmt: skip
    answered = ticket(3, dt.datetime(2025, 4, 30, 16, tzinfo=dt.UTC))
    placeholder = ticket(6, IMPOSSIBLE[-1])
    db = Database(write_rows(tmp_path / "sla.duckdb", [waiting, answered, placeholder]))
    day = Filter(start=LAST, end=LAST)
    row = kpi_table(db, ["sla", "backlog"], flt=day).set_index("kpi")
    assert row.loc["sla", "n"] == 1 and row.loc["sla", "value"] == 1.0
    assert row.loc["backlog", "value"] == 1  # the waiting e-mail, at the end of 30 April
