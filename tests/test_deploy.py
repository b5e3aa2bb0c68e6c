"""End to end: two dashboard processes behind nginx as deploy/nginx.conf configures it.

``dashboard_cluster`` starts two Streamlit processes on the small sample (both read the same
file) and Debian's nginx with the documented file (host, certificate and ports swapped). Two
headless Chromium contexts (two cookie jars, as two people) open the Overview through it. Which
process holds a browser's session is read from the processes themselves (each one's
``/_stcore/metrics``: its active sessions and the files uploaded to it), never taken from the
configuration.
"""

from __future__ import annotations

import ipaddress
import re
import ssl
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import pytest

from presentation import format as fmt
from tests.browser import chromium, open_app, skip_without_chromium, wait_for_app
from tests.importer_helpers import csv_text, ticket_row
from tests.local_servers import TLS, Cluster, dashboard_cluster
from ui.page import registered

pytestmark = pytest.mark.browser

skip_without_chromium()

ROUTE = "atlas_route"  # deploy/nginx.conf's affinity cookie
# urllib without the environment's proxies, trusting the test certificate nginx serves
OPENER = urllib.request.build_opener(
    urllib.request.ProxyHandler({}),
    urllib.request.HTTPSHandler(context=ssl.create_default_context(cafile=TLS / "cert.pem")),
)


def metric(url: str, name: str, route: str = "") -> dict[str, float]:
    """The samples of the metric family ``name`` that the process at ``url`` reports about
    itself (``route``: through nginx with this affinity cookie), by their labels."""
    request = urllib.request.Request(f"{url}/_stcore/metrics?families={name}")
    if route:
        request.add_header("Cookie", f"{ROUTE}={route}")
    with OPENER.open(request, timeout=10) as response:
        text = response.read().decode()
    samples = re.findall(rf"^{name}\w*(\{{.*\}})? (\S+)$", text, flags=re.M)
    return {labels: float(value) for labels, value in samples}


def sessions(cluster: Cluster) -> list[int]:
    """Each process's active sessions (browsers connected to it)."""
    return [int(metric(backend, "active_sessions")[""]) for backend in cluster.backends]


def connects(cluster: Cluster) -> list[int]:
    """How many sessions each process has started."""
    return [int(metric(backend, "session_events")['{type="connect"}'])
            for backend in cluster.backends]  # fmt: skip


def uploads(cluster: Cluster) -> list[float]:
    """Bytes of uploaded files each process holds in memory (asked once: a process keeps this
    family's answer for 5 s)."""
    held = [metric(backend, "cache_memory_bytes") for backend in cluster.backends]
    return [sum(value for labels, value in samples.items()
                if 'cache_type="UploadedFileManager"' in labels) for samples in held]  # fmt: skip


@dataclass
class Visitor:
    """One person's browser: its page, the process holding its session, its WebSockets."""

    page: object
    backend: int
    sockets: list


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory, small_sample: Path) -> Cluster:
    folder = tmp_path_factory.mktemp("deploy")
    with dashboard_cluster(2, {"SERVICE_ATLAS_DB": str(small_sample)}, folder) as running:
        yield running


@pytest.fixture(scope="module")
def visitors(cluster: Cluster) -> list[Visitor]:
    """Two people: the first gets whatever route nginx gives; the second a route that, as the
    processes themselves answer, leads to the process without the first one's session. Both
    pages are drawn at the same time, one by each process."""
    with chromium() as browser:
        first = visit(browser, cluster)
        deadline = time.monotonic() + 60
        while sum(sessions(cluster)) == 0:  # until the first page's WebSocket is connected
            assert time.monotonic() < deadline, "the first browser started no session"
            time.sleep(0.1)
        assert sorted(sessions(cluster)) == [0, 1]
        first.backend = sessions(cluster).index(1)
        # fixed candidates in a fixed order: the hash ring depends on the random ports, but the
        # first candidate that reaches the idle process is found in a few tries
        candidates = (f"{n:032x}" for n in range(64))
        other = next(route for route in candidates
                     if metric(cluster.url, "active_sessions", route)[""] == 0)  # fmt: skip
        second = visit(browser, cluster, other)
        second.backend = 1 - first.backend
        for visitor in (first, second):
            wait_for_app(visitor.page)
        yield [first, second]


def visit(browser, cluster: Cluster, route: str = "") -> Visitor:
    """A new browser context (its own cookie jar) going to the Overview through nginx (drawn
    once ``wait_for_app`` returns)."""
    context = browser.new_context(viewport={"width": 1280, "height": 1200},
                                  ignore_https_errors=True)  # fmt: skip
    if route:
        context.add_cookies([{"name": ROUTE, "value": route, "url": cluster.url}])
    page = context.new_page()
    sockets = []
    page.on("websocket", lambda socket: sockets.append(socket))
    page.goto(cluster.url)
    return Visitor(page, -1, sockets)


