"""Alert rules: which KPI to watch where, what counts as a finding and who hears about it.

Rules come from a small TOML file (``docs/alerts.md`` describes it, ``docs/alerts.example.toml``
is a commented example) or, without one, from ``default_rules()``. A bad file raises
``RulesError`` listing every problem, each with the file and line. ``data_access`` reads the
file; this module checks its text against the KPI registry and the code lists and sends nothing.
"""

from __future__ import annotations

import difflib
import math
import re
import tomllib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Literal
from urllib.parse import urlsplit

from data_access.config import read_config_file
from data_access.filters import COLUMN_FIELDS, DIMENSION_FIELDS
from data_access.reference import is_country_code, is_language_code
from data_access.schema import CHANNELS, PRIORITIES
from metrics.registry import KPIS

When = Literal["anomaly", "target", "below", "above"]
WHENS: tuple[When, ...] = ("anomaly", "target", "below", "above")
# Default minimum size of an anomaly, |actual / expected - 1|, for the service KPIs whose daily
# series are watched by default (WATCHED_KPIS). Smaller anomalies are real but not worth a message:
ANOMALY_MIN_SIZE = {
    # a market's daily volume moves 10-15 % around its weekly pattern on ordinary days; a fifth
    # more (or fewer) contacts than expected is what a staffing plan cannot absorb
    "volume": 0.2,
    # (not the response-time medians: a day's median flips between chat's minutes and email's
    # hours when the channel mix moves, with nothing wrong; SLA, per channel's own target, is
    # watched instead. A rules file may still ask for them.)
    # shares near their usual 75-90 %: 5 % relative is 4-5 points, a step a team would explain
    "sla": 0.05,
    "fcr": 0.05,
    "csat": 0.05,
}
WATCHED_KPIS = tuple(ANOMALY_MIN_SIZE)
DEFAULT_ANOMALY_MIN_SIZE = 0.1  # an anomaly rule in a file for a KPI not listed above
RULE_KEYS = ("kpi", "when", "threshold", "scope", "min_size", "to")
MAX_SHOWN = 60  # characters of a bad value quoted in a message


Fail = Callable[[str | None, str], None]  # records (key of the rule, problem)


class RulesError(ValueError):
    """An alert rules file that cannot be used; the message lists every problem by line."""


@dataclass(frozen=True)
class Rule:
    """One alert rule. ``threshold`` is the limit of a below/above rule and, for a target rule,
    the registry's target unless the file overrides it; an anomaly rule has none. ``scope`` maps
    Filter fields ("countries") to the codes watched (empty: everywhere). ``min_size`` is the
    smallest |actual / expected - 1| of an anomaly, or the smallest gap beyond the threshold in
    the KPI's unit (a share 0-1, seconds, a count, NPS points). ``line`` is the rule's
    ``[[rule]]`` line in its file (None for a default or an inline rule)."""

    kpi: str
    when: When
    threshold: float | None = None
    scope: Mapping[str, tuple[str, ...]] = field(default_factory=dict, hash=False)
    min_size: float = 0.0
    recipients: tuple[str, ...] = ()
    line: int | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "scope", MappingProxyType(dict(self.scope)))

    def misses(self, value: float) -> bool:
        """Whether ``value`` is beyond this target/below/above rule's threshold by at least
        ``min_size`` (the bad side of a target comes from the KPI's direction)."""
        if self.threshold is None:
            raise ValueError(f"an {self.when} rule has no threshold")
        low_is_bad = self.when == "below" or (
            self.when == "target" and KPIS[self.kpi].direction > 0
        )
        gap = self.threshold - value if low_is_bad else value - self.threshold
        return gap > 0 and gap >= self.min_size

    def applies_to(self, dimension: str, member: str) -> bool:
        """Whether a finding on one series (``dimension`` "all" or a column such as "country";
        ``member`` its code) is in scope: the rule restricts no other dimension and, when it
        restricts this one, lists ``member``."""
        name = COLUMN_FIELDS.get(dimension)
        return not set(self.scope) - {name} and member in self.scope.get(name, (member,))


def default_rules() -> list[Rule]:
    """Without a rules file: every KPI with a registry target is held to it (any miss counts),
    and the daily series of ``WATCHED_KPIS`` are watched for anomalies. Nobody is addressed: the
    findings go to the Attention page and to whoever the digest command is told to send to."""
    targets = [Rule(k.id, "target", float(k.target)) for k in KPIS.values() if k.target is not None]
    anomalies = [Rule(kpi, "anomaly", min_size=size) for kpi, size in ANOMALY_MIN_SIZE.items()]
    return targets + anomalies


def load_rules(path: Path | str) -> list[Rule]:
    """The rules of a TOML file; messages name the file as given (e.g. ``alerts.toml``)."""
    try:
        text = read_config_file(Path(path))
    except ValueError as error:
        raise RulesError(str(error)) from None
    return parse_rules(text, str(path))


