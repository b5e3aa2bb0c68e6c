"""Hostile days: dates no service desk can have, time zones written after the time, statuses that
contradict their dates, ids made of invisible characters and country names that fit two states.

Each row that cannot be stored as it stands is refused with its row, column, reason and value;
the rest of the file loads. Expected instants are worked out by hand in the comments.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from atlas.cli import main as atlas_cli
from data_access import config
from data_access.importer import Mapping, MappingError, codes, import_file, privacy
from tests.cli import run_main
from tests.importer_helpers import (
    KEY,
    rows,
    scalar,
    ticket_mapping,
    ticket_row,
    write_csv,
)

UTC = dt.UTC


@pytest.fixture
def db(db: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The shared copy of the sample, with no date window set in the environment."""
    monkeypatch.delenv(config.IMPORT_DATES_VAR, raising=False)
    return db


def problems(result: object) -> list[tuple]:
    return [(p.row, p.field, p.reason) for p in result.problems.itertuples()]


def detail(result: object, row: int) -> str:
    return result.problems.set_index("row").loc[row, "detail"]


def stored(db: Path, column: str = "created_at", prefix: str = "") -> dict[str, dt.datetime]:
    return dict(rows(db, f"SELECT ticket_id, {column} FROM tickets "
                         "WHERE ticket_id LIKE ? || '%'", [prefix]))  # fmt: skip


# ---------------------------------------------------------------- dates without bounds
def test_dates_outside_the_window_are_refused_and_the_message_says_the_window(db, tmp_path):
    soon = dt.datetime.now(UTC) + dt.timedelta(hours=12)  # Berlin time is UTC+1 or +2:
    late = dt.datetime.now(UTC) + dt.timedelta(days=2)  # still inside / outside now + 1 day
    path = write_csv(tmp_path / "far.csv", [
        ticket_row("w1"),  # row 2
        ticket_row("w2", "9999-12-31 00:00:00", **{"Solved at": ""}),  # row 3
        ticket_row("w3", "2099-01-01 10:00:00", **{"Solved at": ""}),  # row 4
        ticket_row("w4", "0001-01-01 00:00:00", **{"Solved at": ""}),  # row 5
        ticket_row("w5", "2000-01-01 00:30:00", **{"Solved at": ""}),  # row 6: 1999-12-31 23:30 UTC
        ticket_row("w6", "2000-01-01 01:00:00", **{"Solved at": ""}),  # row 7: 2000-01-01 00:00 UTC
        ticket_row("w7", **{"Solved at": "2099-01-01 10:00:00"}),  # row 8
        ticket_row("w8", f"{soon:%Y-%m-%d %H:%M:%S}", **{"Solved at": ""}),  # row 9
        ticket_row("w9", f"{late:%Y-%m-%d %H:%M:%S}", **{"Solved at": ""}),  # row 10
        ticket_row("w10", **{"First reply time in minutes": "60000000"}),  # row 11: in 2139
    ])  # fmt: skip
    result = import_file("tickets", path, db, ticket_mapping())
    assert problems(result) == [
        (3, "created_at", "date outside the accepted range"),
        (4, "created_at", "date outside the accepted range"),
        (5, "created_at", "date outside the accepted range"),
        (6, "created_at", "date outside the accepted range"),
        (8, "resolved_at", "date outside the accepted range"),
        (10, "created_at", "date outside the accepted range"),
        (11, "first_response_at", "date outside the accepted range"),
    ]
    assert sorted(stored(db, prefix="w")) == ["w1", "w6", "w8"]
    assert stored(db, prefix="w")["w6"] == dt.datetime(2000, 1, 1, tzinfo=UTC)
    until = result.problems.iloc[0]["detail"].split("until ")[1]
    assert detail(result, 3) == (  # Berlin midnight is 23:00 UTC the day before
        f"read as 9999-12-30 23:00:00 UTC; accepted from 2000-01-01 00:00 UTC until {until}"
    )
    assert detail(result, 6).startswith("read as 1999-12-31 23:30:00 UTC; accepted from")
    # "until" is the import time plus one day, to the minute
    accepted_until = dt.datetime.strptime(until, "%Y-%m-%d %H:%M UTC (set "
                                          "SERVICE_ATLAS_IMPORT_DATES to change it)")  # fmt: skip
    expected = dt.datetime.now(UTC).replace(tzinfo=None) + dt.timedelta(days=1)
    assert abs(accepted_until - expected) < dt.timedelta(minutes=2)


