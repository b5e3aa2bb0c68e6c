"""What a value in an export means: country and language names to ISO codes, the zone written
after a time to an offset or IANA zone, helpdesk words (channels, statuses, priorities, yes/no)
to the canonical values of ``data_access.schema``.

Countries resolve through pycountry (codes, English names, and the translations it ships as
gettext catalogs under ``pycountry.LOCALES_DIR``), Babel's CLDR names in every language, and, for
loose English forms such as "UK" or "Republic of Korea", country_converter's name patterns.
Languages resolve through pycountry (ISO 639 codes and names, with translations), Babel's language
names in every language ("Deutsch", "español") and locale tags ("pt-BR", "zh_Hant"). Only the
helpdesk vocabulary below is written by hand: no library holds it.

The indexes are built once per process, the translated ones only when a value needs them.
"""

from __future__ import annotations

import datetime as dt
import functools
import gettext
import importlib.resources
import re
import unicodedata
import zoneinfo
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

import pandas as pd
import pycountry
import pytz
from babel import Locale, UnknownLocaleError, localedata

from data_access.schema import CHANNELS, PRIORITIES, STATUSES

Resolver = Callable[[str], str | None]


_MARKS = re.compile("[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]+")
_NOT_WORD = re.compile(r"[\W_]+")


def normalised(text: str) -> str:
    """Case-, accent- and punctuation-insensitive form used as an index key."""
    stripped = _MARKS.sub("", unicodedata.normalize("NFKD", text))
    return _NOT_WORD.sub(" ", stripped.casefold()).strip()


def _without_brackets(text: str) -> str:
    return re.sub(r"\s*[(\[].*?[)\]]\s*", " ", text).strip()


class _Index:
    """Normalised name -> code; the first source to claim a name wins, later clashes void it."""

    def __init__(self) -> None:
        self.codes: dict[str, str | None] = {}
        self.sealed: set[str] = set()

    def add(self, name: str | None, code: str, authoritative: bool = False) -> None:
        if not name:
            return
        key = normalised(name)
        if not key:
            return
        if key not in self.codes:
            self.codes[key] = code
        elif self.codes[key] != code and key not in self.sealed:
            self.codes[key] = None  # the same word names two things in different languages
        if authoritative:
            self.sealed.add(key)

    def get(self, text: str) -> str | None:
        return self.codes.get(normalised(text))


def _babel_names(section: str, locales: Iterable[str] | None = None) -> Iterator[dict[str, str]]:
    """``territories`` or ``languages`` names of each CLDR base locale, one locale at a time.

    Read raw (no inheritance) and dropped from Babel's cache at once: holding every locale's
    full data would cost far more memory than the names.
    """
    names = locales or sorted(loc for loc in localedata.locale_identifiers() if "_" not in loc)
    for locale in names:
        try:
            data = localedata.load(locale, merge_inherited=False)
        except (OSError, ValueError):
            continue
        finally:
            localedata._cache.clear()
        yield dict(data.get(section, {}))


def _translations(domain: str) -> Iterable[gettext.NullTranslations]:
    for locale in sorted(p.name for p in importlib.resources.files(pycountry).joinpath(
            "locales").iterdir()):  # fmt: skip
        try:
            yield gettext.translation(domain, pycountry.LOCALES_DIR, languages=[locale])
        except OSError:
            continue


# ------------------------------------------------------------------------------------ countries
@functools.cache
def _country_index_english() -> _Index:
    index = _Index()
    for country in pycountry.countries:
        code = country.alpha_2
        for name in (
            code,
            country.alpha_3,
            country.name,
            getattr(country, "official_name", None),
            getattr(country, "common_name", None),
        ):
            index.add(name, code, authoritative=True)  # fmt: skip
    for code, name in next(_babel_names("territories", ["en"])).items():
        if len(code) == 2 and pycountry.countries.get(alpha_2=code):
            index.add(name, code, authoritative=True)
            index.add(_without_brackets(name), code, authoritative=True)
    return index


@functools.cache
def _country_index_translated() -> _Index:
    index = _Index()
    countries = list(pycountry.countries)
    for translation in _translations("iso3166-1"):
        for country in countries:
            for name in (country.name, getattr(country, "official_name", None),
                         getattr(country, "common_name", None)):  # fmt: skip
                if name:
                    index.add(translation.gettext(name), country.alpha_2)
    for territories in _babel_names("territories"):
        for code, name in territories.items():
            if len(code) == 2 and code.isalpha() and pycountry.countries.get(alpha_2=code):
                index.add(name, code)
                index.add(_without_brackets(name), code)
    return index


