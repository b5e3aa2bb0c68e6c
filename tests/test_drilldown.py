"""The rows behind a number (metrics.drilldown): the same population as the KPI, bound values,
bounded pages, survey responses only where their score is shown.

Hand-built week, filter 3-9 March 2025 in Seoul time (UTC+9):

| ticket | country | channel | created (UTC)   | in Seoul        | first reply | resolved    |
| t1     | KR      | chat    | 03-03 10:00     | 03-03 19:00     | +60 s       | +1 h        |
| t2     | KR      | email   | 03-03 16:30     | 03-04 01:30     | +2 h        | +1 day      |
| t3     | JP      | email   | 03-04 09:00     | 03-04 18:00     | none        | open        |
| t4     | US      | phone   | 03-05 12:00     | 03-05 21:00     | +30 s       | +10 min     |
| t5     | DE      | chat    | 03-05 13:00     | 03-05 22:00     | +90 s       | +2 h        |
| t6     | KR      | chat    | 03-10 02:00     | after the period                            |

t5's contact reason is a piece of SQL.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from data_access.database import Database
from data_access.filters import Filter
from metrics import drilldown
from metrics.drilldown import Cell, HiddenForPrivacy, Scope, cell_of_row
from metrics.engine import kpi_table
from metrics.registry import KPIS
from presentation import charts
from tests.apptest import sample_filter
from tests.conftest import write_rows
from ui.drilldown import offer_of_point

UTC = dt.UTC
HOSTILE = "a'; DROP TABLE tickets; --"
WEEK = Filter(start=dt.date(2025, 3, 3), end=dt.date(2025, 3, 9), timezone="Asia/Seoul")
LANGUAGE = {"KR": "ko", "JP": "ja", "US": "en", "DE": "de"}


def _ticket(tid: str, country: str, channel: str, created: dt.datetime, reply: float | None,
            resolved: dt.timedelta | None, category: str = "shipping") -> dict:  # fmt: skip
    return {"ticket_id": tid, "customer_id": f"c-{tid}", "created_at": created,
            "first_response_at": created + dt.timedelta(seconds=reply) if reply else None,
            "resolved_at": created + resolved if resolved else None,
            "status": "closed" if resolved else "open", "channel": channel, "country": country,
            "language": LANGUAGE[country], "priority": "normal", "category": category,
            "hub": "APAC", "agent_id": "a1" if reply else None, "agent_replies": 1,
            "reopens": 0, "bot_resolved": False}  # fmt: skip


TICKETS = [
    _ticket("t1", "KR", "chat", dt.datetime(2025, 3, 3, 10, tzinfo=UTC), 60, dt.timedelta(hours=1)),
    _ticket("t2", "KR", "email", dt.datetime(2025, 3, 3, 16, 30, tzinfo=UTC), 7200,
            dt.timedelta(days=1)),
    _ticket("t3", "JP", "email", dt.datetime(2025, 3, 4, 9, tzinfo=UTC), None, None),
    _ticket("t4", "US", "phone", dt.datetime(2025, 3, 5, 12, tzinfo=UTC), 30,
            dt.timedelta(minutes=10)),
    _ticket("t5", "DE", "chat", dt.datetime(2025, 3, 5, 13, tzinfo=UTC), 90,
            dt.timedelta(hours=2), category=HOSTILE),
    _ticket("t6", "KR", "chat", dt.datetime(2025, 3, 10, 2, tzinfo=UTC), 60,
            dt.timedelta(hours=1)),
]  # fmt: skip


@pytest.fixture(scope="module")
def week(tmp_path_factory: pytest.TempPathFactory) -> Database:
    return Database(write_rows(tmp_path_factory.mktemp("drill") / "week.duckdb", TICKETS))


def ids(db: Database, cell: Cell, **options: object) -> list[str]:
    return drilldown.rows(db, cell, **options)[cell.columns[0]].tolist()


def test_a_day_in_the_filters_zone_lists_the_tickets_the_chart_counts(week):
    scope = Scope(WEEK, grain="day")
    table = kpi_table(week, ["volume"], flt=WEEK, grain="day")
    # Seoul days: 3 March t1; 4 March t2 (16:30 UTC on the 3rd) and t3; 5 March t4 and t5
    assert table["value"].tolist() == [1, 2, 2]
    cells = [cell_of_row("volume", scope, row) for _, row in table.iterrows()]
    assert [ids(week, c) for c in cells] == [["t1"], ["t2", "t3"], ["t4", "t5"]]
    assert [drilldown.count(week, c) for c in cells] == [1, 2, 2]
    page = drilldown.rows(week, cells[1])
    t2 = page.set_index("ticket_id").loc["t2"]
    assert t2["created_utc"] == pd.Timestamp("2025-03-03 16:30")  # UTC
    assert t2["created_local"] == pd.Timestamp("2025-03-04 01:30")  # the customer's, Seoul
    assert t2["resolved_local"] == pd.Timestamp("2025-03-05 01:30")
    assert t2["customer_timezone"] == "Asia/Seoul" and t2["agent"] == "a1"
    assert "customer_id" not in page and "value" not in page  # a count has no row value


def test_a_quantile_lists_its_population_with_each_rows_value(week):
    scope = Scope(WEEK, by=("channel",))
    chat = Cell("frt_median", scope, (("channel", "chat"),))
    email = Cell("frt_median", scope, (("channel", "email"),))
    # chat: t1 (60 s) and t5 (90 s), median 75 s; email: only t2 replied (t3 has no reply)
    table = kpi_table(week, ["frt_median"], by=["channel"], flt=WEEK).set_index("channel")
    assert table.loc["chat", "n"] == 2 and table.loc["chat", "value"] == 75
    page = drilldown.rows(week, chat, sort="value", descending=True)
    assert page["ticket_id"].tolist() == ["t5", "t1"] and page["value"].tolist() == [90, 60]
    assert drilldown.count(week, email) == 1 and ids(week, email) == ["t2"]


def test_a_ratio_row_says_whether_it_counts_in_the_numerator(week):
    # SLA (chat target 120 s at normal priority, e-mail a day): t1 60 s, t2 2 h, t4 30 s...
    cell = Cell("sla", Scope(WEEK, by=("channel",)), (("channel", "phone"),))
    # phone target 120 s: t4 answered in 30 s
    assert drilldown.rows(week, cell)[["ticket_id", "value"]].values.tolist() == [["t4", 1]]


def test_other_holds_the_members_not_kept_apart(week):
    scope = Scope(WEEK, by=("country",), keep=(("country", ("KR",)),))
    table = kpi_table(week, ["volume"], by=["country"], flt=WEEK, keep={"country": ["KR"]})
    assert table.set_index("country")["value"].to_dict() == {"KR": 2, "Other": 3}
    assert ids(week, Cell("volume", scope, (("country", "Other"),))) == ["t3", "t4", "t5"]
    assert ids(week, Cell("volume", scope, (("country", "KR"),))) == ["t1", "t2"]


def test_the_backlog_lists_what_was_open_at_the_end(week):
    # 9 March ends at 15:00 UTC: only t3 was never resolved (t6 comes later)
    assert kpi_table(week, ["backlog"], flt=WEEK)["value"].tolist() == [1]
    assert ids(week, Cell("backlog", Scope(WEEK))) == ["t3"]


def test_values_are_bound_and_names_listed(week):
    scope = Scope(WEEK, by=("category",))
    assert ids(week, Cell("volume", scope, (("category", HOSTILE),))) == ["t5"]
    assert ids(week, Cell("volume", scope, (("category", "x' OR '1'='1"),))) == []
    with pytest.raises(ValueError, match="cannot sort by"):
        drilldown.rows(week, Cell("volume", Scope(WEEK)), sort='ticket_id"; DROP TABLE tickets')
    with pytest.raises(ValueError, match="each group column once"):
        Cell("volume", scope, (("channel", "chat"),))
    with pytest.raises(ValueError, match="unknown KPI"):
        Cell("volume; --", Scope(WEEK))
    assert drilldown.count(week, Cell("volume", Scope(Filter()))) == 6  # nothing was dropped


def test_pages_are_bounded_and_cover_the_cell_once(week):
    cell = Cell("volume", Scope(Filter()))
    pages = [ids(week, cell, offset=offset, limit=4) for offset in (0, 4, 8)]
    assert pages == [["t1", "t2", "t3", "t4"], ["t5", "t6"], []]
    by_time = drilldown.rows(week, cell, sort="created_utc", descending=True, limit=2)
    assert by_time["ticket_id"].tolist() == ["t6", "t5"]
    with pytest.raises(ValueError, match="1 to 100000 rows"):
        drilldown.rows(week, cell, limit=drilldown.EXPORT_ROWS + 1)


# ---------------------------------------------------------------- survey responses and privacy
# DE only, March: chat 7 answers, e-mail 6, phone 2 (tests/test_privacy.py's first case): phone
# is too small, and e-mail is hidden with it, or phone = total - chat - e-mail.
ANSWERS = [("chat", 5), ("chat", 5), ("chat", 5), ("chat", 5), ("chat", 4), ("chat", 4),
           ("chat", 4), *[("email", s) for s in (5, 5, 5, 4, 2, 1)], ("phone", 1),
           ("phone", 2)]  # fmt: skip
MARCH = Filter(start=dt.date(2025, 3, 3), end=dt.date(2025, 3, 16))


@pytest.fixture(scope="module")
def answered(tmp_path_factory: pytest.TempPathFactory) -> Database:
    start = dt.datetime(2025, 3, 3, 9, tzinfo=UTC)
    tickets, surveys = [], []
    for i, (channel, csat) in enumerate(ANSWERS):
        created = start + dt.timedelta(hours=i)
        tickets.append(_ticket(f"t{i:02}", "DE", channel, created, 60, dt.timedelta(hours=1)))
        surveys.append({"survey_id": f"s{i:02}", "ticket_id": f"t{i:02}", "sent_at": created,
                        "responded_at": created + dt.timedelta(hours=2), "csat": csat,
                        "comment": "mail anna@example.com or call +49 30 1234567" if i == 0
                        else None})  # fmt: skip
    path = tmp_path_factory.mktemp("drill") / "answered.duckdb"
    return Database(write_rows(path, tickets, surveys))


def test_responses_are_listed_where_the_score_is_shown_comments_masked(answered):
    scope = Scope(MARCH, by=("channel",))
    chat = Cell("csat", scope, (("channel", "chat"),))
    assert drilldown.count(answered, chat) == 7
    page = drilldown.rows(answered, chat)
    assert page["survey_id"].tolist() == [f"s{i:02}" for i in range(7)]
    assert page["value"].tolist() == [1] * 7  # every chat answer scored 4 or 5
    assert page["comment"].iloc[0] == "mail [e-mail] or call [phone]"
    assert drilldown.count(answered, Cell("csat", Scope(MARCH))) == 15  # all: shown


@pytest.mark.parametrize("channel", ["phone", "email"])
def test_responses_of_a_hidden_score_are_refused(answered, channel):
    """Phone has 2 answers; e-mail has 6, but the engine hides it with phone (complementary)."""
    table = kpi_table(answered, ["csat"], by=["channel"], flt=MARCH).set_index("channel")
    assert table.loc[channel, "suppressed"]
    cell = Cell("csat", Scope(MARCH, by=("channel",)), (("channel", channel),))
    for call in (drilldown.count, drilldown.rows):
        with pytest.raises(HiddenForPrivacy, match="fewer than 5 responses"):
            call(answered, cell)


# ---------------------------------------------------------------- every KPI on the sample
@pytest.mark.parametrize("kpi", list(KPIS))
def test_every_kpis_cells_count_what_the_engine_counts(sample_db, kpi):
    """By channel and week in Seoul time: each cell's drill-down count is its n (a volume's
    value), and each hidden survey cell is refused."""
    flt = sample_filter("last_28d")
    flt = Filter(start=flt.start, end=flt.end, timezone="Asia/Seoul")
    scope = Scope(flt, by=("channel",), grain="week")
    table = kpi_table(sample_db, [kpi], by=["channel"], flt=flt, grain="week")
    table = table[table["n"] > 0]
    assert len(table) >= 8 and table["suppressed"].sum() < len(table)
    for _, row in table.iterrows():
        cell = cell_of_row(kpi, scope, row)
        if row["suppressed"]:
            with pytest.raises(HiddenForPrivacy):
                drilldown.count(sample_db, cell)
        else:
            assert drilldown.count(sample_db, cell) == row["n"], (row["channel"], row["week"])


# ---------------------------------------------------------------- a chart point's cell
def scoped(table: pd.DataFrame, scope: Scope) -> pd.DataFrame:
    """What ``ui.data.kpi_table`` hands a page: the table carrying its scope."""
    table.attrs[drilldown.ATTRS_KEY] = scope.to_json()
    return table


def test_a_chart_point_names_the_cell_behind_it(week):
    keep = {"country": ["KR"]}
    table = kpi_table(week, ["volume"], by=["country"], flt=WEEK, grain="day", keep=keep)
    scope = Scope(WEEK, ("country",), "day", (("country", ("KR",)),))
    trend = scoped(table, scope)
    # the 'Other' line on 4 March (Seoul): t3 from Japan
    offer = offer_of_point(trend, {"customdata": "Other", "x": "2025-03-04"})
    assert offer.cell == Cell("volume", scope, (("country", "Other"),
                                                ("day", pd.Timestamp("2025-03-04"))))  # fmt: skip
    assert offer.n == 1 and not offer.hidden
    assert offer.what == "Volume · Other · Day from 04 Mar 2025"
    assert drilldown.rows(week, offer.cell)["ticket_id"].tolist() == ["t3"]
    # a dashed year-earlier point shows another period; a holiday marker is no bucket
    assert offer_of_point(trend, {"customdata": "Other", "x": "2025-03-04",
                                  "legendgroup": charts.YEAR_AGO_GROUP}) is None  # fmt: skip
    assert offer_of_point(trend, {"customdata": "KR", "x": "2025-03-06"}) is None
    # a map point, under a filter that names countries and a zone
    flt = Filter(start=dt.date(2025, 3, 3), end=dt.date(2025, 3, 9), countries=("KR", "JP"),
                 timezone="Asia/Seoul")  # fmt: skip
    by_country = scoped(kpi_table(week, ["volume"], by=["country"], flt=flt),
                        Scope(flt, ("country",)))  # fmt: skip
    offer = offer_of_point(by_country, {"customdata": ["KR"], "location": "KOR"})
    assert offer.cell.scope.flt == flt and offer.n == 2
    assert offer_of_point(pd.concat([by_country, by_country.assign(kpi="sla")]),
                          {"customdata": ["KR"]}) is None  # two KPIs: which one?  # fmt: skip


@pytest.mark.parametrize("member", ["KR", "x' OR '1'='1"])
def test_a_scope_survives_its_json(member):
    scope = Scope(Filter(start=dt.date(2025, 3, 3), end=None, countries=(member,),
                         timezone="Asia/Seoul"), ("channel",), "week",
                  (("channel", ("chat", member)),))  # fmt: skip
    assert Scope.from_json(scope.to_json()) == scope
