"""The UI's door to data: one cached database per process, cached query results, first-run build.

Results are cached by the data version (``Database.version``), so a published import shows up on
the next rerun without restarting, and by the plain request values.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import numpy as np
import pandas as pd
import streamlit as st

from data_access import audit, catalog, config, quality, reference, results, store
from data_access.database import Database, data_exists, get_database
from data_access.filters import Filter
from data_access.sample import build_sample
from data_access.schema import TABLES, Table
from metrics import (
    alert_rules,
    channels,
    contact_hours,
    drilldown,
    engine,
    events,
    grains,
    mix,
    movers,
    peaks,
    peers,
    schedule,
    staffing,
    voc,
    voc_drivers,
    voc_topics,
)
from metrics.alert_rules import RulesError
from metrics.attention import EXPLAINED, AttentionItem, Driver, volume_driver
from metrics.attention import attention as attention_items
from presentation.i18n import _
from ui import access

if TYPE_CHECKING:
    from metrics.forecast import Forecast

_build_lock = threading.Lock()
T = TypeVar("T")


def database() -> Database:
    """The configured data as the signed-in user may see it (``ui.access``): every query of
    every page, export and pack goes through this scope."""
    return get_database(config.data_location()).scoped(access.current_scope())


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
            _(
                "No data found at `{location}` (from the `{variable}` environment variable). Point "
                "it at a Service Atlas DuckDB file, or unset it to use the built-in sample."
            ).format(location=location, variable=config.ENV_VAR)
        )
        st.stop()
    with _build_lock:  # one session builds; the others wait for it
        if data_exists(location):
            return
        with st.status(_("First start: building the sample dataset…"), expanded=True) as status:
            st.write(
                _("Two years of synthetic contacts from markets worldwide. This happens once.")
            )
            bar = st.progress(0.0)
            build_sample(location, progress=lambda f, message: bar.progress(min(f, 1.0), message))
            results.start_precompute(location)
            status.update(label=_("Sample dataset ready"), state="complete", expanded=False)


@st.cache_data(show_spinner=False, max_entries=1024, ttl=3600)
def _call(version: str, scope: str, name: str, _db: Database, _function: Callable[..., Any],
          args: tuple, kwargs: tuple) -> Any:  # fmt: skip
    """Cached by data version, access scope (``Database.cache_key``: one user's results never
    answer another scope), the function's ``name`` and the plain arguments; Streamlit hashes
    no parameter whose name starts with an underscore, so ``_db`` and ``_function`` are passed
    as they are."""
    return _function(_db, *args, **dict(kwargs))


def query(function: Callable[..., T], *args: object, **kwargs: object) -> T:
    """``function(db, *args, **kwargs)`` on the configured database, cached by data version.

    ``function`` is a module-level function of ``metrics`` or ``data_access`` whose first
    argument is the database (its module and qualified name key the cache); the arguments must
    be plain values (a Filter, strings, tuples).
    """
    name = f"{function.__module__}.{function.__qualname__}"
    db = database()
    return _call(db.version, db.cache_key, name, db, function, args, tuple(sorted(kwargs.items())))


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
    """``metrics.engine.run.kpi_table`` on the configured database, cached by data version. The
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


def market_against_peers(kpis: Sequence[str], flt: Filter) -> pd.DataFrame:
    """``metrics.peers.market_against_peers``: one market beside its region and all markets."""
    return query(peers.market_against_peers, tuple(kpis), flt)


def biggest_movers(
    kpis: Sequence[str], flt: Filter, dimensions: Sequence[str], limit: int = 8
) -> pd.DataFrame:
    return query(movers.biggest_movers, tuple(kpis), flt, tuple(dimensions), limit=limit)


def country_iso3() -> dict[str, str]:
    """ISO-3 code of every country in the data (for maps)."""
    return {c: reference.country_iso3(c) for c in data_catalog().values["countries"]}


def hub_timezones() -> dict[str, str]:
    return query(catalog.hub_timezones)


