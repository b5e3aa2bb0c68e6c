"""The importer under stress, in real processes: killed half-way, and fed a large file.

- A SIGKILL in the middle of an import leaves the published database exactly as it was, still
  readable, and the next import removes what the dead process left behind.
- Memory stays bounded: importing a five times larger file costs little more memory (the 1 GB
  case is measured by ``python -m bench.import_large``, not here).
- A disk that fills up while the database is copied gives a message, not a traceback, and
  leaves nothing behind; processes that create the pseudonymisation key at once all get it.
"""

from __future__ import annotations

import multiprocessing
import os
import resource
import signal
import subprocess
import sys
import time
from pathlib import Path

from bench.import_large import run_import, write_tickets_csv
from data_access.database import Database
from data_access.importer import import_file, privacy
from tests.importer_helpers import KEY, scalar, ticket_mapping, version, write_csv
from tests.importer_helpers import ticket_row as row

ROOT = Path(__file__).resolve().parent.parent


def leftovers(db: Path) -> list[str]:
    return sorted(p.name for p in db.parent.iterdir() if p.name.startswith(f"{db.name}.tmp-"))


def test_an_import_killed_half_way_leaves_the_previous_data(db, tmp_path):
    export = write_tickets_csv(tmp_path / "big_export.csv", 300_000)
    before_version, before_count = version(db), scalar(db, "SELECT count(*) FROM tickets")
    reader = Database(db)
    assert reader.version == before_version
    process = subprocess.Popen(
        [sys.executable, "-m", "atlas", "import", "tickets", str(export), "--db", str(db),
         "--timezone", "Europe/Berlin", "--quiet"],
        cwd=ROOT, env={**os.environ, privacy.KEY_ENV: KEY},
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        # half-way: the private copy exists and rows are being staged beside it
        while not any(name.endswith("staging.duckdb") for name in leftovers(db)):
            assert process.poll() is None, "the import finished before it could be killed"
            assert time.monotonic() < deadline, "the import never started staging"
            time.sleep(0.02)
        time.sleep(0.5)
        assert process.poll() is None
        process.send_signal(signal.SIGKILL)
    finally:
        process.wait(timeout=30)
    assert process.returncode == -signal.SIGKILL
    stale = leftovers(db)
    assert any(f".tmp-{process.pid}-" in name for name in stale)  # what the dead process left

    # the published file is untouched and serves as before
    assert version(db) == before_version
    assert reader.version == before_version
    assert reader.query("SELECT count(*) AS n FROM tickets")["n"][0] == before_count

    # the next import succeeds and removes the dead process's files
    result = import_file("tickets", write_csv(tmp_path / "small.csv", [row("after-kill")]), db,
                         ticket_mapping())  # fmt: skip
    assert result.rows_loaded == 1
    assert leftovers(db) == []
    assert reader.query("SELECT count(*) AS n FROM tickets")["n"][0] == before_count + 1
    assert reader.version != before_version


def test_memory_stays_bounded_as_the_file_grows(tmp_path):
    small = write_tickets_csv(tmp_path / "small.csv", 60_000)  # ~11 MB
    large = write_tickets_csv(tmp_path / "large.csv", 300_000)  # ~55 MB
    env = {privacy.KEY_ENV: KEY}
    _, small_peak, _ = run_import(small, tmp_path / "small.duckdb", "--timezone", "UTC", env=env)
    _, large_peak, output = run_import(large, tmp_path / "large.duckdb", "--timezone", "UTC",
                                       env=env)  # fmt: skip
    assert "300,000 rows read, 300,000 loaded" in output
    grown = large_peak - small_peak
    mib = 2**20
    # Holding the 44 MB more of text in pandas would take several hundred MiB more; streaming
    # grows only by what DuckDB buffers (capped by SERVICE_ATLAS_IMPORT_MEMORY, 256 MB). At
    # 1 GB (bench/import_large.py) the peak was 620 MiB.
    assert grown < 150 * mib, (small_peak // mib, large_peak // mib)
    assert large_peak < 700 * mib, large_peak // mib


def test_a_full_disk_while_copying_the_database_is_a_message_and_leaves_nothing(db, tmp_path):
    export = write_csv(tmp_path / "small.csv", [row("full-disk")])
    before_version = version(db)
    assert db.stat().st_size > 2**20

    def small_disk() -> None:  # files may not grow past 1 MiB: writing the copy fails (EFBIG)
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (2**20, 2**20))

    done = subprocess.run(
        [sys.executable, "-m", "atlas", "import", "tickets", str(export), "--db", str(db),
         "--timezone", "Europe/Berlin"],
        cwd=ROOT, env={**os.environ, privacy.KEY_ENV: KEY}, capture_output=True, text=True,
        preexec_fn=small_disk, timeout=120,
    )  # fmt: skip
    assert done.returncode == 1, done.stderr
    assert "Traceback" not in done.stderr
    assert "small.csv: not imported — could not write the private copy of" in done.stderr
    assert "File too large" in done.stderr and "Nothing was changed" in done.stderr
    assert leftovers(db) == [] and version(db) == before_version


def _make_key(folder: str, start: multiprocessing.synchronize.Barrier,
              results: multiprocessing.Queue, rounds: int) -> None:  # fmt: skip
    os.environ.pop(privacy.KEY_ENV, None)
    for round_ in range(rounds):
        start.wait()
        try:
            key = privacy.pseudonymisation_key(Path(folder) / str(round_) / "atlas.duckdb")
            results.put((round_, key.hex()))
        except Exception as error:
            results.put((round_, f"{type(error).__name__}: {error}"))


def test_processes_creating_the_key_at_once_all_read_the_same_complete_key(tmp_path):
    processes, rounds = 4, 200
    context = multiprocessing.get_context("spawn")
    start, results = context.Barrier(processes), context.Queue()
    workers = [context.Process(target=_make_key, args=(str(tmp_path), start, results, rounds))
               for _ in range(processes)]  # fmt: skip
    for worker in workers:
        worker.start()
    keys: dict[int, set[str]] = {}
    for _ in range(processes * rounds):
        round_, key = results.get(timeout=120)
        keys.setdefault(round_, set()).add(key)
    for worker in workers:
        worker.join(timeout=30)
    failed = {r: k for r, k in keys.items() if len(k) != 1 or len(next(iter(k))) != 64}
    assert failed == {}, f"{len(failed)} of {rounds} rounds: {list(failed.values())[:3]}"
    drafts = [
        p.name for p in tmp_path.rglob("*") if p.is_file() and p.name != privacy.KEY_FILE_NAME
    ]
    assert drafts == []
