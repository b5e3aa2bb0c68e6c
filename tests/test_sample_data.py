"""The generated sample: schema, valid codes, determinism, and the stories the pages rely on."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import duckdb
import pycountry
import pytest

from atlas.cli import main as atlas_cli
from data_access import reference
from data_access.retail_calendar import peak_calendar
from data_access.sample import build_sample
from data_access.sample import generator as generator_module
from data_access.schema import CHANNELS, TABLES
from tests.cli import run_main
from tests.conftest import SAMPLE_END, SAMPLE_TICKETS


def scalar(con: duckdb.DuckDBPyConnection, sql: str, params: object = ()) -> object:
    return con.execute(sql, params).fetchone()[0]


# ---------------------------------------------------------------- schema and codes
def test_tables_have_the_canonical_columns_and_types(sample_con):
    for table in TABLES.values():
        described = sample_con.execute(f"DESCRIBE {table.name}").fetchall()
        assert [(r[0], r[1]) for r in described] == [
            (c.name, c.sql_type.replace("TIMESTAMPTZ", "TIMESTAMP WITH TIME ZONE"))
            for c in table.columns
        ]


def test_exact_ticket_count_and_two_years_ending_on_the_end_date(sample_con):
    count, first, last = sample_con.execute(
        "SELECT count(*), min(created_at)::DATE, max(created_at)::DATE FROM tickets"
    ).fetchone()
    assert count == SAMPLE_TICKETS
    assert last == SAMPLE_END
    assert first == SAMPLE_END - dt.timedelta(days=729)


def test_ids_are_unique_and_references_resolve(sample_con):
    assert scalar(sample_con, "SELECT count(*) - count(DISTINCT ticket_id) FROM tickets") == 0
    assert scalar(sample_con, "SELECT count(*) - count(DISTINCT survey_id) FROM surveys") == 0
    assert scalar(sample_con, "SELECT count(*) FROM surveys WHERE ticket_id NOT IN "
                              "(SELECT ticket_id FROM tickets)") == 0  # fmt: skip
    assert scalar(sample_con, "SELECT count(*) FROM shifts WHERE agent_id NOT IN "
                              "(SELECT agent_id FROM agents)") == 0  # fmt: skip
    assert scalar(sample_con, "SELECT count(*) FROM tickets WHERE agent_id IS NOT NULL AND "
                              "agent_id NOT IN (SELECT agent_id FROM agents)") == 0  # fmt: skip


def test_timestamps_are_ordered(sample_con):
    assert scalar(sample_con, "SELECT count(*) FROM tickets WHERE first_response_at < created_at "
                              "OR resolved_at < created_at") == 0  # fmt: skip
    assert scalar(sample_con, "SELECT count(*) FROM surveys WHERE responded_at < sent_at") == 0
    assert scalar(sample_con, "SELECT count(*) FROM shifts WHERE end_at <= start_at") == 0


def test_country_and_language_codes_are_valid_and_diverse(sample_con):
    countries = [
        r[0] for r in sample_con.execute("SELECT DISTINCT country FROM tickets").fetchall()
    ]
    languages = [
        r[0] for r in sample_con.execute("SELECT DISTINCT language FROM tickets").fetchall()
    ]
    assert all(pycountry.countries.get(alpha_2=c) for c in countries)
    assert all(pycountry.languages.get(alpha_2=lang) for lang in languages)
    assert len(countries) >= 30
    assert len(languages) >= 12
    regions = {reference.country_region(c)[0] for c in countries}
    assert regions == {"Africa", "Americas", "Asia", "Europe", "Oceania"}


@pytest.mark.parametrize(
    ("country", "languages"),
    [("CH", {"de", "fr", "it"}), ("CA", {"en", "fr"}), ("BE", {"nl", "fr"}), ("US", {"en", "es"})],
)
def test_multilingual_markets_have_their_real_language_mix(sample_con, country, languages):
    found = {
        r[0]
        for r in sample_con.execute(
            "SELECT DISTINCT language FROM tickets WHERE country = ?", [country]
        ).fetchall()
    }
    assert languages <= found


def test_every_channel_has_its_own_speed_and_bots_only_where_a_bot_exists(sample_con):
    rows = sample_con.execute(
        """SELECT channel, median(epoch(first_response_at) - epoch(created_at)) AS frt,
                  avg(bot_resolved::INT) AS bot
           FROM tickets GROUP BY channel"""
    ).fetchall()
    frt = {r[0]: r[1] for r in rows}
    bot = {r[0]: r[2] for r in rows}
    assert set(frt) == set(CHANNELS)
    assert frt["phone"] < frt["chat"] < frt["messaging"] < frt["social"] < frt["email"]
    assert bot["chat"] > 0.1 and bot["messaging"] > 0.1
    assert all(bot[c] == 0 for c in ("email", "phone", "social", "web_form"))


def test_queue_fields_only_for_phone_and_chat(sample_con):
    rows = dict(
        sample_con.execute(
            "SELECT channel, count(queue_wait_seconds) > 0 FROM tickets GROUP BY channel"
        ).fetchall()
    )
    assert rows == {c: c in ("phone", "chat") for c in CHANNELS}


def test_bot_resolved_contacts_have_no_agent_work_and_never_reopen(sample_con):
    """A customer the bot did not help starts a new conversation (a repeat contact) instead."""
    agent_work = scalar(
        sample_con,
        "SELECT count(*) FROM tickets WHERE bot_resolved AND (reopens > 0 "
        "OR agent_replies > 0 OR handle_seconds > 0 OR agent_id IS NOT NULL)",
    )
    assert agent_work == 0
    came_back = scalar(
        sample_con, "SELECT avg(repeat_contact_7d::INT) FROM tickets WHERE bot_resolved"
    )
    assert came_back > 0.02


def test_live_first_response_comes_after_the_queue_wait(sample_con):
    """first response = creation + time with the bot (chat: 1-3 min in the sample) + queue wait,
    for callbacks too: their queue wait runs until the agent calls back."""
    rows = sample_con.execute(
        """SELECT channel, epoch(first_response_at) - epoch(created_at) - queue_wait_seconds AS gap,
                  queue_wait_seconds AS wait
           FROM tickets WHERE channel IN ('phone', 'chat') AND first_response_at IS NOT NULL"""
    ).df()
    phone, chat = rows[rows["channel"] == "phone"], rows[rows["channel"] == "chat"]
    assert phone["gap"].abs().max() < 0.001  # timestamps are rounded to microseconds
    assert chat["gap"].between(60 - 0.001, 180 + 0.001).all()
    assert (rows["wait"] > 3600).sum() > 100  # callbacks when the next shift starts


def test_agents_answer_only_languages_and_channels_they_have(sample_con):
    mismatched = sample_con.execute(
        """SELECT t.channel, t.language, a.channels, a.languages
           FROM tickets t JOIN agents a USING (agent_id)
           WHERE NOT list_contains(a.languages, t.language)
              OR NOT list_contains(a.channels, t.channel) LIMIT 5"""
    ).fetchall()
    assert mismatched == []
    assert scalar(sample_con, "SELECT count(*) FROM tickets WHERE first_response_at IS NOT NULL "
                              "AND agent_id IS NULL") == 0  # fmt: skip
    specialists = scalar(sample_con, "SELECT count(*) FROM agents WHERE len(channels) < 6")
    assert specialists > 10  # so the channel skill is a real constraint


# ---------------------------------------------------------------- determinism and the CLI
def _fingerprint(path: Path) -> tuple:
    con = duckdb.connect(str(path), read_only=True)
    try:
        return tuple(
            con.execute(f"SELECT count(*), sum(hash(COLUMNS(*))) FROM {t}").fetchone()
            for t in TABLES
        )
    finally:
        con.close()


def test_same_seed_and_end_give_identical_data(tmp_path):
    a = build_sample(tmp_path / "a.duckdb", 3000, 11, dt.date(2025, 6, 30))
    b = build_sample(tmp_path / "b.duckdb", 3000, 11, dt.date(2025, 6, 30))
    c = build_sample(tmp_path / "c.duckdb", 3000, 12, dt.date(2025, 6, 30))
    assert _fingerprint(a) == _fingerprint(b)
    assert _fingerprint(a) != _fingerprint(c)


def test_a_shorter_history_covers_only_its_days(tmp_path):
    path = build_sample(tmp_path / "short.duckdb", 1000, 5, dt.date(2025, 6, 30), days=30)
    con = duckdb.connect(str(path), read_only=True)
    first, last = con.execute("SELECT min(created_at)::DATE, max(created_at)::DATE "
                              "FROM tickets").fetchone()  # fmt: skip
    assert dt.date(2025, 6, 1) <= first <= dt.date(2025, 6, 2) and last == dt.date(2025, 6, 30)
    assert "1000 tickets over 30 days" in con.execute(
        "SELECT value FROM atlas_meta WHERE key = 'source'").fetchone()[0]


def test_command_line_builds_the_requested_sample_with_progress(tmp_path):
    out = tmp_path / "cli.duckdb"
    result = run_main(atlas_cli, "sample", "--out", str(out), "--tickets", "2000", "--seed", "3",
                      "--end", "2025-01-31")  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "100%" in result.stderr
    con = duckdb.connect(str(out), read_only=True)
    assert con.execute("SELECT count(*), max(created_at)::DATE FROM tickets").fetchone() == (
        2000,
        dt.date(2025, 1, 31),
    )
    assert [p.name for p in tmp_path.iterdir()] == ["cli.duckdb"]  # no temporary files left


def test_command_line_rejects_bad_arguments(tmp_path):
    result = run_main(atlas_cli, "sample", "--out", str(tmp_path / "x.duckdb"), "--tickets", "0")
    assert result.returncode == 2
    assert "--tickets must be at least 1" in result.stderr
    assert not (tmp_path / "x.duckdb").exists()


def test_a_failed_build_leaves_the_previous_file_untouched(tmp_path, monkeypatch):
    path = build_sample(tmp_path / "keep.duckdb", 1000, 1, dt.date(2025, 3, 31))
    before = _fingerprint(path)

    def broken(self):
        raise RuntimeError("disk full")

    monkeypatch.setattr(generator_module.SampleGenerator, "_surveys", broken)
    with pytest.raises(RuntimeError, match="disk full"):
        build_sample(path, 1000, 2, dt.date(2025, 3, 31))
    assert _fingerprint(path) == before
    assert [p.name for p in tmp_path.iterdir()] == ["keep.duckdb"]


# ---------------------------------------------------------------- the stories in the data
def _daily(con, country: str) -> dict[dt.date, int]:
    rows = con.execute(
        "SELECT local_created_at::DATE, count(*) FROM tickets WHERE country = ? GROUP BY 1",
        [country],
    ).fetchall()
    return dict(rows)


def _in_peak(country: str, day: dt.date, peaks) -> bool:
    return any(country in p.markets and p.start <= day <= p.end for p in peaks.itertuples())


def test_public_holidays_lower_a_markets_volume(sample_con):
    """Every weekday public holiday against the same weekday a week before and after."""
    peaks = peak_calendar(range(SAMPLE_END.year - 2, SAMPLE_END.year + 1))
    on_holiday = around = 0
    for country in ("DE", "FR", "GB", "US", "JP", "KR", "BR", "IT", "ES"):
        daily = _daily(sample_con, country)
        weekend = reference.weekend_days(country)
        days = reference.public_holidays(country, [2025, 2026])
        for day in days:
            week = dt.timedelta(days=7)
            neighbours = [day - week, day + week]
            if (
                day.weekday() in weekend
                or _in_peak(country, day, peaks)
                or any(n in days or n not in daily for n in neighbours)
                or day not in daily
            ):
                continue
            on_holiday += daily[day]
            around += sum(daily[n] for n in neighbours) / 2
    assert around > 500
    assert on_holiday < 0.7 * around
    # one worked example: German Unity Day 2025 (a Friday) against the Fridays around it
    de = _daily(sample_con, "DE")
    assert (
        de[dt.date(2025, 10, 3)] < 0.75 * (de[dt.date(2025, 9, 26)] + de[dt.date(2025, 10, 10)]) / 2
    )


def test_black_friday_week_raises_western_volume(sample_con):
    black_friday = dt.date(2025, 11, 28)

    def volume(first: dt.date) -> int:
        return scalar(
            sample_con,
            "SELECT count(*) FROM tickets WHERE country IN ('US', 'GB', 'DE', 'FR', 'CA', 'AU') "
            "AND local_created_at::DATE BETWEEN ? AND ?",
            [first, first + dt.timedelta(days=3)],
        )

    baseline = (
        volume(black_friday - dt.timedelta(days=14)) + volume(black_friday - dt.timedelta(days=21))
    ) / 2
    assert volume(black_friday) > 1.5 * baseline


def test_lunar_new_year_and_singles_day_raise_chinese_volume(sample_con):
    cn = _daily(sample_con, "CN")

    def total(first: dt.date, days: int) -> int:
        return sum(cn.get(first + dt.timedelta(days=i), 0) for i in range(days))

    lny = dt.date(2026, 2, 17)
    assert total(lny - dt.timedelta(days=14), 14) > 1.3 * total(lny - dt.timedelta(days=42), 14)
    assert total(dt.date(2025, 11, 11), 4) > 1.8 * total(dt.date(2025, 10, 28), 4)


@pytest.mark.parametrize("country", ["JP", "US"])
def test_daily_peak_is_a_local_daytime_hour(sample_con, country):
    rows = sample_con.execute(
        "SELECT hour(local_created_at) AS h, count(*) AS n FROM tickets WHERE country = ? "
        "GROUP BY 1 ORDER BY n DESC",
        [country],
    ).fetchall()
    assert 9 <= rows[0][0] <= 17
    quiet = dict(rows)
    assert quiet[3] < 0.1 * rows[0][1]  # 3 a.m. local is quiet


def test_local_time_differs_from_utc_by_the_market_zone(sample_con):
    peak_utc = {
        country: sample_con.execute(
            "SELECT hour(timezone('UTC', created_at)) h FROM tickets WHERE country = ? "
            "GROUP BY 1 ORDER BY count(*) DESC LIMIT 1",
            [country],
        ).fetchone()[0]
        for country in ("JP", "US")
    }
    assert peak_utc["JP"] <= 6  # Tokyo late morning is UTC night
    assert 14 <= peak_utc["US"] <= 19  # New York late morning is UTC afternoon


def test_weekends_follow_the_local_norm(sample_con):
    def by_weekday(country: str) -> dict[int, int]:
        return dict(
            sample_con.execute(
                "SELECT isodow(local_created_at) - 1, count(*) FROM tickets WHERE country = ? "
                "GROUP BY 1",
                [country],
            ).fetchall()
        )

    saudi, germany = by_weekday("SA"), by_weekday("DE")
    assert saudi[4] < 0.8 * saudi[6]  # Friday (weekend) quieter than Sunday (workday) in Riyadh
    assert germany[6] < 0.8 * germany[4]  # Sunday quieter than Friday in Berlin


def test_an_incident_spikes_one_country_for_a_few_days(sample_con):
    first = SAMPLE_END - dt.timedelta(days=170)
    de = _daily(sample_con, "DE")
    during = sum(de[first + dt.timedelta(days=i)] for i in range(3))
    before = sum(de[first - dt.timedelta(days=14) + dt.timedelta(days=i)] for i in range(3))
    assert during > 2 * before
    payment_share = scalar(
        sample_con,
        "SELECT avg((category = 'payment')::INT) FROM tickets WHERE country = 'DE' "
        "AND local_created_at::DATE BETWEEN ? AND ?",
        [first, first + dt.timedelta(days=2)],
    )
    assert payment_share > 0.5


def test_volume_grows_year_over_year(sample_con):
    def summer(year: int) -> int:
        return scalar(
            sample_con,
            "SELECT count(*) FROM tickets WHERE created_at >= ? AND created_at < ?",
            [dt.datetime(year, 6, 1, tzinfo=dt.UTC), dt.datetime(year, 9, 1, tzinfo=dt.UTC)],
        )

    assert summer(2026) > 1.1 * summer(2025)


def test_hours_nobody_covers_answer_slowly_and_busy_hours_wait_longer(sample_con):
    """Coverage from the schedule: an agent on shift who speaks the ticket's language."""
    rows = sample_con.execute(
        """
        WITH spoken AS (
            SELECT s.start_at, s.end_at, unnest(a.languages) AS language
            FROM shifts s JOIN agents a USING (agent_id)
        ), staffed AS (
            SELECT t.ticket_id, count(sp.language) AS on_shift
            FROM tickets t LEFT JOIN spoken sp
              ON sp.language = t.language
             AND t.created_at >= sp.start_at AND t.created_at < sp.end_at
            GROUP BY t.ticket_id
        )
        SELECT st.on_shift > 0 AS covered,
               median(epoch(t.first_response_at) - epoch(t.created_at))
                   FILTER (WHERE t.channel = 'email') AS email_frt,
               avg(t.abandoned::INT) AS abandonment
        FROM tickets t JOIN staffed st USING (ticket_id) GROUP BY 1
        """
    ).fetchall()
    result = {r[0]: r[1:] for r in rows}
    assert result[False][0] > 1.5 * result[True][0]
    assert result[False][1] > 3 * result[True][1]


