"""Run a command-line entry point inside the test process, as ``python -m`` would run it.

A subprocess pays 2-4 s to import pandas, DuckDB and SciPy on every call; in process they are
imported once per session. Tests that need a process of their own (one killed mid-import, two
writers at once, a file-size limit) still start one.
"""

from __future__ import annotations

import contextlib
import io
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass


@dataclass
class Ran:
    """What a shell would see: the exit code and the text on stdout and stderr."""

    returncode: int
    stdout: str
    stderr: str


@contextlib.contextmanager
def _environment(env: dict[str, str]) -> Iterator[None]:
    saved = {name: os.environ.get(name) for name in env}
    os.environ.update(env)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def run_main(
    main: Callable[[list[str]], int], *args: str, env: dict[str, str] | None = None
) -> Ran:
    """``main(args)`` with stdout and stderr captured; argparse's exits give their code."""
    out, err = io.StringIO(), io.StringIO()
    with _environment(env or {}), contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main(list(args))
        except SystemExit as exit_:  # argparse: --help, usage errors
            code = exit_.code if isinstance(exit_.code, int) else int(exit_.code is not None)
            if isinstance(exit_.code, str):
                err.write(exit_.code + "\n")
    return Ran(code, out.getvalue(), err.getvalue())
