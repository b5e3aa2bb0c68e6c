"""The UI's door to data: one cached database per process, cached query results, first-run build.

Results are cached by the data version (``Database.version``), so a published import shows up on
the next rerun without restarting, and by the plain request values.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence

import pandas as pd
import streamlit as st

from data_access import catalog, config
from data_access.database import Database, data_exists, get_database
from data_access.filters import Filter
from data_access.sample import build_sample
from metrics import engine

_build_lock = threading.Lock()


def database() -> Database:
    """The process-wide database of the configured location (``data_access`` keeps one each)."""
    return get_database(config.data_location())


def ensure_data() -> None:
    """Build the sample on first start; stop the page with a clear message if data is missing."""
    location = config.data_location()
    if data_exists(location):
        return
    if not config.is_default_sample(location):
        st.error(
            f"No data found at `{location}` (from the `{config.ENV_VAR}` environment variable). "
            "Point it at a Service Atlas DuckDB file, or unset it to use the built-in sample."
        )
        st.stop()
    with _build_lock:  # one session builds; the others wait for it
        if data_exists(location):
            return
        with st.status("First start: building the sample dataset…", expanded=True) as status:
            st.write("Two years of synthetic contacts from markets worldwide. This happens once.")
            bar = st.progress(0.0)
            build_sample(location, progress=lambda f, message: bar.progress(min(f, 1.0), message))
            status.update(label="Sample dataset ready", state="complete", expanded=False)


@st.cache_data(show_spinner=False)
def _catalog(version: str) -> catalog.Catalog:
    return catalog.read_catalog(database())


def data_catalog() -> catalog.Catalog:
    return _catalog(database().version)


@st.cache_data(show_spinner=False, max_entries=512, ttl=3600)
def _kpi_table(version: str, request: tuple) -> pd.DataFrame:
    kpis, by, flt, grain, compare, keep = request
    return engine.kpi_table(database(), kpis, by, flt, grain, compare, keep=dict(keep))


def kpi_table(
    kpis: Sequence[str],
    by: Sequence[str] = (),
    flt: Filter | None = None,
    grain: str | None = None,
    compare: Sequence[str] = (),
    keep: dict[str, Sequence[str]] | None = None,
) -> pd.DataFrame:
    """``metrics.engine.kpi_table`` on the configured database, cached by data version."""
    frozen_keep = tuple((d, tuple(m)) for d, m in (keep or {}).items())
    request = (tuple(kpis), tuple(by), flt or Filter(), grain, tuple(compare), frozen_keep)
    return _kpi_table(database().version, request)


@st.cache_data(show_spinner=False, max_entries=256, ttl=3600)
def _top_members(version: str, dimension: str, flt: Filter, n: int) -> list[str]:
    return engine.top_members(database(), dimension, flt, n)


def top_members(dimension: str, flt: Filter, n: int) -> list[str]:
    return _top_members(database().version, dimension, flt, n)


@st.cache_data(show_spinner=False)
def _tables(version: str) -> list[dict[str, object]]:
    return catalog.table_summary(database())


def table_summary() -> list[dict[str, object]]:
    return _tables(database().version)


def data_meta() -> dict[str, str]:
    return database().meta()
