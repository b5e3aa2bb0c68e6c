"""``python -m atlas lake --db data/sample.duckdb --out data/lake``: the tables as Parquet files
(see ``data_access.lake``)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from atlas.arguments import announce_precompute, existing_database
from data_access.lake import export_lake


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--db", type=Path, required=True, help="DuckDB file to export")
    parser.add_argument("--out", type=Path, required=True,
                        help="lake directory to write (replaced atomically)")  # fmt: skip


def run(args: argparse.Namespace) -> int:
    export_lake(existing_database(args.db), args.out)
    print(f"wrote {args.out}", file=sys.stderr)
    announce_precompute(args.out)
    return 0