def test_understaffed_hours_have_longer_queues(sample_con):
    """Covered hours ranked by contacts per scheduled speaker: the busiest quarter waits longer."""
    rows = sample_con.execute(
        """
        WITH spoken AS (
            SELECT s.start_at, s.end_at, unnest(a.languages) AS language,
                   1.0 / len(a.languages) AS share
            FROM shifts s JOIN agents a USING (agent_id)
        ), hourly AS (
            SELECT t.language, date_trunc('hour', t.created_at) AS hour,
                   count(*) AS contacts, avg(t.queue_wait_seconds) AS wait,
                   avg(t.abandoned::INT) AS abandonment
            FROM tickets t WHERE t.channel IN ('phone', 'chat') GROUP BY ALL
        ), staffed AS (
            SELECT h.*, (SELECT sum(share) FROM spoken sp WHERE sp.language = h.language
                         AND h.hour >= sp.start_at AND h.hour < sp.end_at) AS agents
            FROM hourly h
        )
        SELECT ntile(4) OVER (ORDER BY contacts / agents) AS quartile, wait, abandonment, contacts
        FROM staffed WHERE agents > 0
        """
    ).df()
    by_quartile = rows.groupby("quartile").apply(
        lambda g: (g["wait"] * g["contacts"]).sum() / g["contacts"].sum(), include_groups=False
    )
    assert by_quartile[4] > 1.5 * by_quartile[1]