def drawn_without_error(page, title: str) -> bool:
    return (page.locator('[data-testid="stException"]').count() == 0
            and page.locator("h1").first.inner_text().endswith(title))  # fmt: skip


def test_two_browsers_draw_the_overview_on_different_processes(cluster, visitors):
    first, second = visitors
    assert first.backend != second.backend
    assert sessions(cluster) == [1, 1]  # each process holds exactly one of the two sessions
    for visitor in visitors:
        assert drawn_without_error(visitor.page, "Overview")
        assert visitor.page.locator('[data-testid="stMetric"]').count() == 10
        (cookie,) = [c for c in visitor.page.context.cookies() if c["name"] == ROUTE]
        assert re.fullmatch("[0-9a-f]{32}", cookie["value"])
        assert cookie["httpOnly"] and cookie["secure"] and cookie["sameSite"] == "Lax"
    first_tiles = first.page.locator('[data-testid="stMetricValue"]').all_inner_texts()
    assert second.page.locator('[data-testid="stMetricValue"]').all_inner_texts() == first_tiles


def test_switching_pages_keeps_the_browser_on_its_process(cluster, visitors):
    first, _ = visitors
    mine, other = first.backend, 1 - first.backend
    started = connects(cluster)
    for scope in ("import", "data", "trends"):  # page links: over the same WebSocket
        first.page.get_by_role("link", name=registered(scope).title, exact=True).click()
        wait_for_app(first.page)
        assert drawn_without_error(first.page, registered(scope).title), scope
    (socket,) = first.sockets
    assert socket.url.endswith("/_stcore/stream") and not socket.is_closed()
    assert connects(cluster) == started and sessions(cluster) == [1, 1]
    # a saved link opened again and again: each a new page and session, on the same process (a
    # light page: without affinity each would have an even chance of the other process)
    link = f"{cluster.url}/{registered('import').url_path}"
    for _ in range(3):
        open_app(first.page, link)
        assert drawn_without_error(first.page, registered("import").title)
    now = connects(cluster)
    assert now[mine] == started[mine] + 3 and now[other] == started[other]


def test_an_upload_reaches_the_process_holding_the_session(cluster, visitors, tmp_path):
    _, second = visitors
    page = second.page
    answers = []
    page.on("response", lambda r: "/_stcore/upload_file/" in r.url and answers.append(r.status))
    page.get_by_role("link", name=registered("import").title, exact=True).click()
    wait_for_app(page)
    export = tmp_path / "export.csv"
    export.write_text(csv_text([ticket_row("t-1"), ticket_row("t-2")]))
    page.locator('[data-testid="stFileUploader"] input[type="file"]').first.set_input_files(export)
    # the Import page's line about the file it read (a word joiner keeps the name from linking)
    page.get_by_text(f"export{fmt.WORD_JOINER}.csv — CSV, 16 columns").wait_for()
    wait_for_app(page)
    assert answers and all(200 <= status < 300 for status in answers)  # no 400, no 403
    assert drawn_without_error(page, "Import data")
    held = uploads(cluster)
    assert held[second.backend] >= export.stat().st_size and held[1 - second.backend] == 0


def listening(pids: tuple[int, ...]) -> set[tuple[str, int]]:
    """The addresses and ports that ``pids`` and their child processes listen on (TCP)."""
    family = set(pids)
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:  # the process has gone
            continue
        if int(fields[1]) in pids:  # its parent: nginx's workers
            family.add(int(stat.parent.name))
    inodes = set()
    for pid in family:
        for fd in Path(f"/proc/{pid}/fd").iterdir():
            target = str(fd.readlink()) if fd.is_symlink() else ""
            inodes |= set(re.findall(r"socket:\[(\d+)\]", target))
    found = set()
    for table in ("tcp", "tcp6"):
        for line in Path(f"/proc/net/{table}").read_text().splitlines()[1:]:
            local, state, inode = (line.split()[i] for i in (1, 3, 9))
            if state == "0A" and inode in inodes:  # LISTEN
                address, port = local.split(":")
                raw = bytes.fromhex(address)  # 32-bit words in the kernel's byte order
                words = b"".join(raw[i : i + 4][::-1] for i in range(0, len(raw), 4))
                found.add((str(ipaddress.ip_address(words)), int(port, 16)))
    return found


def test_nothing_listens_beyond_the_loopback_address(cluster, visitors):
    found = listening(cluster.pids)
    assert {address for address, _ in found} == {"127.0.0.1"}
    ports = {port for _, port in found}
    expected = [int(url.rsplit(":", 1)[1]) for url in (cluster.url, *cluster.backends)]
    assert set(expected) <= ports