def parse_rules(text: str, source_name: str) -> list[Rule]:
    """The rules in ``text``; every problem is collected into one ``RulesError``."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise RulesError(f"{source_name}, {_syntax_position(str(error))}") from None
    places = _Places(text)
    problems: list[tuple[int, str]] = []  # (line or 0, message), reported in line order

    def report(line: int | None, problem: str, rule_number: int | None = None) -> None:
        where = f"line {line}" if line else f"rule {rule_number}" if rule_number else "file"
        problems.append((line or 0, f"{source_name}, {where}: {problem}"))

    for key in [key for key in data if key != "rule"]:
        report(places.top.get(key), f"unknown key {_shown(key)}{_suggest(key, ['rule'])}")
    raw_rules = data.get("rule")
    if raw_rules is None:
        report(None, "no rules: add a [[rule]] table for each rule (see docs/alerts.md)")
    elif not isinstance(raw_rules, list):
        report(places.top.get("rule"), "write [[rule]] (two brackets) above each rule")
    rules = []
    for index, raw in enumerate(raw_rules if isinstance(raw_rules, list) else ()):
        rule, found = _rule(raw, places.line(index))
        for key, problem in found:
            report(places.line(index, key), problem, index + 1)
        rules += [rule] if rule else []
    if problems:
        raise RulesError("\n".join(message for _, message in sorted(problems, key=lambda p: p[0])))
    return rules


def _rule(raw: object, line: int | None) -> tuple[Rule | None, list[tuple[str | None, str]]]:
    """The rule of one ``[[rule]]`` table, or None and its problems as (key, problem) pairs."""
    found: list[tuple[str | None, str]] = []

    def fail(key: str | None, problem: str) -> None:
        found.append((key, problem))

    if not isinstance(raw, dict):
        fail(None, f"a rule must be a table of keys, not {_shown(raw)}")
        return None, found
    for key in [key for key in raw if key not in RULE_KEYS]:
        fail(key, f"unknown key {_shown(key)}{_suggest(key, RULE_KEYS)}")
    kpi = _kpi(raw.get("kpi"), fail)
    when = raw.get("when")
    if when is None:
        fail(None, f"'when' is missing: one of {', '.join(map(repr, WHENS))}")
    elif when not in WHENS:
        fail("when", f"unknown when {_shown(when)}{_suggest(when, WHENS)}")
    threshold = _threshold(raw.get("threshold"), kpi, when, fail)
    min_size = raw.get("min_size")
    if min_size is None:
        min_size = ANOMALY_MIN_SIZE.get(kpi, DEFAULT_ANOMALY_MIN_SIZE) if when == "anomaly" else 0.0
    elif not _is_number(min_size) or min_size < 0:
        fail("min_size", f"min_size must be a number of 0 or more, not {_shown(min_size)}")
    scope = _scope(raw.get("scope", {}), fail)
    recipients = _recipients(raw.get("to", []), fail)
    if found:
        return None, found
    return Rule(kpi, when, threshold, scope, float(min_size), recipients, line), found


def _kpi(value: object, fail: Fail) -> str | None:
    if value is None:
        fail(None, "'kpi' is missing: name a KPI id such as 'sla' (see docs/alerts.md)")
    elif not isinstance(value, str) or value not in KPIS:
        fail("kpi", f"unknown KPI {_shown(value)}{_suggest(value, KPIS)}")
    else:
        return value
    return None


def _threshold(value: object, kpi: str | None, when: object, fail: Fail) -> float | None:
    """The rule's threshold (a target rule's default: the registry target); None if invalid."""
    if value is not None and not _is_number(value):
        fail("threshold", f"threshold must be a number, not {_shown(value)}")
        return None
    if when == "anomaly" and value is not None:
        fail("threshold", "threshold is not used with when = 'anomaly' (min_size sets how "
                          "large an anomaly must be)")  # fmt: skip
        return None
    if when in ("below", "above") and value is None:
        fail(None, f"threshold is missing: when = {when!r} needs one")
        return None
    if kpi is None or when not in WHENS:
        return None
    definition = KPIS[kpi]
    if when == "target":
        if definition.direction == 0:
            fail(
                "when",
                f"KPI {kpi!r} is neither better when higher nor when lower: use 'below' or 'above'",
            )
            return None
        if value is None and definition.target is None:
            fail("when", f"KPI {kpi!r} has no target in the registry: add a threshold")
            return None
    if value is not None and definition.display == "percent" and not 0 <= value <= 1:
        fail("threshold", f"{kpi} is a share from 0 to 1: write e.g. 0.85 for 85 %, "
                          f"not {_shown(value)}")  # fmt: skip
        return None
    if value is not None:
        return float(value)
    return float(definition.target) if when == "target" else None


def _scope(value: object, fail: Fail) -> dict[str, tuple[str, ...]]:
    """Filter field -> codes, in the order of DIMENSION_FIELDS."""
    if not isinstance(value, dict):
        fail("scope", f"scope must be a table such as {{ country = ['DE'] }}, not {_shown(value)}")
        return {}
    codes = {}
    for column, raw in value.items():
        key = f"scope.{column}"
        if column not in COLUMN_FIELDS:
            fail(key, f"unknown scope dimension {_shown(column)}{_suggest(column, COLUMN_FIELDS)}")
            continue
        listed = [raw] if isinstance(raw, str) else raw
        if not isinstance(listed, list) or not listed:
            fail(key, f"scope {column} must be a code or a list of codes, not {_shown(raw)} "
                      "(leave it out to watch every value)")  # fmt: skip
            continue
        bad = [code for code in listed if not _is_code(column, code)]
        if bad:
            fail(key, f"unknown {column} code{'s' if len(bad) > 1 else ''} "
                      f"{', '.join(map(_shown, bad))}{_code_hint(column)}")  # fmt: skip
        codes[COLUMN_FIELDS[column]] = tuple(dict.fromkeys(listed))
    return {name: codes[name] for name in DIMENSION_FIELDS if name in codes}


def _is_code(column: str, code: object) -> bool:
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


def _code_hint(column: str) -> str:
    return {
        "country": " (ISO 3166-1 alpha-2 in capitals, e.g. 'DE')",
        "language": " (ISO 639-1 in lower case, e.g. 'de')",
        "channel": f" (one of {', '.join(CHANNELS)})",
        "priority": f" (one of {', '.join(PRIORITIES)})",
    }.get(column, " (a non-empty name)")


EMAIL = re.compile(r"[^@\s]+@[^@\s.]+(\.[^@\s.]+)+")


def _recipients(value: object, fail: Fail) -> tuple[str, ...]:
    listed = [value] if isinstance(value, str) else value
    if not isinstance(listed, list):
        fail("to", f"to must be a list of e-mail addresses and URLs, not {_shown(value)}")
        return ()
    bad = [item for item in listed if not _is_recipient(item)]
    if bad:
        fail("to", f"not an e-mail address or http(s) URL: {', '.join(map(_shown, bad))}")
    return tuple(dict.fromkeys(listed))


def _is_recipient(value: object) -> bool:
    if not isinstance(value, str) or not value.isprintable() or " " in value:
        return False
    if EMAIL.fullmatch(value):
        return True
    try:
        url = urlsplit(value)
    except ValueError:  # e.g. an unclosed [ in an IPv6 host
        return False
    return url.scheme in ("http", "https") and bool(url.hostname)


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _shown(value: object) -> str:
    """A value from the file as a message shows it: quoted and escaped by repr, never run."""
    text = repr(value)
    return text if len(text) <= MAX_SHOWN else text[: MAX_SHOWN - 1] + "…"


def _suggest(value: object, choices: Iterable[str]) -> str:
    """ "; did you mean 'sla'?" for a near miss, else the list of valid names."""
    close = difflib.get_close_matches(str(value), list(choices), n=3)
    if close:
        return f"; did you mean {' or '.join(map(repr, close))}?"
    return f"; one of {', '.join(choices)}"


def _syntax_position(message: str) -> str:
    """tomllib's "Invalid value (at line 4, column 5)" as "line 4, column 5: Invalid value"."""
    found = re.fullmatch(r"(.*) \(at (line \d+, column \d+|end of document)\)", message, re.S)
    if not found:
        return f"not valid TOML: {message}"
    problem, position = found.groups()
    position = "at the end" if position == "end of document" else position
    return f"{position}: not valid TOML: {problem}"


