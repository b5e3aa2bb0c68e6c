"""Benchmarks: each module prints a markdown table (``python -m bench.<name>``)."""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import time
from collections.abc import Callable
from pathlib import Path

from data_access.catalog import read_catalog
from data_access.config import DEFAULT_DB
from data_access.database import Database


def sample_database(doc: str, runs: int) -> tuple[argparse.Namespace, Database, dt.date]:
    """The common command line (``--db``, ``--runs``), the database and its last day."""
    parser = argparse.ArgumentParser(description=doc.split("\n")[0])
    parser.add_argument("--db", type=Path, default=DEFAULT_DB)
    parser.add_argument("--runs", type=int, default=runs)
    args = parser.parse_args()
    if not args.db.exists():
        raise SystemExit(f"No database at {args.db}: run python -m atlas sample first")
    db = Database(args.db)
    return args, db, read_catalog(db).last_day


def median_time(call: Callable[[], object], runs: int) -> float:
    """Seconds of ``call()``: the median of ``runs`` runs after one warm-up."""
    call()
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        call()
        times.append(time.perf_counter() - started)
    return statistics.median(times)
