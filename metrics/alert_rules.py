"""Alert rules: which KPI to watch where, what counts as a finding and who hears about it.

Rules come from a small TOML file (``docs/alerts.md`` describes it, ``docs/alerts.example.toml``
is a commented example) or, without one, from ``default_rules()``. A bad file raises
``RulesError`` listing every problem, each with the file and line. ``data_access`` reads the
file; this module checks its text against the KPI registry and the code lists and sends nothing.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Literal
from urllib.parse import urlsplit

from data_access.filters import COLUMN_FIELDS, DIMENSION_FIELDS
from data_access.settings_file import (
    Fail,
    codes,
    is_number,
    parse_file_text,
    read_config_file,
    shown,
    suggest,
)
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
        data, places, problems = parse_file_text(text, source_name)
    except ValueError as error:
        raise RulesError(str(error)) from None
    report = problems.report

    for key in [key for key in data if key != "rule"]:
        report(places.top.get(key), f"unknown key {shown(key)}{suggest(key, ['rule'])}")
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
        raise RulesError(problems.message())
    return rules


def _rule(raw: object, line: int | None) -> tuple[Rule | None, list[tuple[str | None, str]]]:
    """The rule of one ``[[rule]]`` table, or None and its problems as (key, problem) pairs."""
    found: list[tuple[str | None, str]] = []

    def fail(key: str | None, problem: str) -> None:
        found.append((key, problem))

    if not isinstance(raw, dict):
        fail(None, f"a rule must be a table of keys, not {shown(raw)}")
        return None, found
    for key in [key for key in raw if key not in RULE_KEYS]:
        fail(key, f"unknown key {shown(key)}{suggest(key, RULE_KEYS)}")
    kpi = _kpi(raw.get("kpi"), fail)
    when = raw.get("when")
    if when is None:
        fail(None, f"'when' is missing: one of {', '.join(map(repr, WHENS))}")
    elif when not in WHENS:
        fail("when", f"unknown when {shown(when)}{suggest(when, WHENS)}")
    threshold = _threshold(raw.get("threshold"), kpi, when, fail)
    min_size = raw.get("min_size")
    if min_size is None:
        min_size = ANOMALY_MIN_SIZE.get(kpi, DEFAULT_ANOMALY_MIN_SIZE) if when == "anomaly" else 0.0
    elif not is_number(min_size) or min_size < 0:
        fail("min_size", f"min_size must be a number of 0 or more, not {shown(min_size)}")
    scope = _scope(raw.get("scope", {}), fail)
    recipients = _recipients(raw.get("to", []), fail)
    if found:
        return None, found
    return Rule(kpi, when, threshold, scope, float(min_size), recipients, line), found


def _kpi(value: object, fail: Fail) -> str | None:
    if value is None:
        fail(None, "'kpi' is missing: name a KPI id such as 'sla' (see docs/alerts.md)")
    elif not isinstance(value, str) or value not in KPIS:
        fail("kpi", f"unknown KPI {shown(value)}{suggest(value, KPIS)}")
    else:
        return value
    return None


def _threshold(value: object, kpi: str | None, when: object, fail: Fail) -> float | None:
    """The rule's threshold (a target rule's default: the registry target); None if invalid."""
    if value is not None and not is_number(value):
        fail("threshold", f"threshold must be a number, not {shown(value)}")
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
                          f"not {shown(value)}")  # fmt: skip
        return None
    if value is not None:
        return float(value)
    return float(definition.target) if when == "target" else None


def _scope(value: object, fail: Fail) -> dict[str, tuple[str, ...]]:
    """Filter field -> codes, in the order of DIMENSION_FIELDS."""
    if not isinstance(value, dict):
        fail("scope", f"scope must be a table such as {{ country = ['DE'] }}, not {shown(value)}")
        return {}
    found = {}
    for column, raw in value.items():
        key = f"scope.{column}"
        if column not in COLUMN_FIELDS:
            fail(key, f"unknown scope dimension {shown(column)}{suggest(column, COLUMN_FIELDS)}")
            continue
        found[COLUMN_FIELDS[column]] = codes(column, raw, key, fail)
    return {name: found[name] for name in DIMENSION_FIELDS if name in found}


EMAIL = re.compile(r"[^@\s]+@[^@\s.]+(\.[^@\s.]+)+")


def _recipients(value: object, fail: Fail) -> tuple[str, ...]:
    listed = [value] if isinstance(value, str) else value
    if not isinstance(listed, list):
        fail("to", f"to must be a list of e-mail addresses and URLs, not {shown(value)}")
        return ()
    bad = [item for item in listed if not _is_recipient(item)]
    if bad:
        fail("to", f"not an e-mail address or http(s) URL: {', '.join(map(shown, bad))}")
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
