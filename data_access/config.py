"""Where the data lives, and which dates an import accepts.

``SERVICE_ATLAS_DB`` names a DuckDB file (or, for large installations, a directory of Parquet
files: see ``data_access.database``). Without it the dashboard uses the sample at
``data/sample.duckdb``, which it builds on first start.

``SERVICE_ATLAS_IMPORT_DATES`` (or the importer's ``--dates``) sets the window every imported
timestamp must fall in, as ``FIRST/LAST`` dates (either may be left out, e.g. ``1995-01-01/``).
By default it runs from 2000-01-01 to one day after the import (a year for shifts, which are a
plan): a date outside it is a typo, a placeholder such as 9999-12-31 or a wrong unit, not a
customer contact.

``SERVICE_ATLAS_RULES`` names the alert rules file (``docs/alerts.md``) the Attention page
follows, the same file the digest command is given; without it the default rules apply.
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DB = PROJECT_ROOT / "data" / "sample.duckdb"
ENV_VAR = "SERVICE_ATLAS_DB"
IMPORT_DATES_VAR = "SERVICE_ATLAS_IMPORT_DATES"
RULES_VAR = "SERVICE_ATLAS_RULES"
EARLIEST_IMPORT_DATE = dt.date(2000, 1, 1)
FUTURE_ALLOWANCE = dt.timedelta(days=1)  # clocks and time zones of the source systems differ
SCHEDULE_AHEAD = dt.timedelta(days=366)  # shifts are a plan: schedules are published ahead


def data_location() -> Path:
    """The configured data location (absolute)."""
    configured = os.environ.get(ENV_VAR, "").strip()
    return Path(configured).expanduser().resolve() if configured else DEFAULT_DB


def rules_location() -> str:
    """The configured alert rules file ('' for the default rules)."""
    return os.environ.get(RULES_VAR, "").strip()


def is_default_sample(location: Path) -> bool:
    return location == DEFAULT_DB


@dataclass(frozen=True)
class DateWindow:
    """The instants an import accepts: from ``earliest`` up to, not including, ``until`` (UTC)."""

    earliest: dt.datetime
    until: dt.datetime

    def __str__(self) -> str:
        return f"from {self.earliest:%Y-%m-%d %H:%M} UTC until {self.until:%Y-%m-%d %H:%M} UTC"


def import_date_window(
    text: str | None = None, now: dt.datetime | None = None, ahead: dt.timedelta = FUTURE_ALLOWANCE
) -> DateWindow:
    """The window ``text`` gives (else ``$SERVICE_ATLAS_IMPORT_DATES``, else the default).

    ``text`` is ``FIRST/LAST`` in ISO dates, both days included; a side left empty keeps its
    default (2000-01-01; ``now`` plus ``ahead``). Raises ``ValueError`` saying what is wrong.
    """
    source = "--dates" if text is not None else IMPORT_DATES_VAR
    configured = (text if text is not None else os.environ.get(IMPORT_DATES_VAR, "")).strip()
    now = now or dt.datetime.now(dt.UTC)
    first, slash, last = configured.partition("/")
    if configured and not slash:
        raise ValueError(f"{source} is '{configured}': write FIRST/LAST dates, e.g. 1995-01-01/"
                         "2030-12-31 (either may be left out: 1995-01-01/).")  # fmt: skip
    try:
        earliest = dt.date.fromisoformat(first.strip()) if first.strip() else EARLIEST_IMPORT_DATE
        latest = dt.date.fromisoformat(last.strip()) if last.strip() else None
    except ValueError:
        raise ValueError(f"{source} is '{configured}': write FIRST/LAST as dates such as "
                         "1995-01-01/2030-12-31.") from None  # fmt: skip
    start = dt.datetime.combine(earliest, dt.time(), dt.UTC)
    until = (dt.datetime.combine(latest + dt.timedelta(days=1), dt.time(), dt.UTC)
             if latest else now + ahead)  # fmt: skip
    if until <= start:
        raise ValueError(f"{source} is '{configured}': the last date is before the first.")
    return DateWindow(start, until)
