"""Scale benchmark: the dashboard on 10 million tickets, on this machine, as one markdown table.

Builds the dataset with the sample generator (or reuses ``--db``) and its precomputed views
(``ui.precompute``), then measures:

- the generator: wall time and peak memory (a child process);
- the KPI panel (the Overview's questions for every country, last 28 days against the 28 before)
  through the metrics engine, through a straightforward pandas implementation (checked to give
  the same numbers) and through the same work in one hand-written DuckDB statement (the floor);
- every page in AppTest: computed with no cache (the precomputed store set aside), its first view
  from the store, and the Python of a warm view (median of ``--runs``);
- the review pack (PDF);
- real servers, one process and then N behind nginx (``--processes``), in headless Chromium:
  shared links opened cold and cached, the review meeting (``--meeting`` people, ``--minutes``)
  and the stress test (``--sessions`` clicking without a pause for ``--rounds``), each on a fresh
  server, with errors, median, p95 and slowest view and the processes' peak memory;
- the README's first start: no data, to the first Overview drawn.

    python -m bench.scale [--db data/bench_10m.duckdb] [--tickets 10000000] [--runs 5]
        [--meeting 20] [--minutes 3] [--sessions 10] [--rounds 2] [--processes 1,2]
        [--only load]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime as dt
import logging
import os
import platform
import random
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb
import numpy as np
import pandas as pd
from playwright.async_api import Error as PlaywrightError

from data_access import results
from data_access.catalog import read_catalog
from data_access.config import ENV_VAR
from data_access.database import Database
from data_access.filters import Filter
from metrics.engine import kpi_table
from metrics.registry import SLA_TARGET_SECONDS
from tests.browser import CHROMIUM_FLAGS, chromium_path, streamlit_process
from tests.local_servers import dashboard_cluster
from ui.page import PAGES

if TYPE_CHECKING:
    from playwright.async_api import Browser, BrowserContext, Page

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DB = ROOT / "data" / "bench_10m.duckdb"
PANEL = ["volume", "frt_median", "frt_p90", "resolution_median", "sla", "fcr", "csat", "nps"]
SEED, END = 20261126, dt.date(2026, 11, 26)
SESSION_TIMEOUT_S = 900  # the whole load test stops by itself after this


@dataclass
class Row:
    what: str
    result: str
    target: str = ""
    met: bool | None = None

    def markdown(self) -> str:
        met = "" if self.met is None else ("yes" if self.met else "**no**")
        return f"| {self.what} | {self.result} | {self.target} | {met} |"


def peak_rss_of_child(args: list[str], env: dict[str, str] | None = None) -> tuple[float, int]:
    """Run a command; return (seconds, peak resident bytes)."""
    started = time.perf_counter()
    process = subprocess.Popen(args, cwd=ROOT, env={**os.environ, **(env or {})})
    _, status, usage = os.wait4(process.pid, 0)
    if os.waitstatus_to_exitcode(status) != 0:
        raise RuntimeError(f"{' '.join(args)} failed")
    return time.perf_counter() - started, usage.ru_maxrss * 1024


def dataset(db: Path, tickets: int) -> list[Row]:
    if db.exists():
        return [Row("Dataset", f"reused {db.name}")]
    seconds, peak = peak_rss_of_child(
        [sys.executable, "-m", "atlas", "sample", "--out", str(db), "--tickets", str(tickets),
         "--seed", str(SEED), "--end", END.isoformat()]
    )  # fmt: skip
    return [
        Row(f"Generator: {tickets:,} tickets", f"{seconds:.0f} s", "< 300 s", seconds < 300),
        Row("Generator: peak memory", f"{peak / 2**30:.2f} GiB", "< 4 GiB", peak < 4 * 2**30),
    ]


# ---------------------------------------------------------------- the KPI panel, three ways
def panel_filter(db: Database) -> Filter:
    last = read_catalog(db).last_day
    return Filter(start=last - dt.timedelta(days=27), end=last)


def engine_panel(db: Database, flt: Filter) -> pd.DataFrame:
    """The engine itself computing (``__wrapped__``: never an answer stored beside the data)."""
    return kpi_table.__wrapped__(db, PANEL, ["country"], flt, compare=["previous"])


def pandas_panel(path: Path, flt: Filter) -> pd.DataFrame:
    """The same panel the way an analyst would write it: load the columns, group, aggregate.

    Same definitions as the registry: speed by creation time, resolution and FCR by resolution
    time, surveys by response time; SLA counts unanswered tickets past their target as misses.
    """
    con = duckdb.connect(str(path), read_only=True)
    start, end = flt.previous_period().start_ts, flt.end_ts
    tickets = con.execute(
        "SELECT created_at, first_response_at, resolved_at, channel, priority, country, "
        "bot_resolved, abandoned, reopens, repeat_contact_7d FROM tickets "
        "WHERE (created_at >= $s AND created_at < $e) OR (resolved_at >= $s AND resolved_at < $e)",
        {"s": start, "e": end},
    ).df()
    surveys = con.execute(
        "SELECT responded_at, country, csat, nps FROM surveys "
        "WHERE responded_at >= $s AND responded_at < $e",
        {"s": start, "e": end},
    ).df()
    data_end = con.execute("SELECT max(created_at) FROM tickets").fetchone()[0]
    con.close()
    targets = {(c, p): s for c, d in SLA_TARGET_SECONDS.items() for p, s in d.items()}
    tickets["target"] = [targets.get(k, 86400)
                         for k in zip(tickets["channel"], tickets["priority"], strict=True)]
    tickets["frt"] = (tickets["first_response_at"] - tickets["created_at"]).dt.total_seconds()
    tickets["resolution"] = (tickets["resolved_at"] - tickets["created_at"]).dt.total_seconds()
    frames = []
    for name, (lo, hi) in {"current": (flt.start_ts, flt.end_ts),
                           "previous": (start, flt.start_ts)}.items():  # fmt: skip
        created = tickets[(tickets["created_at"] >= lo) & (tickets["created_at"] < hi)]
        resolved = tickets[(tickets["resolved_at"] >= lo) & (tickets["resolved_at"] < hi)]
        human = created[~created["bot_resolved"] & ~created["abandoned"].fillna(False)]
        overdue = human["resolved_at"].isna() & (
            (pd.Timestamp(data_end) - human["created_at"]).dt.total_seconds() > human["target"])
        sla = human[human["frt"].notna() | overdue]
        answered = surveys[(surveys["responded_at"] >= lo) & (surveys["responded_at"] < hi)]
        csat = answered.dropna(subset=["csat"])
        nps = answered.dropna(subset=["nps"])
        out = pd.DataFrame({
            "volume": created.groupby("country").size().astype(float),
            "frt_median": created.groupby("country")["frt"].median(),
            "frt_p90": created.groupby("country")["frt"].quantile(0.9),
            "resolution_median": resolved.groupby("country")["resolution"].median(),
            "sla": (sla["frt"] <= sla["target"]).groupby(sla["country"]).mean(),
            "fcr": ((resolved["reopens"] == 0) & ~resolved["repeat_contact_7d"])
                   .groupby(resolved["country"]).mean(),
            "csat": (csat["csat"] >= 4).groupby(csat["country"]).mean(),
            "nps": 100 * ((nps["nps"] >= 9).astype(int) - (nps["nps"] <= 6).astype(int))
                   .groupby(nps["country"]).mean(),
        })  # fmt: skip
        frames.append(out.assign(period=name))
    return pd.concat(frames)


FLOOR_SQL = """
WITH t AS (
    SELECT t.country, t.created_at, t.resolved_at, t.reopens, t.repeat_contact_7d,
           epoch(t.first_response_at) - epoch(t.created_at) AS frt,
           epoch(t.resolved_at) - epoch(t.created_at) AS resolution,
           NOT t.bot_resolved AND NOT coalesce(t.abandoned, false) AS human,
           coalesce(g.seconds, 86400) AS target
    FROM tickets t LEFT JOIN targets g ON g.channel = t.channel AND g.priority = t.priority
    WHERE (t.created_at >= $start AND t.created_at < $end)
       OR (t.resolved_at >= $start AND t.resolved_at < $end)
), created AS (
    SELECT created_at >= $current AS current, country, count(*) AS volume,
           median(frt) AS frt_median, quantile_cont(frt, 0.9) AS frt_p90,
           avg((frt <= target)::INT) FILTER (WHERE human AND (frt IS NOT NULL
               OR (resolved_at IS NULL AND epoch($data_end) - epoch(created_at) > target))) AS sla
    FROM t WHERE created_at >= $start AND created_at < $end GROUP BY ALL
), resolved AS (
    SELECT resolved_at >= $current AS current, country, median(resolution) AS resolution_median,
           avg((reopens = 0 AND NOT repeat_contact_7d)::INT) AS fcr
    FROM t WHERE resolved_at >= $start AND resolved_at < $end GROUP BY ALL
), answered AS (
    SELECT responded_at >= $current AS current, country, avg((csat >= 4)::INT) AS csat,
           100 * avg((nps >= 9)::INT - (nps <= 6)::INT) AS nps
    FROM surveys WHERE responded_at >= $start AND responded_at < $end GROUP BY ALL
)
SELECT * FROM created FULL JOIN resolved USING (current, country)
    FULL JOIN answered USING (current, country)
