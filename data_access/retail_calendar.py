"""Named retail peaks as a table of dates per year.

Each peak is declared once as a rule: an anchor day per year (from the ``holidays`` package where
the date moves, e.g. US Thanksgiving for Black Friday, the lunar calendar for Lunar New Year and
Chuseok) and a window around it. ``peak_calendar(years)`` turns the rules into rows that pages,
the forecast and the sample generator share.

Holiday names are matched as the package's English names, one name at a time: the package joins
two holidays on the same day into one entry ("Chuseok; National Foundation Day" in 2028), so an
exact match on the whole entry breaks in some years. A year whose anchor the package does not know
(its lunar calendars end in 2100) has no row rather than stopping the app.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass

import holidays
import pandas as pd

log = logging.getLogger(__name__)

WESTERN_MARKETS = (
    "US", "CA", "MX", "BR", "AR", "CO", "CL", "GB", "IE", "DE", "AT", "CH", "FR", "BE", "NL",
    "ES", "IT", "PL", "SE", "AU", "NZ", "ZA",
)  # fmt: skip


def _holiday_named(country: str, year: int, name: str) -> dt.date:
    """First day in a country's calendar with a holiday called ``name`` (in English, case aside),
    alone or among the names the package joins for one day."""
    calendar = holidays.country_holidays(country, years=year, language="en_US")
    days = calendar.get_named(name, lookup="iexact", split_multiple_names=True)
    if not days:
        raise LookupError(f"no holiday named {name!r} in {country} {year}")
    return min(days)


def _black_friday(year: int) -> dt.date:
    return _holiday_named("US", year, "Thanksgiving Day") + dt.timedelta(days=1)


def _lunar_new_year(year: int) -> dt.date:
    return _holiday_named("CN", year, "Chinese New Year (Spring Festival)")


def _chuseok(year: int) -> dt.date:
    return _holiday_named("KR", year, "Chuseok")


def _fixed(month: int, day: int) -> Callable[[int], dt.date]:
    return lambda year: dt.date(year, month, day)


@dataclass(frozen=True)
class PeakRule:
    peak_id: str
    label: str
    markets: tuple[str, ...]
    anchor: Callable[[int], dt.date]
    first_day: int  # offset of the window's first day from the anchor
    last_day: int  # offset of the window's last day (inclusive)
    description: str


PEAK_RULES: tuple[PeakRule, ...] = (
    PeakRule(
        "black_friday",
        "Black Friday – Cyber Monday",
        WESTERN_MARKETS,
        _black_friday,
        0,
        3,
        "Friday after US Thanksgiving through Cyber Monday.",
    ),
    PeakRule(
        "december",
        "December gifting",
        WESTERN_MARKETS,
        _fixed(12, 1),
        0,
        22,
        "Christmas shopping and delivery questions, 1–23 December.",
    ),
    PeakRule(
        "returns_season",
        "Post-Christmas returns",
        WESTERN_MARKETS,
        _fixed(12, 27),
        0,
        14,
        "Returns and refunds after Christmas, 27 December – 10 January.",
    ),
    PeakRule(
        "singles_day",
        "11.11 Singles' Day",
        ("CN", "TW", "HK", "SG"),
        _fixed(11, 11),
        0,
        3,
        "Singles' Day sales and their delivery questions, 11–14 November.",
    ),
    PeakRule(
        "lunar_new_year",
        "Lunar New Year",
        ("CN", "KR", "VN", "TW", "HK", "SG"),
        _lunar_new_year,
        -14,
        -1,
        "Two weeks of gift orders and shipping deadlines before Lunar New Year.",
    ),
    PeakRule(
        "golden_week",
        "Golden Week",
        ("JP",),
        _fixed(4, 29),
        0,
        6,
        "Japan's Golden Week, 29 April – 5 May.",
    ),
    PeakRule(
        "chuseok",
        "Chuseok",
        ("KR",),
        _chuseok,
        -10,
        -1,
        "Gift season in the ten days before Chuseok.",
    ),
)


def peak_calendar(years: list[int] | range) -> pd.DataFrame:
    """One row per peak and year: peak_id, label, year, start, end (dates, inclusive), markets."""
    rows = []
    for rule in PEAK_RULES:
        for year in years:
            try:
                anchor = rule.anchor(year)
            except LookupError as error:
                log.warning("retail peak %s left out of %d: %s", rule.peak_id, year, error)
                continue
            rows.append(
                {
                    "peak_id": rule.peak_id,
                    "label": rule.label,
                    "year": year,
                    "start": anchor + dt.timedelta(days=rule.first_day),
                    "end": anchor + dt.timedelta(days=rule.last_day),
                    "markets": list(rule.markets),
                    "description": rule.description,
                }
            )
    return pd.DataFrame(rows, columns=["peak_id", "label", "year", "start", "end", "markets",
                                       "description"])  # fmt: skip
