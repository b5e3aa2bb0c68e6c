"""How big the named peaks and public holidays are, in each market's own local calendar.

Everything is counted per customer-local day. A peak's *load multiplier* for a market is its
mean daily volume during the peak window divided by the mean daily volume of the 28 days before
the window (days inside another peak of that market and the market's public holidays are left
out of that baseline). For a language, the contacts in that language from the peak's markets
are counted the same way.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import numpy as np
import pandas as pd

from data_access import reference
from data_access.catalog import whole_history
from data_access.database import Database
from data_access.filters import Filter
from data_access.results import precomputed
from data_access.retail_calendar import peak_calendar
from metrics.engine import kpi_table
from metrics.events import of_markets

BASELINE_DAYS = 28
MIN_BASELINE_DAYS = 7  # an occurrence near the start of the data needs at least this many
PEAK_COLUMNS = ["peak_id", "label", "year", "start", "end", "member", "peak_daily",
                "baseline_daily", "multiplier", "complete"]  # fmt: skip


def peaks_between(first: dt.date, last: dt.date) -> pd.DataFrame:
    """The named peaks whose window overlaps ``first``–``last``, by start date; a window can
    begin in the year before ``first`` (the returns season runs into January)."""
    calendar = peak_calendar(range(first.year - 1, last.year + 1))
    overlapping = calendar[(calendar["end"] >= first) & (calendar["start"] <= last)]
    return overlapping.sort_values("start", ignore_index=True)


def outlook(today: dt.date, countries: Sequence[str] = ()) -> pd.DataFrame:
    """The named peaks of ``countries`` (all when empty) from a year before ``today`` to a year
    after, as a planner reads them: the running and upcoming ones first, soonest first, then the
    past ones, latest first. ``status`` says which: "running", "upcoming" or "past"."""
    year = dt.timedelta(days=365)
    calendar = of_markets(peaks_between(today - year, today + year), countries)
    status = np.select([calendar["end"] < today, calendar["start"] > today], ["past", "upcoming"],
                       "running")  # fmt: skip
    calendar = calendar.assign(status=status)
    ahead = calendar[calendar["status"] != "past"].sort_values("start")
    past = calendar[calendar["status"] == "past"].sort_values("start", ascending=False)
    return pd.concat([ahead, past], ignore_index=True)


def daily_local_volume(db: Database, flt: Filter) -> pd.DataFrame:
    """Contacts per customer-local day, country and language (the filter's dates ignored:
    peaks are compared across the whole history)."""
    table = kpi_table(db, ["volume"], by=["country", "language", "local_day"],
                      flt=whole_history(db, flt))  # fmt: skip
    table["day"] = pd.to_datetime(table["local_day"]).dt.date
    return table[["country", "language", "day", "value"]].rename(columns={"value": "volume"})


def _baseline_days(
    start: dt.date, countries: set[str], peaks: pd.DataFrame, holidays: set[dt.date]
) -> list[dt.date]:
    """The 28 days before ``start``, minus other peaks of these markets and public holidays."""
    busy = set()
    for p in peaks.itertuples():
        if set(p.markets) & countries:
            busy |= {p.start + dt.timedelta(days=i) for i in range((p.end - p.start).days + 1)}
    days = [start - dt.timedelta(days=i) for i in range(1, BASELINE_DAYS + 1)]
    return [d for d in days if d not in busy and d not in holidays]


@precomputed
def peak_multipliers(db: Database, flt: Filter, by: str = "country") -> pd.DataFrame:
    """Load multiplier of every named-peak occurrence the data covers, per market (``by=
    "country"``) or per language (``by="language"``), under the filter's dimensions."""
    if by not in ("country", "language"):
        raise ValueError("peak multipliers are per 'country' or per 'language'")
    daily = daily_local_volume(db, flt)
    if daily.empty:
        return pd.DataFrame(columns=PEAK_COLUMNS)
    # the last local day is cut short by the end of the data (zones ahead of UTC)
    first, last = daily["day"].min(), daily["day"].max() - dt.timedelta(days=1)
    peaks = peak_calendar(range(first.year, last.year + 1))
    rows = []
    for peak in peaks.itertuples():
        if peak.start - dt.timedelta(days=MIN_BASELINE_DAYS) < first or peak.start > last:
            continue  # too little baseline, or not yet begun
        in_markets = daily[daily["country"].isin(peak.markets)]
        years = {peak.start.year - 1, peak.start.year}
        for member, rows_of_member in in_markets.groupby(by):
            countries = set(rows_of_member["country"])
            holidays = set()
            for country in countries:
                holidays |= set(reference.public_holidays(country, sorted(years)))
            per_day = rows_of_member.groupby("day")["volume"].sum()
            window = [peak.start + dt.timedelta(days=i)
                      for i in range((peak.end - peak.start).days + 1)]  # fmt: skip
            window = [d for d in window if d <= last]
            base = [d for d in _baseline_days(peak.start, countries, peaks, holidays) if d >= first]
            peak_daily = per_day.reindex(window, fill_value=0).mean()
            enough = len(base) >= MIN_BASELINE_DAYS
            baseline_daily = per_day.reindex(base, fill_value=0).mean() if enough else np.nan
            rows.append({
                "peak_id": peak.peak_id, "label": peak.label, "year": peak.year,
                "start": peak.start, "end": peak.end, "member": member,
                "peak_daily": peak_daily, "baseline_daily": baseline_daily,
                "multiplier": peak_daily / baseline_daily if baseline_daily else np.nan,
                "complete": peak.end <= last,
            })  # fmt: skip
    return pd.DataFrame(rows, columns=PEAK_COLUMNS)


def year_over_year(multipliers: pd.DataFrame) -> pd.DataFrame:
    """Each peak's latest occurrence next to the one a year before, per member."""
    if multipliers.empty:
        return multipliers.assign(previous_multiplier=[], previous_peak_daily=[])
    ordered = multipliers.sort_values("start")
    latest = ordered.groupby(["peak_id", "member"]).tail(1)
    earlier = ordered.drop(latest.index).groupby(["peak_id", "member"]).tail(1)
    merged = latest.merge(
        earlier[["peak_id", "member", "multiplier", "peak_daily", "year"]],
        on=["peak_id", "member"], how="left", suffixes=("", "_previous"),
    )  # fmt: skip
    return merged.rename(columns={"multiplier_previous": "previous_multiplier",
                                  "peak_daily_previous": "previous_peak_daily",
                                  "year_previous": "previous_year"})  # fmt: skip


@precomputed
def holiday_effects(db: Database, flt: Filter, countries: list[str]) -> pd.DataFrame:
    """Public holidays in the filter's period for ``countries``: contacts that local day against
    the mean of the same weekday one and two weeks before and after."""
    daily = daily_local_volume(db, flt.narrowed(countries=tuple(countries)))
    rows = []
    for country in countries:
        per_day = daily[daily["country"] == country].groupby("day")["volume"].sum()
        years = list(range(flt.start.year, flt.end.year + 1))
        for day, name in sorted(reference.public_holidays(country, years).items()):
            if not flt.start <= day <= flt.end:
                continue
            around = [day + dt.timedelta(weeks=w) for w in (-2, -1, 1, 2)]
            usual = per_day.reindex(around).dropna()
            volume = per_day.get(day, 0)
            rows.append({
                "country": country, "day": day, "holiday": name, "volume": volume,
                "usual": usual.mean() if len(usual) else np.nan,
                "ratio": volume / usual.mean() if len(usual) and usual.mean() else np.nan,
            })  # fmt: skip
    return pd.DataFrame(rows, columns=["country", "day", "holiday", "volume", "usual", "ratio"])