def test_epoch_seconds_of_year_5138_are_refused(db, tmp_path):
    path = write_csv(tmp_path / "epoch.csv", [
        ticket_row("e1", "1736503200", **{"Solved at": ""}),  # 2025-01-10 10:00 UTC
        ticket_row("e2", "99999999999", **{"Solved at": ""}),  # 5138-11-16 09:46:39 UTC
        ticket_row("e3", "-86400", **{"Solved at": ""}),  # 1969-12-31
    ])  # fmt: skip
    mapping = ticket_mapping(columns={"created_at": {"column": "Created at", "format": "epoch"}})
    result = import_file("tickets", path, db, mapping)
    assert problems(result) == [(3, "created_at", "date outside the accepted range"),
                                (4, "created_at", "date outside the accepted range")]  # fmt: skip
    assert detail(result, 3).startswith("read as 5138-11-16 09:46:39 UTC; accepted from 2000")
    assert stored(db, prefix="e") == {"e1": dt.datetime(2025, 1, 10, 10, tzinfo=UTC)}


def test_surveys_and_shifts_are_held_to_the_same_window(db, tmp_path):
    surveys = tmp_path / "surveys.csv"
    surveys.write_text("Response ID,Ticket ID,Sent,Answered,Score\n"
                       "s1,t1,2025-03-01 10:00,2025-03-01 11:00,5\n"
                       "s2,t1,2025-03-01 10:00,2099-03-01 11:00,5\n"
                       "s3,t1,1970-01-01 00:00,,4\n")  # fmt: skip
    mapping = Mapping.from_dict({
        "table": "surveys", "timezone": "UTC",
        "columns": {"survey_id": "Response ID", "ticket_id": "Ticket ID", "sent_at": "Sent",
                    "responded_at": "Answered", "csat": "Score"},
    })  # fmt: skip
    result = import_file("surveys", surveys, db, mapping)
    assert problems(result) == [(3, "responded_at", "date outside the accepted range"),
                                (4, "sent_at", "date outside the accepted range")]  # fmt: skip
    shifts = tmp_path / "shifts.csv"
    ahead = dt.date.today() + dt.timedelta(days=60)  # a published schedule: accepted
    shifts.write_text("Agent,Shift start,Shift end\n"
                      "a-1,2025-03-01 08:00,2025-03-01 16:00\n"
                      "a-1,9999-03-02 08:00,9999-03-02 16:00\n"
                      f"a-1,{ahead} 08:00,{ahead} 16:00\n")  # fmt: skip
    mapping = Mapping.from_dict({
        "table": "shifts", "timezone": "UTC",
        "columns": {"agent_id": "Agent", "start_at": "Shift start", "end_at": "Shift end"},
    })  # fmt: skip
    result = import_file("shifts", shifts, db, mapping)
    assert problems(result) == [(3, "end_at", "date outside the accepted range"),
                                (3, "start_at", "date outside the accepted range")]  # fmt: skip
    assert result.rows_loaded == 2


