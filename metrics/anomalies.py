"""Anomalies in the daily series of the watched KPIs, per market, language, channel and hub.

For each series (one KPI, one member of a dimension, every day of the data):

1. **What was expected.** A robust STL decomposition (statsmodels; weekly seasonality, a trend
   smoothed over about five weeks so it follows the year's seasons but not a three-day outage,
   robust LOESS so outliers do not bend it) plus calendar effects: the residuals are regressed on
   the share of the series' volume whose market has a public holiday that day or is inside each
   retail peak (``forecast.calendar_features``), so Chuseok or Black Friday move the expectation
   instead of raising an alarm. Volume is modelled as log(1 + contacts per day); rates, times and
   scores as their daily value.
2. **How unusual a day is.** Each day's residual is scaled by sqrt(n / median n) (a day of 8
   answers is noisier than a day of 80) and divided by the series' robust spread (1.4826 × MAD):
   a z-score, with a two-sided normal p-value.
3. **Changes that persist.** ruptures (exact search with a penalty, linear kernel) cuts the
   calendar-adjusted, deseasonalised series into segments of at least a week; a segment that
   starts inside the scanned period is tested against the segment before it (difference of
   means over the daily spread). This finds a shift the trend would otherwise absorb, such as
   six weeks of lower SLA that is still going on. Volumes get no shift test: their level drifts
   with growth. Shares are modelled only where most days have enough rows (a survey of three
   answers a day has no daily series).
4. **Many series at once.** Benjamini–Hochberg runs across every day and segment test of every
   series and KPI together (false discovery rate 1 %); a finding must also be at least
   ``min_size`` away from the expectation (``alert_rules``).
5. **Episodes.** Significant days of one direction, at most one quiet day apart, form one anomaly
   with its start, its last day, whether it is still going on at the last settled day, its size
   against the expected band and its confidence (1 − its smallest q-value).

Countries' series are cut into the market's local days (its holidays are local days); languages,
channels, hubs and the total use UTC days.
"""

from __future__ import annotations

import datetime as dt
import itertools
import threading
import warnings
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import stats as sps

from data_access.catalog import read_catalog
from data_access.database import Database
from data_access.filters import COLUMN_FIELDS, Filter
from data_access.results import precomputed
from metrics import stats
from metrics.alert_rules import WATCHED_KPIS
from metrics.engine import kpi_table
from metrics.events import calendar_features
from metrics.maturity import settled_through
from metrics.registry import KPIS

DIMENSIONS = ("all", "country", "language", "channel", "hub")
COLUMNS = ["member", "kpi", "day", "value", "n"]
FALSE_DISCOVERY_RATE = 0.01
TREND_DAYS = 35  # the STL trend window: longer than an outage, shorter than a season
ROBUST_ROUNDS = 3  # STL reweighting rounds (one inner pass each): outliers weigh little after two
RECENT_DAYS = 10  # the last days are judged against a fit that has not seen them
BEFORE_WEEKS = 8  # ... against each weekday's median over these weeks before them
CALENDAR_ROUNDS = 2  # decompose, estimate the calendar effects, decompose what they leave
MIN_DAY_N = 5  # a rate from fewer rows that day is not tested (and survey days are private)
MIN_HISTORY_DAYS = 8 * 7  # a shorter series has no reliable weekly pattern
MIN_SEGMENT_DAYS = 7  # a level shift lasts at least a week
MIN_BURST_DAYS, MAX_BURST_DAYS = 2, 14  # a run of unusual days: an outage, a release gone wrong
MAX_GAP_DAYS = 1  # quiet days allowed inside one episode
# A finding must also matter: this many contacts more or fewer than expected over its days,
# or this many tickets on the wrong side of a share. A market of 8 contacts a day with 20 one
# Monday is unusual, and nobody should be woken for it. Survey answers are a sample of the
# customers (one in four or five answers), so fewer of them count as much.
MIN_AFFECTED = 40
MIN_AFFECTED_ANSWERS = 10
Z95 = 1.959964
TRACE_DAYS = 28  # days before a finding its chart shows (and a week after)