# ---- the questions pages ask, one function each (page -> ui.data -> metrics -> SQL) -----------
def partial_buckets(flt: Filter, grain: str) -> list[pd.Timestamp]:
    """The buckets of a chart over time that the period's edges cut short (drawn hollow)."""
    return grains.partial_buckets(flt, grain)


def calendar_events(start: dt.date, end: dt.date, countries: Sequence[str]) -> pd.DataFrame:
    """Public holidays and retail peaks to mark on a chart of ``start``–``end``, of
    ``countries`` (none: of every market the user may see)."""
    return query(_calendar_events, start, end, tuple(countries))


def _calendar_events(db: Database, start: dt.date, end: dt.date,
                     countries: tuple[str, ...]) -> pd.DataFrame:  # fmt: skip
    return events.calendar_events(start, end, catalog.markets(db, countries))


def country_timezone(country: str) -> str:
    return reference.country_timezone(country)


def weekend_days(country: str) -> frozenset[int]:
    return reference.weekend_days(country)


def contacts_per_hour(pattern: pd.DataFrame, flt: Filter, country: str) -> np.ndarray:
    """Mean contacts in each hour of the week of ``country``'s own time zone, from a ``volume``
    table by ``local_hour_of_week`` of its customers."""
    return contact_hours.contacts_per_hour(pattern, flt, reference.country_timezone(country))


def language_balance(flt: Filter) -> pd.DataFrame:
    """Each language's share of the work against its share of the scheduled agents."""
    return query(schedule.language_balance, flt)


# channels
def bot_filter(flt: Filter) -> Filter | None:
    return channels.bot_filter(flt)


def bot_handoffs(containment: pd.DataFrame) -> pd.DataFrame:
    """Contacts the bot handed to an agent, per row of a ``bot_containment`` table."""
    return channels.bot_handoffs(containment)


def switch_flows(flt: Filter, basis: str) -> pd.DataFrame:
    """From which channel customers came back through which, within 7 days."""
    return query(_switch_flows, flt, basis)


def _switch_flows(db: Database, flt: Filter, basis: str) -> pd.DataFrame:
    volume = _kpi_table(db, ("volume",), ("channel", "next_channel"), flt, None, (), ())
    return channels.switch_flows(volume, basis)


# voice of the customer
def questions() -> dict[str, voc.Question]:
    """The survey questions (CSAT, NPS, customer effort) by id."""
    return voc.QUESTIONS


def score_distributions(flt: Filter) -> list[tuple[voc.Question, pd.DataFrame]]:
    """Every survey question with the distribution of its answers."""
    return [(q, query(voc.score_distribution, flt, q.id)) for q in voc.QUESTIONS.values()]


def comments(flt: Filter, search: str, lowest: int | None, highest: int | None,
             limit: int, topic: str = "") -> voc.Comments:  # fmt: skip
    """The comment list; ``topic`` ('ko:unhappy:3', see ``topic_key``) keeps one topic's
    comments."""
    return query(_comments, flt, search, lowest, highest, limit, topic)


def _comments(db: Database, flt: Filter, search: str, lowest: int | None, highest: int | None,
              limit: int, topic: str) -> voc.Comments:  # fmt: skip
    among = None
    if topic:
        language, mood, number = topic.split(":")
        among = voc_topics.topic_surveys(db, flt, language, mood, int(number))
    return voc.comments(db, flt, search, lowest, highest, limit, among=among)


def topic_key(language: str, mood: str, topic: int) -> str:
    """One topic as a plain value for the URL: 'ko:unhappy:3'."""
    return f"{language}:{mood}:{topic}"


def comment_topics(flt: Filter, language: str | None, question: str,
                   mood: str = "unhappy") -> voc_topics.TopicView:  # fmt: skip
    """What the view's comments in ``language`` of ``mood`` talk about (the first call per data
    version reads and models every comment: seconds)."""
    return query(voc_topics.topics, flt, language, question, mood)


def comment_drivers(flt: Filter, language: str, question: str) -> voc_drivers.Drivers:
    return query(voc_drivers.drivers, flt, language, question)


