"""Answers computed when data is written, stored beside the data and versioned with it.

A metrics question decorated with ``@precomputed`` (its first argument is the database, the rest
plain values) is answered from the store when the store holds its answer for the same data
version, the same code and the same arguments. Only a database seen unrestricted reads the
store: a scoped user's answers are computed from the scope's own rows (``data_access.access``),
never taken from everyone's.

``python -m ui.precompute`` fills the store: it records every decorated
call while the default views of every page are drawn, for all markets and for each market, and
writes the answers at once. Writers start it in the background after they publish
(``start_precompute``); until it finishes, pages compute as before.

The store is an SQLite file beside the data (``sample.duckdb`` → ``sample.results.sqlite``;
beside a Parquet lake's folder, never inside what a publish replaces): a key-value table read
one answer at a time by its primary key in well under a millisecond (DuckDB, built for scans,
took 0.1–1 s per point read of a 300 MB store). It is written to a scratch file and renamed
over the old one, so a reader sees a whole store or the previous one. Answers are pickled: the
store is written only by this code, next to data it already trusts.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import os
import pickle
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from data_access.config import PROJECT_ROOT

if TYPE_CHECKING:
    from data_access.database import Database

ENV_VAR = "SERVICE_ATLAS_PRECOMPUTE"  # "off": writers do not start the precompute job

_TABLE = """CREATE TABLE results (code_version TEXT, data_version TEXT, name TEXT,
    arguments TEXT, size INTEGER, payload BLOB,
    PRIMARY KEY (code_version, data_version, name, arguments)) WITHOUT ROWID"""
F = TypeVar("F", bound=Callable[..., Any])


def store_location(data: Path) -> Path:
    """The store of the data at ``data``: beside the file, or beside a lake's folder."""
    data = Path(data)
    return data.with_name(f"{data.stem if data.suffix else data.name}.results.sqlite")