def test_some_languages_have_hours_with_nobody_scheduled(sample_con):
    """Deliberate gaps: e.g. Korean has demand at hours when no Korean speaker is on shift."""
    uncovered = dict(
        sample_con.execute(
            """
        WITH spoken AS (SELECT s.start_at, s.end_at, unnest(a.languages) AS language
                        FROM shifts s JOIN agents a USING (agent_id))
        SELECT t.language, avg((NOT EXISTS (SELECT 1 FROM spoken sp WHERE sp.language = t.language
              AND t.created_at >= sp.start_at AND t.created_at < sp.end_at))::INT)
        FROM tickets t WHERE t.created_at >= ? GROUP BY 1
        """,
            [dt.datetime(2026, 9, 1, tzinfo=dt.UTC)],
        ).fetchall()
    )
    assert uncovered["ko"] > 0.05
    assert uncovered["en"] < 0.05


def test_follow_the_sun_hubs_with_multilingual_agents(sample_con):
    hubs = dict(sample_con.execute("SELECT hub, timezone FROM hubs").fetchall())
    assert len(hubs) >= 3
    offsets = {
        dt.datetime(2026, 1, 15, 12, tzinfo=dt.UTC)
        .astimezone(__import__("zoneinfo").ZoneInfo(z))
        .utcoffset()
        for z in hubs.values()
    }
    assert len(offsets) == len(hubs)  # different time zones
    multilingual = scalar(sample_con, "SELECT avg((len(languages) > 1)::INT) FROM agents")
    assert 0.1 < multilingual < 0.9
    spoken = {
        r[0] for r in sample_con.execute("SELECT DISTINCT unnest(languages) FROM agents").fetchall()
    }
    ticket_languages = {
        r[0] for r in sample_con.execute("SELECT DISTINCT language FROM tickets").fetchall()
    }
    assert spoken == ticket_languages