@functools.cache
def _country_patterns() -> list[tuple[re.Pattern[str], str]]:
    table = pd.read_csv(
        importlib.resources.files("country_converter") / "country_data.tsv",
        sep="\t", usecols=["ISO3", "regex"], keep_default_na=False, dtype=str,
    )  # fmt: skip
    patterns = []
    for iso3, regex in zip(table["ISO3"], table["regex"], strict=True):
        country = pycountry.countries.get(alpha_3=iso3)
        if country and regex:
            patterns.append((re.compile(regex, re.IGNORECASE), country.alpha_2))
    return patterns


# Words that tell two states of one name apart: "South Korea", "Congo, Democratic Republic of"
_QUALIFIERS = re.compile(r"^(?:(?:north|south|democratic|people s|peoples|republic|of|the)\s+)+")


@functools.cache
def _ambiguous_countries() -> dict[str, tuple[str, ...]]:
    """Names two states share once their qualifiers are gone: Korea, Congo, Sudan, ...

    Derived from the English names (pycountry, CLDR): the part before a comma, without
    brackets and leading North/South/Democratic/People's/Republic of the.
    """
    english = next(_babel_names("territories", ["en"]))
    states: dict[str, set[str]] = {}
    for country in pycountry.countries:
        names = (country.name, getattr(country, "official_name", None),
                 getattr(country, "common_name", None), english.get(country.alpha_2))  # fmt: skip
        for name in names:
            if name:
                core = _QUALIFIERS.sub("", normalised(_without_brackets(name.split(",")[0])))
                states.setdefault(core, set()).add(country.alpha_2)
    return {core: tuple(sorted(codes)) for core, codes in states.items() if len(codes) > 1}


def country_candidates(value: str) -> list[str]:
    """The codes of the states an ambiguous name could mean ("Korea": KP, KR), else []."""
    key = re.sub(r"^the ", "", normalised(value))
    return list(_ambiguous_countries().get(key, ()))


def ambiguous_country(value: str) -> str | None:
    """What an ambiguous country name could mean and how to say which, for a report."""
    if not (candidates := country_candidates(value)):
        return None
    names = " or ".join(f"{pycountry.countries.get(alpha_2=c).name} ({c})" for c in candidates)
    return f"{names}: write the code, or map the value in the mapping"


@functools.cache
def country_code(value: str) -> str | None:
    """ISO 3166-1 alpha-2 code of a country given by code or name in any common form/language;
    None for unknown and for ambiguous names (``country_candidates``)."""
    text = value.strip()
    if not text or country_candidates(text):
        return None
    # "Congo (Brazzaville)": the brackets decide, so the name without them is not looked up
    forms = [c for c in (text, _without_brackets(text)) if not country_candidates(c)]
    english = _country_index_english()
    for candidate in forms:
        if code := english.get(candidate):
            return code
    for candidate in forms:
        if code := _country_index_translated().get(candidate):
            return code
    matches = {code for pattern, code in _country_patterns() if pattern.search(text)}
    return matches.pop() if len(matches) == 1 else None


# ------------------------------------------------------------------------------------ languages
def _alpha_2_language(code: str) -> str | None:
    code = code.lower()
    if len(code) == 2:
        return code if pycountry.languages.get(alpha_2=code) else None
    if len(code) == 3:
        language = pycountry.languages.get(alpha_3=code) or pycountry.languages.get(
            bibliographic=code
        )
        return getattr(language, "alpha_2", None)
    return None


@functools.cache
def _language_index_english() -> _Index:
    index = _Index()
    for language in pycountry.languages:
        code = getattr(language, "alpha_2", None)
        if not code:
            continue
        for name in (code, language.alpha_3, getattr(language, "bibliographic", None),
                     language.name, _without_brackets(language.name),
                     getattr(language, "common_name", None)):  # fmt: skip
            index.add(name, code, authoritative=True)
    for key, name in next(_babel_names("languages", ["en"])).items():
        if code := _alpha_2_language(key.split("_")[0]):
            index.add(name, code, authoritative="_" not in key)
    return index


@functools.cache
def _language_index_translated() -> _Index:
    index = _Index()
    languages = [lang for lang in pycountry.languages if hasattr(lang, "alpha_2")]
    for translation in _translations("iso639-3"):
        for language in languages:
            translated = translation.gettext(language.name)
            index.add(translated, language.alpha_2)
            index.add(_without_brackets(translated), language.alpha_2)
    for names in _babel_names("languages"):
        for key, name in names.items():
            if code := _alpha_2_language(key.split("_")[0]):
                index.add(name, code)
    return index


