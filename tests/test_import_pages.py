"""The Import page and the Data page as a user meets them, through Streamlit's AppTest."""

from __future__ import annotations

import subprocess
import sys
import tempfile
from functools import partial
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from data_access.importer import privacy
from tests.apptest import open_page, rendered_text
from tests.importer_helpers import KEY, LA311, csv_text, sample_copy, scalar, ticket_row

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def db(tmp_path: Path, small_sample: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    uploads = tmp_path / "uploads"
    uploads.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(uploads))  # staged uploads stay in tmp_path
    path = sample_copy(small_sample, tmp_path)
    monkeypatch.setenv("SERVICE_ATLAS_DB", str(path))
    monkeypatch.setenv(privacy.KEY_ENV, KEY)
    return path


open_import_page = partial(open_page, "pages/7_Import_data.py")


def upload(at: AppTest, name: str, content: bytes) -> AppTest:
    at.file_uploader(key="import_upload").set_value((name, content, "text/csv"))
    return at.run()


def import_button(at: AppTest) -> object:
    return next(b for b in at.button if b.label.startswith("Import into"))


@pytest.mark.skipif(not LA311.exists(), reason="real-data sample not available")
def test_uploading_mapping_and_importing_shows_the_result_and_the_new_data(db):
    before = scalar(db, "SELECT count(*) FROM tickets")
    at = open_import_page()
    assert not at.exception and "Import data" in at.title[0].value
    at = upload(at, LA311.name, LA311.read_bytes())
    at.selectbox(key="import_mapping_choice").set_value("la311_service_requests").run()
    assert not at.exception and not at.error
    assert not import_button(at).disabled
    import_button(at).click().run()
    assert not at.exception, [e.message for e in at.exception]
    shown = {m.label: m.value for m in at.metric}
    assert shown["Rows read"] == "9,999" and shown["Loaded"] == "9,987"
    assert shown["Refused"] == "12"
    reasons = next(d.value for d in at.dataframe if list(d.value.columns) == ["reason", "rows"])
    assert reasons.set_index("reason").loc["resolution before creation", "rows"] == 12
    assert scalar(db, "SELECT count(*) FROM tickets") == before + 9_987
    # the rest of the app serves the new data at once: the Data page lists the import
    at.switch_page("pages/9_Data.py").run()
    assert not at.exception
    overview = at.dataframe[0].value.set_index("table_name")
    assert overview.loc["tickets", "rows"] == before + 9_987
    assert overview.loc["tickets", "last_source"] == LA311.name
    assert any(LA311.name in rendered_text(c.value) for c in at.caption)


def test_a_suggested_mapping_with_gaps_blocks_the_import_and_says_why(db):
    at = open_import_page()
    rows = [ticket_row("p1"), ticket_row("p2")]
    for row in rows:
        del row["Requester country"]
    at = upload(at, "no_country.csv", csv_text(rows).encode())
    assert not at.exception
    errors = [rendered_text(e.value) for e in at.error]
    assert any("Required column 'country' is not mapped" in e for e in errors)
    assert import_button(at).disabled


def test_a_broken_upload_gets_a_clear_message(db):
    at = open_import_page()
    at = upload(at, "junk.csv", b"\x00\x01\x02\x03" * 300)
    assert not at.exception
    assert any("junk.csv" in rendered_text(e.value) and "binary" in e.value for e in at.error)
    # an encoding that does not fit the file: a message, not a traceback
    at = upload(at, "plain.csv", csv_text([ticket_row("e1")]).encode())
    at.selectbox(key="import_enc").set_value("utf-16").run()
    assert not at.exception, [e.message for e in at.exception]
    assert any("plain.csv is not UTF-16 text" in rendered_text(e.value) for e in at.error)