def test_repeat_contacts_and_reopens_exist(sample_con):
    repeat, reopened, switched = sample_con.execute(
        "SELECT avg(repeat_contact_7d::INT), avg((reopens > 0)::INT), "
        "avg((next_channel_7d IS NOT NULL AND next_channel_7d <> channel)::INT) FROM tickets"
    ).fetchone()
    assert 0.03 < repeat < 0.2
    assert 0.03 < reopened < 0.2
    assert 0.02 < switched < 0.2


def test_surveys_follow_experience_channel_and_market(sample_con):
    rate = dict(
        sample_con.execute(
            "SELECT t.channel, avg((s.responded_at IS NOT NULL)::INT) FROM surveys s "
            "JOIN tickets t USING (ticket_id) GROUP BY 1"
        ).fetchall()
    )
    assert rate["chat"] > 1.5 * rate["email"]

    csat = dict(
        sample_con.execute(
            "SELECT t.reopens > 0, avg((s.csat >= 4)::INT) "
            "FROM surveys s JOIN tickets t USING (ticket_id) "
            "WHERE s.csat IS NOT NULL GROUP BY 1"
        ).fetchall()
    )
    assert csat[True] < csat[False] - 0.15

    by_country = dict(
        sample_con.execute(
            "SELECT t.country, avg((s.csat >= 4)::INT) "
            "FROM surveys s JOIN tickets t USING (ticket_id) "
            "WHERE s.csat IS NOT NULL GROUP BY 1"
        ).fetchall()
    )
    assert by_country["JP"] < by_country["US"] - 0.1  # response style, not service
    ranges = sample_con.execute(
        "SELECT min(csat), max(csat), min(nps), max(nps), min(ces), max(ces) FROM surveys"
    ).fetchone()
    assert ranges == (1, 5, 0, 10, 1, 7)


@pytest.mark.parametrize(("language", "script"), [
    ("ja", r"[\u3040-\u30ff\u4e00-\u9fff]"), ("ko", r"[\uac00-\ud7af]"), ("ar", r"[\u0600-\u06ff]"),
    ("de", r"[a-zäöüß]"),
])  # fmt: skip
def test_comments_are_in_the_tickets_language(sample_con, language, script):
    comments = [
        r[0]
        for r in sample_con.execute(
            "SELECT s.comment FROM surveys s JOIN tickets t USING (ticket_id) "
            "WHERE t.language = ? AND s.comment IS NOT NULL",
            [language],
        ).fetchall()
    ]
    assert comments
    assert all(re.search(script, c) for c in comments)
