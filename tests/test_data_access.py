"""data_access: filters select exactly the right rows, values are bound, new data is picked up."""

from __future__ import annotations

import datetime as dt
import threading

import duckdb
import pandas as pd
import pytest

from data_access.catalog import META_KEY, read_catalog
from data_access.config import data_location
from data_access.database import Database, DataNotFoundError, get_database
from data_access.filters import Filter
from tests.conftest import write_rows


def ticket(
    ticket_id: str, created: str, country: str, language: str, channel: str, **extra
) -> dict:
    row = {
        "ticket_id": ticket_id, "customer_id": f"c-{ticket_id}",
        "created_at": dt.datetime.fromisoformat(created).replace(tzinfo=dt.UTC),
        "status": "closed", "channel": channel, "country": country, "language": language,
        "priority": "normal", "category": "shipping", "hub": "EMEA",
        "agent_replies": 1, "reopens": 0, "bot_resolved": False,
    }  # fmt: skip
    row.update(extra)
    return row


TICKETS = [
    ticket("t1", "2025-03-01 08:00", "KR", "ko", "chat"),
    ticket("t2", "2025-03-01 23:30", "JP", "ja", "email", hub="APAC"),
    ticket("t3", "2025-03-02 10:00", "CH", "fr", "phone", priority="high"),
    ticket("t4", "2025-03-03 00:10", "CH", "de", "email"),
    ticket("t5", "2025-03-05 12:00", "US", "es", "messaging", hub="AMER"),
    ticket("t6", "2025-03-05 12:00", "KR", "en", "email", category="payment"),
]


@pytest.fixture
def tiny_db(tmp_path) -> Database:
    return Database(write_rows(tmp_path / "tiny.duckdb", TICKETS))


def ids(db: Database, flt: Filter) -> list[str]:
    where, params = flt.where("t")
    return db.query(f"SELECT ticket_id FROM tickets t WHERE {where} ORDER BY ticket_id", params)[
        "ticket_id"
    ].tolist()


@pytest.mark.parametrize(
    ("flt", "expected"),
    [
        (Filter(), ["t1", "t2", "t3", "t4", "t5", "t6"]),
        (Filter(countries=("KR",)), ["t1", "t6"]),
        (Filter(countries=("CH",), languages=("fr",)), ["t3"]),
        (Filter(channels=("email",)), ["t2", "t4", "t6"]),
        (Filter(priorities=("high",)), ["t3"]),
        (Filter(hubs=("APAC", "AMER")), ["t2", "t5"]),
        (Filter(categories=("payment",)), ["t6"]),
        # dates are whole days, inclusive, in UTC by default
        (Filter(start=dt.date(2025, 3, 1), end=dt.date(2025, 3, 1)), ["t1", "t2"]),
        (Filter(start=dt.date(2025, 3, 2), end=dt.date(2025, 3, 3)), ["t3", "t4"]),
        # ... or in another zone: 23:30 UTC on 1 March is 2 March in Seoul
        (
            Filter(start=dt.date(2025, 3, 2), end=dt.date(2025, 3, 2), timezone="Asia/Seoul"),
            ["t2", "t3"],
        ),
        (Filter(start=dt.date(2025, 3, 4)), ["t5", "t6"]),
        (Filter(end=dt.date(2025, 3, 1)), ["t1", "t2"]),
    ],
)
def test_filter_selects_exactly_the_expected_rows(tiny_db, flt, expected):
    assert ids(tiny_db, flt) == expected


@pytest.mark.parametrize(
    "hostile",
    ["KR' OR '1'='1", "'; DROP TABLE tickets; --", 'KR") OR TRUE --', "ko\\", "%", "*"],
)
def test_hostile_filter_values_are_just_values(tiny_db, hostile):
    assert ids(tiny_db, Filter(countries=(hostile,))) == []
    assert ids(tiny_db, Filter(languages=(hostile,), channels=(hostile,))) == []
    assert tiny_db.query("SELECT count(*) AS n FROM tickets")["n"][0] == len(TICKETS)


def test_filter_rejects_malformed_input():
    with pytest.raises(ValueError, match="after its end"):
        Filter(start=dt.date(2025, 3, 2), end=dt.date(2025, 3, 1))
    with pytest.raises(TypeError, match="sequence of codes"):
        Filter(countries="KR")
    with pytest.raises(ValueError, match="unknown filter fields"):
        Filter().narrowed(colour=("red",))


