"""End to end: the real server in headless Chromium, every page screenshotted and checked."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from presentation import format as fmt
from tests.browser import (
    SAVED_PATHS,
    SCREENSHOTS,
    chromium,
    looks_blank,
    skip_without_chromium,
    streamlit_server,
    wait_for_app,
)
from ui.page import PAGES

pytestmark = pytest.mark.browser

skip_without_chromium()


@pytest.fixture(scope="module")
def server(sample_path):
    with streamlit_server({"SERVICE_ATLAS_DB": str(sample_path)}) as url:
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


@pytest.mark.parametrize(("script", "label"), [(p.script, p.title) for p in PAGES])
@pytest.mark.parametrize("view", ["default", "narrowed"])
def test_every_page_renders_in_chromium(server, page, script, label, view):
    query = "?country=KR,JP&period=last_90d" if view == "narrowed" else ""
    page.goto(server + SAVED_PATHS[script] + query)
    wait_for_app(page)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    png = page.screenshot(path=SCREENSHOTS / f"{label.lower().replace(' ', '_')}_{view}.png",
                          full_page=True)  # fmt: skip
    assert not looks_blank(png)
    assert page.locator('[data-testid="stException"]').count() == 0
    assert label in page.locator("h1").first.inner_text()
    if script == "dashboard.py":
        values = page.locator('[data-testid="stMetricValue"]').all_inner_texts()
        assert len(values) == 10 and all(re.search(r"\d", v) for v in values)


def test_filters_survive_page_switches_in_the_browser(server, page):
    page.goto(server + "/?country=JP&period=last_7d")
    wait_for_app(page)
    for listed in [*PAGES[1:], PAGES[0]]:
        page.get_by_role("link", name=listed.title, exact=True).click()
        wait_for_app(page)
        assert "country=JP" in page.url and "period=last_7d" in page.url
        assert "Japan (JP)" in page.locator('[data-testid="stSidebar"]').inner_text()


def click_centre(page, locator) -> None:
    """Click the middle of an SVG element (plotly's drag layer sits on top of its points)."""
    box = locator.bounding_box()
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)


def test_clicking_a_chart_narrows_the_filters(server, page):
    page.goto(server + "/Channels?period=last_90d")
    wait_for_app(page)
    bars = page.locator(".st-key-channel_bars .point path")
    click_centre(page, bars.nth(bars.count() - 1))  # plotly draws bars bottom-up: the top bar
    wait_for_app(page)
    channel = re.search(r"channel=([a-z_]+)", page.url).group(1)
    assert "channel=" in page.url and "period=last_90d" in page.url
    sidebar = page.locator('[data-testid="stSidebar"]').inner_text()
    assert fmt.member("channel", channel) in sidebar

    page.goto(server + "/?period=last_90d")
    wait_for_app(page)
    click_centre(page, page.locator(".st-key-overview_map path.choroplethlocation").nth(3))
    wait_for_app(page)
    code = re.search(r"country=([A-Z]{2})", page.url).group(1)
    assert f"({code})" in page.locator('[data-testid="stSidebar"]').inner_text()


def test_downloading_a_chart_image_in_the_browser(server, page):
    """The Download menu makes the PNG on click, through kaleido and Chromium on the server."""
    page.goto(server + "/Trends?period=last_90d")
    wait_for_app(page)
    page.locator("[data-testid=stPopover] button").first.click()
    button = page.locator("[data-testid=stDownloadButton]").filter(has_text="Image (PNG)").first
    with page.expect_download(timeout=120_000) as download:
        button.click()
    png = Path(download.value.path()).read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and not looks_blank(png)
    assert download.value.suggested_filename.startswith("volume-by-week_")
