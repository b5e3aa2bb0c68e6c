"""The importer: mapping, codes, validation report, upserts, privacy and hostile input.

Every test imports into a private copy of a small generated sample (2,000 tickets) and checks
what a user would check: what was loaded, what was refused and why, and that nothing else moved.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import hmac
import io
import json
import os
import tempfile
import threading
import time
from pathlib import Path

import duckdb
import openpyxl
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from atlas.cli import main as atlas_cli
from data_access import store
from data_access.database import Database
from data_access.importer import (
    ImportFileError,
    Mapping,
    MappingError,
    codes,
    import_file,
    loader,
    privacy,
    readers,
    suggest,
    validation,
)
from tests.cli import Ran, run_main
from tests.importer_helpers import (
    KEY,
    TICKET_HEADERS,
    csv_text,
    rows,
    scalar,
    ticket_mapping,
    ticket_row,
    version,
    write_csv,
)

ROOT = Path(__file__).resolve().parent.parent
UTC = dt.UTC


def pseudonym(value: str) -> str:
    return hmac.new(KEY.encode(), value.encode(), hashlib.sha256).hexdigest()[:32]


def count(db: Path, table: str = "tickets") -> int:
    return scalar(db, f"SELECT count(*) FROM {table}")


# ---------------------------------------------------------------- a good file, mapped
def test_a_mapped_export_loads_with_codes_zones_durations_and_value_maps(db, tmp_path):
    before = count(db)
    path = write_csv(tmp_path / "zendesk.csv", [
        ticket_row("t1"),
        ticket_row("t2", "2025-07-01 08:00:00", **{"Requester country": "Deutschland",
                   "Language": "Deutsch", "Source": "E-mail", "Priority": "normal",
                   "Solved at": "", "Status": "Open", "First reply time in minutes": ""}),
        ticket_row("t3", **{"Requester country": "US", "Language": "en-US", "Source": "Fax",
                            "Requester id": " ALICE@Example.com "}),
        ticket_row("t4", **{"Requester country": "韓国", "Language": "한국어",
                            "Source": "WhatsApp", "Requester id": "alice@example.com"}),
    ])  # fmt: skip
    result = import_file("tickets", path, db, ticket_mapping())
    assert (result.rows_read, result.rows_loaded, result.rows_refused) == (4, 4, 0)
    assert count(db) == before + 4
    got = {r[0]: r for r in rows(db, """
        SELECT ticket_id, created_at, first_response_at, resolved_at, status, channel, country,
               language, priority, customer_id, agent_replies, bot_resolved
        FROM tickets WHERE ticket_id IN ('t1', 't2', 't3', 't4')""")}  # fmt: skip
    # 10:00 in Berlin (UTC+1 in January) is 09:00 UTC; first reply 30 minutes later
    assert got["t1"][1:4] == (dt.datetime(2025, 1, 10, 9, tzinfo=UTC),
                              dt.datetime(2025, 1, 10, 9, 30, tzinfo=UTC),
                              dt.datetime(2025, 1, 10, 11, tzinfo=UTC))  # fmt: skip
    assert got["t2"][1] == dt.datetime(2025, 7, 1, 6, tzinfo=UTC)  # summer: UTC+2
    assert got["t2"][2] is None and got["t2"][3] is None
    assert [got[t][4:9] for t in ("t1", "t2", "t3", "t4")] == [
        ("solved", "phone", "KR", "ko", "high"),
        ("open", "email", "DE", "de", "normal"),
        ("solved", "email", "US", "en", "high"),  # "Fax" -> email by the value map
        ("solved", "messaging", "KR", "ko", "high"),
    ]
    assert got["t1"][9] == pseudonym("cust-t1")
    # an e-mail address as customer id is hashed like any other id, case-insensitively
    assert got["t3"][9] == got["t4"][9] == pseudonym("alice@example.com")
    assert got["t1"][10] == 2 and got["t1"][11] is False  # no bot column: not bot-resolved
    # derived columns were recomputed: Seoul local time of t1 is 18:00
    local = scalar(db, "SELECT local_created_at FROM tickets WHERE ticket_id = 't1'")
    assert local == dt.datetime(2025, 1, 10, 18)


def test_constants_fill_required_columns_the_file_lacks(db, tmp_path):
    path = write_csv(tmp_path / "single_market.csv", [ticket_row("c1"), ticket_row("c2")])
    mapping = ticket_mapping(columns={"country": {"constant": "US"}, "language": {"constant": "en"},
                                      "priority": {"constant": "normal"}})  # fmt: skip
    assert import_file("tickets", path, db, mapping).rows_loaded == 2
    assert rows(db, "SELECT DISTINCT country, language, priority FROM tickets "
                    "WHERE ticket_id IN ('c1', 'c2')") == [("US", "en", "normal")]  # fmt: skip


# ---------------------------------------------------------------- the validation report
BAD_TICKETS = [
    ticket_row("ok1"),  # row 2
    ticket_row("d1", "31/02/2025 99:99"),  # row 3: unparseable date
    ticket_row("r1", **{"Solved at": "2025-01-09 10:00:00"}),  # row 4: resolved before created
    ticket_row("n1", **{"First reply time in minutes": "-5"}),  # row 5: negative duration
    ticket_row("c1", **{"Requester country": "Atlantis"}),  # row 6: unknown country
    ticket_row("l1", **{"Language": "Klingon"}),  # row 7: unknown language
    ticket_row("ok1", **{"Group": "EMEA"}),  # row 8: duplicate id (first in row 2)
    ticket_row("", **{"Requester id": "x"}),  # row 9: missing required field
    ticket_row("s1", **{"Status": "exploded"}),  # row 10: unknown status
    ticket_row("ok2"),  # row 11
]
EXPECTED_PROBLEMS = [
    (3, "Created at", "created_at", "unparseable date"),
    (4, "Solved at", "resolved_at", "resolution before creation"),
    (5, "First reply time in minutes", "first_response_at", "negative duration"),
    (6, "Requester country", "country", "unknown country"),
    (7, "Language", "language", "unknown language"),
    (8, "Ticket ID", "ticket_id", "duplicate id"),
    (9, "Ticket ID", "ticket_id", "missing required field"),
    (10, "Status", "status", "unknown status"),
]


def test_every_refused_row_is_reported_with_row_column_and_reason(db, tmp_path):
    before = count(db)
    path = write_csv(tmp_path / "bad.csv", BAD_TICKETS)
    result = import_file("tickets", path, db, ticket_mapping(), report=tmp_path / "report.csv")
    assert (result.rows_read, result.rows_loaded, result.rows_refused) == (10, 2, 8)
    assert result.rows_loaded + result.rows_refused == result.rows_read  # nothing dropped
    assert count(db) == before + 2
    got = [(r.row, r.column, r.field, r.reason) for r in result.problems.itertuples()]
    assert got == EXPECTED_PROBLEMS
    assert set(result.problems["file"]) == {"bad.csv"}
    assert result.reasons == {reason: 1 for *_, reason in EXPECTED_PROBLEMS}
    duplicate = result.problems[result.problems["reason"] == "duplicate id"].iloc[0]
    assert duplicate["value"] == "ok1" and duplicate["detail"] == "same id as row 2"
    report = pd.read_csv(io.BytesIO(result.report_csv()))
    assert list(report.columns) == ["file", "row", "column", "field", "reason", "value", "detail"]
    assert [tuple(r) for r in report[["row", "column", "field", "reason"]].values] == got
    history = rows(db, "SELECT source_file, rows_read, rows_loaded, rows_refused, "
                       "duplicates_refused, refused_by_reason FROM atlas_imports")  # fmt: skip
    assert history[-1][:5] == ("bad.csv", 10, 2, 8, 1)
    assert json.loads(history[-1][5]) == result.reasons


def test_survey_scores_out_of_range_are_refused(db, tmp_path):
    headers = ["Response ID", "Ticket ID", "Sent", "Answered", "Satisfaction score", "NPS",
               "Effort", "Comment"]  # fmt: skip
    data = [
        ["s1", "t1", "2025-03-01 10:00", "2025-03-01 11:00", "5", "10", "7", "Great"],
        ["s2", "t1", "2025-03-01 10:00", "2025-03-01 11:00", "6", "", "", ""],
        ["s3", "t1", "2025-03-01 10:00", "2025-03-01 11:00", "", "11", "", ""],
        ["s4", "t1", "2025-03-01 10:00", "2025-03-01 11:00", "", "", "0", ""],
        ["s5", "t1", "2025-03-01 10:00", "2025-03-01 11:00", "good", "", "", ""],
        ["s6", "t1", "2025-03-01 10:00", "2025-03-01 09:00", "4", "", "", ""],
        ["s7", "t1", "2025-03-01 10:00", "", "", "", "", ""],  # sent, not answered: fine
    ]
    path = tmp_path / "survey.csv"
    path.write_text(csv_text([dict(zip(headers, r, strict=True)) for r in data]))
    mapping = suggest("surveys", headers).mapping
    assert mapping.columns["csat"].column == "Satisfaction score"
    result = import_file("surveys", path, db, mapping)
    assert [(r.row, r.field, r.reason) for r in result.problems.itertuples()] == [
        (3, "csat", "score out of range"),
        (4, "nps", "score out of range"),
        (5, "ces", "score out of range"),
        (6, "csat", "unparseable number"),
        (7, "responded_at", "response before the survey was sent"),
    ]
    assert result.rows_loaded == 2
    assert rows(db, "SELECT csat, nps, ces, comment FROM surveys WHERE survey_id = 's1'") == [
        (5, 10, 7, "Great")
    ]


# ---------------------------------------------------------------- safe loads
def test_importing_the_same_file_twice_does_not_duplicate(db, tmp_path):
    path = write_csv(tmp_path / "again.csv", [ticket_row(f"a{i}") for i in range(5)])
    first = import_file("tickets", path, db, ticket_mapping())
    after_first = count(db)
    second = import_file("tickets", path, db, ticket_mapping())
    assert (first.rows_replaced, second.rows_replaced) == (0, 5)
    assert count(db) == after_first
    # a changed row replaces the stored one
    write_csv(path, [ticket_row("a0", **{"Group": "EMEA"})])
    import_file("tickets", path, db, ticket_mapping())
    assert rows(db, "SELECT hub FROM tickets WHERE ticket_id = 'a0'") == [("EMEA",)]
    assert count(db) == after_first
    assert scalar(db, "SELECT count(*) FROM atlas_imports") == 3


def test_a_failed_import_leaves_the_previous_data_and_no_leftovers(db, tmp_path, monkeypatch):
    before_version, before = version(db), count(db)
    path = write_csv(tmp_path / "good.csv", [ticket_row("f1")])

    def explode(con: duckdb.DuckDBPyConnection, mapping: Mapping) -> None:
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(validation, "create_valid", explode)
    with pytest.raises(RuntimeError, match="disk on fire"):
        import_file("tickets", path, db, ticket_mapping())
    assert version(db) == before_version and count(db) == before
    assert sorted(p.name for p in db.parent.iterdir() if ".tmp-" in p.name) == []


def test_another_writer_makes_the_import_wait_then_refuse(db, tmp_path, monkeypatch):
    monkeypatch.setattr(loader, "LOCK_TIMEOUT_SECONDS", 0.3)
    path = write_csv(tmp_path / "busy.csv", [ticket_row("b1")])
    with store.writer_lock(db), pytest.raises(store.WriterBusyError, match=r"atlas\.duckdb"):
        import_file("tickets", path, db, ticket_mapping())
    assert scalar(db, "SELECT count(*) FROM tickets WHERE ticket_id = 'b1'") == 0


def test_readers_keep_serving_and_never_see_half_a_load(db, tmp_path):
    reader = Database(db)
    old_version, before = reader.version, count(db)
    path = write_csv(tmp_path / "live.csv", [ticket_row(f"live{i}") for i in range(3000)])
    seen: set[int] = set()
    errors: list[Exception] = []
    done = threading.Event()

    def read() -> None:
        while not done.is_set():
            try:
                seen.add(int(reader.query("SELECT count(*) AS n FROM tickets")["n"][0]))
            except Exception as error:  # a reader must never fail during an import
                errors.append(error)

    thread = threading.Thread(target=read)
    thread.start()
    try:
        import_file("tickets", path, db, ticket_mapping())
    finally:
        done.set()
        thread.join()
    assert errors == []
    assert seen <= {before, before + 3000}
    assert reader.version != old_version
    assert reader.query("SELECT count(*) AS n FROM tickets")["n"][0] == before + 3000


def test_stale_temp_files_of_dead_writers_are_removed(db, tmp_path):
    dead = next(pid for pid in range(4_000_000, 3_000_000, -1) if not store._alive(pid))
    stale = db.with_name(f"{db.name}.tmp-{dead}-deadbeef")
    stale.write_bytes(b"half a copy")
    Path(f"{stale}-staging.duckdb").write_bytes(b"half a staging table")
    import_file("tickets", write_csv(tmp_path / "t.csv", [ticket_row("z1")]), db,
                ticket_mapping())  # fmt: skip
    assert not stale.exists() and not Path(f"{stale}-staging.duckdb").exists()


def test_leftovers_of_an_earlier_process_with_the_same_id_are_removed(db):
    # process ids are reused: a file named after this process but last written before it
    # started was left by an earlier process (Linux tells when a process started)
    earlier = db.with_name(f"{db.name}.tmp-{os.getpid()}-0ddc0b1e")
    earlier.write_bytes(b"half a copy")
    a_year_ago = time.time() - 365 * 24 * 3600
    os.utime(earlier, (a_year_ago, a_year_ago))
    current = db.with_name(f"{db.name}.tmp-{os.getpid()}-c0ffee00")
    current.write_bytes(b"a copy this process is writing")
    assert store.remove_stale_files(db) == [earlier]
    assert current.exists()
    current.unlink()


# ---------------------------------------------------------------- privacy
def test_personal_data_is_never_stored(db, tmp_path):
    rows_in = [ticket_row("p1", **{"Requester id": "bob.secret@example.org"})]
    path = write_csv(tmp_path / "pii.csv", rows_in)
    import_file("tickets", path, db, ticket_mapping())
    stored = rows(db, "SELECT * FROM tickets WHERE ticket_id = 'p1'")[0]
    assert not any("@" in str(v) for v in stored)
    assert b"bob.secret" not in db.read_bytes() and b"p1@example.com" not in db.read_bytes()
    # a mapping may not route a name, e-mail or phone column into another column
    mapping = ticket_mapping(columns={"category": "Requester email"})
    with pytest.raises(MappingError, match=r"Requester email.*personal data"):
        import_file("tickets", path, db, mapping)


def test_comments_keep_their_words_but_lose_contact_details(db, tmp_path):
    headers = ["Response ID", "Ticket ID", "Sent", "Score", "Comment"]
    comment = ("Call me on +49 30 1234567 or write to jane.doe@example.com — order 12/03/2025 "
               "arrived (22/03/2017), 1000000 thanks")  # fmt: skip
    path = tmp_path / "comments.csv"
    path.write_text(csv_text([dict(zip(headers, ["m1", "t1", "2025-03-01", "4", comment],
                                       strict=True))]))  # fmt: skip
    import_file("surveys", path, db, suggest("surveys", headers).mapping)
    stored = scalar(db, "SELECT comment FROM surveys WHERE survey_id = 'm1'")
    assert stored == ("Call me on [phone] or write to [e-mail] — order 12/03/2025 arrived "
                      "(22/03/2017), 1000000 thanks")  # fmt: skip


def test_comments_lose_card_numbers_and_spelt_out_e_mails(db, tmp_path):
    headers = ["Response ID", "Ticket ID", "Sent", "Score", "Comment"]
    comment = (
        "Charged twice on 4111 1111 1111 1111 and 5500-0000-0000-0004 for order "
        "1234567890123456; write to anna (at) example (dot) com or anna[at]example.com"
    )
    path = tmp_path / "cards.csv"
    path.write_text(csv_text([dict(zip(headers, ["k1", "t1", "2025-03-01", "4", comment],
                                       strict=True))]))  # fmt: skip
    import_file("surveys", path, db, suggest("surveys", headers).mapping)
    stored = scalar(db, "SELECT comment FROM surveys WHERE survey_id = 'k1'")
    # both card numbers pass the Luhn check; the order number fails it and stays
    assert stored == (
        "Charged twice on [card] and [card] for order 1234567890123456; write "
        "to [e-mail] or [e-mail]"
    )


def ragged_line(ticket_id: str, headers: list[str] = TICKET_HEADERS, **values: str) -> str:
    """A record with one field too many (the CSV reader cannot split it into the columns)."""
    row = {h: v for h, v in ticket_row(ticket_id, **values).items() if h in headers}
    return csv_text([row], headers).split("\n", 1)[1].rstrip("\n") + ",extra\n"


SECRETS = ("anna.secret", "1234567", "4111")  # parts of an e-mail, a phone and a card number


def test_refused_row_reports_never_show_personal_data(db, tmp_path):
    shouting = "call +49 30 1234567, anna.secret@example.com or pay 4111 1111 1111 1111"
    text = (
        csv_text([ticket_row("v1"), ticket_row("v2", Status=shouting)])  # rows 2, 3
        + ragged_line("v3", **{"Requester email": "anna.secret@example.com"})
    )  # row 4
    path = tmp_path / "pii_report.csv"
    path.write_text(text)
    report = tmp_path / "report.csv"
    result = import_file("tickets", path, db, ticket_mapping(), report=report)
    values = {r.row: r.value for r in result.problems.itertuples()}
    assert values == {3: "call [phone], [e-mail] or pay [card]", 4: privacy.HIDDEN}
    assert pd.read_csv(report)["value"].tolist() == [values[3], privacy.HIDDEN]
    shown = run_cli("tickets", str(path), "--db", str(db), "--mapping", str(save_mapping(tmp_path)))
    assert shown.returncode == 0 and "refused" in shown.stdout
    for secret in SECRETS:
        assert secret not in report.read_text() and secret not in shown.stdout
        assert secret not in result.report_csv().decode()
    # a file without name, e-mail or phone columns shows the unsplittable row, masked
    headers = [h for h in TICKET_HEADERS if h != "Requester email"]
    plain = tmp_path / "plain.csv"
    plain.write_text(
        ",".join(headers)
        + "\n"
        + ragged_line("v4", headers, **{"Requester id": "anna.secret@example.com"})
    )
    result = import_file("tickets", plain, db, ticket_mapping())
    assert result.problems["value"].tolist() == [ragged_line("v4", headers, **{
        "Requester id": "[e-mail]"}).rstrip("\n")]  # fmt: skip


def test_a_long_report_is_written_only_where_the_user_asks(db, tmp_path, monkeypatch):
    temp = tmp_path / "temp"
    temp.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(temp))
    path = write_csv(tmp_path / "many.csv",
                     [ticket_row(f"m{i}", Status="exploded") for i in range(1200)])  # fmt: skip
    result = import_file("tickets", path, db, ticket_mapping())
    assert (result.rows_refused, result.problem_count) == (1200, 1200)
    assert result.report_path is None and list(temp.iterdir()) == []
    assert len(result.problems) == loader.SAMPLE_PROBLEMS == 1000
    assert len(pd.read_csv(io.BytesIO(result.report_csv()))) == 1000
    report = tmp_path / "all.csv"
    result = import_file("tickets", path, db, ticket_mapping(), report=report)
    assert result.report_path == report and len(pd.read_csv(report)) == 1200
    shown = run_cli("tickets", str(path), "--db", str(db), "--mapping", str(save_mapping(tmp_path)),
                    env={"TMPDIR": str(temp)})  # fmt: skip
    assert shown.returncode == 0 and list(temp.iterdir()) == []
    assert "the first 20 of 1,200 problems" in shown.stdout and "--report" in shown.stdout


def test_the_key_comes_from_the_environment_or_a_private_key_file(tmp_path, monkeypatch):
    monkeypatch.setenv(privacy.KEY_ENV, KEY)
    assert privacy.pseudonymisation_key(tmp_path / "x.duckdb") == KEY.encode()
    monkeypatch.setenv(privacy.KEY_ENV, "short")
    with pytest.raises(privacy.PseudonymKeyError, match="too short"):
        privacy.pseudonymisation_key(tmp_path / "x.duckdb")
    monkeypatch.delenv(privacy.KEY_ENV)
    key = privacy.pseudonymisation_key(tmp_path / "x.duckdb")
    key_file = tmp_path / privacy.KEY_FILE_NAME
    assert len(key) == 32 and key_file.stat().st_mode & 0o777 == 0o600
    assert privacy.pseudonymisation_key(tmp_path / "y.duckdb") == key  # same folder, same key
    assert privacy.pseudonym("c1", key) != privacy.pseudonym("c1", KEY.encode())
    gitignore = (ROOT / ".gitignore").read_text()
    assert privacy.KEY_FILE_NAME in gitignore


# ---------------------------------------------------------------- hostile and odd input
def expect_refused(db: Path, path: Path, match: str, **options: object) -> None:
    before_version = version(db)
    with pytest.raises(ImportFileError, match=match) as error:
        import_file("tickets", path, db, ticket_mapping(), **options)
    assert path.name in str(error.value)
    assert version(db) == before_version


def test_binary_junk_is_refused_clearly(db, tmp_path):
    junk = tmp_path / "junk.csv"
    junk.write_bytes(os.urandom(1) + b"\x00" + os.urandom(4000))
    expect_refused(db, junk, "binary data")
    image = tmp_path / "photo.csv"
    image.write_bytes(b"\x89PNG\r\n\x1a\n" + os.urandom(100))
    expect_refused(db, image, "an image")


def test_empty_and_header_only_files_are_refused_clearly(db, tmp_path):
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    expect_refused(db, empty, "is empty")
    blank = tmp_path / "blank.csv"
    blank.write_bytes(b"\n \n")
    expect_refused(db, blank, "is empty")
    header = tmp_path / "header.csv"
    header.write_text(",".join(TICKET_HEADERS) + "\n")
    expect_refused(db, header, "no data rows")


def test_ten_thousand_columns_are_refused_clearly(db, tmp_path):
    wide = tmp_path / "wide.csv"
    wide.write_text(",".join(f"c{i}" for i in range(10_000)) + "\n" + ",".join("1" * 10_000))
    expect_refused(db, wide, "10,000 columns")


def test_a_wrong_encoding_is_named_and_the_right_one_detected(db, tmp_path):
    latin = write_csv(tmp_path / "latin.csv", [ticket_row("e1", **{"Group": "München"})],
                      encoding="latin-1")  # fmt: skip
    expect_refused(db, latin, "not valid utf-8 text", encoding="utf-8")
    result = import_file("tickets", latin, db, ticket_mapping())  # detected
    assert result.rows_loaded == 1 and any("encoding" in n for n in result.notes)
    assert scalar(db, "SELECT hub FROM tickets WHERE ticket_id = 'e1'") == "München"
    # invalid bytes after the part used for detection: refused, naming the file and row
    late = tmp_path / "late.csv"
    good = [ticket_row(f"g{i}", **{"Group": "x" * 200}) for i in range(5000)]
    late.write_bytes(csv_text(good).encode() + csv_text([ticket_row("e2", **{
        "Group": "Köln"})]).split("\n", 1)[1].encode("latin-1"))  # fmt: skip
    expect_refused(db, late, r"late\.csv is not valid utf-8 text in row 5002, column 'Group'")


@pytest.mark.parametrize("encoding", ["utf-16", "utf-8-sig", "cp1252"])
def test_common_encodings_import(db, tmp_path, encoding):
    path = write_csv(tmp_path / "enc.csv", [ticket_row("u1", **{"Group": "Zürich €"})],
                     encoding=encoding)  # fmt: skip
    assert import_file("tickets", path, db, ticket_mapping()).rows_loaded == 1
    assert scalar(db, "SELECT hub FROM tickets WHERE ticket_id = 'u1'") == "Zürich €"


@pytest.mark.parametrize("delimiter", [";", "\t", "|"])
def test_delimiters_are_detected(db, tmp_path, delimiter):
    path = write_csv(tmp_path / "delim.csv", [ticket_row("d1"), ticket_row("d2")],
                     delimiter=delimiter)  # fmt: skip
    assert import_file("tickets", path, db, ticket_mapping()).rows_loaded == 2


def test_formulas_quotes_and_sql_are_stored_as_plain_text(db, tmp_path):
    hostile = {
        "h1": "=1+1", "h2": "+SUM(A1:A9)", "h3": "@cmd|' /C calc'!A0", "h4": "-2+3",
        "h5": "'; DROP TABLE tickets; --", "h6": 'He said "hi", then left',
        "h7": "Robert'); DELETE FROM hubs; --", "h8": "line one\nline two",
    }  # fmt: skip
    path = write_csv(tmp_path / "hostile.csv",
                     [ticket_row(t, **{"Ticket type": v}) for t, v in hostile.items()])  # fmt: skip
    before = count(db)
    result = import_file("tickets", path, db, ticket_mapping())
    assert result.rows_loaded == len(hostile)
    stored = dict(rows(db, "SELECT ticket_id, category FROM tickets WHERE ticket_id LIKE 'h_'"))
    assert stored == hostile
    assert count(db) == before + len(hostile)
    assert scalar(db, "SELECT count(*) FROM hubs") >= 3
    # a hostile header is only ever a column name to look up
    weird = 'Group"); DROP TABLE tickets; --'
    path.write_text(csv_text([{**ticket_row("h9"), weird: "APAC"}]))
    mapping = ticket_mapping(columns={"hub": weird})
    assert import_file("tickets", path, db, mapping).rows_loaded == 1


def test_rows_with_the_wrong_number_of_fields_are_refused_by_row(db, tmp_path):
    def line(ticket_id: str, **values: str) -> str:
        return csv_text([ticket_row(ticket_id, **values)]).split("\n", 1)[1]

    text = (
        ",".join(TICKET_HEADERS) + "\n"  # row 1
        + line("w1")  # row 2
        + line("w2").rstrip("\n") + ",extra,fields\n"  # row 3: too many fields
        + line("w3")  # row 4
        + "\n"  # a blank line is not a record
        + line("w4", **{"Ticket type": "broken\nacross lines"})  # row 5, two lines
        + "x,y\n"  # row 6: too few fields
        + line("w5", **{"Requester country": "Atlantis"})  # row 7
    )  # fmt: skip
    path = tmp_path / "ragged.csv"
    path.write_text(text)
    result = import_file("tickets", path, db, ticket_mapping())
    assert (result.rows_read, result.rows_loaded, result.rows_refused) == (6, 3, 3)
    got = [(r.row, r.reason) for r in result.problems.itertuples()]
    assert got == [(3, "wrong number of fields"), (6, "wrong number of fields"),
                   (7, "unknown country")]  # fmt: skip
    assert scalar(db, "SELECT category FROM tickets WHERE ticket_id = 'w4'") == (
        "broken\nacross lines"
    )


def test_a_field_larger_than_the_limit_is_named_by_row_and_column(db, tmp_path):
    path = write_csv(tmp_path / "huge_field.csv", [
        ticket_row("b1"), ticket_row("b2"), ticket_row("b3"),
        ticket_row("b4", **{"Ticket type": "x" * (5 << 20)}),  # row 5: a 5 MiB field
        ticket_row("b5"),
    ])  # fmt: skip
    expect_refused(
        db,
        path,
        r"huge_field\.csv: row 5 is longer than 2 MiB \(in column "
        r"'Ticket type'\); the importer reads rows of at most 2 MiB",
    )


def test_invalid_utf8_far_into_the_file_is_named_by_row_and_column(db, tmp_path):
    lines = csv_text([ticket_row(f"u{i}") for i in range(20_000)]).encode().split(b"\n")
    lines[12_001] = lines[12_001].replace(b"APAC", b"AP\xff\xfeAC")  # line 12,002 = row 12,002
    path = tmp_path / "late_bytes.csv"
    path.write_bytes(b"\n".join(lines))
    expect_refused(
        db,
        path,
        r"late_bytes\.csv is not valid utf-8 text in row 12002, column "
        r"'Group'",
    )


def test_nul_bytes_after_the_sample_are_refused_by_row_and_column(db, tmp_path):
    lines = csv_text([ticket_row(f"z{i}") for i in range(20_000)]).encode().split(b"\n")
    assert sum(len(line) + 1 for line in lines[:15_000]) > readers.SAMPLE_BYTES
    lines[15_000] = lines[15_000].replace(b"APAC", b"AP\x00AC")  # row 15,001
    path = tmp_path / "late_nul.csv"
    path.write_bytes(b"\n".join(lines))
    expect_refused(db, path, r"late_nul\.csv: row 15001, column 'Group' holds a NUL byte")


def test_a_count_too_large_for_the_database_is_out_of_range(db, tmp_path):
    path = write_csv(tmp_path / "big_count.csv", [
        ticket_row("n1", Replies="99999999999999999999"), ticket_row("n2", Replies="2.5"),
        ticket_row("n3", Replies="2147483647")])  # fmt: skip
    result = import_file("tickets", path, db, ticket_mapping())
    assert [(r.row, r.reason, r.detail) for r in result.problems.itertuples()] == [
        (2, "number out of range", "a whole number from 0 to 2,147,483,647"),
        (3, "unparseable number", "not a whole number"),
    ]
    assert scalar(db, "SELECT agent_replies FROM tickets WHERE ticket_id = 'n3'") == 2147483647


def test_empty_rows_are_reported_once(db, tmp_path):
    text = csv_text([ticket_row("e1")]) + "," * (len(TICKET_HEADERS) - 1) + "\n"
    path = tmp_path / "trailing.csv"
    path.write_text(text)
    result = import_file("tickets", path, db, ticket_mapping())
    assert [(r.row, r.reason) for r in result.problems.itertuples()] == [(3, "empty row")]


# ---------------------------------------------------------------- other formats
def test_xlsx_import_reads_values_not_formulas(db, tmp_path):
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(TICKET_HEADERS)
    for ticket_id in ("x1", "x2"):
        row = ticket_row(ticket_id)
        row["Created at"] = dt.datetime(2025, 1, 10, 10, 0)  # a real date cell
        row["Replies"] = 2
        sheet.append([row[h] for h in TICKET_HEADERS])
    sheet.append([None] * len(TICKET_HEADERS))  # blank row: not a record
    sheet.append([ticket_row("x3")[h] for h in TICKET_HEADERS])
    text_cell = sheet.cell(row=sheet.max_row, column=TICKET_HEADERS.index("Ticket type") + 1)
    text_cell.value, text_cell.data_type = "=1+1", "s"  # text that looks like a formula
    path = tmp_path / "export.xlsx"
    workbook.save(path)
    result = import_file("tickets", path, db, ticket_mapping())
    assert (result.rows_read, result.rows_loaded) == (3, 3)
    assert rows(db, "SELECT ticket_id, created_at, agent_replies, category FROM tickets "
                    "WHERE ticket_id LIKE 'x_' ORDER BY 1") == [
        ("x1", dt.datetime(2025, 1, 10, 9, tzinfo=UTC), 2, "shipping"),
        ("x2", dt.datetime(2025, 1, 10, 9, tzinfo=UTC), 2, "shipping"),
        ("x3", dt.datetime(2025, 1, 10, 9, tzinfo=UTC), 2, "=1+1"),
    ]  # fmt: skip


def test_parquet_import_keeps_time_zones(db, tmp_path):
    frame = pd.DataFrame([ticket_row(f"q{i}") for i in range(3)])
    table = pa.Table.from_pandas(frame, preserve_index=False)
    created = pa.array([dt.datetime(2025, 1, 10, 9, tzinfo=UTC)] * 3, pa.timestamp("us", "UTC"))
    table = table.set_column(table.schema.get_field_index("Created at"), "Created at", created)
    table = table.set_column(table.schema.get_field_index("Replies"), "Replies",
                             pa.array([1, 2, 3]))  # fmt: skip
    path = tmp_path / "export.parquet"
    pq.write_table(table, path)
    assert import_file("tickets", path, db, ticket_mapping()).rows_loaded == 3
    got = rows(db, "SELECT min(created_at), sum(agent_replies) FROM tickets "
                   "WHERE ticket_id LIKE 'q_'")  # fmt: skip
    assert got == [(dt.datetime(2025, 1, 10, 9, tzinfo=UTC), 6)]


def test_agents_and_shifts_import(db, tmp_path):
    agents = tmp_path / "agents.csv"
    agents.write_text("Agent ID,Team,Languages,Channels\n"
                      "new-1,EMEA,\"German, English\",\"email; chat\"\n"
                      "new-2,EMEA,Klingon,phone\n")  # fmt: skip
    result = import_file("agents", agents, db, suggest("agents", ["Agent ID", "Team",
                         "Languages", "Channels"]).mapping)  # fmt: skip
    assert result.rows_loaded == 1 and result.problems["reason"].tolist() == ["unknown language"]
    assert rows(db, "SELECT languages, channels FROM agents WHERE agent_id = 'new-1'") == [
        (["de", "en"], ["email", "chat"])
    ]
    shifts = tmp_path / "shifts.csv"
    shifts.write_text("Agent,Shift start,Shift end\nnew-1,2025-03-01 08:00,2025-03-01 16:00\n"
                      "new-1,2025-03-02 16:00,2025-03-02 08:00\n")  # fmt: skip
    mapping = suggest("shifts", ["Agent", "Shift start", "Shift end"]).mapping
    mapping.timezone = "Europe/Dublin"
    result = import_file("shifts", shifts, db, mapping)
    assert result.rows_loaded == 1
    assert result.problems["reason"].tolist() == ["shift ends before it starts"]


# ---------------------------------------------------------------- mapping and suggestion
def test_suggestion_reads_common_export_headers():
    zendesk = ["Id", "Requester", "Requester id", "Requester email", "Assignee", "Group",
               "Status", "Priority", "Via", "Created at", "Solved at",
               "First reply time in minutes", "Reopens", "Replies", "Requester country",
               "Language", "Ticket type"]  # fmt: skip
    got = suggest("tickets", zendesk)
    columns = got.mapping.columns
    assert columns["ticket_id"].column == "Id"
    assert columns["customer_id"].column == "Requester id"
    assert columns["first_response_at"].after == "created_at"
    assert columns["first_response_at"].unit == "minutes"
    assert columns["country"].column == "Requester country"
    assert columns["channel"].column == "Via" and columns["category"].column == "Ticket type"
    assert got.personal == {"Requester": "name", "Requester email": "e-mail"}
    assert all("Requester email" not in s.sources for s in columns.values())
    assert got.mapping.problems(zendesk) == []
    freshdesk = [
        "Ticket ID", "Subject", "Status", "Priority", "Source", "Type", "Agent", "Group",
        "Created time", "Resolved time", "First response time (in hrs)", "Contact ID",
        "Full name", "Email", "Work phone", "Country", "Language",
    ]  # fmt: skip
    columns = suggest("tickets", freshdesk).mapping.columns
    assert columns["customer_id"].column == "Contact ID"
    assert (columns["first_response_at"].column, columns["first_response_at"].unit) == (
        "First response time (in hrs)",
        "hours",
    )
    contact_centre = ["Call ID", "Caller ID", "Start time", "Queue", "Wait time (s)",
                      "Talk time (s)", "Abandoned", "Agent", "ANI"]  # fmt: skip
    columns = suggest("tickets", contact_centre).mapping.columns
    assert columns["queue_wait_seconds"].column == "Wait time (s)"
    assert columns["handle_seconds"].column == "Talk time (s)"
    assert columns["abandoned"].column == "Abandoned"
    assert "ANI" not in {s.column for s in columns.values()}
    survey_tool = ["ResponseId", "StartDate", "RecordedDate", "Satisfaction score", "NPS",
                   "Comment", "RecipientEmail"]  # fmt: skip
    columns = suggest("surveys", survey_tool).mapping.columns
    assert columns["survey_id"].column == "ResponseId" and columns["csat"].column == (
        "Satisfaction score"
    )


def test_suggestion_detects_date_formats_from_the_preview():
    sample = pd.DataFrame({"Created": ["12/31/2017 11:59:58 PM", "01/02/2018 09:00:00 AM"],
                           "Closed": ["31.12.2017 23:59", "02.01.2018 09:00"]})  # fmt: skip
    columns = suggest("tickets", list(sample.columns), sample).mapping.columns
    assert columns["created_at"].format == "%m/%d/%Y %I:%M:%S %p"
    assert columns["resolved_at"].format == "%d.%m.%Y %H:%M"


def test_mapping_round_trips_as_json_and_names_its_problems(tmp_path):
    mapping = ticket_mapping()
    mapping.save(tmp_path / "m.json")
    assert Mapping.load(tmp_path / "m.json").to_json() == mapping.to_json()
    broken = ticket_mapping(columns={"country": {"constant": "Atlantis"},
                                     "channel": {"column": "Source", "values": {"Call": "fax"}},
                                     "colour": "Group", "local_created_at": "Created at",
                                     "ticket_id": None})  # fmt: skip
    problems = broken.problems([*TICKET_HEADERS, "Group"])
    text = " ".join(problems)
    assert "'Atlantis' is not a known country" in text
    assert "'fax' is not a known channel" in text
    assert "'colour' is not a column of tickets" in text
    assert "'local_created_at' is computed" in text
    assert "Required column 'ticket_id' is not mapped" in text
    with pytest.raises(MappingError, match="Not valid JSON"):
        Mapping.from_json("{nope")
    assert "reads column 'Nope'" in " ".join(
        ticket_mapping(columns={"hub": "Nope"}).problems(TICKET_HEADERS)
    )


@pytest.mark.parametrize(
    ("text", "code"),
    [("South Korea", "KR"), ("Korea, Republic of", "KR"), ("대한민국", "KR"), ("Deutschland", "DE"),
     ("Allemagne", "DE"), ("germany", "DE"), ("DEU", "DE"), ("de", "DE"), ("UK", "GB"),
     ("United States of America", "US"), ("U.S.A.", "US"), ("Brasil", "BR"), ("日本", "JP"),
     ("Côte d'Ivoire", "CI"), ("Türkiye", "TR"), ("NA", "NA"), ("Atlantis", None), ("", None)],
)  # fmt: skip
def test_country_names_in_any_common_form_resolve(text, code):
    assert codes.country_code(text) == code


@pytest.mark.parametrize(
    ("text", "code"),
    [("English", "en"), ("EN", "en"), ("eng", "en"), ("Deutsch", "de"), ("ger", "de"),
     ("français", "fr"), ("Español", "es"), ("pt-BR", "pt"), ("zh_Hant", "zh"), ("中文", "zh"),
     ("日本語", "ja"), ("한국어", "ko"), ("Portuguese (Brazil)", "pt"), ("Klingon", None)],
)  # fmt: skip
def test_language_names_and_tags_resolve_to_iso_639_1(text, code):
    assert codes.language_code(text) == code


# ---------------------------------------------------------------- command line
def run_cli(*args: str, env: dict[str, str] | None = None) -> Ran:
    return run_main(atlas_cli, "import", *args, env={privacy.KEY_ENV: KEY, **(env or {})})


def test_command_line_imports_with_a_saved_mapping(db, tmp_path):
    mapping_path = tmp_path / "zendesk.json"
    ticket_mapping().save(mapping_path)
    path = write_csv(tmp_path / "cli.csv", [*BAD_TICKETS[:2]])
    report = tmp_path / "refused.csv"
    done = run_cli("tickets", str(path), "--db", str(db), "--mapping", str(mapping_path),
                   "--timezone", "Asia/Seoul", "--report", str(report))  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "2 rows read, 1 loaded" in done.stdout and "unparseable date" in done.stdout
    assert pd.read_csv(report)["row"].tolist() == [3]
    # Seoul is UTC+9: 10:00 there is 01:00 UTC
    assert scalar(db, "SELECT created_at FROM tickets WHERE ticket_id = 'ok1'") == dt.datetime(
        2025, 1, 10, 1, tzinfo=UTC
    )
    bad = run_cli("tickets", str(path), "--db", str(db), "--timezone", "Mars/Olympus")
    assert bad.returncode == 2 and "Mars/Olympus" in bad.stderr
    junk = tmp_path / "junk.csv"
    junk.write_bytes(b"\x00\x01\x02" * 500)
    failed = run_cli("tickets", str(junk), "--db", str(db), "--mapping", str(mapping_path))
    assert failed.returncode == 1 and "junk.csv" in failed.stderr
    suggestion = tmp_path / "suggested.json"
    dry = run_cli("tickets", str(path), "--db", str(db), "--dry-run", "--save-mapping",
                  str(suggestion))  # fmt: skip
    assert dry.returncode == 0 and Mapping.load(suggestion).table == "tickets"


def save_mapping(folder: Path) -> Path:
    path = folder / "tickets_mapping.json"
    ticket_mapping().save(path)
    return path


def test_wrong_encoding_and_report_options_exit_2_with_a_message(db, tmp_path):
    path = write_csv(tmp_path / "plain8.csv", [ticket_row("o1")])
    mapping = str(save_mapping(tmp_path))
    for option, message in (
        (["--encoding", "utf-16"], "plain8.csv is not UTF-16 text"),
        (["--encoding", "rot13"], "'rot13' is not a text encoding"),
        (["--report", "/nonexistent/r.csv"], "/nonexistent does not exist"),
    ):
        done = run_cli("tickets", str(path), "--db", str(db), "--mapping", mapping, *option)
        assert done.returncode == 2, (option, done.stderr)
        assert message in done.stderr and "Traceback" not in done.stderr, done.stderr
    assert scalar(db, "SELECT count(*) FROM tickets WHERE ticket_id = 'o1'") == 0
    # UTF-16 without a byte-order mark: the byte order is read from the text
    bare = write_csv(tmp_path / "bare16.csv", [ticket_row("o2", Group="Zürich")],
                     encoding="utf-16-le")  # fmt: skip
    done = run_cli("tickets", str(bare), "--db", str(db), "--mapping", mapping,
                   "--encoding", "utf-16")  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert scalar(db, "SELECT hub FROM tickets WHERE ticket_id = 'o2'") == "Zürich"


def test_refused_row_reports_cannot_run_formulas_in_a_spreadsheet(db, tmp_path):
    # A refused status that is a formula, and one with a bare CR before a formula: in the report
    # file and in the page's download each stays one neutralised cell.
    attack = "=cmd|' /C calc'!A0"
    path = tmp_path / "formulas.csv"
    text = csv_text([ticket_row("f1", Status=attack), ticket_row("f2", Status="CR")])
    path.write_text(text.replace(",CR,", f',"x\r{attack}",'), newline="")
    report = tmp_path / "report.csv"
    result = import_file("tickets", path, db, ticket_mapping(), report=report)
    for written in (report.read_bytes(), result.report_csv()):
        rows = list(csv.DictReader(io.StringIO(written.decode(), newline="")))
        assert [r["value"] for r in rows] == [f"'{attack}", f"x\r{attack}"]
        lines = written.decode().replace("\r\n", "\n").split("\n")
        assert not any(line.startswith(("=", "+", "-", "@")) for line in lines)
