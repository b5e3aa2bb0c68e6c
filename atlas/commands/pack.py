"""Scheduled delivery of the review pack (for cron or a CI job).

    python -m atlas pack --db PATH [--from DATE --to DATE] [--where country=KR,JP ...]
        [--lang ko] --out pack.pdf|pack.html

A PDF needs Chromium (see ``presentation.export``); without it the exit code is 1.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from atlas.arguments import (
    add_access_arguments,
    add_filter_arguments,
    check_filter_values,
    filter_from_args,
    open_database,
)
from atlas.cli import CommandError, UsageError
from presentation import i18n
from reports.pack import build_html, build_pdf, default_filter


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--db", type=Path, required=True, help="DuckDB file to read")
    add_filter_arguments(parser)
    add_access_arguments(parser)
    parser.add_argument("--out", type=Path, required=True, help="pack.pdf or pack.html")
    parser.add_argument("--lang", choices=i18n.available(), default=i18n.DEFAULT,
                        help="language of the pack (default: %(default)s)")  # fmt: skip


def run(args: argparse.Namespace) -> int:
    started = time.perf_counter()
    if args.out.suffix not in (".pdf", ".html"):
        raise UsageError("--out must end in .pdf or .html")
    db = open_database(args, f"pack {args.out.name}")
    requested = filter_from_args(args)
    check_filter_values(requested, db)
    try:
        flt = default_filter(db, requested)
        with i18n.using(args.lang):
            if args.out.suffix == ".pdf":
                args.out.write_bytes(build_pdf(db, flt))
            else:
                args.out.write_text(build_html(db, flt, static=False), encoding="utf-8")
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    except RuntimeError as exc:  # no browser for the PDF
        raise CommandError(str(exc)) from None
    print(f"wrote {args.out} in {time.perf_counter() - started:.1f} s", file=sys.stderr)
    return 0
