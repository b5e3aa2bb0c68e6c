"""Comparisons are like with like: results that have not settled are provisional and not tested,
and periods that reach outside the data are not compared at all (metrics.maturity)."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from atlas.cli import main as atlas_cli
from data_access.database import Database
from data_access.filters import Filter
from metrics.engine import kpi_table
from metrics.movers import biggest_movers
from tests.apptest import sample_filter
from tests.conftest import write_rows

FIRST = dt.date(2025, 3, 3)  # a Monday
LAST = dt.date(2025, 4, 27)  # 8 weeks of data
SWITCH_AFTER_DAYS = 6


def _day(day: dt.date, hour: int) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour), dt.UTC)


@pytest.fixture(scope="module")
def db(tmp_path_factory) -> Database:
    """Every day 10 customers write an e-mail; 3 of them come back by chat 6 days later (when
    that day is in the data). So channel switching is 3 / 13 of contacts on every day whose
    follow-ups the data can hold, and lower in the last 6 days only because they are unseen."""
    tickets = []
    days = [FIRST + dt.timedelta(days=i) for i in range((LAST - FIRST).days + 1)]
    for day in days:
        for i in range(10):
            customer = f"c{day:%m%d}{i}"
            tickets.append({
                "ticket_id": f"e{day:%m%d}{i}", "customer_id": customer,
                "created_at": _day(day, 9 + i), "status": "closed", "channel": "email",
                "country": "DE", "language": "de", "priority": "normal", "category": "shipping",
                "hub": "EMEA", "reopens": 0, "bot_resolved": False,
            })  # fmt: skip
            follow_up = day + dt.timedelta(days=SWITCH_AFTER_DAYS)
            if i < 3 and follow_up <= LAST:
                tickets.append({**tickets[-1], "ticket_id": f"h{day:%m%d}{i}", "channel": "chat",
                                "created_at": _day(follow_up, 20)})  # fmt: skip
    return Database(write_rows(tmp_path_factory.mktemp("maturity") / "m.duckdb", tickets))


def test_immature_channel_switching_is_provisional_and_not_tested(db):
    # Last 28 days against the 28 before: the last six days' e-mails cannot have switched yet,
    # which alone made the drop "significant" before.
    current = Filter(start=LAST - dt.timedelta(days=27), end=LAST)
    row = kpi_table(db, ["channel_switch"], flt=current, compare=["previous"]).iloc[0]
    assert row["previous_delta"] < -0.03  # the drop is there ...
    assert row["provisional"] and row["previous_not_tested"] == "immature"  # ... and marked
    assert np.isnan(row["previous_p_value"]) and not row["previous_significant"]


def test_settled_comparison_is_tested_and_finds_no_change(db):
    # Ends 7 days before the data's last day: every follow-up is in the data, 3 / 13 in both.
    current = Filter(start=LAST - dt.timedelta(days=20), end=LAST - dt.timedelta(days=7))
    row = kpi_table(db, ["channel_switch"], flt=current, compare=["previous"]).iloc[0]
    assert not row["provisional"] and row["previous_not_tested"] is None
    assert row["value"] == pytest.approx(3 / 13) and row["previous_value"] == pytest.approx(3 / 13)
    assert row["previous_p_value"] == pytest.approx(1.0)


def test_weekly_buckets_are_provisional_only_where_unsettled(db):
    table = kpi_table(db, ["channel_switch", "volume"], flt=Filter(start=FIRST, end=LAST),
                      grain="week").set_index(["kpi", "week"])  # fmt: skip
    switch = table.loc["channel_switch", "provisional"]
    # settled through Sunday 20 April (27 April - 7 days): only the week of 21 April is not
    assert switch.tolist() == [False] * 7 + [True]
    assert not table.loc["volume", "provisional"].any()


def test_a_period_past_the_data_end_is_not_compared(db):
    # 1-30 April while the data ends 27 April: 27 days against 30 would read as a drop.
    april = Filter(start=dt.date(2025, 4, 1), end=dt.date(2025, 4, 30))
    row = kpi_table(db, ["volume"], flt=april, compare=["previous", "year_ago"]).iloc[0]
    for name in ("previous", "year_ago"):
        assert row[f"{name}_not_tested"] == "after_data"
        assert np.isnan(row[f"{name}_delta"]) and np.isnan(row[f"{name}_p_value"])
    assert row["provisional"]


def test_a_compared_period_before_the_data_start_is_not_compared(db):
    first_fortnight = Filter(start=FIRST, end=FIRST + dt.timedelta(days=13))
    row = kpi_table(db, ["volume"], flt=first_fortnight, compare=["previous"]).iloc[0]
    assert row["previous_not_tested"] == "before_data" and np.isnan(row["previous_delta"])
    weekly = kpi_table(db, ["volume"], flt=Filter(start=FIRST, end=LAST), grain="week",
                       compare=["previous", "year_ago"])  # fmt: skip
    assert (weekly["year_ago_not_tested"] == "before_data").all()
    # the previous 8 weeks are all before 3 March as well
    assert (weekly["previous_not_tested"] == "before_data").all()


def test_the_command_line_says_why_a_comparison_was_not_made(db, capsys):
    path = str(db.path)
    code = atlas_cli(["kpis", "--db", path, "--kpi", "volume,channel_switch", "--from",
                        "2025-04-01", "--to", "2025-04-30", "--compare", "previous"])  # fmt: skip
    assert code == 0
    err = capsys.readouterr().err
    assert "runs past the data's last day (2025-04-27)" in err
    atlas_cli(["kpis", "--db", path, "--kpi", "channel_switch", "--from", "2025-03-31",
                 "--to", "2025-04-27", "--compare", "previous"])  # fmt: skip
    err = capsys.readouterr().err
    assert "channel_switch not tested: it settles 7 days after created" in err
    assert "after 2025-04-20 are provisional" in err


def test_default_overview_movers_have_no_unsettled_cause(sample_db):
    flt = sample_filter("last_28d")
    kpis = ("volume", "frt_median", "sla", "csat", "nps", "abandonment", "fcr", "channel_switch")
    movers = biggest_movers(sample_db, kpis, flt, ("country", "language", "channel"))
    assert len(movers) > 0
    for mover in movers.itertuples():
        row = kpi_table(sample_db, [mover.kpi], by=[mover.dimension], flt=flt)
        row = row[row[mover.dimension] == mover.member].iloc[0]
        assert not row["provisional"], f"{mover.kpi} for {mover.member} has not settled"
