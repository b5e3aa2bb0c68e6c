"""Times every dashboard page on the configured data and prints a markdown table.

Each page runs in Streamlit's AppTest: its full set of queries plus building its tables and
charts. After one warm-up pass over all pages (imports, the database connection), each page is
run with every cache cleared ("cold": all its queries run) and again with cached results
("warm"); the table shows medians of ``--runs`` runs, and how much of the cold time DuckDB spent
in the page's queries.

The last columns are the Python a server spends on a warm view of each page: the CPU time of the
thread that runs the page script (what waits for a lock or for I/O does not count, nor do other
processes on the machine), with every query result cached and the page compiled once, as a
server compiles it (AppTest compiles the page again for every run, and looks for custom
components before every run: neither is part of a view).

    python -m bench.pages [--db data/sample.duckdb] [--runs 5]
"""

from __future__ import annotations

import argparse
import logging
import os
import statistics
import time
from pathlib import Path
from unittest.mock import patch

import streamlit as st
from streamlit.runtime.scriptrunner.script_cache import ScriptCache
from streamlit.testing.v1 import AppTest, app_test
from streamlit.testing.v1.local_script_runner import LocalScriptRunner

from data_access.config import DEFAULT_DB, ENV_VAR
from data_access.database import Database
from ui.page import PAGES

ROOT = Path(__file__).resolve().parent.parent
TARGET_SECONDS = 1.0
PYTHON_TARGET_SECONDS = 0.15  # a warm view's Python (the issue "review-meeting load")
_query_seconds: list[float] = []
_script_seconds: list[float] = []


def time_queries() -> None:
    """Count the time spent inside ``Database.query`` (the page's queries)."""
    original = Database.query

    def query(self: Database, sql: str, params: object = ()) -> object:
        started = time.perf_counter()
        try:
            return original(self, sql, params)
        finally:
            _query_seconds.append(time.perf_counter() - started)

    Database.query = query


def time_scripts() -> None:
    """Count the CPU time of the thread that runs the page script."""
    original = LocalScriptRunner._run_script_thread

    def run_script_thread(self: LocalScriptRunner) -> None:
        started = time.thread_time()
        try:
            original(self)
        finally:
            _script_seconds.append(time.thread_time() - started)

    LocalScriptRunner._run_script_thread = run_script_thread


def run_page(script: str) -> tuple[float, float]:
    """(page seconds, query seconds) of one run."""
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=600)
    if script != "dashboard.py":
        at.switch_page(script)
    _query_seconds.clear()
    started = time.perf_counter()
    at.run()
    elapsed = time.perf_counter() - started
    if at.exception:
        raise RuntimeError(f"{script} failed: {at.exception[0].message}")
    return elapsed, sum(_query_seconds)


def measure(runs: int) -> list[tuple[str, float, float, float]]:
    for listed in PAGES:
        run_page(listed.script)  # warm-up: imports, connection, reference tables
    results = []
    for listed in PAGES:
        script, label = listed.script, listed.title
        cold, queries, warm = [], [], []
        for _ in range(runs):
            st.cache_data.clear()
            page_seconds, query_seconds = run_page(script)
            cold.append(page_seconds)
            queries.append(query_seconds)
            warm.append(run_page(script)[0])
        median = statistics.median
        results.append((label, median(cold), median(queries), median(warm)))
    return results


def warm_python(runs: int) -> dict[str, float]:
    """Median Python seconds (``time_scripts``) of a warm view of each page, by title."""
    compiled = ScriptCache()  # one for every run, as a server has
    seconds: dict[str, float] = {}
    with patch.object(app_test, "ScriptCache", lambda: compiled):
        for listed in PAGES:
            run_page(listed.script)  # results cached, the page compiled
        for listed in PAGES:
            views = []
            for _ in range(runs):
                _script_seconds.clear()
                run_page(listed.script)
                views.append(sum(_script_seconds))
            seconds[listed.title] = statistics.median(views)
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--db", type=Path, default=DEFAULT_DB)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    os.environ[ENV_VAR] = str(args.db.resolve())
    logging.getLogger("streamlit").setLevel(logging.ERROR)  # AppTest's bare-mode warnings
    time_queries()
    time_scripts()
    rows = measure(args.runs)
    python = warm_python(args.runs)
    print(f"Page times on {args.db.name} (AppTest, median of {args.runs} runs)\n")
    print("| page | queries (cold) | whole page (cold) | whole page (warm) | queries < 1 s "
          "| Python, warm view | Python < 0.15 s |")  # fmt: skip
    print("| --- | ---: | ---: | ---: | :---: | ---: | :---: |")
    for label, cold, queries, warm in rows:
        met = "yes" if queries < TARGET_SECONDS else "NO"
        fast = "yes" if python[label] < PYTHON_TARGET_SECONDS else "NO"
        print(f"| {label} | {queries:.2f} s | {cold:.2f} s | {warm:.2f} s | {met} "
              f"| {python[label]:.3f} s | {fast} |")  # fmt: skip


if __name__ == "__main__":
    main()
