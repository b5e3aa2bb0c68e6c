"""Builds a large helpdesk export (~1 GB CSV, Zendesk-style headers) and times its import.

The import runs in a child process (``python -m atlas import``) whose peak resident
memory is read with ``os.wait4``; the result is printed as a markdown table. The file and the
database live in a temporary folder (or ``--workdir``) and are deleted afterwards unless
``--keep``.

    python -m bench.import_large [--megabytes 1024] [--workdir /tmp/atlas-bench] [--keep]

``write_tickets_csv`` is also used by the tests (a smaller file, same shape).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv

ROOT = Path(__file__).resolve().parent.parent
HEADERS = (
    "Id",
    "Requester id",
    "Requester email",
    "Created at",
    "First reply time in minutes",
    "Full resolution time in minutes",
    "Status",
    "Via",
    "Requester country",
    "Language",
    "Priority",
    "Ticket type",
    "Group",
    "Assignee",
    "Replies",
    "Reopens",
    "Subject",
)
COUNTRIES = np.array(
    [
        "Germany",
        "DE",
        "Deutschland",
        "United States",
        "US",
        "Japan",
        "JP",
        "South Korea",
        "KR",
        "Brazil",
        "Brasil",
        "France",
        "FR",
        "India",
        "IN",
    ]
)
LANGUAGES = np.array(["de", "en", "English", "ja", "ko", "pt", "Português", "fr", "hi"])
STATUSES = np.array(["solved", "closed", "open", "pending"])
CHANNELS = np.array(["Mail", "Web form", "Chat", "Phone call", "Twitter", "WhatsApp"])
PRIORITIES = np.array(["low", "normal", "high", "urgent"])
CATEGORIES = np.array(["shipping", "returns_refunds", "payment", "account", "product"])
GROUPS = np.array(["EMEA", "AMER", "APAC"])
SUBJECTS = np.array(
    [
        "Where is my order?",
        "Refund not received yet",
        "Cannot log in",
        "Charged twice for one order",
        "Product arrived damaged, please help",
    ]
)
ROWS_PER_CHUNK = 200_000


def write_tickets_csv(path: Path, rows: int, seed: int = 1) -> Path:
    """A ticket export with ``rows`` rows (about 190 bytes each), written in chunks."""
    rng = np.random.default_rng(seed)
    start = dt.datetime(2025, 1, 1).timestamp()
    schema = pa.schema([(h, pa.string()) for h in HEADERS])
    with pacsv.CSVWriter(str(path), schema) as writer:
        for offset in range(0, rows, ROWS_PER_CHUNK):
            n = min(ROWS_PER_CHUNK, rows - offset)
            ids = np.arange(offset, offset + n) + 1_000_000
            created = start + np.sort(rng.uniform(0, 365 * 86400, n))
            status = STATUSES[rng.integers(0, len(STATUSES), n)]
            resolved = np.where(
                np.isin(status, ["solved", "closed"]),
                rng.gamma(2.0, 600.0, n).round(0).astype(int).astype(str),
                "",
            )
            customers = rng.integers(0, max(rows // 3, 1), n)
            columns = {
                "Id": ids.astype(str),
                "Requester id": np.char.add("u", customers.astype(str)),
                "Requester email": np.char.add(
                    np.char.add("user", customers.astype(str)), "@example.com"
                ),
                "Created at": np.datetime_as_string(created.astype("datetime64[s]"), unit="s"),
                "First reply time in minutes": rng.gamma(2.0, 90.0, n)
                .round(0)
                .astype(int)
                .astype(str),
                "Full resolution time in minutes": resolved,
                "Status": status,
                "Via": CHANNELS[rng.integers(0, len(CHANNELS), n)],
                "Requester country": COUNTRIES[rng.integers(0, len(COUNTRIES), n)],
                "Language": LANGUAGES[rng.integers(0, len(LANGUAGES), n)],
                "Priority": PRIORITIES[rng.integers(0, len(PRIORITIES), n)],
                "Ticket type": CATEGORIES[rng.integers(0, len(CATEGORIES), n)],
                "Group": GROUPS[rng.integers(0, len(GROUPS), n)],
                "Assignee": np.char.add("agent-", rng.integers(0, 300, n).astype(str)),
                "Replies": rng.integers(0, 6, n).astype(str),
                "Reopens": rng.choice(np.array(["0", "0", "0", "1"]), n),
                "Subject": SUBJECTS[rng.integers(0, len(SUBJECTS), n)],
            }
            columns["Created at"] = np.char.replace(columns["Created at"], "T", " ")
            writer.write_table(pa.table({h: pa.array(columns[h].tolist(), pa.string())
                                         for h in HEADERS}))  # fmt: skip
    return path


# Runs the CLI and reports the child's own peak memory: VmHWM is per address space, so unlike
# ru_maxrss it does not include the parent's pages the child inherited before exec.
_CHILD = """
import resource, sys
from atlas.cli import main
code = main(["import", *sys.argv[1:]])
try:
    with open("/proc/self/status") as status:
        peak = int(status.read().split("VmHWM:")[1].split()[0]) * 1024
except OSError:
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # bytes on macOS
print(f"PEAK_BYTES {peak}")
sys.exit(code)
"""


def run_import(csv_path: Path, db: Path, *options: str,
               env: dict[str, str] | None = None) -> tuple[float, int, str]:  # fmt: skip
    """Import in a child process; (seconds, its peak resident memory in bytes, its output)."""
    started = time.monotonic()
    result = subprocess.run(
        [sys.executable, "-c", _CHILD, "tickets", str(csv_path), "--db", str(db), "--quiet",
         *(options or ("--timezone", "Europe/Berlin"))],
        cwd=ROOT, capture_output=True, text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT), **(env or {})},
    )  # fmt: skip
    output = result.stdout + result.stderr
    if result.returncode != 0 or "PEAK_BYTES" not in output:
        raise RuntimeError(f"import failed ({result.returncode}):\n{output}")
    peak = int(output.split("PEAK_BYTES ")[1].split()[0])
    return time.monotonic() - started, peak, output


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--megabytes", type=int, default=1024)
    parser.add_argument("--workdir", type=Path)
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args()
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="atlas-bench-"))
    workdir.mkdir(parents=True, exist_ok=True)
    csv_path, db = workdir / "tickets_export.csv", workdir / "bench.duckdb"
    rows = int(args.megabytes * 1024 * 1024 / 190)
    try:
        began = time.monotonic()
        write_tickets_csv(csv_path, rows)
        size = csv_path.stat().st_size
        written = time.monotonic() - began
        seconds, peak, output = run_import(csv_path, db)
        again, peak_again, _ = run_import(csv_path, db)  # same file: upsert, no duplicates
        print(f"CSV: {size / 1e9:.2f} GB, {rows:,} rows (written in {written:.0f} s)\n")
        print("| run | rows | seconds | rows/s | MB/s | peak RSS |")
        print("| --- | ---: | ---: | ---: | ---: | ---: |")
        for label, secs, rss in (("first import", seconds, peak), ("same file again", again,
                                                                    peak_again)):  # fmt: skip
            print(f"| {label} | {rows:,} | {secs:.1f} | {rows / secs:,.0f} | "
                  f"{size / 1e6 / secs:.0f} | {rss / 2**20:,.0f} MiB |")  # fmt: skip
        print(f"\n{platform.platform()}, {os.cpu_count()} CPUs, Python "
              f"{platform.python_version()}\n")  # fmt: skip
        print("\n".join(line for line in output.splitlines() if "→" in line))
    finally:
        if not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
