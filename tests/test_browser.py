"""End to end: the real server in headless Chromium, on a hostile day.

The data is a copy of the sample with one row of each kind the hostile-input run found imported
into it (and, for dates the importer now refuses, written as an older tool would). Every page is
opened at its saved-link URL for all markets in English and for Korea in Korean, screenshotted
(``artifacts/screenshots/``) and checked: drawn, no error, its title, no link to the data. Then
what only a browser shows: filters surviving page switches, clicks on charts, a chart download.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pandas as pd
import pytest

from data_access import store
from data_access.catalog import read_catalog
from data_access.database import Database
from data_access.filters import Filter
from data_access.importer import import_file
from metrics.engine import kpi_table
from presentation import format as fmt
from presentation import i18n
from tests.browser import (
    SAVED_PATHS,
    SCREENSHOTS,
    chromium,
    link_hosts,
    looks_blank,
    open_app,
    skip_without_chromium,
    streamlit_server,
    wait_for_app,
)
from tests.importer_helpers import KEY, csv_text, sample_copy, ticket_mapping, ticket_row
from ui.filters import period_dates
from ui.page import PAGES, registered

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
def hostile_db(tmp_path_factory: pytest.TempPathFactory, small_sample: Path) -> str:
    folder = tmp_path_factory.mktemp("hostile_browser")
    db = sample_copy(small_sample, folder)
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


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1440, "height": 2400}, accept_downloads=True)
    yield context.new_page()
    context.close()


@pytest.mark.parametrize("view", ["", "?country=KR&lang=ko"], ids=["all", "KR-ko"])
def test_every_page_in_chromium(server, page, view):
    lang = "ko" if "lang=ko" in view else "en"
    for listed in PAGES:
        open_app(page, server + SAVED_PATHS[listed.script] + view)
        name = f"{listed.scope}_{'kr_ko' if view else 'all'}.png"
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        png = page.screenshot(path=SCREENSHOTS / name, full_page=True)
        assert not looks_blank(png), listed.script
        assert page.locator('[data-testid="stException"]').count() == 0, listed.script
        with i18n.using(lang):
            assert i18n.translate(listed.title) in page.locator("h1").first.inner_text()
        assert "evil.example" not in link_hosts(page), listed.script
        if listed.script == "dashboard.py":  # one market may have tiles hidden for privacy
            values = page.locator('[data-testid="stMetricValue"]').all_inner_texts()
            assert len(values) == 10 and (view or all(re.search(r"\d", v) for v in values))


def test_filters_survive_page_switches_in_the_browser(server, page):
    """Streamlit drops the query string when a page link is followed; the filters come back
    (AppTest switches to every page: tests/test_app.py)."""
    open_app(page, server + "/?country=JP&period=last_7d")
    for scope in ("trends", "import", "overview"):
        page.get_by_role("link", name=registered(scope).title, exact=True).click()
        wait_for_app(page)
        assert "country=JP" in page.url and "period=last_7d" in page.url
        assert "Japan (JP)" in page.locator('[data-testid="stSidebar"]').inner_text()
        assert page.locator('[data-testid="stException"]').count() == 0, scope


def click_centre(page, locator) -> None:
    """Click the middle of an SVG element (plotly's drag layer sits on top of its points)."""
    box = locator.bounding_box()
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)


def test_clicking_a_chart_narrows_the_filters(server, page):
    open_app(page, server + "/Channels?period=last_90d")
    bars = page.locator(".st-key-channel_bars .point path")
    click_centre(page, bars.nth(bars.count() - 1))  # plotly draws bars bottom-up: the top bar
    wait_for_app(page)
    assert "channel=" not in page.url  # a click offers actions; the filters wait for one
    page.locator(".st-key-channel_bars_narrow button").click()
    wait_for_app(page)
    channel = re.search(r"channel=([a-z_]+)", page.url).group(1)
    assert "channel=" in page.url and "period=last_90d" in page.url
    sidebar = page.locator('[data-testid="stSidebar"]').inner_text()
    assert fmt.member("channel", channel) in sidebar

    open_app(page, server + "/?period=last_90d")
    click_centre(page, page.locator(".st-key-overview_map path.choroplethlocation").nth(3))
    wait_for_app(page)
    page.locator(".st-key-overview_map_narrow button").click()
    wait_for_app(page)
    code = re.search(r"country=([A-Z]{2})", page.url).group(1)
    assert f"({code})" in page.locator('[data-testid="stSidebar"]').inner_text()


def test_a_map_click_lists_its_tickets_and_downloads_them(server, page, hostile_db):
    """Click a country on the volume map, open its tickets, download them: the CSV holds as
    many rows as the map counts for that country (computed here by the engine)."""
    open_app(page, server + "/?period=last_90d")
    click_centre(page, page.locator(".st-key-overview_map path.choroplethlocation").nth(3))
    wait_for_app(page)
    drill = page.locator(".st-key-overview_map_drill button")
    shown = int(re.search(r"Show the ([\d,]+) tickets", drill.inner_text()).group(1).replace(
        ",", ""))  # fmt: skip
    drill.click()
    wait_for_app(page)
    dialog = page.locator('[data-testid="stDialog"]')
    assert f"of {shown:,} tickets" in dialog.inner_text()
    with page.expect_download(timeout=120_000) as download:
        dialog.locator("[data-testid=stDownloadButton]").filter(has_text="Data (CSV)").click()
    rows = pd.read_csv(download.value.path())
    countries = rows["country"].unique()
    assert len(countries) == 1 and rows["ticket_id"].is_unique
    db = Database(hostile_db)
    start, end = period_dates("last_90d", read_catalog(db).last_day)
    volume = kpi_table(db, ["volume"], by=["country"], flt=Filter(start=start, end=end))
    assert len(rows) == shown == volume.set_index("country").loc[countries[0], "value"]


def test_downloading_a_chart_image_in_the_browser(server, page):
    """The Download menu makes the PNG on click, through kaleido and Chromium on the server."""
    open_app(page, server + "/Trends?period=last_90d")
    page.locator("[data-testid=stPopover] button").first.click()
    button = page.locator("[data-testid=stDownloadButton]").filter(has_text="Image (PNG)").first
    with page.expect_download(timeout=120_000) as download:
        button.click()
    png = Path(download.value.path()).read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and not looks_blank(png)
    assert download.value.suggested_filename.startswith("volume-by-week_")


def test_the_dates_window_holds_for_the_default_view(hostile_db):
    from data_access.catalog import read_catalog
    from data_access.database import Database

    catalog = read_catalog(Database(hostile_db))
    assert catalog.last_day <= dt.date(2026, 11, 27) and catalog.implausible == 3