"""


def floor_seconds(path: Path, flt: Filter, runs: int) -> float:
    """The panel's own work in one hand-written DuckDB statement: both periods, per-country
    medians and p90, SLA against each channel's and priority's target, FCR, CSAT and NPS; no
    intervals, significance, suppression or shaping. What any engine must at least do."""
    con = duckdb.connect(str(path), read_only=True)
    targets = pd.DataFrame([(c, p, s) for c, d in SLA_TARGET_SECONDS.items() for p, s in d.items()],
                           columns=["channel", "priority", "seconds"])  # fmt: skip
    con.register("targets", targets)
    data_end = con.execute("SELECT max(created_at) FROM tickets").fetchone()[0]
    bounds = {"start": flt.previous_period().start_ts, "current": flt.start_ts,
              "end": flt.end_ts, "data_end": data_end}  # fmt: skip
    times = []
    for _ in range(runs + 1):
        started = time.perf_counter()
        con.execute(FLOOR_SQL, bounds).fetchall()
        times.append(time.perf_counter() - started)
    con.close()
    return statistics.median(times[1:])


def panel(path: Path, runs: int) -> list[Row]:
    db = Database(path)
    flt = panel_filter(db)
    engine_times, pandas_times = [], []
    engine_panel(db, flt)  # warm-up: connection, countries table
    for _ in range(runs):
        started = time.perf_counter()
        ours = engine_panel(db, flt)
        engine_times.append(time.perf_counter() - started)
        started = time.perf_counter()
        reference = pandas_panel(path, flt)
        pandas_times.append(time.perf_counter() - started)
    _check_same(ours, reference)
    engine, pandas_s = statistics.median(engine_times), statistics.median(pandas_times)
    floor = floor_seconds(path, flt, runs)
    countries = ours["country"].nunique()
    return [
        Row(f"KPI panel ({len(PANEL)} KPIs × {countries} countries, 28 days and the 28 before): "
            "metrics engine", f"{engine:.3f} s"),
        Row("… pandas reference (same numbers)",
            f"{pandas_s:.2f} s = {pandas_s / engine:.0f}× the engine", "≥ 10× slower",
            pandas_s / engine >= 10),
        Row("… the same work in one hand-written DuckDB statement (floor)",
            f"{floor:.3f} s: engine = {engine / floor:.1f}× floor",
            "≤ 3×", engine / floor <= 3),
    ]


def _check_same(ours: pd.DataFrame, reference: pd.DataFrame) -> None:
    """The benchmark compares like with like: both implementations give the same numbers."""
    wide = ours.pivot(index="country", columns="kpi", values="value")
    for kpi in PANEL:
        mine = wide[kpi].sort_index()
        theirs = reference[reference["period"] == "current"][kpi].reindex(mine.index)
        if not np.allclose(mine.astype(float), theirs.astype(float), rtol=1e-6, equal_nan=True):
            raise AssertionError(f"pandas and the engine disagree on {kpi}")


# ---------------------------------------------------------------- pages, pack
def pages(path: Path, runs: int) -> list[Row]:
    """Every page in AppTest: computed (the precomputed store set aside: what a view nobody
    precomputed costs), from the store (the default view after the precompute job), warm."""
    from bench import pages as page_bench

    os.environ[ENV_VAR] = str(path)
    logging.getLogger("streamlit").setLevel(logging.ERROR)
    page_bench.time_queries()
    page_bench.time_scripts()
    store = results.store_location(path)
    aside = store.with_name(f"{store.name}.bench-aside")
    if store.exists():
        store.rename(aside)
    try:
        computed = page_bench.measure(runs)
    finally:
        if aside.exists():
            aside.rename(store)
    stored = {label: cold for label, cold, _, _ in page_bench.measure(runs)}
    python = page_bench.warm_python(runs)
    rows = []
    for label, cold, queries, warm in computed:
        rows.append(Row(f"{label}: queries, computed with no cache (page {cold:.2f} s)",
                        f"{queries:.2f} s", "< 1 s", queries < 1))  # fmt: skip
        rows.append(Row(f"{label}: whole page, first view from the precomputed store",
                        f"{stored[label]:.2f} s"))  # fmt: skip
        rows.append(Row(f"{label}: warm view: Python of the page (AppTest's whole run)",
                        f"{python[label]:.3f} s ({warm:.2f} s)", "< 0.15 s",
                        python[label] < page_bench.PYTHON_TARGET_SECONDS))  # fmt: skip
    rows.append(Row("… the pages' answers: read from the precomputed store / computed",
                    f"{results.counts.stored:,} / {results.counts.computed:,}"))  # fmt: skip
    return rows


def pack(path: Path) -> list[Row]:
    from reports.pack import build_pdf, default_filter

    db = Database(path)
    started = time.perf_counter()
    build_pdf(db, default_filter(db, Filter()))
    seconds = time.perf_counter() - started
    return [Row("Review pack (PDF, last 28 days, all markets)", f"{seconds:.1f} s", "< 30 s",
                seconds < 30)]  # fmt: skip


# ---------------------------------------------------------------- a real server under load
# Drawn: the script has finished, nothing is loading, and every chart has its SVG.
DRAWN = """() => document.querySelector('[data-test-script-state="notRunning"]') !== null
    && document.querySelectorAll('[data-testid="stSkeleton"]').length === 0
    && document.querySelectorAll('[data-testid="stSpinner"]').length === 0
    && [...document.querySelectorAll('[data-testid="stPlotlyChart"]')]
        .every(chart => chart.querySelector('.main-svg'))"""
VIEW_TIMEOUT_MS = 120_000  # a view not drawn by then counts as an error
REVIEW_LINK = "?country=KR"  # the link a review meeting shares: one market, the default period
OPENED = [p for p in PAGES if p.scope != "import"]  # the upload page has no view to share


@dataclass
class Views:
    """Page views of one scenario: click (or navigation) to every chart drawn, in Chromium."""

    times: list[float]
    errors: list[str]

    def row(self, what: str, p95_target: float, slowest_target: float) -> Row:
        if not self.times:
            return Row(f"{what}: no view drew, {len(self.errors)} errors", "", "", False)
        p95 = float(np.percentile(self.times, 95))
        slowest = max(self.times)
        return Row(
            f"{what}: {len(self.times)} views, {len(self.errors)} errors; median / p95 / slowest",
            f"{statistics.median(self.times):.2f} s / {p95:.2f} s / {slowest:.1f} s",
            f"p95 < {p95_target:g} s, slowest < {slowest_target:g} s, 0 errors",
            p95 < p95_target and slowest < slowest_target and not self.errors,
        )


async def _drawn(page: Page) -> None:
    await page.wait_for_timeout(100)  # let the rerun start
    await page.wait_for_function(DRAWN, timeout=VIEW_TIMEOUT_MS, polling=50)


async def _new_browser_session(browser: Browser) -> BrowserContext:
    """A person's browser: its own cookies and HTTP cache (empty at first)."""
    return await browser.new_context(viewport={"width": 1400, "height": 900},
                                     ignore_https_errors=True)  # fmt: skip


