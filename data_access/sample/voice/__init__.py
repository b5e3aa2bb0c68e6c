"""The sample's survey comment corpus: one TOML file per language (``<lang>.toml`` here).

Each file holds, for every theme a customer writes about, ten or more sentences written as
customers of that language write, plus openers and closers; the generator assembles comments
from them (``generator.SampleGenerator._comments``). The format is described in each file's
header. ``load`` checks a file completely before the generator uses it, and names the file and
key of anything wrong, so a broken corpus never yields a half-written sample.
"""

from __future__ import annotations

import string
import tomllib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

FOLDER = Path(__file__).resolve().parent

# Theme ids and the tone of the comments that carry them (negative: CSAT 1-2, neutral: 3,
# positive: 4-5). The generator decides a comment's theme from its ticket.
THEMES: dict[str, str] = {
    "refund_wait": "negative",
    "late_delivery": "negative",
    "damaged_parcel": "negative",
    "payment_failed": "negative",
    "login_problem": "negative",
    "app_crash": "negative",
    "repeat_explain": "negative",
    "slow_reply": "negative",
    "fast_help": "positive",
    "friendly_agent": "positive",
    "first_contact": "positive",
    "mixed": "neutral",
}
MIN_SENTENCES = 10
# the lists around the theme sentences and the fewest entries each must have
PART_LISTS = {"openers": 6, "closers": 6, "closers_good": 4, "closers_bad": 4}
PLACEHOLDERS = ("days", "hours", "order")  # the only names a sentence may use in braces


class CorpusError(ValueError):
    """A corpus file is missing or breaks the format; the message names the file and key."""


@dataclass(frozen=True)
class Voice:
    """One language's corpus."""

    joiner: str  # between the parts of a comment: " ", or "" for languages without spaces
    openers: tuple[str, ...]
    closers: tuple[str, ...]  # endings for neutral comments (CSAT 3)
    closers_good: tuple[str, ...]  # ... for positive ones
    closers_bad: tuple[str, ...]  # ... for negative ones
    themes: dict[str, tuple[str, ...]]  # theme id -> sentences, in THEMES order


def load(languages: Iterable[str], folder: Path | None = None) -> dict[str, Voice]:
    """The corpus of each language (from ``folder``, by default ``FOLDER``); a missing or broken
    file raises ``CorpusError``."""
    voices = {}
    for language in languages:
        path = (folder or FOLDER) / f"{language}.toml"
        if not path.is_file():
            raise CorpusError(f"{path}: missing: every sample language needs a comment corpus")
        voices[language] = _read(path)
    return voices


def _read(path: Path) -> Voice:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as err:
        raise CorpusError(f"{path}: not a UTF-8 TOML file: {err}") from None

    def fail(key: str, problem: str) -> CorpusError:
        return CorpusError(f"{path}: {key}: {problem}")

    unknown = set(data) - {"joiner", "themes", *PART_LISTS}
    if unknown:
        raise fail(sorted(unknown)[0], "unknown key")
    if not isinstance(data.get("joiner"), str):
        raise fail("joiner", 'must be a string (" " or "")')
    themes = data.get("themes")
    if not isinstance(themes, dict):
        raise fail("themes", "missing: a [themes] table is needed")
    for theme in themes:
        if theme not in THEMES:
            raise fail(f"themes.{theme}", f"unknown theme (known: {', '.join(THEMES)})")
    parts = {key: _texts(data.get(key), fail, key, least) for key, least in PART_LISTS.items()}
    sentences = {
        theme: _texts(themes.get(theme), fail, f"themes.{theme}", MIN_SENTENCES) for theme in THEMES
    }
    seen: dict[str, str] = {}
    for theme, texts in sentences.items():
        for text in texts:
            if text in seen:
                raise fail(f"themes.{theme}", f"{text!r} is also in themes.{seen[text]}")
            seen[text] = theme
    return Voice(data["joiner"], themes=sentences, **parts)


def _texts(
    value: object, fail: Callable[[str, str], CorpusError], key: str, least: int
) -> tuple[str, ...]:
    """A list of at least ``least`` distinct non-blank strings with only allowed placeholders."""
    if not isinstance(value, list):
        raise fail(key, f"missing: a list of at least {least} strings is needed")
    if len(value) < least:
        raise fail(key, f"has {len(value)} entries, at least {least} are needed")
    for i, text in enumerate(value):
        if not isinstance(text, str) or not text.strip():
            raise fail(f"{key}[{i}]", "must be a non-blank string")
        problem = _placeholder_problem(text)
        if problem:
            raise fail(f"{key}[{i}]", f"{text!r}: {problem}")
    repeated = next((t for i, t in enumerate(value) if t in value[:i]), None)
    if repeated is not None:
        raise fail(key, f"{repeated!r} appears twice")
    return tuple(value)


def _placeholder_problem(text: str) -> str | None:
    allowed = ", ".join(f"{{{name}}}" for name in PLACEHOLDERS)
    try:
        fields = list(string.Formatter().parse(text))
    except ValueError:
        return f"unbalanced braces (only {allowed} may use them)"
    for literal, name, spec, conversion in fields:
        if "{" in literal or "}" in literal:
            return f"braces outside a placeholder (only {allowed} may use them)"
        if name is not None and (name not in PLACEHOLDERS or spec or conversion):
            return f"placeholder {{{name}}} is not allowed (only {allowed})"
    return None