# tomllib gives no positions for keys, so the lines come from the raw text: a line that starts
# with "[[rule]]" opens the next rule (the n-th such line is the n-th rule of the parsed list),
# "[rule.scope]" continues it, and "key =" inside records the first line of that key (dotted
# below a sub-table: "scope.country"). A best effort: a line inside a multi-line string that looks
# like a header can mislead it, and rules written as an inline array (rule = [{...}]) have no
# header lines; then a problem is placed at its rule's header or reported as "rule N".
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


class _Places:
    def __init__(self, text: str) -> None:
        self.top: dict[str, int] = {}  # top-level key or table -> line
        self.rules: list[dict[str, int]] = []  # per [[rule]]: "" (its header) and keys -> line
        keys, prefix = self.top, ""
        for number, line in enumerate(text.splitlines(), 1):
            header = _HEADER.match(line)
            if header:
                name = _key_name(header.group(2))
                if header.group(1) and name == "rule":
                    keys, prefix = {"": number}, ""
                    self.rules.append(keys)
                elif name.startswith("rule.") and self.rules:
                    keys, prefix = self.rules[-1], name.removeprefix("rule.")
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
        """The line of ``key`` in rule ``index`` (0-based), else its header line, else None."""
        if index >= len(self.rules):
            return None
        keys = self.rules[index]
        return keys.get(key or "", keys.get(key.split(".")[0] if key else "", keys[""]))