@functools.cache
def language_code(value: str) -> str | None:
    """ISO 639-1 code of a language given by code, locale tag or name in any language."""
    text = value.strip()
    if not text:
        return None
    english = _language_index_english()
    for candidate in (text, _without_brackets(text)):
        if code := english.get(candidate):
            return code
    if re.fullmatch(r"[A-Za-z]{2,3}([-_][A-Za-z0-9]{2,8})+", text):
        try:
            locale = Locale.parse(text.replace("-", "_"))
        except (UnknownLocaleError, ValueError):
            locale = None
        if locale is not None and (code := _alpha_2_language(locale.language)):
            return code
        if code := _alpha_2_language(re.split(r"[-_]", text)[0]):
            return code
    for candidate in (text, _without_brackets(text)):
        if code := _language_index_translated().get(candidate):
            return code
    return None


# ------------------------------------------------------------------------------------ time zones
@dataclass(frozen=True)
class Zone:
    """What the text after a time of day means: an IANA zone, a fixed offset, or a refusal."""

    name: str | None = None  # IANA name, applied with its daylight-saving rules
    minutes: int | None = None  # offset east of UTC
    problem: str | None = None  # why the zone is not used, for the report


_UTC_WORDS = ("z", "utc", "gmt")
_OFFSET = re.compile(r"(?:UTC|GMT)?\s*([+-])(\d{1,2})(?::?(\d{2}))?", re.IGNORECASE)
_ZONE_ADVICE = "write the offset, e.g. +09:00, or the IANA zone name, e.g. Asia/Seoul"


@functools.cache
def _zone_names() -> dict[str, str]:
    """IANA zone names by their case-folded form; all-capital ones (CET, EST, ROK) are
    abbreviations in disguise and left out."""
    return {name.casefold(): name for name in zoneinfo.available_timezones()
            if name != name.upper()}  # fmt: skip


