"""Public holidays and named retail peaks: those that fall in a period (chart markers), and
each day's share of a series' volume on a holiday or in a peak (the calendar effects that
forecasts and the anomaly scan estimate)."""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Sequence

import numpy as np
import pandas as pd

from data_access import reference
from data_access.retail_calendar import peak_calendar

EVENT_COLUMNS = ["start", "end", "label", "kind", "countries"]


def of_markets(peaks: pd.DataFrame, countries: Sequence[str]) -> pd.DataFrame:
    """The rows of a peak calendar held in any of ``countries`` (all rows when empty)."""
    if not countries:
        return peaks
    return peaks[peaks["markets"].map(lambda markets: bool(set(markets) & set(countries)))]


def calendar_events(
    start: dt.date, end: dt.date, countries: Sequence[str], max_holiday_countries: int = 3
) -> pd.DataFrame:
    """Peaks for any of ``countries`` (all peaks when empty) and, for up to
    ``max_holiday_countries`` countries, their public holidays."""
    years = list(range(start.year, end.year + 1))
    peaks = of_markets(peak_calendar(years), countries)
    peaks = peaks[(peaks["end"] >= start) & (peaks["start"] <= end)]
    rows = [
        {"start": p.start, "end": p.end, "label": p.label, "kind": "peak",
         "countries": ", ".join(sorted(set(p.markets) & set(countries))) or "several"}
        for p in peaks.itertuples()
    ]  # fmt: skip
    if countries and len(countries) <= max_holiday_countries:
        for country in countries:
            for day, name in reference.public_holidays(country, years).items():
                if start <= day <= end:
                    rows.append({"start": day, "end": day, "label": name,
                                 "kind": "holiday", "countries": country})  # fmt: skip
    return pd.DataFrame(rows, columns=EVENT_COLUMNS).sort_values("start", ignore_index=True)


def calendar_features(days: pd.DatetimeIndex, shares: pd.Series) -> pd.DataFrame:
    """Per day: share of the volume whose market has a public holiday / is in each peak."""
    first, last = days[0].date(), days[-1].date()
    columns: dict[str, np.ndarray] = {"holiday": np.zeros(len(days))}
    for country, share in shares.items():
        for name, indicator in _market_calendar(str(country), first, last).items():
            columns[name] = columns.get(name, 0.0) + share * indicator
    peaks = sorted(name for name in columns if name != "holiday" and columns[name].any())
    return pd.DataFrame({name: columns[name] for name in ("holiday", *peaks)}, index=days)


@functools.lru_cache(maxsize=512)
def _market_calendar(country: str, first: dt.date, last: dt.date) -> dict[str, np.ndarray]:
    """One market's days: 1 on its public holidays, and 1 inside each of its retail peaks."""
    dates = pd.date_range(first, last).date
    years = list(range(first.year, last.year + 1))
    found = {}
    for row in peak_calendar(years).itertuples():
        if country in row.markets:
            inside = (dates >= row.start) & (dates <= row.end)
            found[row.peak_id] = found.get(row.peak_id, False) | inside
    in_peak = np.any(list(found.values()), axis=0) if found else np.zeros(len(dates), bool)
    # a named peak outweighs a public holiday inside it (Chuseok week, Christmas week): its
    # effect is the peak's, learnt from its own days
    holiday = np.isin(dates, list(reference.public_holidays(country, years))) & ~in_peak
    return {"holiday": holiday.astype(float)} | {k: v.astype(float) for k, v in found.items()}