@dataclass(frozen=True)
class Series:
    """One daily series and what the model expects of it (on the model's scale)."""

    kpi: str
    dimension: str
    member: str
    days: pd.DatetimeIndex
    value: np.ndarray  # the KPI per day (volume: contacts; NaN: not measured that day)
    n: np.ndarray  # rows behind each day's value
    fitted: np.ndarray  # expected, on the model scale (volume: log1p)
    spread: np.ndarray  # the day's standard deviation on the model scale
    pattern: np.ndarray  # the weekly pattern plus calendar effects (model scale)

    @property
    def level(self) -> np.ndarray:
        """The deseasonalised, calendar-adjusted series (model scale)."""
        return _y(self) - self.pattern

    @property
    def is_volume(self) -> bool:
        return self.kpi == "volume"

    def to_kpi(self, model_value: np.ndarray) -> np.ndarray:
        """From the model's scale back to the KPI's."""
        return np.expm1(model_value) if on_log_scale(self.kpi) else model_value


# ---------------------------------------------------------------- the daily series
def _frames(db: Database, flt: Filter, kpis: Sequence[str], dimension: str) -> pd.DataFrame:
    """Daily values of ``kpis`` per member of ``dimension`` over ``flt``: member, kpi, day,
    value, n. Countries in their customers' local days (the engine's ``local_day``)."""
    if dimension == "country":
        table = kpi_table(db, kpis, by=["country", "local_day"], flt=flt)
        table = table.rename(columns={"country": "member", "local_day": "day"})[COLUMNS]
        whole = (table["day"].dt.date > flt.start) & (table["day"].dt.date <= flt.end)
        return table[whole]  # the first and the last local day are cut by the UTC period
    by = [] if dimension == "all" else [dimension]
    table = kpi_table(db, kpis, by=by, flt=flt, grain="day")
    return table.assign(member=table[dimension] if by else "")[COLUMNS]


def _shares(db: Database, flt: Filter, dimension: str, member: str, last: dt.date) -> pd.Series:
    """The series' volume by market over its last year (weights of the calendar effects)."""
    if dimension == "country":
        return pd.Series({member: 1.0})
    narrowed = flt if dimension == "all" else flt.narrowed(**{COLUMN_FIELDS[dimension]: (member,)})
    since = last - dt.timedelta(days=365)
    mix = kpi_table(db, ["volume"], by=["country"], flt=narrowed.with_dates(since, last))
    shares = mix.set_index("country")["value"]
    return shares / shares.sum()


# ---------------------------------------------------------------- the model of one series
def _robust_spread(values: np.ndarray) -> float:
    values = values[np.isfinite(values)]
    if len(values) == 0:
        return float("nan")
    return float(1.4826 * np.median(np.abs(values - np.median(values))))


def on_log_scale(kpi: str) -> bool:
    """Counts and durations move by factors (a Monday has 1.5x the contacts, a slow week 2x
    the wait): modelled on log(1 + x). Shares and scores move by points."""
    return KPIS[kpi].kind == "count" or KPIS[kpi].display == "duration"