async def _open(context: BrowserContext, url: str, views: Views) -> Page:
    """A fresh tab opening ``url``; the full load, to every chart drawn, is one view."""
    page = await context.new_page()
    page.on("pageerror", lambda error: views.errors.append(str(error)))
    started = time.perf_counter()
    await page.goto(url, wait_until="commit", timeout=VIEW_TIMEOUT_MS)
    await _drawn(page)
    views.times.append(time.perf_counter() - started)
    return page


async def _click(page: Page, label: str, views: Views) -> None:
    started = time.perf_counter()
    # under load a page can take longer than playwright's 30 s default
    await page.get_by_role("link", name=label, exact=True).click(timeout=120_000)
    await _drawn(page)
    views.times.append(time.perf_counter() - started)
    views.errors.extend(await page.locator('[data-testid="stException"]').all_inner_texts())


async def _chromium(scenario: Callable[[Browser], Awaitable[None]]) -> None:
    from playwright.async_api import async_playwright

    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_FLAGS)
        try:
            await asyncio.wait_for(scenario(browser), SESSION_TIMEOUT_S)
        finally:
            await browser.close()


def shared_links(url: str) -> tuple[Views, Views]:
    """Every page's review link opened in a fresh tab, one after the other: first on a server
    that has drawn nothing yet (cold), then again (cached)."""
    cold, cached = Views([], []), Views([], [])

    async def scenario(browser: Browser) -> None:
        context = await _new_browser_session(browser)
        for views in (cold, cached):
            for listed in OPENED:
                try:
                    page = await _open(context, f"{url}/{listed.url_path}{REVIEW_LINK}", views)
                    await page.close()
                except PlaywrightError as error:
                    views.errors.append(f"{listed.url_path}: {error.message.splitlines()[0]}")
        await context.close()

    asyncio.run(_chromium(scenario))
    return cold, cached