def test_the_window_is_set_by_environment_or_command_line(db, tmp_path, monkeypatch):
    path = write_csv(tmp_path / "old.csv", [
        ticket_row("o1", "1995-06-01 12:00:00", **{"Solved at": ""}),
        ticket_row("o2", "2030-06-01 12:00:00", **{"Solved at": ""}),
        ticket_row("o3", "2031-01-01 00:00:00", **{"Solved at": ""}),  # 2030-12-31 23:00 UTC
        ticket_row("o4", "2031-01-01 01:30:00", **{"Solved at": ""}),  # 2031-01-01 00:30 UTC
    ])  # fmt: skip
    monkeypatch.setenv(config.IMPORT_DATES_VAR, "1990-01-01/2030-12-31")
    result = import_file("tickets", path, db, ticket_mapping())
    assert problems(result) == [(5, "created_at", "date outside the accepted range")]
    assert detail(result, 5).startswith(
        "read as 2031-01-01 00:30:00 UTC; accepted from 1990-01-01 00:00 UTC until "
        "2031-01-01 00:00 UTC"
    )
    assert sorted(stored(db, prefix="o")) == ["o1", "o2", "o3"]
    monkeypatch.setenv(config.IMPORT_DATES_VAR, "1990")
    with pytest.raises(MappingError, match=r"SERVICE_ATLAS_IMPORT_DATES.*FIRST/LAST"):
        import_file("tickets", path, db, ticket_mapping())
    monkeypatch.delenv(config.IMPORT_DATES_VAR)
    mapping_path = tmp_path / "m.json"
    ticket_mapping().save(mapping_path)
    done = run_main(atlas_cli, "import", "tickets", str(path), "--db", str(db), "--mapping",
                    str(mapping_path), "--dates", "1995-01-01/",
                    env={privacy.KEY_ENV: KEY})  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "4 rows read, 1 loaded" in done.stdout  # the default end: a day after the import
    assert stored(db, prefix="o")["o1"] == dt.datetime(1995, 6, 1, 10, tzinfo=UTC)


# ---------------------------------------------------------------- time zones after the time
def test_offsets_and_zone_names_after_the_time_are_applied(db, tmp_path):
    written = {
        "z1": "2026-11-10 10:00:00+09:00",  # 01:00 UTC
        "z2": "2026-11-10 10:00:00 +0900",  # 01:00 UTC
        "z3": "2026-11-10T10:00:00Z",  # 10:00 UTC
        "z4": "2026-11-10 10:00:00 GMT+9",  # 01:00 UTC
        "z5": "2026-11-10 10:00:00 UTC-05:30",  # 15:30 UTC
        "z6": "2026-11-10 10:00:00 Asia/Seoul",  # UTC+9 all year: 01:00 UTC
        "z7": "2026-07-10 10:00:00 America/Los_Angeles",  # summer, UTC-7: 17:00 UTC
        "z8": "2026-11-10 10:00:00 America/Los_Angeles",  # winter, UTC-8: 18:00 UTC
        "z9": "2026-11-10 10:00:00 UTC",  # 10:00 UTC
        "z10": "2026-11-10 10:00:00",  # no zone: the mapping's Berlin, UTC+1 in November
        "z11": "2026-11-10 10:00:00.250 +05:45",  # 04:15:00.25 UTC
    }
    path = write_csv(tmp_path / "zones.csv", [
        ticket_row(t, v, **{"Solved at": "", "Status": "Open", "First reply time in minutes": "1"})
        for t, v in written.items()
    ])  # fmt: skip
    result = import_file("tickets", path, db, ticket_mapping())
    assert problems(result) == []
    at = dt.datetime
    assert stored(db, prefix="z") == {
        "z1": at(2026, 11, 10, 1, tzinfo=UTC), "z2": at(2026, 11, 10, 1, tzinfo=UTC),
        "z3": at(2026, 11, 10, 10, tzinfo=UTC), "z4": at(2026, 11, 10, 1, tzinfo=UTC),
        "z5": at(2026, 11, 10, 15, 30, tzinfo=UTC), "z6": at(2026, 11, 10, 1, tzinfo=UTC),
        "z7": at(2026, 7, 10, 17, tzinfo=UTC), "z8": at(2026, 11, 10, 18, tzinfo=UTC),
        "z9": at(2026, 11, 10, 10, tzinfo=UTC), "z10": at(2026, 11, 10, 9, tzinfo=UTC),
        "z11": at(2026, 11, 10, 4, 15, 0, 250_000, tzinfo=UTC),
    }  # fmt: skip
    # the first reply, a minute after the zoned creation time
    assert stored(db, "first_response_at", "z1")["z1"] == at(2026, 11, 10, 1, 1, tzinfo=UTC)


