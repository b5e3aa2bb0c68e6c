"""Public holidays and named retail peaks that fall in a period, for chart markers."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

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
