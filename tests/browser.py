"""Helpers to run the real app on localhost and look at it in headless Debian Chromium."""

from __future__ import annotations

import contextlib
import io
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SCREENSHOTS = ROOT / "artifacts" / "screenshots"
# The URL path of every page as links saved by users hold them: they must keep working
# (tests/test_app.py checks the page registry against this table, the browser tests open them).
SAVED_PATHS = {
    "dashboard.py": "/",
    "pages/0_Attention.py": "/Attention",
    "pages/1_Trends.py": "/Trends",
    "pages/2_Markets.py": "/Markets",
    "pages/3_Channels.py": "/Channels",
    "pages/4_Voice_of_the_customer.py": "/Voice_of_the_customer",
    "pages/5_Peak_season.py": "/Peak_season",
    "pages/6_Staffing.py": "/Staffing",
    "pages/7_Import_data.py": "/Import_data",
    "pages/9_Data.py": "/Data",
}
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--no-first-run", "--disable-sync"]  # fmt: skip


def chromium_path() -> str | None:
    for candidate in (
        os.environ.get("BROWSER_PATH"),
        shutil.which("chromium"),
        "/usr/bin/chromium",
    ):
        if candidate and Path(candidate).exists():
            return candidate
    return None


def skip_without_chromium() -> None:
    """Skip a browser test module where Chromium is missing (CI installs it)."""
    if chromium_path() is None:
        import pytest

        pytest.skip("Chromium is not installed (Debian: apt-get install chromium); CI installs "
                    "it", allow_module_level=True)  # fmt: skip


@contextlib.contextmanager
def chromium() -> Iterator[object]:
    """Headless Debian Chromium driven by Playwright (a ``Browser``)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_FLAGS)
        try:
            yield browser
        finally:
            browser.close()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def streamlit_server(
    env: dict[str, str], timeout: float = 90, port: int | None = None
) -> Iterator[str]:
    """``streamlit run dashboard.py`` on ``port`` (default: a free one); yields its base URL."""
    with streamlit_process(env, timeout, port) as (url, _):
        yield url


@contextlib.contextmanager
def streamlit_process(
    env: dict[str, str], timeout: float = 90, port: int | None = None
) -> Iterator[tuple[str, subprocess.Popen]]:
    """Like ``streamlit_server``, also yielding the server process (to read its memory). A
    ``port`` chosen beforehand lets a test name the address in the server's own settings (the
    sign-in's redirect URI)."""
    port = port or free_port()
    url = f"http://127.0.0.1:{port}"
    # The server's output goes to a file: a pipe nobody reads fills up (64 KiB) and then blocks
    # the server on its next log line, which looked like a page that never finished.
    with tempfile.TemporaryFile() as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", "dashboard.py", "--server.port", str(port),
             "--server.headless", "true", "--server.address", "127.0.0.1",
             "--server.fileWatcherType", "none"],
            cwd=ROOT, env={**os.environ, **env}, stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip
        try:
            _wait_until_healthy(url, process, log, timeout)
            yield url, process
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
            log.seek(0)
            output = log.read().decode(errors="replace")
    # a script error the page showed in a corner, or in a run nobody looked at, fails the test
    assert "Uncaught app execution" not in output, output[-6000:]


def _wait_until_healthy(url: str, process: subprocess.Popen, log, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                log.seek(0)
                output = log.read().decode(errors="replace")
                raise RuntimeError(f"streamlit did not start:\n{output}") from None
            time.sleep(0.3)


def open_app(page, url: str, timeout_ms: int = 120_000) -> None:
    """Open ``url`` and wait for the app: a new document is in the script state ``initial``
    until its first run starts, so no pause is needed before waiting for the run to end."""
    page.goto(url)
    _wait_until_drawn(page, timeout_ms)


def wait_for_app(page, timeout_ms: int = 120_000) -> None:
    """After a click: wait until the rerun it asked for has finished and the page is drawn."""
    page.wait_for_timeout(300)  # the rerun starts after a round trip to the server
    _wait_until_drawn(page, timeout_ms)


def _wait_until_drawn(page, timeout_ms: int) -> None:
    """The script has finished, lazily loaded widgets are drawn and every chart has its SVG."""
    page.wait_for_selector('[data-test-script-state="notRunning"]', timeout=timeout_ms)
    page.wait_for_load_state("networkidle")
    page.wait_for_function(
        """() => document.querySelectorAll('[data-testid="stSkeleton"]').length === 0
            && [...document.querySelectorAll('[data-testid="stPlotlyChart"]')]
                .every(chart => chart.querySelector('.main-svg'))""",
        timeout=timeout_ms,
    )


def link_hosts(page) -> list[str]:
    """The host every link on the page points to: HTML ``<a href>`` and plotly's SVG
    ``<a xlink:href>``."""
    return page.eval_on_selector_all(
        "a",
        """links => links.map(a => new URL(
        a.getAttribute('href') || a.getAttribute('xlink:href') || '', location.href).hostname)""",
    )


def looks_blank(png: bytes) -> bool:
    """A screenshot is blank when almost every pixel has the background colour."""
    import numpy as np
    from PIL import Image

    pixels = np.asarray(Image.open(io.BytesIO(png)).convert("RGB").resize((200, 150)), dtype=int)
    flat = pixels.reshape(-1, 3)
    colours, counts = np.unique(flat, axis=0, return_counts=True)
    background = colours[counts.argmax()]
    differing = (np.abs(flat - background).sum(axis=1) > 40).mean()
    return differing < 0.03 or len(colours) < 20