def model_series(
    kpi: str, dimension: str, member: str, daily: pd.DataFrame, calendar: pd.DataFrame
) -> Series | None:
    """Fit the expectation of one series (``daily``: day, value, n over the whole history;
    ``calendar``: its holiday and peak shares per day); None when it is too short or too
    sparse to model."""
    frame = daily.set_index(pd.to_datetime(daily["day"]))[["value", "n"]].asfreq("D")
    if kpi == "volume":
        frame = frame.fillna(0.0)
        if frame["value"].median() < MIN_DAY_N:
            return None
    else:  # a share needs enough rows on most days (a survey of 3 answers a day has none)
        if frame["n"].fillna(0).median() < MIN_DAY_N:
            return None
        frame.loc[frame["n"].fillna(0) < MIN_DAY_N, "value"] = np.nan
    value = frame["value"].to_numpy(float)
    y = np.log1p(value) if on_log_scale(kpi) else value
    if np.isfinite(y).sum() < MIN_HISTORY_DAYS:
        return None
    days = calendar.reindex(frame.index).fillna(0.0).to_numpy()
    trend, seasonal, coef = _decompose(y, days, frame.index)
    pattern = seasonal + days @ coef
    fitted = trend + pattern
    cut = len(y) - RECENT_DAYS
    if cut >= max(MIN_HISTORY_DAYS, 7 * BEFORE_WEEKS):
        # the last days: the level and weekly pattern of the weeks before them (a trend fitted
        # through them bends towards an outage still going on, and hides it); the calendar
        # effects are then fitted again, so a peak in those days counts in full
        # each weekday's median over the weeks before: an outage among them does not move it
        weeks = (y - days @ coef)[cut - 7 * BEFORE_WEEKS : cut].reshape(BEFORE_WEEKS, 7)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # a weekday without any value: NaN, not tested
            weekday = np.nanmedian(weeks, axis=0)
        level = np.nanmedian(weekday)
        trend[cut:] = level
        seasonal[cut:] = (weekday - level)[np.arange(RECENT_DAYS) % 7]
        coef = _calendar_coef(y - trend - seasonal, days)  # a peak at the end, in full
        pattern = seasonal + days @ coef
        fitted = trend + pattern
    n = frame["n"].fillna(0).to_numpy(float)
    spread = _spread(y - fitted, _sampling_error(kpi, fitted, n))
    return Series(kpi, dimension, member, frame.index, value, n, fitted, spread, pattern)


