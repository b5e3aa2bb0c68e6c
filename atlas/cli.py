"""The command line's front door: ``python -m atlas <command> …``; ``--help`` lists the commands.

Each command is a module of ``atlas.commands`` with ``add_arguments(parser)`` and
``run(args) -> exit code``. Only the chosen command's module is imported, so ``--help`` and a
mistyped command answer at once and no command loads another's libraries (the review pack alone
loads plotly and statsmodels). Nothing from ui/ and no Streamlit: the command line must start
fast and run on machines that serve no dashboard.

Every failure is reported the same way, as ``error: …`` on stderr: exit code 2 when the command
line is wrong (``UsageError``: a bad option, an unknown name, a missing database), 1 when the job
could not be done with what it was given (``CommandError``: a damaged file, no browser for a PDF).
"""

from __future__ import annotations

import argparse
import importlib
import sys
from dataclasses import dataclass
from typing import NoReturn

PROG = "python -m atlas"


class CommandError(Exception):
    """The job could not be done: ``error: …`` on stderr, exit code 1."""

    exit_code = 1


class UsageError(CommandError):
    """Bad command-line input: ``error: …`` on stderr, exit code 2."""

    exit_code = 2


@dataclass(frozen=True)
class Command:
    summary: str  # the one line ``--help`` shows
    module: str  # in atlas.commands


COMMANDS = {
    "sample": Command("build the synthetic sample database", "sample"),
    "import": Command("import a ticket, survey, agent or shift export file", "importer"),
    "kpis": Command("KPIs grouped by dimensions, as a CSV or JSON table", "kpis"),
    "erlang": Command("required agents and queue performance for one interval", "erlang"),
    "voc": Command("what customers say: comment topics or key drivers of low scores", "voc"),
    "pack": Command("the review pack (PDF or HTML) for the filters", "pack"),
    "lake": Command("export a database's tables as a Parquet lake", "lake"),
    "digest": Command("what needs attention, written and sent by e-mail or webhook", "digest"),
    "access": Command("check an access file and show what a user may see", "access"),
}


class _Parser(argparse.ArgumentParser):
    """Usage errors are raised, not printed, so they are reported like every other error."""

    def error(self, message: str) -> NoReturn:
        raise UsageError(f"{message} (see {self.prog} --help)")


def _parser(chosen: str | None) -> argparse.ArgumentParser:
    """Every command with its summary; the arguments of the ``chosen`` one only."""
    parser = _Parser(prog=PROG, description="Service Atlas on the command line.")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name, command in COMMANDS.items():
        sub = commands.add_parser(name, help=command.summary, description=command.summary,
                                  formatter_class=argparse.RawDescriptionHelpFormatter)  # fmt: skip
        if name == chosen:
            module = importlib.import_module(f"atlas.commands.{command.module}")
            module.add_arguments(sub)
            sub.set_defaults(run=module.run)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run one command; returns its exit code (``--help`` exits with 0 through argparse)."""
    argv = sys.argv[1:] if argv is None else argv
    try:
        args = _parser(argv[0] if argv else None).parse_args(argv)
        return args.run(args)
    except CommandError as error:
        print(f"error: {error}", file=sys.stderr)
        return error.exit_code
