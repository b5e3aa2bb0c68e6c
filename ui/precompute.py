"""The precompute job: draw every page's default view once, keep the answers with the data.

Run as ``python -m ui.precompute --db data/sample.duckdb [--countries KR,JP]``, in a process of
its own: writers start it in the background after they publish
(``data_access.results.start_precompute``), and it lives here, not in ``atlas``, because it
draws the Streamlit pages. Each page is drawn in Streamlit's ``AppTest`` for
all markets and for each market, with the default period (the data's last 28 days), so what is
stored is exactly what pages ask, with no second list of questions to keep in step; the review
pack and the digest add their own defaults. While drawing, every ``@precomputed`` metrics call
is recorded (``data_access.results``); the answers are written at once, for the data version
that was read from start to end (a publish in between throws the run away).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import streamlit as st
from streamlit import logger as streamlit_logger

from data_access import config, results
from data_access.catalog import read_catalog
from data_access.database import data_exists, get_database
from data_access.filters import Filter
from metrics.alert_rules import default_rules
from metrics.attention import attention
from reports.digest import DIGEST_DAYS
from ui.page import ENTRY, PAGES

DRAWN = tuple(p.script for p in PAGES if p.scope != "import")  # the upload page asks nothing
PAGE_TIMEOUT_S = 600


@dataclass(frozen=True)
class Run:
    data_version: str | None  # None: a publish happened during the run, nothing was written
    views: int
    answers: int
    seconds: float
    store: Path | None


def _draw(script: str, country: str | None) -> None:
    from streamlit.testing.v1 import AppTest

    app = AppTest.from_file(str(config.PROJECT_ROOT / ENTRY), default_timeout=PAGE_TIMEOUT_S)
    if country:
        app.query_params["country"] = country
    if script != ENTRY:
        app.switch_page(script)
    app.run()
    if app.exception:
        raise RuntimeError(f"{script} ({country or 'all markets'}): {app.exception[0].message}")


def precompute(
    location: Path,
    countries: Sequence[str] | None = None,
    progress: Callable[[int, int, str], None] | None = None,
) -> Run:
    """Draw every page for all markets and for each of ``countries`` (default: every country
    in the data), record the answers and store them beside the data."""
    from reports.pack import build_html, default_filter

    os.environ[config.ENV_VAR] = str(location)  # the pages read the configured data
    streamlit_logger.set_log_level("error")  # drawing outside a server warns on every page
    st.cache_data.clear()  # a cached page answer would never reach the recording
    db = get_database(location)
    version = db.version
    if countries is None:
        countries = read_catalog(db).values["countries"]
    views: list[str | None] = [None, *countries]
    started = time.perf_counter()
    with results.recording() as answers:
        for number, country in enumerate(views):
            if db.version != version:
                break  # published again: the next run stores the new data's answers
            if progress:
                progress(number, len(views), country or "all markets")
            for script in DRAWN:
                _draw(script, country)
            market = Filter(countries=(country,) if country else ())
            build_html(db, default_filter(db, market), static=True)
            attention(db, default_filter(db, market, DIGEST_DAYS), default_rules())
    if db.version != version:
        return Run(None, len(views), 0, time.perf_counter() - started, None)
    store = results.write(location, version, answers)
    return Run(version, len(views), len(answers), time.perf_counter() - started, store)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m ui.precompute", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--db", type=Path, default=config.DEFAULT_DB,
                        help="DuckDB file or Parquet lake (default: %(default)s)")  # fmt: skip
    parser.add_argument("--countries", metavar="CODES",
                        help="comma-separated markets to draw besides all markets "
                             "(default: every country in the data)")  # fmt: skip
    args = parser.parse_args(argv)
    if not data_exists(args.db):
        parser.error(f"no data at {args.db}")
    countries = None
    if args.countries is not None:
        countries = [c.strip() for c in args.countries.split(",") if c.strip()]

    def show(done: int, views: int, view: str) -> None:
        print(f"[{done + 1}/{views}] {view}", file=sys.stderr, flush=True)

    run = precompute(args.db, countries, progress=show)
    if run.data_version is None:
        print("the data changed during the run; nothing stored", file=sys.stderr)
        return 1
    print(f"stored {run.answers} answers for {run.views} views in {run.seconds:.0f} s: "
          f"{run.store}", file=sys.stderr)  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