def test_comparison_periods():
    march = Filter(start=dt.date(2025, 3, 1), end=dt.date(2025, 3, 28))
    assert march.previous_period().start == dt.date(2025, 2, 1)
    assert march.previous_period().end == dt.date(2025, 2, 28)
    assert march.year_earlier().start == dt.date(2024, 3, 1)
    leap = Filter(start=dt.date(2024, 2, 29), end=dt.date(2024, 2, 29))
    assert leap.year_earlier().start == dt.date(2023, 2, 28)
    with pytest.raises(ValueError, match="start and an end"):
        Filter(start=dt.date(2025, 3, 1)).previous_period()


def test_filter_equality_ignores_order_and_duplicates():
    assert Filter(countries=("KR", "JP", "KR")) == Filter(countries=("JP", "KR"))
    assert hash(Filter(countries=("KR", "JP"))) == hash(Filter(countries=("JP", "KR")))


def test_countries_table_has_names_regions_and_zones(tiny_db):
    rows = tiny_db.query("SELECT * FROM countries ORDER BY country").set_index("country")
    assert rows.loc["KR", "name"] == "South Korea"
    assert rows.loc["KR", "iso3"] == "KOR"
    assert rows.loc["CH", "subregion"] == "Western Europe"
    assert rows.loc["US", "region"] == "Americas"
    assert rows.loc["JP", "timezone"] == "Asia/Tokyo"


def test_local_time_is_derived_from_the_market_zone(tiny_db):
    local = tiny_db.query("SELECT ticket_id, local_created_at FROM tickets ORDER BY ticket_id")
    by_id = dict(zip(local["ticket_id"], local["local_created_at"], strict=True))
    assert by_id["t1"] == dt.datetime(2025, 3, 1, 17, 0)  # 08:00 UTC in Seoul (UTC+9)
    assert by_id["t5"] == dt.datetime(2025, 3, 5, 7, 0)  # 12:00 UTC in New York (UTC-5)


def test_repeat_contacts_are_derived_per_customer_and_topic(tmp_path):
    rows = [
        ticket("a", "2025-03-01 08:00", "DE", "de", "email", customer_id="c1",
               resolved_at=dt.datetime(2025, 3, 2, tzinfo=dt.UTC)),
        ticket("b", "2025-03-05 08:00", "DE", "de", "phone", customer_id="c1"),  # 3 days on
        ticket("c", "2025-03-20 08:00", "DE", "de", "email", customer_id="c1"),  # 15 days later
        ticket("d", "2025-03-01 09:00", "DE", "de", "chat", customer_id="c2", category="payment"),
        ticket("e", "2025-03-02 09:00", "DE", "de", "chat", customer_id="c2", category="account"),
    ]  # fmt: skip
    db = Database(write_rows(tmp_path / "repeat.duckdb", rows))
    got = db.query("SELECT ticket_id, repeat_contact_7d, next_channel_7d FROM tickets ORDER BY 1")
    assert got["repeat_contact_7d"].tolist() == [True, False, False, False, False]
    assert got["next_channel_7d"].fillna("-").tolist() == ["phone", "-", "-", "chat", "-"]


def _survey(survey_id: str, ticket_id: str, csat: int) -> dict:
    sent = dt.datetime(2025, 3, 6, tzinfo=dt.UTC)
    return {"survey_id": survey_id, "ticket_id": ticket_id, "sent_at": sent,
            "responded_at": sent + dt.timedelta(hours=2), "csat": csat}  # fmt: skip


SURVEYS = [_survey("s1", "t1", 5), _survey("s3", "t3", 2), _survey("s9", "gone", 4)]
SURVEY_ATTRIBUTES = "country, language, channel, priority, category, hub, next_channel_7d"


def test_surveys_carry_their_tickets_attributes(tmp_path):
    db = Database(write_rows(tmp_path / "s.duckdb", TICKETS, SURVEYS))
    got = db.query(f"SELECT survey_id, {SURVEY_ATTRIBUTES} FROM surveys ORDER BY survey_id")
    assert got.loc[0].tolist()[:7] == ["s1", "KR", "ko", "chat", "normal", "shipping", "EMEA"]
    assert got.loc[1].tolist()[:7] == ["s3", "CH", "fr", "phone", "high", "shipping", "EMEA"]
    assert got.loc[2, ["country", "language", "channel"]].isna().all()  # its ticket is unknown


def test_data_written_before_surveys_carried_ticket_attributes_reads_the_same(tmp_path):
    """An older file (surveys without the copied columns) gets them through a join."""
    path = write_rows(tmp_path / "new.duckdb", TICKETS, SURVEYS)
    expected = Database(path).query("SELECT * FROM surveys ORDER BY survey_id")
    with duckdb.connect(str(path)) as con:
        con.execute("CREATE OR REPLACE TABLE surveys AS SELECT survey_id, ticket_id, sent_at, "
                    "responded_at, csat, nps, ces, comment FROM surveys")  # fmt: skip
        assert "country" not in con.table("surveys").columns
    older = Database(path).query("SELECT * FROM surveys ORDER BY survey_id")
    pd.testing.assert_frame_equal(older[expected.columns], expected)


