"""``python -m atlas sample [--out data/sample.duckdb] [--tickets N] [--seed S] [--end DATE]``."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from atlas.arguments import announce_precompute, parse_date
from atlas.cli import UsageError
from data_access.sample import DEFAULT_SEED, DEFAULT_TICKETS, Progress, build_sample


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--out",
        type=Path,
        default=Path("data/sample.duckdb"),
        help="DuckDB file to write, replaced atomically (default: %(default)s)",
    )
    parser.add_argument("--tickets", type=int, default=DEFAULT_TICKETS,
                        help=f"number of tickets (default {DEFAULT_TICKETS:,})")  # fmt: skip
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help="random seed")
    parser.add_argument(
        "--end", metavar="DATE", help="last day of the two-year period, YYYY-MM-DD (default today)"
    )


def run(args: argparse.Namespace) -> int:
    if args.tickets < 1:
        raise UsageError("--tickets must be at least 1")
    end = parse_date(args.end, "--end")
    build_sample(args.out, args.tickets, args.seed, end, _progress_printer())
    print(f"wrote {args.out}", file=sys.stderr)
    announce_precompute(args.out)
    return 0


def _progress_printer() -> Progress:
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
