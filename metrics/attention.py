"""What needs attention: anomalies in the daily series and targets missed, as one ranked list.

The alert rules (``alert_rules``) decide what is watched and who hears of it: ``anomaly`` rules
name the KPIs whose daily series are scanned (``anomalies``) and the smallest size worth a word;
``target``, ``below`` and ``above`` rules compare the period's value with a line. Each finding
carries why it happened where the data can say: the mix-versus-rate split of a share or a time
(``mix.explain``), or, for a volume, the contact reason that grew or shrank most.

An ``AttentionItem`` is what the Attention page, the digest and the pack show for one finding.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd
from scipy.stats import norm

from data_access.catalog import read_catalog
from data_access.database import Database
from data_access.filters import COLUMN_FIELDS, Filter
from data_access.results import precomputed
from metrics import anomalies, mix
from metrics.alert_rules import Rule, default_rules
from metrics.engine import kpi_table

Z95 = 1.959964
EXPLAINED = 12  # findings given their why (the page draws 12, the digest and the pack fewer)


@dataclass(frozen=True)
class Driver:
    """The member of ``dimension`` whose own volume moved most, against the days before."""

    dimension: str
    member: str
    delta: float  # contacts, over the finding's days
    share: float  # of the whole change in volume


@dataclass(frozen=True)
class AttentionItem:
    kind: str  # "anomaly", or the rule that was missed: "target", "below", "above"
    kpi: str  # registry KPI id
    dimension: str  # "all", "country", "language", "channel" or "hub"
    member: str  # the code within the dimension ("DE", "ko", "email"); "" for "all"
    start: dt.date  # first day of the finding (local days of the market for country series)
    end: dt.date  # last day seen so far
    ongoing: bool  # still going on the last complete day of the data
    actual: float  # the KPI over the finding's days (volume: contacts per day)
    expected: float  # what the model expected (a target: the target itself)
    low: float  # the expected band's lower edge (95 %); a target: the target
    high: float  # the band's upper edge
    size: float  # relative size: actual / expected - 1 (a target: the gap relative to the target)
    confidence: float  # 1 - the false-discovery-adjusted p-value (q); a target: P(truly missed)
    why: mix.Explanation | None = None  # mix versus rate, when the KPI decomposes
    driver: Driver | None = None  # for a volume: the contact reason behind it
    recipients: tuple[str, ...] = field(default=())  # from the matching alert rules
    also: tuple[tuple[str, str], ...] = ()  # (dimension, member) of the same finding, folded in
    # an anomaly's days around it: day, actual, expected, low, high (the chart)
    trace: pd.DataFrame | None = field(default=None, compare=False, repr=False)

    @property
    def filter_fields(self) -> dict[str, tuple[str, ...]]:
        """The finding's member as Filter fields (``flt.narrowed(**item.filter_fields)``)."""
        return {} if self.dimension == "all" else {COLUMN_FIELDS[self.dimension]: (self.member,)}

    @property
    def rank(self) -> float:
        return abs(self.size) * self.confidence


@precomputed
def attention(
    db: Database, flt: Filter, rules: Sequence[Rule] | None = None, explain: bool = True
) -> list[AttentionItem]:
    """The findings of ``rules`` (default: ``default_rules()``) in ``flt``'s period and
    dimension values: anomalies (ongoing first), then lines missed, biggest and surest first."""
    rules = list(default_rules() if rules is None else rules)
    span = read_catalog(db)
    last = min(flt.end or span.last_day, span.last_day)
    flt = flt.with_dates(flt.start or last - dt.timedelta(days=27), last)
    items = _folded(_anomalies(db, flt, [r for r in rules if r.when == "anomaly"]))
    items += _misses(db, flt, [r for r in rules if r.when != "anomaly"], span.last_day)
    # news first: anomalies (still going on first), then the lines missed over the period
    items.sort(key=lambda item: (item.kind != "anomaly", not item.ongoing, -item.rank))
    if explain:  # the why of the findings anyone reads: a page, a pack page, a digest
        items = [_explained(db, flt, item) if rank < EXPLAINED else item
                 for rank, item in enumerate(items)]  # fmt: skip
    return items


def _recipients(rules: Sequence[Rule]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(address for rule in rules for address in rule.recipients))


