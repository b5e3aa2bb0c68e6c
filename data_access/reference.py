"""Reference data about countries and languages, read from maintained packages.

- ISO 3166 country and ISO 639 language codes and names: ``pycountry``.
- UN M49 region and subregion: ``country_converter`` (its ``continent`` and ``UNregion`` columns).
- Country time zones: the IANA tz database's ``zone.tab`` as shipped in ``pytz``.
- Weekend days and public holidays: ``holidays``.

The only choice made here is which zone speaks for a country that spans several (``zone.tab``
lists zones east to west, not by population); ``MAIN_ZONE_OVERRIDES`` records it.
"""

from __future__ import annotations

import datetime as dt
import functools
import importlib.resources
import re

import holidays
import pandas as pd
import pycountry
import pytz

# For multi-zone countries whose first zone.tab entry is not where most people live.
MAIN_ZONE_OVERRIDES = {
    "AU": "Australia/Sydney",
    "BR": "America/Sao_Paulo",
    "CA": "America/Toronto",
    "RU": "Europe/Moscow",
}


@functools.cache
def _un_regions() -> dict[str, tuple[str, str]]:
    # country_converter's own table, read directly: its converter class does not load under
    # pandas 3, and the table is all we need ("NA" is Namibia, not a missing value).
    table = pd.read_csv(
        importlib.resources.files("country_converter") / "country_data.tsv",
        sep="\t",
        usecols=["ISO3", "continent", "UNregion"],
        keep_default_na=False,
        dtype=str,
    )
    by_iso3 = {
        iso3: ("Americas" if continent == "America" else continent, subregion)  # M49 names
        for iso3, continent, subregion in zip(
            table["ISO3"], table["continent"], table["UNregion"], strict=True
        )
    }
    # keyed by alpha-2 through pycountry (the table's ISO2 column holds regexes for a few rows)
    return {c.alpha_2: by_iso3[c.alpha_3] for c in pycountry.countries if c.alpha_3 in by_iso3}


def is_country_code(code: str) -> bool:
    return (
        isinstance(code, str)
        and len(code) == 2
        and pycountry.countries.get(alpha_2=code) is not None
    )


def is_language_code(code: str) -> bool:
    return (
        isinstance(code, str)
        and len(code) == 2
        and pycountry.languages.get(alpha_2=code) is not None
    )


@functools.cache
def country_name(code: str) -> str:
    """Friendly English name: 'South Korea' rather than 'Korea, Republic of'."""
    country = pycountry.countries.get(alpha_2=code)
    if country is None:
        return code
    return getattr(country, "common_name", None) or country.name


@functools.cache
def language_name(code: str) -> str:
    language = pycountry.languages.get(alpha_2=code)
    if language is None:
        return code
    # 'Swahili (macrolanguage)' -> 'Swahili', 'Modern Greek (1453-)' -> 'Modern Greek'
    return re.sub(r"\s*\(.*\)$", "", language.name)


def country_label(code: str) -> str:
    return f"{country_name(code)} ({code})"


def language_label(code: str) -> str:
    return f"{language_name(code)} ({code})"


@functools.cache
def country_iso3(code: str) -> str | None:
    country = pycountry.countries.get(alpha_2=code)
    return country.alpha_3 if country else None


@functools.cache
def country_timezone(code: str) -> str:
    """The IANA zone used for a customer's local time in this country."""
    if code in MAIN_ZONE_OVERRIDES:
        return MAIN_ZONE_OVERRIDES[code]
    zones = pytz.country_timezones.get(code)
    return zones[0] if zones else "UTC"


def country_region(code: str) -> tuple[str, str]:
    """(UN M49 region, subregion), e.g. ('Asia', 'Eastern Asia')."""
    return _un_regions().get(code, ("Unknown", "Unknown"))


@functools.cache
def weekend_days(code: str) -> frozenset[int]:
    """Weekday numbers (Monday=0) of the local weekend, e.g. {4, 5} (Fri–Sat) in Saudi Arabia."""
    try:
        return frozenset(holidays.country_holidays(code).weekend)
    except NotImplementedError:
        return frozenset({5, 6})


def public_holidays(code: str, years: list[int], language: str = "en") -> dict[dt.date, str]:
    """Public holidays of a country in the given years ({} when the package has no calendar),
    named in ``language`` where the package has that language for the country, else in English."""
    return dict(_public_holidays(code, tuple(years), language))


@functools.lru_cache(maxsize=1024)
def _public_holidays(code: str, years: tuple[int, ...], language: str) -> tuple:
    try:
        calendar = holidays.country_holidays(code, years=years)
    except NotImplementedError:
        return ()
    supported = calendar.supported_languages
    chosen = next((name for name in (language, f"{language}_US", "en_US") if name in supported),
                  None)  # fmt: skip
    if chosen:
        calendar = holidays.country_holidays(code, years=years, language=chosen)
    return tuple(sorted(calendar.items()))


def countries_frame(codes: list[str]) -> pd.DataFrame:
    """One row per country: code, name, label, iso3, region, subregion, timezone."""
    rows = []
    for code in codes:
        region, subregion = country_region(code)
        rows.append(
            {
                "country": code,
                "name": country_name(code),
                "label": country_label(code),
                "iso3": country_iso3(code),
                "region": region,
                "subregion": subregion,
                "timezone": country_timezone(code),
            }
        )
    columns = ["country", "name", "label", "iso3", "region", "subregion", "timezone"]
    return pd.DataFrame(rows, columns=columns).astype("string" if not rows else {})


@functools.cache
def world_topojson() -> str:
    """The world map plotly draws choropleths on (static/topojson/world_110m.json), as text: a
    document that carries it draws its maps without fetching anything."""
    from data_access.config import PROJECT_ROOT

    return (PROJECT_ROOT / "static" / "topojson" / "world_110m.json").read_text(encoding="utf-8")