@functools.cache
def code_version() -> str:
    """A digest of the code answers come from (``metrics`` and ``data_access``, this store
    aside): a new release never serves answers an older one computed."""
    digest = hashlib.sha256()
    for folder in ("metrics", "data_access"):
        for path in sorted((PROJECT_ROOT / folder).rglob("*.py")):
            if path == Path(__file__).resolve():
                continue
            digest.update(path.relative_to(PROJECT_ROOT).as_posix().encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def _plain(value: object) -> object:
    """Lists become tuples and mappings sorted pairs, so ``kpis=[…]`` and ``kpis=(…)`` ask the
    same question."""
    if isinstance(value, list | tuple):
        return tuple(_plain(v) for v in value)
    if isinstance(value, Mapping):
        return tuple(sorted((str(k), _plain(v)) for k, v in value.items()))
    if isinstance(value, set | frozenset):
        return tuple(sorted(_plain(v) for v in value))
    return value


def arguments_key(args: tuple, kwargs: Mapping[str, object]) -> str:
    return repr((_plain(args), _plain(kwargs)))


# ---------------------------------------------------------------- reading
def _connect(store: Path) -> sqlite3.Connection:
    """A read-only connection of one thread: SQLite opens in a fraction of a millisecond."""
    return sqlite3.connect(f"{store.resolve().as_uri()}?mode=ro", uri=True)


@dataclass(frozen=True)
class _Opened:
    """The keys a store holds for this code, read once per store file and process; answers
    are read when asked for (a store holds hundreds of megabytes at 10 M tickets)."""

    identity: tuple[int, int]
    keys: frozenset[tuple[str, str, str]]  # (data version, name, arguments)


_opened: dict[Path, _Opened] = {}
_open_lock = threading.Lock()


def _store(store: Path) -> _Opened | None:
    """The keys of the store at ``store`` (None: there is none)."""
    try:
        stat = store.stat()
    except FileNotFoundError:
        return None
    identity = (stat.st_ino, stat.st_mtime_ns)
    opened = _opened.get(store)
    if opened is None or opened.identity != identity:
        with _open_lock, contextlib.closing(_connect(store)) as con:
            keys = con.execute(
                "SELECT data_version, name, arguments FROM results WHERE code_version = ?",
                [code_version()],
            ).fetchall()
            opened = _opened[store] = _Opened(identity, frozenset(keys))
    return opened


def _payload(store: Path, data_version: str, name: str, arguments: str) -> bytes | None:
    opened = _store(store)
    if opened is None or (data_version, name, arguments) not in opened.keys:
        return None
    try:
        with contextlib.closing(_connect(store)) as con:
            row = con.execute(
                "SELECT payload FROM results WHERE code_version = ? AND data_version = ? "
                "AND name = ? AND arguments = ?",
                [code_version(), data_version, name, arguments],
            ).fetchone()
    except sqlite3.OperationalError:  # replaced by a new store between the keys and this read
        return None
    return row[0] if row else None


@dataclass
class Counts:
    """How many decorated calls this process answered from the store, and how many it computed
    (``bench.scale`` and the tests)."""

    stored: int = 0
    computed: int = 0


counts = Counts()
_recording: dict[tuple[str, str], bytes] | None = None
_record_lock = threading.Lock()


def precomputed(function: F) -> F:
    """Answer ``function(db, …)`` from the store when it holds this answer (see the module)."""
    name = f"{function.__module__}.{function.__qualname__}"

    @functools.wraps(function)
    def answer(db: Database, *args: object, **kwargs: object) -> object:
        key = arguments_key(args, kwargs)
        unrestricted = db.scope.unrestricted
        if unrestricted and _recording is None:
            payload = _payload(store_location(db.path), db.version, name, key)
            if payload is not None:
                counts.stored += 1
                return pickle.loads(payload)
        counts.computed += 1
        result = function(db, *args, **kwargs)
        if unrestricted and _recording is not None:
            with _record_lock:
                _recording.setdefault((name, key), pickle.dumps(result, pickle.HIGHEST_PROTOCOL))
        return result

    return answer  # type: ignore[return-value]


# ---------------------------------------------------------------- writing
@contextlib.contextmanager
def recording() -> Iterator[dict[tuple[str, str], bytes]]:
    """Within the block, every unrestricted decorated call is computed (never read from the
    store) and its answer kept in the yielded mapping."""
    global _recording
    _recording = {}
    try:
        yield _recording
    finally:
        _recording = None


def write(data: Path, data_version: str, answers: Mapping[tuple[str, str], bytes]) -> Path:
    """Replace the store of ``data`` by ``answers`` of ``data_version``, atomically."""
    store = store_location(data)
    scratch = store.with_name(f".{store.name}.{os.getpid()}.tmp")
    scratch.unlink(missing_ok=True)
    try:
        with contextlib.closing(sqlite3.connect(scratch)) as con, con:
            con.execute(_TABLE)
            con.executemany(
                "INSERT INTO results VALUES (?, ?, ?, ?, ?, ?)",
                [(code_version(), data_version, n, a, len(p), p) for (n, a), p in answers.items()],
            )
        os.replace(scratch, store)
    finally:
        scratch.unlink(missing_ok=True)
    return store


@dataclass(frozen=True)
class Summary:
    answers: int
    megabytes: float
    written_at: float | None  # seconds since the epoch


def summary(db: Database) -> Summary:
    """What the store holds for the data ``db`` serves now, for this code."""
    store = store_location(db.path)
    if _store(store) is None:
        return Summary(0, 0.0, None)
    with contextlib.closing(_connect(store)) as con:
        answers, size = con.execute(
            "SELECT count(*), coalesce(sum(size), 0) FROM results "
            "WHERE code_version = ? AND data_version = ?",
            [code_version(), db.version],
        ).fetchone()
    return Summary(answers, size / 2**20, store.stat().st_mtime if answers else None)


def start_precompute(
    data: Path, countries: tuple[str, ...] | None = None
) -> subprocess.Popen | None:
    """Start ``python -m ui.precompute`` for ``data`` in the background at low priority
    (none when ``SERVICE_ATLAS_PRECOMPUTE=off``); its output goes to a log beside the store."""
    if os.environ.get(ENV_VAR, "").strip().lower() == "off":
        return None
    command = ["nice", "-n", "10", sys.executable, "-m", "ui.precompute", "--db", str(data)]
    if countries is not None:
        command += ["--countries", ",".join(countries)]
    log = store_location(data).with_suffix(".log")
    with log.open("a", encoding="utf-8") as out:
        out.write(f"{time.strftime('%Y-%m-%d %H:%M:%S')} {' '.join(command)}\n")
        out.flush()
        return subprocess.Popen(command, cwd=PROJECT_ROOT, stdout=out, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL, start_new_session=True)  # fmt: skip