# peak season
def peak_outlook(countries: Sequence[str] = ()) -> pd.DataFrame:
    """The named peaks of ``countries`` (none: of every market the user may see) a year either
    side of the data's last day: running and upcoming ones first, then the past ones
    (``metrics.peaks.outlook``)."""
    return query(_peak_outlook, tuple(countries))


def _peak_outlook(db: Database, countries: tuple[str, ...]) -> pd.DataFrame:
    return peaks.outlook(catalog.read_catalog(db).last_day, catalog.markets(db, countries))


def peak_years(flt: Filter, by: str, peak_id: str) -> pd.DataFrame:
    """The load multiplier of a peak's latest occurrence and the one before, per member."""
    multipliers = query(peaks.peak_multipliers, flt, by)
    return peaks.year_over_year(multipliers[multipliers["peak_id"] == peak_id])


def holiday_effects(flt: Filter, countries: Sequence[str]) -> pd.DataFrame:
    return query(peaks.holiday_effects, flt, list(countries))


def forecast_daily(flt: Filter, by: str, member: str, days: int) -> Forecast:
    """The daily volume of one language or hub for ``days`` ahead, with its back-test error."""
    from metrics import forecast  # statsmodels: loaded by the one page that forecasts

    return query(forecast.forecast_daily, flt, by, member, days)


# staffing
def staffing_plan(period: Filter, minutes: int, ahead: bool, zone: str,
                  **targets: float | None) -> pd.DataFrame:  # fmt: skip
    """Required against scheduled agents per interval and language, for the
    ``metrics.staffing.Targets`` given as keywords, with each interval's start in ``zone``."""
    plan = query(staffing.staffing_plan, period, staffing.Targets(**targets), minutes, ahead)
    return staffing.in_local_time(plan, zone)


def staffing_headline(plan: pd.DataFrame, minutes: int) -> staffing.Headline:
    return staffing.headline(plan, minutes)


def languages_by_gap(plan: pd.DataFrame) -> list[str]:
    return staffing.languages_by_gap(plan)


def worst_gaps(plan: pd.DataFrame, n: int) -> pd.DataFrame:
    return staffing.worst_gaps(plan, n)


def coverage_gaps(plan: pd.DataFrame) -> pd.DataFrame:
    return staffing.coverage_gaps(plan)


# the data itself
def table_overview() -> pd.DataFrame:
    """Rows, time coverage and last import of every table."""
    return query(quality.table_overview)


def quality_indicators() -> pd.DataFrame:
    return query(quality.quality_indicators)


def import_history() -> pd.DataFrame:
    return query(quality.import_history)


AUDIT_SHOWN = 1000  # latest audit entries the Data page lists


def audit_entries() -> pd.DataFrame:
    """The latest audit log entries (``data_access.audit``), for administrators only."""
    if not access.current_scope().admin:
        raise PermissionError("the audit log is for administrators")
    return audit.entries(AUDIT_SHOWN)


Precomputed = results.Summary


def precomputed() -> Precomputed:
    """What the precompute job stored for the data served now (``data_access.results``)."""
    return results.summary(database())


def data_model() -> list[Table]:
    """Every table of the data model with its columns and what they mean."""
    return list(TABLES.values())


FINDINGS_EXPLAINED = EXPLAINED  # the findings that carry their why (the page draws these)


def attention(flt: Filter) -> tuple[list[AttentionItem], str | None]:
    """The findings of the configured alert rules in ``flt``, and the rules file's problems
    (then the default rules are followed instead)."""
    location = config.rules_location()
    try:
        return query(_attention, flt, location), None
    except RulesError as problem:
        return query(_attention, flt, ""), str(problem)


def _attention(db: Database, flt: Filter, rules_file: str) -> list[AttentionItem]:
    rules = alert_rules.load_rules(rules_file) if rules_file else None
    return attention_items(db, flt, rules)


def why_it_moved(kpi: str, flt: Filter) -> mix.Explanation | Driver | None:
    """A change of ``kpi`` in ``flt`` against the previous period: split into mix and rate, or
    for a volume, the contact reason behind it."""
    if kpi == "volume":
        return query(volume_driver, flt)
    return query(mix.explain, kpi, flt, "previous")