def test_zones_after_a_custom_format_are_applied_or_refused(db, tmp_path):
    path = write_csv(tmp_path / "us.csv", [
        ticket_row("f1", "11/10/2026 10:00 PM", **{"Solved at": ""}),  # Berlin: 21:00 UTC
        ticket_row("f2", "11/10/2026 10:00 PM -08:00", **{"Solved at": ""}),  # 06:00 UTC next day
        ticket_row("f3", "11/10/2026 10:00 PM America/New_York", **{"Solved at": ""}),  # 03:00
        ticket_row("f4", "11/10/2026 10:00 PM PST", **{"Solved at": ""}),  # row 5: refused
    ])  # fmt: skip
    created = {"column": "Created at", "format": "%m/%d/%Y %I:%M %p"}
    result = import_file("tickets", path, db, ticket_mapping(columns={"created_at": created}))
    assert problems(result) == [(5, "created_at", "unsupported time zone")]
    assert stored(db, prefix="f") == {"f1": dt.datetime(2026, 11, 10, 21, tzinfo=UTC),
                                      "f2": dt.datetime(2026, 11, 11, 6, tzinfo=UTC),
                                      "f3": dt.datetime(2026, 11, 11, 3, tzinfo=UTC)}  # fmt: skip
    # a format ending in %Z or %z reads the zone by the same rules: names yes, abbreviations no
    path = write_csv(tmp_path / "named.csv", [
        ticket_row("n1", "2026-11-10 10:00:00 Asia/Seoul", **{"Solved at": ""}),
        ticket_row("n2", "2026-11-10 10:00:00 CET", **{"Solved at": ""}),
    ])  # fmt: skip
    created = {"column": "Created at", "format": "%Y-%m-%d %H:%M:%S %Z"}
    result = import_file("tickets", path, db, ticket_mapping(columns={"created_at": created}))
    assert problems(result) == [(3, "created_at", "unsupported time zone")]
    assert stored(db, prefix="n") == {"n1": dt.datetime(2026, 11, 10, 1, tzinfo=UTC)}
    # a zone before the time could not be read by those rules: the mapping says so
    created = {"column": "Created at", "format": "%Z %Y-%m-%d %H:%M:%S"}
    assert "the time zone (%z or %Z) can only come last" in " ".join(
        ticket_mapping(columns={"created_at": created}).problems()
    )


def test_zone_abbreviations_and_unknown_zones_are_refused_never_dropped(db, tmp_path):
    written = ["2026-11-10 10:00:00 KST", "2026-11-10 10:00:00 PST", "2026-11-10 10:00:00 CET",
               "2026-11-10 10:00:00 XYZ", "2026-11-10 10:00:00 Mars/Olympus",
               "2026-11-10 10:00:00 +25:00", "2026-11-10 10:00 and some words"]  # fmt: skip
    path = write_csv(tmp_path / "abbr.csv", [
        ticket_row(f"k{i}", v, **{"Solved at": ""}) for i, v in enumerate(written)
    ])  # fmt: skip
    result = import_file("tickets", path, db, ticket_mapping())
    assert problems(result) == [(r, "created_at", "unsupported time zone") for r in range(2, 9)]
    assert result.rows_loaded == 0
    assert detail(result, 2) == (
        '"KST" is a time-zone abbreviation, and abbreviations are not guessed (many are shared '
        "by several zones): KST is +09:00 in Asia/Pyongyang, Asia/Seoul; write the offset, "
        "e.g. +09:00, or the zone name instead"
    )
    assert "PST is -08:00 in America/Los_Angeles" in detail(result, 3)
    assert "+08:00 in Asia/Manila" in detail(result, 3)  # the Philippines write PST too
    assert "CET is +01:00 in " in detail(result, 4)
    assert detail(result, 5) == (
        '"XYZ" is not a UTC offset or a time-zone name; write the offset, e.g. +09:00, or the '
        "IANA zone name, e.g. Asia/Seoul"
    )
    assert detail(result, 6).startswith('"Mars/Olympus" is not a UTC offset or a time-zone')
    assert detail(result, 7) == '"+25:00" is not a UTC offset (they run from -12:00 to +14:00)'
    assert detail(result, 8).startswith('"and some words" is not a UTC offset')


