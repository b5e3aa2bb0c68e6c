"""Where the data lives.

``SERVICE_ATLAS_DB`` names a DuckDB file (or, for large installations, a directory of Parquet
files: see ``data_access.database``). Without it the dashboard uses the sample at
``data/sample.duckdb``, which it builds on first start.
"""

from __future__ import annotations

import os
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DB = PROJECT_ROOT / "data" / "sample.duckdb"
ENV_VAR = "SERVICE_ATLAS_DB"


def data_location() -> Path:
    """The configured data location (absolute)."""
    configured = os.environ.get(ENV_VAR, "").strip()
    return Path(configured).expanduser().resolve() if configured else DEFAULT_DB


def is_default_sample(location: Path) -> bool:
    return location == DEFAULT_DB