def review_meeting(url: str, sessions: int, minutes: float) -> Views:
    """``sessions`` people open the same link within 30 s, then each clicks to another page
    every 5-10 s until ``minutes`` have passed."""
    views = Views([], [])
    labels = [listed.title for listed in OPENED][1:]
    rng = random.Random(SEED)
    arrivals = sorted(rng.uniform(0, 30) for _ in range(sessions))

    async def person(browser: Browser, number: int, deadline: float) -> None:
        await asyncio.sleep(arrivals[number])
        context = await _new_browser_session(browser)
        pages = labels[number % len(labels):] + labels[: number % len(labels)]
        try:
            page = await _open(context, f"{url}/{REVIEW_LINK}", views)
            clicks = 0
            while True:
                await asyncio.sleep(rng.uniform(5, 10))
                if time.monotonic() > deadline:
                    break
                await _click(page, pages[clicks % len(pages)], views)
                clicks += 1
        except PlaywrightError as error:  # a view that never drew: counted, the person leaves
            views.errors.append(f"session {number}: {error.message.splitlines()[0]}")
        await context.close()

    async def scenario(browser: Browser) -> None:
        deadline = time.monotonic() + minutes * 60
        await asyncio.gather(*(person(browser, n, deadline) for n in range(sessions)))

    asyncio.run(_chromium(scenario))
    return views