def _decompose(
    y: np.ndarray, days: np.ndarray, index: pd.DatetimeIndex, coef: np.ndarray | None = None,
    rounds: int = CALENDAR_ROUNDS,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:  # fmt: skip
    """Robust STL (weekly) of ``y`` less its calendar effects (starting from ``coef``), and the
    calendar coefficients fitted on what STL leaves, in ``rounds``: trend, seasonal, coef."""
    from statsmodels.tsa.seasonal import STL

    filled = pd.Series(y, index=index).interpolate(limit_direction="both").to_numpy()
    coef = np.zeros(days.shape[1]) if coef is None else coef
    for _ in range(rounds):  # the trend must not absorb a peak the calendar explains
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            fit = STL(pd.Series(filled - days @ coef, index=index), period=7, trend=TREND_DAYS,
                      robust=True).fit(inner_iter=1, outer_iter=ROBUST_ROUNDS)  # fmt: skip
        trend, seasonal = fit.trend.to_numpy(copy=True), fit.seasonal.to_numpy(copy=True)
        coef = _calendar_coef(y - trend - seasonal, days)
    return trend, seasonal, coef


def _calendar_coef(residual: np.ndarray, calendar: np.ndarray) -> np.ndarray:
    """The holiday and peak effects: least squares of the residuals on the calendar shares,
    leaving out the wildest ordinary days (an outage should not teach what a holiday does)."""
    ok = np.isfinite(residual)
    if not calendar.shape[1] or not ok.any():
        return np.zeros(calendar.shape[1])
    centred = residual - np.nanmedian(residual)
    ordinary = ~calendar.any(axis=1)  # every holiday and peak day counts, however big
    ok &= ~ordinary | (np.abs(centred) < 6 * max(_robust_spread(residual), 1e-9))
    coef, *_ = np.linalg.lstsq(calendar[ok], residual[ok], rcond=None)
    return coef


def _sampling_error(kpi: str, fitted: np.ndarray, n: np.ndarray) -> np.ndarray:
    """Each day's standard error on the model scale if the day were as expected (the null the
    day is tested against): Poisson for a count, binomial for a share."""
    with np.errstate(divide="ignore", invalid="ignore"):
        if kpi == "volume":
            expected = np.clip(np.expm1(fitted), 0, None)
            return 1 / np.sqrt(expected + 1)  # the delta method on log(1 + Poisson)
        share = np.clip(fitted, 0.01, 0.99)
        return np.sqrt(share * (1 - share) / n)


def _spread(residual: np.ndarray, sampling: np.ndarray) -> np.ndarray:
    """Each day's standard deviation on the model scale: its sampling error plus the
    day-to-day variation beyond it (estimated robustly), calibrated on the series' own
    residuals. A day without an error (too few rows) gets an infinite spread: never tested."""
    error = np.where(np.isfinite(sampling), sampling, np.inf)
    extra = max(_robust_spread(residual) ** 2 - float(np.median(error[np.isfinite(error)]) ** 2)
                if np.isfinite(error).any() else 0.0, 0.0)  # fmt: skip
    spread = np.sqrt(error**2 + extra)
    with np.errstate(invalid="ignore"):
        calibration = _robust_spread(residual / spread)
    return spread * (calibration if np.isfinite(calibration) and calibration > 0 else 1.0)


def _y(series: Series) -> np.ndarray:
    return np.log1p(series.value) if on_log_scale(series.kpi) else series.value


def _z(series: Series) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        z = (_y(series) - series.fitted) / series.spread
    return np.where(np.isfinite(z) & np.isfinite(series.spread), z, np.nan)


def day_tests(series: Series, scan: np.ndarray) -> pd.DataFrame:
    """One test per scanned day: day index, z, p."""
    z = _z(series)
    index = np.flatnonzero(scan & np.isfinite(z))
    return pd.DataFrame({"first": index, "last": index, "z": z[index],
                         "p": 2 * sps.norm.sf(np.abs(z[index])), "test": "day"})  # fmt: skip


def burst_tests(series: Series, scan: np.ndarray) -> pd.DataFrame:
    """One test per run of unusual days: the change-point search cuts the day scores into
    stretches of at least ``MIN_BURST_DAYS``; a stretch of at most ``MAX_BURST_DAYS`` that
    starts inside the scanned days is tested as one (mean z times the root of its length), so
    four days each a little high add up, as an outage of a small market does."""
    from ruptures import KernelCPD

    z = _z(series)
    where = np.flatnonzero(np.isfinite(z))
    if len(where) < 3 * MAX_BURST_DAYS:
        return pd.DataFrame(columns=["first", "last", "z", "p", "test"])
    scores = np.clip(z[where], -10, 10)  # one wild day must not hide its neighbours
    search = KernelCPD(kernel="linear", min_size=MIN_BURST_DAYS).fit(scores)
    bounds = [0, *search.predict(pen=3 * np.log(len(scores)))]
    rows = []
    for a, b in itertools.pairwise(bounds):
        if b - a > MAX_BURST_DAYS or not scan[where[a]]:
            continue
        mean_z = z[where[a:b]].mean() * np.sqrt(b - a)
        core = where[a:b][np.sign(mean_z) * z[where[a:b]] >= 2]  # its days that stand out
        if len(core):
            rows.append({"first": core[0], "last": core[-1], "z": mean_z,
                         "p": 2 * sps.norm.sf(abs(mean_z)), "test": "burst"})  # fmt: skip
    return pd.DataFrame(rows, columns=["first", "last", "z", "p", "test"])


def shift_tests(series: Series, scan: np.ndarray) -> pd.DataFrame:
    """One test per level shift that the change-point search finds starting inside the scanned
    days: the segment after against the segment before."""
    from ruptures import KernelCPD  # a linear kernel is the l2 cost, computed in C

    ok = np.isfinite(series.level)
    level = series.level[ok]
    where = np.flatnonzero(ok)
    noise = np.nanmedian(series.spread[ok]) if ok.any() else np.nan
    if len(level) < 3 * MIN_SEGMENT_DAYS or not np.isfinite(noise) or noise <= 0:
        return pd.DataFrame(columns=["first", "last", "z", "p", "test"])
    standard = (level - np.median(level)) / noise
    search = KernelCPD(kernel="linear", min_size=MIN_SEGMENT_DAYS).fit(standard)
    breaks = search.predict(pen=3 * np.log(len(standard)))
    bounds = [0, *breaks]
    rows = []
    for k in range(1, len(bounds) - 1):
        before = standard[bounds[k - 1] : bounds[k]]
        after = standard[bounds[k] : bounds[k + 1]]
        first, last = where[bounds[k]], where[bounds[k + 1] - 1]
        if not scan[first]:
            continue
        z = (after.mean() - before.mean()) / np.sqrt(1 / len(after) + 1 / len(before))
        level_before = before.mean() * noise + np.median(level)
        rows.append({"first": first, "last": last, "z": z, "p": 2 * sps.norm.sf(abs(z)),
                     "test": "shift", "before": level_before})  # fmt: skip
    return pd.DataFrame(rows, columns=["first", "last", "z", "p", "test", "before"])


# ---------------------------------------------------------------- everything together
@dataclass(frozen=True)
class Scan:
    """Every modelled series and every test, with q-values across all of them."""

    series: list[Series]
    tests: pd.DataFrame  # series (index into ``series``), first, last, z, p, q, test, before
    first_day: dt.date
    last_day: dt.date  # the last scanned day (settled data)


def scan(
    db: Database,
    flt: Filter,
    kpis: Sequence[str] = WATCHED_KPIS,
    dimensions: Sequence[str] = DIMENSIONS,
) -> Scan:
    """Model every series of ``kpis`` per member of ``dimensions`` within ``flt``'s dimension
    values over the history up to the period's end, and test the days of ``flt``'s period."""
    span = read_catalog(db)
    last = min(flt.end or span.last_day, span.last_day) - dt.timedelta(days=1)  # a whole day
    first = flt.start or last - dt.timedelta(days=27)
    modelled = []
    for series in models(db, flt.with_dates(span.first_day, last), tuple(kpis), tuple(dimensions)):
        settled = min(last, settled_through(series.kpi, span))
        modelled.append((series, (series.days.date >= first) & (series.days.date <= settled)))
    return tested(modelled, first, last)


_models: dict[tuple, list[Series]] = {}
_models_lock = threading.Lock()
MODELS_KEPT = 16  # histories (filter and end day) whose models a process keeps


def models(
    db: Database, history: Filter, kpis: tuple[str, ...], dimensions: tuple[str, ...]
) -> list[Series]:
    """The modelled series of ``history`` (a filter over the whole history up to a day), built
    once per data version and process: a period's scan, its neighbour's and the pack's share
    them, since a series' model does not depend on which of its days are looked at. Each
    access scope has its own (``Database.cache_key``)."""
    key = (db.cache_key, db.version, history, kpis, dimensions)
    with _models_lock:
        if key not in _models:
            if len(_models) >= MODELS_KEPT:
                _models.pop(next(iter(_models)))
            _models[key] = _model_all(db, history, kpis, dimensions)
        return _models[key]


@precomputed
def _model_all(
    db: Database, history: Filter, kpis: tuple[str, ...], dimensions: tuple[str, ...]
) -> list[Series]:
    found = []
    days = pd.date_range(history.start, history.end)
    for dimension in dimensions:
        daily = _frames(db, history, kpis, dimension)
        if daily.empty:
            continue
        for member, rows in daily.groupby("member", sort=True):
            shares = _shares(db, history, dimension, str(member), history.end)
            calendar = calendar_features(days, shares)
            for kpi, one in rows.groupby("kpi", sort=False):
                series = model_series(str(kpi), dimension, str(member), one, calendar)
                if series is not None:
                    found.append(series)
    return found


def tested(modelled: Sequence[tuple[Series, np.ndarray]], first: dt.date, last: dt.date) -> Scan:
    """Test each series on its window of days (a boolean per day), with q-values across all."""
    tests = []
    for number, (series, window) in enumerate(modelled):
        found = pd.concat([day_tests(series, window), burst_tests(series, window)])
        if not series.is_volume:  # a volume's level drifts with growth: no shift test
            found = pd.concat([found, shift_tests(series, window)])
        tests.append(found.assign(series=number))
    columns = ["first", "last", "z", "p", "test", "before", "series"]
    table = pd.concat(tests, ignore_index=True) if tests else pd.DataFrame(columns=columns)
    table["q"] = stats.benjamini_hochberg(table["p"].to_numpy(float))
    return Scan([series for series, _ in modelled], table, first, last)


@dataclass(frozen=True)
class Anomaly:
    kpi: str
    dimension: str
    member: str
    start: dt.date
    end: dt.date
    ongoing: bool
    actual: float  # over the episode's days (volume: contacts per day)
    expected: float
    low: float  # the expected band (95 %) over the same days
    high: float
    size: float  # actual / expected - 1
    confidence: float  # 1 - the smallest q-value
    direction: int  # +1 up, -1 down
    affected: float  # contacts above or below expectation, or rows on the other side of a share
    trace: pd.DataFrame = field(compare=False, repr=False)  # day, actual, expected, low, high


def anomalies(found: Scan, min_size: dict[str, float] | None = None) -> list[Anomaly]:
    """The episodes of significant tests in the harmful direction (both for volume), at least
    ``min_size`` (per KPI) and ``MIN_AFFECTED`` large, biggest and surest first."""
    min_size = min_size or {}
    significant = found.tests[found.tests["q"] < FALSE_DISCOVERY_RATE]
    out = []
    for index, tests in significant.groupby("series"):
        series = found.series[int(index)]
        direction_of_harm = KPIS[series.kpi].direction  # a better SLA needs nobody's attention
        for direction in (1, -1) if direction_of_harm == 0 else (-direction_of_harm,):
            own = tests[np.sign(tests["z"]) == direction]
            for first, last, q, before in _episodes(own):
                episode = _describe(series, first, last, q, direction, before, found.last_day)
                enough = MIN_AFFECTED_ANSWERS if KPIS[series.kpi].is_survey else MIN_AFFECTED
                if (
                    abs(episode.size) >= min_size.get(series.kpi, 0.0)
                    and episode.affected >= enough
                ):
                    out.append(episode)
    return sorted(out, key=lambda a: (-abs(a.size) * a.confidence, a.start))


def _episodes(tests: pd.DataFrame) -> Iterable[tuple[int, int, float, float | None]]:
    """Merge the tests' day ranges, at most ``MAX_GAP_DAYS`` apart: first, last, smallest q,
    and the level before a shift (None for spikes only)."""
    ordered = tests.sort_values("first")
    current = None
    for row in ordered.itertuples():
        before = row.before if row.test == "shift" else None
        if current and row.first <= current[1] + MAX_GAP_DAYS + 1:
            current = [current[0], max(current[1], row.last), min(current[2], row.q),
                       current[3] if current[3] is not None else before]  # fmt: skip
        else:
            if current:
                yield tuple(current)
            current = [row.first, row.last, row.q, before]
    if current:
        yield tuple(current)


def _describe(
    series: Series, first: int, last: int, q: float, direction: int, before: float | None,
    last_day: dt.date,
) -> Anomaly:  # fmt: skip
    days = slice(first, last + 1)
    fitted = series.fitted[days]
    if before is not None:  # a shift: the level before it, with this week's pattern and calendar
        fitted = before + series.pattern[days]
    weights = series.n[days] if not series.is_volume else np.ones(last - first + 1)
    measured = np.isfinite(series.value[days])

    w = np.where(measured, weights, 0.0)

    def mean(values: np.ndarray) -> float:
        return float(np.sum(np.where(w > 0, values, 0.0) * w) / w.sum()) if w.sum() else np.nan

    actual = mean(series.value[days])
    expected = mean(series.to_kpi(fitted))
    spread = series.spread[days]
    low = mean(series.to_kpi(fitted - Z95 * spread))
    high = mean(series.to_kpi(fitted + Z95 * spread))
    end = series.days[last].date()
    affected = abs(actual - expected) * w.sum()  # contacts, or rows (n-weighted) of a share
    around = slice(max(first - TRACE_DAYS, 0), last + TRACE_DAYS // 4 + 1)
    centre, half = series.fitted[around], Z95 * series.spread[around]
    trace = pd.DataFrame({"day": series.days[around], "actual": series.value[around],
                          "expected": series.to_kpi(centre), "low": series.to_kpi(centre - half),
                          "high": series.to_kpi(centre + half)})  # fmt: skip
    return Anomaly(series.kpi, series.dimension, series.member, series.days[first].date(), end,
                   end >= last_day - dt.timedelta(days=MAX_GAP_DAYS), actual, expected, low,
                   high, actual / expected - 1 if expected else float("nan"), 1 - q,
                   direction, affected, trace)  # fmt: skip
