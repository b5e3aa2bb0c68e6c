"""The UI's door to data: one cached database per process, cached query results, first-run build.

Results are cached by the data version (``Database.version``), so a published import shows up on
the next rerun without restarting, and by the plain request values.
"""

from __future__ import annotations

import importlib
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TypeVar

import pandas as pd
import streamlit as st

from data_access import catalog, config, reference, store
from data_access.database import Database, data_exists, get_database
from data_access.filters import Filter
from data_access.sample import build_sample
from metrics import drilldown, engine, movers
from presentation.i18n import _

_build_lock = threading.Lock()
T = TypeVar("T")


def database() -> Database:
    """The process-wide database of the configured location (``data_access`` keeps one each)."""
    return get_database(config.data_location())


@st.cache_resource(show_spinner=False)
def _leftovers_removed(location: Path) -> int:
    """Once per process: delete the private copies that killed writers left beside the data."""
    return len(store.remove_stale_files(location))


def ensure_data() -> None:
    """Build the sample on first start; stop the page with a clear message if data is missing."""
    location = config.data_location()
    if data_exists(location):
        if location.is_file():
            _leftovers_removed(location)
        return
    if not config.is_default_sample(location):
        st.error(
            _("No data found at `{location}` (from the `{variable}` environment variable). Point "
              "it at a Service Atlas DuckDB file, or unset it to use the built-in sample.").format(
                location=location, variable=config.ENV_VAR)
        )
        st.stop()
    with _build_lock:  # one session builds; the others wait for it
        if data_exists(location):
            return
        with st.status(_("First start: building the sample dataset…"), expanded=True) as status:
            st.write(_("Two years of synthetic contacts from markets worldwide. This happens "
                       "once."))
            bar = st.progress(0.0)
            build_sample(location, progress=lambda f, message: bar.progress(min(f, 1.0), message))
            status.update(label=_("Sample dataset ready"), state="complete", expanded=False)


@st.cache_data(show_spinner=False, max_entries=1024, ttl=3600)
def _call(version: str, function: str, args: tuple, kwargs: tuple) -> Any:
    module, name = function.rsplit(".", 1)
    return getattr(importlib.import_module(module), name)(database(), *args, **dict(kwargs))


def query(function: Callable[..., T], *args: object, **kwargs: object) -> T:
    """``function(db, *args, **kwargs)`` on the configured database, cached by data version.

    ``function`` is a module-level function of ``metrics`` or ``data_access`` whose first
    argument is the database; the arguments must be plain values (a Filter, strings, tuples).
    """
    name = f"{function.__module__}.{function.__qualname__}"
    return _call(database().version, name, args, tuple(sorted(kwargs.items())))


def data_catalog() -> catalog.Catalog:
    return query(catalog.read_catalog)


def kpi_table(
    kpis: Sequence[str],
    by: Sequence[str] = (),
    flt: Filter | None = None,
    grain: str | None = None,
    compare: Sequence[str] = (),
    keep: dict[str, Sequence[str]] | None = None,
) -> pd.DataFrame:
    """``metrics.engine.kpi_table`` on the configured database, cached by data version. The
    table carries its ``metrics.drilldown.Scope`` (as JSON, ``attrs[drilldown.ATTRS_KEY]``), so a
    chart of it can list the tickets behind a clicked point (``ui.drilldown``)."""
    frozen_keep = tuple((d, tuple(m)) for d, m in (keep or {}).items())
    flt = flt or Filter()
    table = query(_kpi_table, tuple(kpis), tuple(by), flt, grain, tuple(compare), frozen_keep)
    table.attrs[drilldown.ATTRS_KEY] = drilldown.Scope(flt, tuple(by), grain, frozen_keep).to_json()
    return table


def _kpi_table(db: Database, kpis: tuple, by: tuple, flt: Filter, grain: str | None,
               compare: tuple, keep: tuple) -> pd.DataFrame:  # fmt: skip
    return engine.kpi_table(db, kpis, by, flt, grain, compare, keep=dict(keep))


def top_members(dimension: str, flt: Filter, n: int) -> list[str]:
    return query(engine.top_members, dimension, flt, n)


def data_meta() -> dict[str, str]:
    return database().meta()


def biggest_movers(
    kpis: Sequence[str], flt: Filter, dimensions: Sequence[str], limit: int = 8
) -> pd.DataFrame:
    return query(movers.biggest_movers, tuple(kpis), flt, tuple(dimensions), limit=limit)


def country_iso3() -> dict[str, str]:
    """ISO-3 code of every country in the data (for maps)."""
    return {c: reference.country_iso3(c) for c in data_catalog().values["countries"]}


def hub_timezones() -> dict[str, str]:
    return query(catalog.hub_timezones)