def stress(url: str, sessions: int, rounds: int) -> Views:
    """``sessions`` sessions clicking through every page without a pause, ``rounds`` times."""
    views = Views([], [])
    labels = [listed.title for listed in OPENED]

    async def person(browser: Browser, number: int) -> None:
        context = await _new_browser_session(browser)
        try:
            page = await _open(context, url, Views([], views.errors))
            for _ in range(rounds):
                for label in labels[number % len(labels):] + labels[: number % len(labels)]:
                    await _click(page, label, views)
        except PlaywrightError as error:  # a view that never drew: counted, the session stops
            views.errors.append(f"session {number}: {error.message.splitlines()[0]}")
        await context.close()

    async def scenario(browser: Browser) -> None:
        await asyncio.gather(*(person(browser, n) for n in range(sessions)))

    asyncio.run(_chromium(scenario))
    return views


def _peak_rss(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024
    return 0


@contextlib.contextmanager
def dashboard(path: Path, processes: int) -> Iterator[tuple[str, list[int]]]:
    """The dashboard on ``path``: one Streamlit process on its own, or ``processes`` behind
    nginx configured by deploy/nginx.conf; yields the URL and the dashboard processes' ids."""
    env = {ENV_VAR: str(path), results.ENV_VAR: "off"}
    if processes == 1:
        with streamlit_process(env, timeout=300) as (url, process):
            yield url, [process.pid]
        return
    with tempfile.TemporaryDirectory() as folder, \
            dashboard_cluster(processes, env, Path(folder)) as cluster:  # fmt: skip
        yield cluster.url, list(cluster.pids[1:])


def server(path: Path, processes: int, meeting: int, sessions: int, rounds: int,
           minutes: float) -> list[Row]:  # fmt: skip
    """The load scenarios against ``processes`` dashboard processes, each on a fresh server."""
    setup = "1 process" if processes == 1 else f"{processes} processes behind nginx"
    rows = []
    with dashboard(path, processes) as (url, pids):
        cold, cached = shared_links(url)
        rows += [cold.row(f"[{setup}] Opening a shared link, cold server, every page", 4, 4),
                 cached.row(f"[{setup}] Opening a shared link, cached, every page", 2.5, 2.5)]
    with dashboard(path, processes) as (url, pids):
        rows.append(review_meeting(url, meeting, minutes).row(
            f"[{setup}] Review meeting: {meeting} sessions open "
            f"{REVIEW_LINK} within 30 s, then click every 5-10 s for {minutes:g} min", 1.5, 5))
    with dashboard(path, processes) as (url, pids):
        rows.append(stress(url, sessions, rounds).row(
            f"[{setup}] Stress: {sessions} sessions clicking through every page without a pause, "
            f"{rounds} rounds", 4, 10))  # fmt: skip
        peak = sum(_peak_rss(pid) for pid in pids)
    rows.append(Row(f"[{setup}] Dashboard processes: peak memory (sum)",
                    f"{peak / 2**30:.2f} GiB", "< 4 GiB", peak < 4 * 2**30))  # fmt: skip
    return rows


async def _first_view(browser: Browser, url: str) -> None:
    await _open(await _new_browser_session(browser), url, Views([], []))


def first_start() -> list[Row]:
    """The README's first start: no data yet; the server builds the sample (and starts storing
    its views in the background), then draws the Overview."""
    from data_access.config import DEFAULT_DB

    aside = [p for p in (DEFAULT_DB, results.store_location(DEFAULT_DB)) if p.exists()]
    for path in aside:
        path.rename(path.with_name(f"{path.name}.bench-aside"))
    try:
        started = time.perf_counter()
        with streamlit_process({ENV_VAR: ""}, timeout=300) as (url, _):
            asyncio.run(_chromium(lambda browser: _first_view(browser, url)))
            seconds = time.perf_counter() - started
        subprocess.run(["pkill", "-f", f"ui.precompute --db {DEFAULT_DB}"], check=False)
    finally:
        for path in aside:
            path.with_name(f"{path.name}.bench-aside").replace(path)
    return [Row("First start (sample build included) to a drawn Overview", f"{seconds:.1f} s",
                "< 20 s", seconds < 20)]  # fmt: skip


def precomputed(path: Path) -> list[Row]:
    """The precompute job on ``path`` (it runs when data is written), if its store is stale."""
    db = Database(path)
    stored = results.summary(db)
    if not stored.answers:
        started = time.perf_counter()
        subprocess.run([sys.executable, "-m", "ui.precompute", "--db", str(path)], check=True,
                       cwd=ROOT)  # fmt: skip
        seconds = time.perf_counter() - started
        stored = results.summary(db)
        return [Row(f"Precompute job (runs when data is written): {stored.answers:,} answers, "
                    f"{stored.megabytes:.0f} MB", f"{seconds:.0f} s")]  # fmt: skip
    return [Row(f"Precomputed answers: {stored.answers:,}, {stored.megabytes:.0f} MB (reused)", "")]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--db", type=Path, default=DEFAULT_DB)
    parser.add_argument("--tickets", type=int, default=10_000_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--meeting", type=int, default=20, help="review-meeting sessions")
    parser.add_argument("--minutes", type=float, default=3, help="review-meeting length")
    parser.add_argument("--sessions", type=int, default=10, help="stress sessions")
    parser.add_argument("--rounds", type=int, default=2, help="stress passes over the pages")
    parser.add_argument("--processes", default="1,2", help="dashboard processes to compare")
    parser.add_argument("--only", choices=["load"], help="only the load scenarios")
    args = parser.parse_args()
    path = args.db.resolve()
    rows = dataset(path, args.tickets) + precomputed(path)
    counts = duckdb.connect(str(path), read_only=True).execute(
        "SELECT (SELECT count(*) FROM tickets), (SELECT count(*) FROM surveys)"
    ).fetchone()
    steps = [] if args.only else [lambda: panel(path, args.runs), lambda: pages(path, args.runs),
                                  lambda: pack(path)]  # fmt: skip
    for processes in (int(n) for n in args.processes.split(",")):
        steps.append(partial(server, path, processes, args.meeting, args.sessions, args.rounds,
                             args.minutes))  # fmt: skip
    if not args.only:
        steps.append(first_start)
    machine = f"{platform.machine()}, {os.cpu_count()} cores, " \
              f"{os.sysconf('SC_PAGE_SIZE') * os.sysconf('SC_PHYS_PAGES') / 2**30:.0f} GiB"
    print(f"Scale benchmark — {dt.date.today()} — {machine}, Python {platform.python_version()}, "
          f"DuckDB {duckdb.__version__} — {counts[0]:,} tickets, {counts[1]:,} surveys\n")
    print("| measure | result | target | met |")
    print("| --- | --- | --- | :---: |")
    for row in rows:
        print(row.markdown(), flush=True)
    for step in steps:  # each row as soon as it is measured: a long run shows its progress
        for row in step():
            print(row.markdown(), flush=True)


if __name__ == "__main__":
    main()