@functools.cache
def _abbreviations() -> dict[str, dict[int, list[str]]]:
    """Abbreviation -> offset in minutes -> zones using it this year (tz database, zone.tab)."""
    found: dict[str, dict[int, set[str]]] = {}
    year = dt.date.today().year
    for zone in sorted({z for zones in pytz.country_timezones.values() for z in zones}):
        info = zoneinfo.ZoneInfo(zone)
        for month in (1, 7):
            moment = dt.datetime(year, month, 15, 12, tzinfo=info)
            abbreviation, offset = moment.tzname() or "", moment.utcoffset()
            if abbreviation.isalpha() and offset is not None:
                minutes = int(offset.total_seconds() // 60)
                found.setdefault(abbreviation.upper(), {}).setdefault(minutes, set()).add(zone)
    return {a: {m: sorted(z) for m, z in sorted(by.items())} for a, by in found.items()}


def _offset_text(minutes: int) -> str:
    sign = "-" if minutes < 0 else "+"
    return f"{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


def time_zone(text: str) -> Zone:
    """The zone written after a time: Z/UTC/GMT, an offset (+09:00, +0900, GMT+9, UTC-05:30)
    or an IANA name (Asia/Seoul). Abbreviations (KST, PST, CET) are refused, never guessed:
    several zones share most of them, and the rest are not in the tz database."""
    written = text.strip()
    if written.casefold() in _UTC_WORDS:
        return Zone(minutes=0)
    if offset := _OFFSET.fullmatch(written):
        sign, hours, minutes = offset.group(1), int(offset.group(2)), int(offset.group(3) or 0)
        total = (hours * 60 + minutes) * (-1 if sign == "-" else 1)
        if minutes >= 60 or not -12 * 60 <= total <= 14 * 60:
            return Zone(problem=f'"{written}" is not a UTC offset (they run from -12:00 to '
                                "+14:00)")  # fmt: skip
        return Zone(minutes=total)
    if name := _zone_names().get(written.casefold()):
        return Zone(name=name)
    if uses := _abbreviations().get(written.upper()):
        meanings = "; ".join(
            f"{_offset_text(m)} in {', '.join(zones[:3])}"
            + (f" and {len(zones) - 3} more" if len(zones) > 3 else "")
            for m, zones in uses.items()
        )
        example = _offset_text(next(iter(uses)))
        return Zone(problem=f'"{written}" is a time-zone abbreviation, and abbreviations are '
                            "not guessed (many are shared by several zones): "
                            f"{written.upper()} is {meanings}; write the offset, e.g. "
                            f"{example}, or the zone name instead")  # fmt: skip
    return Zone(problem=f'"{written}" is not a UTC offset or a time-zone name; {_ZONE_ADVICE}')


# ------------------------------------------------------------------- helpdesk vocabulary
# Words helpdesk, contact-centre and survey exports use, to the canonical values.
CHANNEL_WORDS = {
    "email": ("email", "e-mail", "mail", "inbound email", "email ticket"),
    "chat": ("chat", "live chat", "livechat", "web chat", "webchat", "chat transcript"),
    "phone": ("phone", "call", "voice", "telephone", "phone call", "inbound call", "voicemail",
              "callback", "ivr"),
    "social": ("social", "twitter", "x", "facebook", "instagram", "social media", "tiktok",
               "linkedin", "youtube"),
    "web_form": ("web form", "webform", "web", "form", "web widget", "contact form", "portal",
                 "help center", "helpcenter", "website", "self service", "api"),
    "messaging": ("messaging", "whatsapp", "sms", "text", "messenger", "facebook messenger",
                  "line", "telegram", "wechat", "kakaotalk", "viber", "apple messages",
                  "in app", "in app messaging", "mobile app", "app"),
}  # fmt: skip
STATUS_WORDS = {
    "open": ("open", "new", "opened", "assigned", "in progress", "forwarded", "escalated",
             "snoozed", "reopened", "active"),
    "pending": ("pending", "hold", "on hold", "waiting", "waiting on customer",
                "waiting on third party", "awaiting reply"),
    "solved": ("solved", "resolved", "done", "completed", "answered"),
    "closed": ("closed", "archived", "cancelled", "canceled", "referred out", "merged"),
    "abandoned": ("abandoned", "hang", "hung up", "missed", "no answer", "dropped"),
}  # fmt: skip
PRIORITY_WORDS = {
    "low": ("low", "p4", "minor", "lowest", "4"),
    "normal": ("normal", "medium", "p3", "moderate", "standard", "3"),
    "high": ("high", "p2", "major", "important", "2"),
    "urgent": ("urgent", "p1", "critical", "highest", "blocker", "emergency", "1"),
}  # fmt: skip
YES_NO_WORDS = {
    "true": ("true", "yes", "y", "1", "t", "x", "ja", "oui", "si", "sí"),
    "false": ("false", "no", "n", "0", "f", "nein", "non"),
}  # fmt: skip


def _vocabulary(words: dict[str, tuple[str, ...]]) -> dict[str, str]:
    return {normalised(w): code for code, synonyms in words.items() for w in (code, *synonyms)}


_CHANNELS = _vocabulary(CHANNEL_WORDS)
_STATUSES = _vocabulary(STATUS_WORDS)
_PRIORITIES = _vocabulary(PRIORITY_WORDS)
_YES_NO = _vocabulary(YES_NO_WORDS)
assert set(_CHANNELS.values()) == set(CHANNELS)
assert set(_STATUSES.values()) == set(STATUSES)
assert set(_PRIORITIES.values()) == set(PRIORITIES)


def channel_code(value: str) -> str | None:
    return _CHANNELS.get(normalised(value))


def status_code(value: str) -> str | None:
    return _STATUSES.get(normalised(value))


def priority_code(value: str) -> str | None:
    return _PRIORITIES.get(normalised(value))


def yes_no(value: str) -> str | None:
    """'true' or 'false' (as text, cast in SQL), or None for anything else."""
    return _YES_NO.get(normalised(value))


# Columns whose values are codes, by column name (the same in every table that has them).
RESOLVERS: dict[str, Resolver] = {
    "country": country_code,
    "language": language_code,
    "languages": language_code,
    "channel": channel_code,
    "channels": channel_code,
    "status": status_code,
    "priority": priority_code,
}
# Columns whose names may fit several codes: the reason in the validation report and what
# the value could mean (None when it is not ambiguous).
AMBIGUOUS: dict[str, tuple[str, Callable[[str], str | None]]] = {
    "country": ("ambiguous country", ambiguous_country),
}
# What an unresolved value of each code column is called in the validation report.
UNKNOWN_REASON = {
    "country": "unknown country",
    "language": "unknown language",
    "languages": "unknown language",
    "channel": "unknown channel",
    "channels": "unknown channel",
    "status": "unknown status",
    "priority": "unknown priority",
}
