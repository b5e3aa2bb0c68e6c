"""Scheduled delivery: ``python -m reports pack --db PATH [--from DATE --to DATE]
[--where country=KR,JP ...] [--lang ko] --out pack.pdf|pack.html`` (for cron or a CI job)."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from data_access.database import Database, DataNotFoundError
from metrics.cli import UsageError, add_filter_arguments, check_filter_values, filter_from_args
from presentation import i18n
from reports.pack import build_html, build_pdf, default_filter


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m reports", description=__doc__.split("\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    pack = commands.add_parser("pack", help="build the review pack for the filters")
    pack.add_argument("--db", type=Path, required=True, help="DuckDB file to read")
    add_filter_arguments(pack)
    pack.add_argument("--out", type=Path, required=True, help="pack.pdf or pack.html")
    pack.add_argument("--lang", choices=i18n.available(), default=i18n.DEFAULT,
                      help="language of the pack (default: %(default)s)")  # fmt: skip
    args = parser.parse_args(argv)
    started = time.perf_counter()
    try:
        if args.out.suffix not in (".pdf", ".html"):
            raise UsageError("--out must end in .pdf or .html")
        if not args.db.exists():
            raise DataNotFoundError(f"No database at {args.db}")
        db = Database(args.db)
        requested = filter_from_args(args)
        check_filter_values(requested, db)
        flt = default_filter(db, requested)
        with i18n.using(args.lang):
            if args.out.suffix == ".pdf":
                args.out.write_bytes(build_pdf(db, flt))
            else:
                args.out.write_text(build_html(db, flt, static=False), encoding="utf-8")
    except (UsageError, DataNotFoundError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except RuntimeError as exc:  # no browser for the PDF
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(f"wrote {args.out} in {time.perf_counter() - started:.1f} s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
