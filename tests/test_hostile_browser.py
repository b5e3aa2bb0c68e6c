"""A hostile day end to end: one row of each kind the hostile-input run found, imported into a
copy of the sample (and, for dates the importer now refuses, written as an older tool would),
then every page opened in headless Chromium, for all markets and for Korea."""

from __future__ import annotations

import datetime as dt

import pytest

from data_access import store
from data_access.importer import import_file
from tests.browser import (
    SAVED_PATHS,
    SCREENSHOTS,
    chromium,
    looks_blank,
    skip_without_chromium,
    streamlit_server,
    wait_for_app,
)
from tests.importer_helpers import KEY, csv_text, sample_copy, ticket_mapping, ticket_row
from ui.page import PAGES

pytestmark = pytest.mark.browser

skip_without_chromium()

EVIL = "https://evil.example"
FILE_NAME = f"[Session expired – log in again]({EVIL}).csv"
FORMULA = "=cmd|' /C calc'!A0"
DAY = "2026-11-20"


def _row(ticket_id: str, created: str = f"{DAY} 10:00:00", **values: str) -> dict:
    return ticket_row(ticket_id, created, **{"Solved at": f"{DAY} 23:00:00", **values})


HOSTILE_ROWS = [  # (row, refused?)
    (_row("tz-kst", f"{DAY} 10:00:00 KST"), True),  # an ambiguous zone abbreviation
    (_row("tz-iana", f"{DAY} 10:00:00 Asia/Seoul"), False),
    (_row("tz-offset", f"{DAY} 10:00:00 +09:00"), False),
    (_row("far-future", "9999-12-31 10:00:00", **{"Solved at": ""}), True),
    (_row("next-century", "2099-06-01 10:00:00", **{"Solved at": ""}), True),
    (_row("year-one", "0001-01-01 10:00:00", **{"Solved at": ""}), True),
    (_row("open-but-solved", Status="Open"), True),
    (_row("\u200b"), True),  # an id of a zero-width space
    (_row("korea", **{"Requester country": "Korea"}), True),  # two states share the name
    (_row("congo", **{"Requester country": "Congo"}), True),
    (_row("pii", Status="call +49 30 1234567 or pay 4111 1111 1111 1111"), True),
    (_row(FORMULA, Group=f"<a href='{EVIL}'>EMEA</a>", **{"Ticket type": f"[login]({EVIL})"}),
     False),
]  # fmt: skip


@pytest.fixture(scope="module")
def hostile_db(tmp_path_factory: pytest.TempPathFactory) -> str:
    folder = tmp_path_factory.mktemp("hostile_browser")
    db = sample_copy(folder, tmp_path_factory.mktemp("hostile_sample"))
    export = folder / "export.csv"
    export.write_text(csv_text([row for row, _refused in HOSTILE_ROWS]))
    result = import_file("tickets", export, db, ticket_mapping(), name=FILE_NAME)
    assert result.rows_refused == sum(refused for _row, refused in HOSTILE_ROWS)
    # dates and text an older tool wrote before the importer refused them
    with store.rewrite(db, FILE_NAME) as con:
        con.execute("""
            INSERT INTO tickets BY NAME
            SELECT 'legacy-' || n AS ticket_id, customer_id, created_at, status, channel,
                   country, language, priority, category, hub, agent_replies, reopens,
                   bot_resolved
            FROM (SELECT row_number() OVER () AS n, * EXCLUDE (ticket_id, created_at)
                  FROM tickets LIMIT 3)
            JOIN (VALUES (1, TIMESTAMPTZ '9999-12-31 12:00:00+00'),
                         (2, TIMESTAMPTZ '2099-06-01 12:00:00+00'),
                         (3, TIMESTAMPTZ '0001-01-01 12:00:00+00')) AS d(k, created_at)
              ON d.k = n
        """)
        con.execute("""
            UPDATE surveys SET comment = ?
            WHERE survey_id IN (SELECT survey_id FROM surveys WHERE comment IS NOT NULL
                                ORDER BY responded_at DESC LIMIT 20)
        """, [f"x\r{FORMULA} [login]({EVIL}) <a href='{EVIL}'>here</a> **bold**"])  # fmt: skip
    return str(db)


@pytest.fixture(scope="module")
def server(hostile_db):
    with streamlit_server({"SERVICE_ATLAS_DB": hostile_db, "SERVICE_ATLAS_KEY": KEY}) as url:
        yield url


@pytest.fixture(scope="module")
def browser():
    with chromium() as launched:
        yield launched


@pytest.mark.parametrize("query", ["", "?country=KR&lang=ko"], ids=["all", "KR-ko"])
def test_every_page_survives_the_hostile_rows(server, browser, query):
    context = browser.new_context(viewport={"width": 1440, "height": 2400})
    page = context.new_page()
    try:
        for listed in PAGES:
            script, label = listed.script, listed.title
            page.goto(server + SAVED_PATHS[script] + query)
            wait_for_app(page)
            name = f"hostile_{label.lower().replace(' ', '_')}_{'kr' if query else 'all'}.png"
            SCREENSHOTS.mkdir(parents=True, exist_ok=True)
            png = page.screenshot(path=SCREENSHOTS / name, full_page=True)
            assert page.locator('[data-testid="stException"]').count() == 0, script
            assert not looks_blank(png), script
            assert page.locator(f'a[href*="{EVIL}"]').count() == 0, script
    finally:
        context.close()


def test_the_dates_window_holds_for_the_default_view(hostile_db):
    from data_access.catalog import read_catalog
    from data_access.database import Database

    catalog = read_catalog(Database(hostile_db))
    assert catalog.last_day <= dt.date(2026, 11, 27) and catalog.implausible == 3
