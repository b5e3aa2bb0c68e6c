"""Import an export file into a Service Atlas database.

    python -m atlas import tickets FILE [--db PATH] [--mapping MAPPING.json]
        [--timezone Area/City] [--encoding utf-8] [--delimiter ';'] [--sheet NAME]
        [--report refused.csv] [--save-mapping MAPPING.json] [--dates FIRST/LAST]

Without ``--mapping`` the importer suggests one from the file's headers; ``--save-mapping``
writes the mapping used (or, with ``--dry-run``, the suggestion) so it can be edited and reused.
Exit codes: 0 imported (refused rows are reported, not fatal), 1 the file could not be imported,
2 the mapping or the options are wrong (including an encoding that does not fit the file). Refused
rows are summarised on screen (contact details masked); ``--report`` writes all of them.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from atlas.arguments import announce_precompute
from atlas.cli import CommandError, UsageError
from data_access import config, store
from data_access.importer import privacy
from data_access.importer.loader import ImportAborted, import_file, inspect_file
from data_access.importer.mapping import IMPORTABLE, Mapping, MappingError, load_mapping
from data_access.importer.readers import ImportFileError, ImportOptionError, preview
from data_access.importer.suggestion import suggest

SHOWN_PROBLEMS = 20


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("table", choices=IMPORTABLE)
    parser.add_argument("file", type=Path)
    parser.add_argument("--db", type=Path, default=None,
                        help=f"DuckDB file to import into (default: ${config.ENV_VAR} or the "
                             "sample); created if missing")  # fmt: skip
    parser.add_argument("--mapping", type=Path, help="column mapping JSON (default: suggested)")
    parser.add_argument("--timezone", help="IANA zone of times written without an offset")
    parser.add_argument("--encoding", help="text encoding of a CSV (default: detected)")
    parser.add_argument("--delimiter", help="CSV delimiter (default: detected; 'tab' for tabs)")
    parser.add_argument("--sheet", help="XLSX sheet (default: the first)")
    parser.add_argument("--report", type=Path, help="write every refused row to this CSV")
    parser.add_argument("--dates", metavar="FIRST/LAST",
                        help="accept timestamps on these days only, e.g. 1995-01-01/2030-12-31 "
                             f"(default: ${config.IMPORT_DATES_VAR}, else 2000-01-01 to a day "
                             "after the import)")  # fmt: skip
    parser.add_argument("--save-mapping", type=Path, help="write the mapping used to this JSON")
    parser.add_argument("--dry-run", action="store_true",
                        help="only inspect the file and suggest a mapping")  # fmt: skip
    parser.add_argument("--quiet", action="store_true", help="no progress output")


def run(args: argparse.Namespace) -> int:
    for option, target in (("--report", args.report), ("--save-mapping", args.save_mapping)):
        if target is not None and (problem := _unwritable(target)):
            raise UsageError(f"{option} {target}: {problem}")
    db = (args.db or config.data_location()).expanduser().resolve()
    last = [-1]

    def progress(fraction: float, message: str) -> None:
        percent = int(fraction * 100)
        if not args.quiet and sys.stderr.isatty() and percent != last[0]:
            last[0] = percent
            print(f"\r{percent:3d}%  {message:<60}", end="", file=sys.stderr, flush=True)

    try:
        mapping: Mapping | None = load_mapping(args.mapping) if args.mapping else None
        if args.dry_run:
            return _dry_run(args, mapping)
        result = import_file(
            args.table, args.file, db, mapping, timezone=args.timezone, encoding=args.encoding,
            delimiter=args.delimiter, sheet=args.sheet, report=args.report, progress=progress,
            dates=args.dates,
        )  # fmt: skip
    except MappingError as error:
        raise UsageError(f"mapping problem — {error}\nTip: --dry-run --save-mapping m.json "
                         "writes a suggestion to edit.") from None  # fmt: skip
    except ImportOptionError as error:
        raise UsageError(f"not imported (check the options) — {error}") from None
    except (ImportFileError, ImportAborted, store.WriterBusyError,
            privacy.PseudonymKeyError) as error:  # fmt: skip
        raise CommandError(f"not imported — {error}") from None
    finally:
        _clear(args)
    if args.save_mapping:
        result.mapping.save(args.save_mapping)
    for note in result.notes:
        print(f"note: {note}")
    print(result.summary())
    if result.rows_refused:
        print(result.problems.head(SHOWN_PROBLEMS).to_string(index=False, max_colwidth=50))
        if result.report_path is not None:
            print(f"Every refused row: {result.report_path}")
        elif result.problem_count > SHOWN_PROBLEMS:
            print(f"Shown: the first {SHOWN_PROBLEMS} of {result.problem_count:,} problems. Pass "
                  "--report refused.csv to write all of them to a CSV file.")  # fmt: skip
    print(f"Published {db}.")
    announce_precompute(db)
    return 0


def _dry_run(args: argparse.Namespace, mapping: Mapping | None) -> int:
    info = inspect_file(args.file, None, mapping, args.encoding, args.delimiter, args.sheet)
    print(f"{info.name}: {info.format}, {len(info.headers)} columns"
          + (f", encoding {info.encoding}, delimiter {info.delimiter!r}"
             if info.format == "csv" else ""))  # fmt: skip
    for note in info.notes:
        print(f"note: {note}")
    if mapping is None:
        suggestion = suggest(args.table, info.headers, preview(info))
        mapping = suggestion.mapping
        for note in suggestion.notes:
            print(f"note: {note}")
    if args.timezone:
        mapping.timezone = args.timezone
    print(mapping.to_json(), end="")
    for problem in mapping.problems(list(info.headers)):
        print(f"problem: {problem}")
    if args.save_mapping:
        mapping.save(args.save_mapping)
        print(f"Saved {args.save_mapping}.")
    return 0


def _unwritable(path: Path) -> str | None:
    """Why a file cannot be written at ``path`` (checked before any work is done), or None."""
    folder = path.expanduser().absolute().parent
    if path.is_dir():
        return "is a folder, not a file"
    if not folder.is_dir():
        return f"the folder {folder} does not exist"
    if not os.access(folder, os.W_OK):
        return f"the folder {folder} is not writable"
    return None


def _clear(args: argparse.Namespace) -> None:
    if not args.quiet and sys.stderr.isatty():
        print("\r" + " " * 70 + "\r", end="", file=sys.stderr, flush=True)
