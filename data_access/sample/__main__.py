"""Command line: ``python -m data_access.sample --out data/sample.duckdb [--tickets N]
[--seed S] [--end YYYY-MM-DD]``."""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import time
from pathlib import Path

from data_access.sample import DEFAULT_SEED, DEFAULT_TICKETS, build_sample


def _progress_printer() -> callable:
    started = time.perf_counter()

    def show(fraction: float, message: str) -> None:
        elapsed = time.perf_counter() - started
        bar = "#" * int(fraction * 30)
        print(
            f"\r[{bar:<30}] {fraction:4.0%} {elapsed:5.1f}s  {message:<45}",
            end="",
            file=sys.stderr,
            flush=True,
        )
        if fraction >= 1:
            print(file=sys.stderr)

    return show


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m data_access.sample",
        description="Build the synthetic Service Atlas sample database.",
    )
    parser.add_argument(
        "--out",
        type=Path,
        default=Path("data/sample.duckdb"),
        help="DuckDB file to write (replaced atomically)",
    )
    parser.add_argument(
        "--tickets",
        type=int,
        default=DEFAULT_TICKETS,
        help=f"number of tickets (default {DEFAULT_TICKETS:,})",
    )
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help="random seed")
    parser.add_argument(
        "--end",
        type=dt.date.fromisoformat,
        default=dt.date.today(),
        help="last day of the two-year period, YYYY-MM-DD (default today)",
    )
    args = parser.parse_args(argv)
    if args.tickets < 1:
        parser.error("--tickets must be at least 1")
    build_sample(args.out, args.tickets, args.seed, args.end, _progress_printer())
    print(f"wrote {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