def test_database_serves_new_data_after_a_publish(tmp_path):
    path = write_rows(tmp_path / "live.duckdb", TICKETS[:2])
    db = Database(path)
    first_version = db.version
    assert db.query("SELECT count(*) AS n FROM tickets")["n"][0] == 2
    write_rows(path, TICKETS)
    assert db.version != first_version
    assert db.query("SELECT count(*) AS n FROM tickets")["n"][0] == len(TICKETS)


def test_concurrent_queries_from_many_threads(tiny_db):
    errors, results = [], []

    def work() -> None:
        try:
            for _ in range(20):
                results.append(tiny_db.query("SELECT count(*) AS n FROM tickets")["n"][0])
        except Exception as exc:
            errors.append(exc)

    threads = [threading.Thread(target=work) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert results == [len(TICKETS)] * 160


def test_missing_database_is_a_clear_error(tmp_path):
    with pytest.raises(DataNotFoundError, match="No database at"):
        Database(tmp_path / "nothing.duckdb").query("SELECT 1")


def test_location_comes_from_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("SERVICE_ATLAS_DB", str(tmp_path / "mine.duckdb"))
    assert data_location() == tmp_path / "mine.duckdb"
    assert get_database() is get_database(tmp_path / "mine.duckdb")
    monkeypatch.delenv("SERVICE_ATLAS_DB")
    assert data_location().name == "sample.duckdb"


def test_scheduled_agents_per_interval_follow_the_multilingual_rule(tmp_path):
    import pandas as pd

    from data_access import store
    from metrics.schedule import scheduled_by_interval

    path = write_rows(tmp_path / "shifts.duckdb", TICKETS)
    utc = dt.UTC
    with store.rewrite(path, "shifts") as con:
        con.register("a", pd.DataFrame({
            "agent_id": ["A1", "A2"], "hub": ["EMEA", "EMEA"],
            "languages": [["de"], ["de", "fr"]], "channels": [["email"], ["email"]],
        }))  # fmt: skip
        con.execute("INSERT INTO agents SELECT * FROM a")
        def t(hour: int, minute: int = 0) -> dt.datetime:
            return dt.datetime(2025, 3, 3, hour, minute, tzinfo=utc)

        con.register("s", pd.DataFrame({
            "agent_id": ["A1", "A2"], "start_at": [t(8), t(8, 45)], "end_at": [t(9), t(9, 30)],
        }))  # fmt: skip
        con.execute("INSERT INTO shifts SELECT * FROM s")
    flt = Filter(start=dt.date(2025, 3, 3), end=dt.date(2025, 3, 3))
    got = scheduled_by_interval(Database(path), flt).set_index(["interval", "language"])["agents"]
    at = lambda h, m: pd.Timestamp(2025, 3, 3, h, m)  # noqa: E731
    # 08:00 German: A1 whole interval = 1. 08:30: A1 = 1, A2 speaks two languages and works
    # 15 of the 30 minutes -> 0.5 * 0.5 = 0.25. 09:00: only A2 for 30 minutes -> 0.5 each.
    assert got[(at(8, 0), "de")] == 1.0
    assert got[(at(8, 30), "de")] == pytest.approx(1.25)
    assert got[(at(8, 30), "fr")] == pytest.approx(0.25)
    assert got[(at(9, 0), "de")] == pytest.approx(0.5)
    assert (at(9, 30), "de") not in got.index


def test_an_empty_database_opens_and_answers_with_no_rows(tmp_path):
    db = Database(write_rows(tmp_path / "empty.duckdb", []))
    assert db.query("SELECT count(*) AS n FROM countries")["n"][0] == 0
    assert db.query("SELECT count(*) AS n FROM tickets")["n"][0] == 0


def test_the_catalog_writers_store_equals_one_computed_from_the_rows(tmp_path):
    path = write_rows(tmp_path / "c.duckdb", TICKETS)
    stored = read_catalog(Database(path))
    assert stored.values["countries"] == ["CH", "JP", "KR", "US"]
    assert (stored.first_day, stored.last_day) == (dt.date(2025, 3, 1), dt.date(2025, 3, 5))
    with duckdb.connect(str(path)) as con:
        con.execute("DELETE FROM atlas_meta WHERE key = ?", [META_KEY])
    assert read_catalog(Database(path)) == stored
