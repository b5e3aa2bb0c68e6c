"""Scale benchmark: the dashboard on 10 million tickets, on this machine, as one markdown table.

Builds the dataset with the sample generator (or reuses ``--db``), then measures:

- the generator: wall time and peak memory (a child process);
- the KPI panel (the Overview's questions for every country, last 28 days against the 28 before)
  through the metrics engine, through a straightforward pandas implementation (load the columns,
  group, median and quantile; checked to give the same numbers) and DuckDB's single-scan floor
  (one bare aggregate over the same columns and rows);
- every page's full set of queries, cold and warm cache (AppTest, median of ``--runs``);
- the review pack (PDF);
- a real server: cold start to the first Overview drawn in Chromium, then ``--sessions``
  simultaneous browser sessions switching pages (bounded: ``--rounds`` passes over the pages),
  with errors, median and p95 page times, and the server's peak memory.

    python -m bench.scale [--db data/bench_10m.duckdb] [--tickets 10000000] [--runs 5]
        [--sessions 10] [--rounds 2]
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import logging
import os
import platform
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb
import numpy as np
import pandas as pd

from data_access.catalog import read_catalog
from data_access.config import ENV_VAR
from data_access.database import Database
from data_access.filters import Filter
from metrics.engine import kpi_table
from metrics.registry import SLA_TARGET_SECONDS
from tests.browser import CHROMIUM_FLAGS, chromium_path, streamlit_process
from ui.page import PAGES

if TYPE_CHECKING:
    from playwright.async_api import Browser, Page

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
    return kpi_table(db, PANEL, ["country"], flt, compare=["previous"])


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


def floor_seconds(path: Path, flt: Filter, runs: int) -> float:
    """One bare aggregate over the panel's columns and rows: what any engine must at least do."""
    con = duckdb.connect(str(path), read_only=True)
    start, end = flt.previous_period().start_ts, flt.end_ts
    sql = """
        SELECT (SELECT count(*) + sum(epoch(first_response_at) - epoch(created_at))
                       + sum(epoch(resolved_at)) + count(channel) + count(priority)
                       + count(country) + count(bot_resolved) + count(abandoned) + sum(reopens)
                       + count(repeat_contact_7d)
                FROM tickets WHERE created_at >= $start AND created_at < $end),
               (SELECT count(ticket_id) + sum(csat) + sum(nps) FROM surveys
                WHERE responded_at >= $start AND responded_at < $end)
    """
    times = []
    for _ in range(runs + 1):
        started = time.perf_counter()
        con.execute(sql, {"start": start, "end": end}).fetchall()
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
        Row("… DuckDB single-scan floor", f"{floor:.3f} s: engine = {engine / floor:.1f}× floor",
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
    from bench import pages as page_bench

    os.environ[ENV_VAR] = str(path)
    logging.getLogger("streamlit").setLevel(logging.ERROR)
    page_bench.time_queries()
    rows = []
    for label, cold, queries, warm in page_bench.measure(runs):
        rows.append(Row(f"{label}: queries, cold cache (page {cold:.2f} s)",
                        f"{queries:.2f} s", "< 1 s", queries < 1))  # fmt: skip
        rows.append(Row(f"{label}: whole page, warm cache", f"{warm:.2f} s"))
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
DRAWN = """() => document.querySelector('[data-test-script-state="notRunning"]') !== null
    && document.querySelectorAll('[data-testid="stSkeleton"]').length === 0
    && document.querySelectorAll('[data-testid="stSpinner"]').length === 0"""


async def _drawn(page: Page) -> None:
    await page.wait_for_timeout(100)  # let the rerun start
    await page.wait_for_function(DRAWN, timeout=120_000, polling=50)


async def _session(browser: Browser, url: str, order: list[str], rounds: int,
                   times: list[float], errors: list[str]) -> None:  # fmt: skip
    context = await browser.new_context(viewport={"width": 1400, "height": 900})
    page = await context.new_page()
    page.on("pageerror", lambda error: errors.append(str(error)))
    await page.goto(url)
    await _drawn(page)
    for _ in range(rounds):
        for label in order:
            started = time.perf_counter()
            # under load a page can take longer than playwright's 30 s default
            await page.get_by_role("link", name=label, exact=True).click(timeout=120_000)
            await _drawn(page)
            times.append(time.perf_counter() - started)
            errors.extend(await page.locator('[data-testid="stException"]').all_inner_texts())
    await context.close()


async def _load(url: str, sessions: int, rounds: int) -> tuple[list[float], list[str]]:
    from playwright.async_api import async_playwright

    labels = [listed.title for listed in PAGES]
    times: list[float] = []
    errors: list[str] = []
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_FLAGS)
        runs = [_session(browser, url, labels[i % len(labels):] + labels[: i % len(labels)],
                         rounds, times, errors) for i in range(sessions)]  # fmt: skip
        await asyncio.wait_for(asyncio.gather(*runs), SESSION_TIMEOUT_S)
        await browser.close()
    return times, errors


async def _first_overview(url: str) -> None:
    from playwright.async_api import async_playwright

    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_FLAGS)
        page = await browser.new_page()
        await page.goto(url)
        await _drawn(page)
        await browser.close()


def _peak_rss(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024
    return 0


def server(path: Path, sessions: int, rounds: int) -> list[Row]:
    started = time.perf_counter()
    with streamlit_process({ENV_VAR: str(path)}, timeout=300) as (url, process):
        asyncio.run(_first_overview(url))
        cold_start = time.perf_counter() - started
        times, errors = asyncio.run(_load(url, sessions, rounds))
        peak = _peak_rss(process.pid)
    p95 = float(np.percentile(times, 95))
    return [
        Row("Cold start: server start to the first Overview drawn", f"{cold_start:.1f} s"),
        Row(f"{sessions} simultaneous sessions switching pages ({len(times)} page views): "
            "errors", str(len(errors)), "0", not errors),
        Row("… page time median / p95 / slowest (click to drawn, in Chromium)",
            f"{statistics.median(times):.2f} s / {p95:.2f} s / {max(times):.1f} s"),
        Row("Dashboard server: peak memory (cold start + sessions)", f"{peak / 2**30:.2f} GiB",
            "< 4 GiB", peak < 4 * 2**30),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--db", type=Path, default=DEFAULT_DB)
    parser.add_argument("--tickets", type=int, default=10_000_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--sessions", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    path = args.db.resolve()
    rows = dataset(path, args.tickets)
    counts = duckdb.connect(str(path), read_only=True).execute(
        "SELECT (SELECT count(*) FROM tickets), (SELECT count(*) FROM surveys)"
    ).fetchone()
    for step in (lambda: panel(path, args.runs), lambda: pages(path, args.runs),
                 lambda: pack(path), lambda: server(path, args.sessions, args.rounds)):  # fmt: skip
        rows.extend(step())
    machine = f"{platform.machine()}, {os.cpu_count()} cores, " \
              f"{os.sysconf('SC_PAGE_SIZE') * os.sysconf('SC_PHYS_PAGES') / 2**30:.0f} GiB"
    print(f"Scale benchmark — {dt.date.today()} — {machine}, Python {platform.python_version()}, "
          f"DuckDB {duckdb.__version__} — {counts[0]:,} tickets, {counts[1]:,} surveys\n")
    print("| measure | result | target | met |")
    print("| --- | --- | --- | :---: |")
    for row in rows:
        print(row.markdown())


if __name__ == "__main__":
    main()
