"""Small TOML settings files people write by hand (alert rules, access rules): reading, the line of
every key, and messages that quote a bad value safely and suggest the near miss.

Each file is a list of ``[[<entry>]]`` tables plus a few top-level keys. tomllib gives no
positions for keys, so ``Places`` finds them in the raw text, and ``Problems`` collects every
problem of a file into one message, in line order.
"""

from __future__ import annotations

import difflib
import math
import re
import tomllib
from collections.abc import Callable, Iterable
from pathlib import Path

from data_access.reference import is_country_code, is_language_code
from data_access.schema import CHANNELS, PRIORITIES

MAX_SHOWN = 60  # characters of a bad value quoted in a message

Fail = Callable[[str | None, str], None]  # records (key of the entry, problem)


def read_config_file(path: Path) -> str:
    """The text of a small UTF-8 settings file the user names (e.g. alert rules).

    Raises ``ValueError`` naming the file as given when it cannot be read.
    """
    try:
        return Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ValueError(f"{path}: no such file") from None
    except UnicodeDecodeError as error:
        raise ValueError(f"{path}: not UTF-8 text (byte {error.start})") from None
    except OSError as error:
        raise ValueError(f"{path}: cannot read it ({error.strerror or error})") from None


def parse_toml(text: str, source_name: str) -> dict:
    """The parsed file, or ``ValueError`` "file, line 4, column 5: not valid TOML: ..."."""
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise ValueError(f"{source_name}, {_syntax_position(str(error))}") from None


def parse_file_text(text: str, source_name: str) -> tuple[dict, Places, Problems]:
    """The parsed file, the lines of its keys and an empty problem list to fill while checking
    it; ``ValueError`` if it is not TOML."""
    return parse_toml(text, source_name), Places(text), Problems(source_name)


def _syntax_position(message: str) -> str:
    """tomllib's "Invalid value (at line 4, column 5)" as "line 4, column 5: Invalid value"."""
    found = re.fullmatch(r"(.*) \(at (line \d+, column \d+|end of document)\)", message, re.S)
    if not found:
        return f"not valid TOML: {message}"
    problem, position = found.groups()
    position = "at the end" if position == "end of document" else position
    return f"{position}: not valid TOML: {problem}"


class Problems:
    """Every problem of one file, each with the file and its line (or entry number)."""

    def __init__(self, source_name: str) -> None:
        self.source_name = source_name
        self._found: list[tuple[int, str]] = []

    def report(self, line: int | None, problem: str, entry_number: int | None = None) -> None:
        where = f"line {line}" if line else f"rule {entry_number}" if entry_number else "file"
        self._found.append((line or 0, f"{self.source_name}, {where}: {problem}"))

    def __bool__(self) -> bool:
        return bool(self._found)

    def message(self) -> str:
        """One line per problem, in line order."""
        return "\n".join(message for _, message in sorted(self._found, key=lambda p: p[0]))


def shown(value: object) -> str:
    """A value from the file as a message shows it: quoted and escaped by repr, never run."""
    text = repr(value)
    return text if len(text) <= MAX_SHOWN else text[: MAX_SHOWN - 1] + "…"


def suggest(value: object, choices: Iterable[str]) -> str:
    """ "; did you mean 'sla'?" for a near miss, else the list of valid names."""
    choices = list(choices)
    close = difflib.get_close_matches(str(value), choices, n=3)
    if close:
        return f"; did you mean {' or '.join(map(repr, close))}?"
    return f"; one of {', '.join(choices)}"


def is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def is_code(column: str, code: object) -> bool:
    """Whether ``code`` is a valid value of the ticket ``column`` as a settings file writes it."""
    if not isinstance(code, str):
        return False
    if column == "country":
        return is_country_code(code) and code.isupper()
    if column == "language":
        return is_language_code(code) and code.islower()
    if column == "channel":
        return code in CHANNELS
    if column == "priority":
        return code in PRIORITIES
    return bool(code.strip()) and code.isprintable()  # hubs and contact reasons vary by company


