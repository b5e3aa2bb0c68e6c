"""The interface language: message catalogs, the active locale, localized names.

English is the message id itself; every other language is one catalog,
``locales/<lang>/LC_MESSAGES/messages.po``, read with Babel and compiled in memory on first use
(no ``.mo`` files in the repository). Adding a language is adding a catalog.

The active language is a context variable, so plain Python (exports, ``python -m atlas pack``)
sets it with ``using(lang)`` and Streamlit pages with ``ui.language.language_switch()``
(from the ``lang`` URL parameter, else the browser's locale). Deferred work that runs outside
the script thread (download buttons) must carry its language explicitly.

Country and language names come from pycountry's own translations (gettext domains
``iso3166-1`` and ``iso639-3``), then from Babel's CLDR names where pycountry has none (Dutch,
Swahili in Korean), never from our catalog.
"""

from __future__ import annotations

import contextlib
import contextvars
import functools
import gettext
import io
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TypeVar

import pycountry
from babel import Locale
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations

from data_access import reference

LOCALES = Path(__file__).resolve().parent.parent / "locales"
DOMAIN = "messages"
DEFAULT = "en"
_active: contextvars.ContextVar[str] = contextvars.ContextVar("service_atlas_lang", default=DEFAULT)
T = TypeVar("T")


def available() -> tuple[str, ...]:
    """English first, then every language that has a catalog."""
    return _catalogs(LOCALES)


@functools.cache
def _catalogs(folder: Path) -> tuple[str, ...]:
    found = sorted(p.parent.parent.name for p in folder.glob(f"*/LC_MESSAGES/{DOMAIN}.po"))
    return (DEFAULT, *[lang for lang in found if lang != DEFAULT])


def catalog_path(lang: str) -> Path:
    return LOCALES / lang / "LC_MESSAGES" / f"{DOMAIN}.po"


def _translations(lang: str) -> gettext.NullTranslations:
    return _compiled(LOCALES, lang)


@functools.cache
def _compiled(folder: Path, lang: str) -> gettext.NullTranslations:
    path = folder / lang / "LC_MESSAGES" / f"{DOMAIN}.po"
    if lang == DEFAULT or not path.exists():
        return gettext.NullTranslations()
    with path.open("rb") as po:
        catalog = read_po(po, locale=lang, domain=DOMAIN)
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return Translations(buffer, domain=DOMAIN)


def current() -> str:
    """The active language code ('en', 'ko')."""
    return _active.get()


def set_language(lang: str) -> None:
    """Make ``lang`` the active language of this thread/context (unknown codes: English)."""
    _active.set(lang if lang in available() else DEFAULT)


@contextlib.contextmanager
def using(lang: str | None) -> Iterator[str]:
    """Run a block in ``lang`` (None keeps the active one), e.g. an export or the pack CLI."""
    lang = current() if lang is None else (lang if lang in available() else DEFAULT)
    token = _active.set(lang)
    try:
        yield lang
    finally:
        _active.reset(token)


def bound(function: Callable[[T], str]) -> Callable[[T], str]:
    """``function`` fixed to the active language: for formatters Streamlit keeps and may call
    outside this script run's thread (a widget's ``format_func``)."""
    lang = current()

    def call(value: T) -> str:
        with using(lang):
            return function(value)

    return call


def _(message: str) -> str:
    """The message in the active language (the English message id when untranslated)."""
    return _translations(current()).gettext(message)


def translate(message: str) -> str:
    """``_`` for a message held in a variable (a constant marked with ``N_``, a registry text,
    a member name); ``_`` itself only ever takes a literal, so the catalog check sees them all.
    Text that is not a message (empty, not a string) comes back unchanged."""
    if not isinstance(message, str) or not message:
        return message  # gettext("") would be the catalog's header
    return _translations(current()).gettext(message)


def N_(message: str) -> str:  # the gettext convention: "mark now, translate later"
    """Mark a message for the catalog without translating it yet (module-level constants)."""
    return message


def locale() -> Locale:
    """The Babel locale of the active language (number, date and name formats)."""
    return _locale(current())


@functools.cache
def _locale(lang: str) -> Locale:
    return Locale.parse(lang)


def native_name(lang: str) -> str:
    """A language's name in itself ('English', '한국어'), for the switch."""
    name = _locale(lang).get_display_name(lang) or lang
    return name[:1].upper() + name[1:]


def browser_language(browser_locale: str | None) -> str:
    """The catalog language matching a browser locale ('ko-KR' -> 'ko'), else English."""
    if browser_locale:
        primary = re.split(r"[-_]", browser_locale.strip())[0].lower()
        if primary in available():
            return primary
    return DEFAULT


# ------------------------------------------------------------------ names from pycountry
@functools.cache
def _iso_domain(domain: str, lang: str) -> gettext.NullTranslations:
    if lang == DEFAULT:
        return gettext.NullTranslations()
    return gettext.translation(domain, pycountry.LOCALES_DIR, languages=[lang], fallback=True)


def country_name(code: str) -> str:
    """A country's name in the active language: 'South Korea' / '대한민국'."""
    english = reference.country_name(code)
    lang = current()
    if lang == DEFAULT:
        return english
    country = pycountry.countries.get(alpha_2=code)
    if country is None:
        return english
    names = _iso_domain("iso3166-1", lang)
    for name in (getattr(country, "common_name", None), country.name):
        if name:
            translated = names.gettext(name)
            if translated != name:
                return translated
    return _locale(lang).territories.get(code, english)


def language_name(code: str) -> str:
    """A language's name in the active language: 'Korean' / '한국어'."""
    english = reference.language_name(code)
    lang = current()
    if lang == DEFAULT:
        return english
    language = pycountry.languages.get(alpha_2=code)
    if language is None:
        return english
    translated = _iso_domain("iso639-3", lang).gettext(language.name)
    if translated != language.name:
        return re.sub(r"\s*\(.*\)$", "", translated)
    return _locale(lang).languages.get(code, english)


def country_label(code: str) -> str:
    return f"{country_name(code)} ({code})"


def language_label(code: str) -> str:
    return f"{language_name(code)} ({code})"