def _anomalies(db: Database, flt: Filter, rules: list[Rule]) -> list[AttentionItem]:
    if not rules:
        return []
    kpis = tuple(dict.fromkeys(rule.kpi for rule in rules))
    smallest = {kpi: min(r.min_size for r in rules if r.kpi == kpi) for kpi in kpis}
    found = anomalies.anomalies(anomalies.scan(db, flt, kpis), smallest)
    items = []
    for a in found:
        matching = [r for r in rules if r.kpi == a.kpi and r.applies_to(a.dimension, a.member)
                    and abs(a.size) >= r.min_size]  # fmt: skip
        if matching:
            items.append(AttentionItem("anomaly", a.kpi, a.dimension, a.member, a.start, a.end,
                                       a.ongoing, a.actual, a.expected, a.low, a.high, a.size,
                                       a.confidence, recipients=_recipients(matching),
                                       trace=a.trace))  # fmt: skip
    return items


def _folded(items: list[AttentionItem]) -> list[AttentionItem]:
    """One outage shows in its market, its language, its hub, a channel and the total: a
    finding of a wider series is folded into a market's finding of the same KPI, direction
    and days (``also``), so it is said once."""
    markets = [item for item in items if item.dimension == "country"]
    also: dict[int, list[tuple[str, str]]] = {id(m): [] for m in markets}
    kept = []
    for item in items:
        host = None
        if item.dimension != "country":
            host = next((m for m in markets if m.kpi == item.kpi
                         and np.sign(m.size) == np.sign(item.size)
                         and m.start <= item.end and item.start <= m.end), None)  # fmt: skip
        if host is None:
            kept.append(item)
        else:
            also[id(host)].append((item.dimension, item.member))
    order = ("language", "hub", "channel", "all")  # narrowest first
    return [replace(item, also=tuple(sorted(also.get(id(item), ()),
                                            key=lambda d: order.index(d[0]))))
            for item in kept]  # fmt: skip


def _misses(db: Database, flt: Filter, rules: list[Rule], last_day: dt.date) -> list[AttentionItem]:
    """A rule's line against the period's value at the rule's scope within the filter: one
    finding per rule missed (its scope is one member: that member; else the whole filter),
    still going on when the period reaches the data's last day."""
    items = []
    for rule in rules:
        scoped = flt.narrowed(**rule.scope) if rule.scope else flt
        row = kpi_table(db, [rule.kpi], flt=scoped).iloc[0]
        if row["suppressed"] or row["low_confidence"] or not np.isfinite(row["value"]):
            continue  # too little data to say a line was missed
        if not rule.misses(row["value"]):
            continue
        dimension, member = _single_member(rule)
        se = (row["ci_high"] - row["ci_low"]) / (2 * Z95)
        gap = abs(row["value"] - rule.threshold)
        confidence = 1.0 if not se > 0 else float(norm.cdf(gap / se))
        size = (row["value"] - rule.threshold) / rule.threshold if rule.threshold else np.nan
        items.append(AttentionItem(rule.when, rule.kpi, dimension, member, scoped.start,
                                   scoped.end, scoped.end >= last_day, float(row["value"]),
                                   rule.threshold, rule.threshold, rule.threshold, float(size),
                                   confidence,
                                   recipients=rule.recipients))  # fmt: skip
    return items


def _single_member(rule: Rule) -> tuple[str, str]:
    """The (dimension, member) a rule's scope names, when it names exactly one; else all."""
    fields = {name: codes for name, codes in rule.scope.items() if codes}
    if len(fields) == 1:
        (name, codes), = fields.items()  # fmt: skip
        if len(codes) == 1:
            column = next(c for c, f in COLUMN_FIELDS.items() if f == name)
            if column in anomalies.DIMENSIONS:
                return column, codes[0]
    return "all", ""


# ---------------------------------------------------------------- why
def _explained(db: Database, flt: Filter, item: AttentionItem) -> AttentionItem:
    """The finding with its why: its own days against as many days just before."""
    days = flt.narrowed(**item.filter_fields).with_dates(item.start, item.end)
    if item.kind != "anomaly":  # a line missed is not a change: nothing to split
        return item
    if item.kpi == "volume":
        return replace(item, driver=volume_driver(db, days))
    if not mix.decomposes(item.kpi):
        return item
    try:
        return replace(item, why=mix.explain(db, item.kpi, days, "previous"))
    except ValueError:  # the days before lie outside the data
        return item


@precomputed
def volume_driver(db: Database, flt: Filter, by: str = "category") -> Driver | None:
    """The member of ``by`` (contact reason) whose volume changed most against the same number
    of days just before, in the direction of the whole change."""
    table = kpi_table(db, ["volume"], by=[by], flt=flt, compare=["previous"])
    if table.empty or "previous_value" not in table:
        return None
    delta = (table["value"] - table["previous_value"].fillna(0)).to_numpy(float)
    total = float(np.nansum(delta))
    if not total:
        return None
    k = int(np.nanargmax(delta * np.sign(total)))
    if delta[k] * total <= 0:
        return None
    return Driver(by, str(table[by].iloc[k]), float(delta[k]), float(delta[k] / total))