def code_hint(column: str) -> str:
    return {
        "country": " (ISO 3166-1 alpha-2 in capitals, e.g. 'DE')",
        "language": " (ISO 639-1 in lower case, e.g. 'de')",
        "channel": f" (one of {', '.join(CHANNELS)})",
        "priority": f" (one of {', '.join(PRIORITIES)})",
    }.get(column, " (a non-empty name)")


def codes(column: str, raw: object, key: str, fail: Fail) -> tuple[str, ...]:
    """A code or list of codes of ``column`` (e.g. ``countries = ["KR", "JP"]``), checked."""
    listed = [raw] if isinstance(raw, str) else raw
    if not isinstance(listed, list) or not listed:
        fail(key, f"{key} must be a code or a list of codes, not {shown(raw)} "
                  "(leave it out for every value)")  # fmt: skip
        return ()
    bad = [code for code in listed if not is_code(column, code)]
    if bad:
        fail(key, f"unknown {column} code{'s' if len(bad) > 1 else ''} "
                  f"{', '.join(map(shown, bad))}{code_hint(column)}")  # fmt: skip
    return tuple(dict.fromkeys(listed))


# A line that starts with "[[<entry>]]" opens the next entry (the n-th such line is the n-th
# entry of the parsed list), "[<entry>.scope]" continues it, and "key =" inside records the first
# line of that key (dotted below a sub-table: "scope.country"). A best effort: a line inside a
# multi-line string that looks like a header can mislead it, and entries written as an inline
# array (rule = [{...}]) have no header lines; then a problem is placed at its entry's header or
# reported as "rule N".
_HEADER = re.compile(r"\s*\[(\[?)([^\[\]]*)\]")
_ASSIGNMENT = re.compile(r"""\s*((?:"(?:[^"\\]|\\.)*"|'[^']*'|[\w\-. ])+?)\s*=""")


def _key_name(raw: str) -> str:
    """A key as written (``scope . country``, ``"a\\u0007b"``) as its dotted name."""
    try:
        parsed: object = tomllib.loads(f"{raw} = 0")
    except tomllib.TOMLDecodeError:
        return raw.strip()
    parts = []
    while isinstance(parsed, dict):
        ((key, parsed),) = parsed.items()
        parts.append(key)
    return ".".join(parts)


class Places:
    """The lines of a file's top-level keys and of each ``[[entry]]``'s keys."""

    def __init__(self, text: str, entry: str = "rule") -> None:
        self.top: dict[str, int] = {}  # top-level key or table -> line
        self.entries: list[dict[str, int]] = []  # per [[entry]]: "" (its header), keys -> line
        keys, prefix = self.top, ""
        for number, line in enumerate(text.splitlines(), 1):
            header = _HEADER.match(line)
            if header:
                name = _key_name(header.group(2))
                if header.group(1) and name == entry:
                    keys, prefix = {"": number}, ""
                    self.entries.append(keys)
                elif name.startswith(f"{entry}.") and self.entries:
                    keys, prefix = self.entries[-1], name.removeprefix(f"{entry}.")
                    keys.setdefault(prefix, number)
                    prefix += "."
                else:
                    keys, prefix = self.top, name + "."
                    keys.setdefault(name.split(".")[0], number)
                continue
            assignment = _ASSIGNMENT.match(line)
            if assignment:
                name = prefix + _key_name(assignment.group(1))
                keys.setdefault(name, number)
                keys.setdefault(name.split(".")[0], number)

    def line(self, index: int, key: str | None = None) -> int | None:
        """The line of ``key`` in entry ``index`` (0-based), else its header line, else None."""
        if index >= len(self.entries):
            return None
        keys = self.entries[index]
        return keys.get(key or "", keys.get(key.split(".")[0] if key else "", keys[""]))