def dead_process_id() -> int:
    """The id of a process that has ended (a real child, waited for)."""
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def test_uploads_and_a_dead_writers_copy_do_not_stay_on_disk(db):
    uploads = Path(tempfile.gettempdir())
    dead = dead_process_id()
    killed_copy = db.with_name(f"{db.name}.tmp-{dead}-0badc0de")
    killed_copy.write_bytes(b"half a copy of the database")
    killed_upload = uploads / f"atlas-upload-{dead}-abc.csv"
    killed_upload.write_bytes(b"an upload of a killed server")
    at = open_import_page()
    assert not at.exception
    assert not killed_copy.exists()  # removed when the app starts, not only on the next import
    at = upload(at, "tickets.csv", csv_text([ticket_row("k1"), ticket_row("k2")]).encode())
    assert not at.exception and not at.error
    assert list(uploads.iterdir()) == []  # the upload is read from disk only during a run
    import_button(at).click().run()
    assert not at.exception, [e.message for e in at.exception]
    assert scalar(db, "SELECT count(*) FROM tickets WHERE ticket_id IN ('k1', 'k2')") == 2
    assert list(uploads.iterdir()) == []


def test_refused_rows_on_the_page_show_no_personal_data(db):
    at = open_import_page()
    shouting = "call +49 30 1234567, anna.secret@example.com or pay 4111 1111 1111 1111"
    rows = [ticket_row("q1"), ticket_row("q2", Status=shouting)]
    at = upload(at, "shouting.csv", csv_text(rows).encode())
    import_button(at).click().run()
    assert not at.exception, [e.message for e in at.exception]
    refused = next(d.value for d in at.dataframe if {"reason", "value"} <= set(d.value.columns))
    assert refused["value"].tolist() == ["call [phone], [e-mail] or pay [card]"]


def test_the_reading_choices_survive_a_language_switch(db):
    at = open_import_page()
    at = upload(at, "plain.csv", csv_text([ticket_row("s1")]).encode())
    at.radio(key="import_table").set_value("surveys").run()
    at.selectbox(key="import_enc").set_value("latin-1").run()
    at.selectbox(key="import_delim").set_value("semicolon").run()
    at.selectbox(key="import_mapping_choice").set_value("la311_service_requests").run()
    next(w for w in at.sidebar.selectbox if w.label == "Display language").set_value("ko").run()
    assert not at.exception, [e.message for e in at.exception]
    # the choices are codes: a switch relabels them (in Korean) instead of dropping them
    assert at.radio(key="import_table").value == "surveys"
    assert at.selectbox(key="import_enc").value == "latin-1"
    assert at.selectbox(key="import_delim").value == "semicolon"
    assert at.selectbox(key="import_delim").options[2] == "세미콜론 ;"
    assert at.selectbox(key="import_mapping_choice").value == "la311_service_requests"


@pytest.mark.skipif(not LA311.exists(), reason="real-data sample not available")
def test_importing_into_data_served_read_only_says_so_and_changes_nothing(db, tmp_path,
                                                                         monkeypatch):
    # deploy/service-atlas@.service serves the data read-only: a read-only bind mount of its
    # folder (this machine runs the tests as root, which file modes alone would not stop)
    read_only = tmp_path / "served"
    read_only.mkdir()
    subprocess.run(["mount", "--bind", str(db.parent), str(read_only)], check=True)
    try:
        subprocess.run(["mount", "-o", "remount,bind,ro", str(read_only)], check=True)
        served = read_only / db.name
        monkeypatch.setenv("SERVICE_ATLAS_DB", str(served))
        before = scalar(served, "SELECT count(*) FROM tickets")
        at = upload(open_import_page(), LA311.name, LA311.read_bytes())
        at.selectbox(key="import_mapping_choice").set_value("la311_service_requests").run()
        import_button(at).click().run()
        assert not at.exception, [e.message for e in at.exception]
        refusal = " ".join(rendered_text(e.value) for e in at.error)
        assert "Read-only file system" in refusal and "Nothing was changed" in refusal, refusal
        assert scalar(served, "SELECT count(*) FROM tickets") == before
    finally:
        subprocess.run(["umount", "--lazy", str(read_only)], check=True)  # DuckDB holds it open