# ---------------------------------------------------------------- smaller contradictions
def test_an_unresolved_status_with_a_resolution_date_is_refused(db, tmp_path):
    path = write_csv(tmp_path / "status.csv", [
        ticket_row("u1"),  # solved, with a date
        ticket_row("u2", **{"Status": "Open"}),  # row 3
        ticket_row("u3", **{"Status": "Waiting on customer"}),  # row 4: pending
        ticket_row("u4", **{"Status": "Open", "Solved at": ""}),
        ticket_row("u5", **{"Status": "Closed"}),
    ])  # fmt: skip
    result = import_file("tickets", path, db, ticket_mapping())
    reason = "resolution date on an unresolved ticket"
    assert problems(result) == [(3, "resolved_at", reason), (4, "resolved_at", reason)]
    assert detail(result, 3) == (
        "the status is open; a resolved ticket is solved or closed, an unresolved one has no "
        "resolution date"
    )
    assert detail(result, 4).startswith("the status is pending;")
    assert sorted(stored(db, prefix="u")) == ["u1", "u4", "u5"]


def test_ids_of_invisible_characters_are_empty(db, tmp_path):
    invisible = ["\u200b", "\ufeff", "\u200b\u2060\u200d", " \u00a0\u200b ", "\u180e"]
    path = write_csv(tmp_path / "ids.csv", [
        ticket_row("v1"), *(ticket_row(i) for i in invisible), ticket_row("\u200bv2\ufeff")
    ])  # fmt: skip
    result = import_file("tickets", path, db, ticket_mapping())
    assert problems(result) == [(r, "ticket_id", "missing required field") for r in range(3, 8)]
    assert sorted(stored(db, prefix="v")) == ["v1", "v2"]  # invisible edges are trimmed
    blank = "".join(invisible)
    assert scalar(db, "SELECT count(*) FROM tickets WHERE trim(ticket_id, ?) = ''", [blank]) == 0


def test_country_names_that_fit_two_states_are_ambiguous_and_only_those():
    texts = ["Korea", "Congo", "the Congo", "Sudan", "Virgin Islands", "South Korea",
             "Republic of Korea", "KR", "North Korea", "DR Congo", "Congo (Brazzaville)",
             "South Sudan"]  # fmt: skip
    got = {t: (codes.country_candidates(t), codes.country_code(t)) for t in texts}
    assert got == {
        "Korea": (["KP", "KR"], None), "Congo": (["CD", "CG"], None),
        "the Congo": (["CD", "CG"], None), "Sudan": (["SD", "SS"], None),
        "Virgin Islands": (["VG", "VI"], None), "South Korea": ([], "KR"),
        "Republic of Korea": ([], "KR"), "KR": ([], "KR"), "North Korea": ([], "KP"),
        "DR Congo": ([], "CD"), "Congo (Brazzaville)": ([], "CG"), "South Sudan": ([], "SS"),
    }  # fmt: skip


def test_an_ambiguous_country_is_refused_naming_the_candidates(db, tmp_path):
    path = write_csv(tmp_path / "korea.csv", [
        ticket_row("g1", **{"Requester country": "Korea"}),  # row 2
        ticket_row("g2", **{"Requester country": "Republic of Korea"}),
        ticket_row("g3", **{"Requester country": "Congo"}),  # row 4
        ticket_row("g4", **{"Requester country": "Atlantis"}),  # row 5
    ])  # fmt: skip
    result = import_file("tickets", path, db, ticket_mapping())
    assert problems(result) == [(2, "country", "ambiguous country"),
                                (4, "country", "ambiguous country"),
                                (5, "country", "unknown country")]  # fmt: skip
    assert detail(result, 2) == (
        "Korea, Democratic People's Republic of (KP) or Korea, Republic of (KR): write the "
        "code, or map the value in the mapping"
    )
    assert detail(result, 4) == (
        "Congo, The Democratic Republic of the (CD) or Congo (CG): write the code, or map the "
        "value in the mapping"
    )
    assert rows(db, "SELECT ticket_id, country FROM tickets WHERE ticket_id LIKE 'g%'") == [
        ("g2", "KR")
    ]
    mapping = ticket_mapping(columns={"country": {"constant": "Korea"}})
    assert "'Korea' is ambiguous: Korea, Democratic People's Republic of (KP) or" in " ".join(
        mapping.problems()
    )
