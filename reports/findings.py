"""The review pack's findings: a few plain sentences generated from the numbers.

Each function turns tables the metrics layer already computed into sentences in the active
language, numbers formatted by ``presentation.format``: the biggest real changes (statistically
significant only), the targets missed, the next retail peak and the worst staffing gap. They
read data frames only, so tests feed them hand-built tables.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import numpy as np
import pandas as pd

from metrics.movers import effect_size
from metrics.registry import KPIS
from presentation import format as fmt
from presentation.i18n import _, translate

PEAK_HORIZON_WEEKS = 8


def _verb_sentence(kpi: str, member: str, before: float, after: float, delta: float,
                   days: int) -> str:  # fmt: skip
    direction = KPIS[kpi].direction
    if direction:
        better = delta * direction > 0
        template = (_("{subject} improved from {before} to {after} ({change}) against the "
                      "previous {days} days.") if better else
                    _("{subject} worsened from {before} to {after} ({change}) against the "
                      "previous {days} days."))  # fmt: skip
    else:
        template = (_("{subject} rose from {before} to {after} ({change}) against the previous "
                      "{days} days.") if delta > 0 else
                    _("{subject} fell from {before} to {after} ({change}) against the previous "
                      "{days} days."))  # fmt: skip
    subject = fmt.kpi_label(kpi)
    if member:
        subject = _("{kpi} for {member}").format(kpi=subject, member=member)
    return template.format(subject=subject, before=fmt.kpi_value(kpi, before),
                           after=fmt.kpi_value(kpi, after), change=fmt.kpi_delta(kpi, delta),
                           days=days)  # fmt: skip


def changes(overall: pd.DataFrame, movers: pd.DataFrame, days: int, limit: int = 2) -> list[str]:
    """The ``limit`` largest significant changes against the previous period, overall (rows of
    ``kpi_table(..., compare=("previous",))``) or in one group (``metrics.movers``), ranked by
    effect size; one sentence saying so when nothing changed significantly."""
    candidates = []
    tested = overall[
        overall["previous_significant"].fillna(False).astype(bool)
        & overall["previous_not_tested"].isna()
        & ~overall["suppressed"].astype(bool)
        & ~overall["low_confidence"].astype(bool)
    ]
    for row in tested.itertuples():
        effect = effect_size(row.kpi, np.array([row.value]), np.array([row.previous_value]))[0]
        candidates.append((effect, row.kpi, "", row.previous_value, row.value, row.previous_delta))
    for row in movers.itertuples():
        member = fmt.member(row.dimension, row.member)
        candidates.append((row.effect, row.kpi, member, row.compared_value, row.value, row.delta))
    candidates = [c for c in candidates if np.isfinite(c[0])]
    candidates.sort(key=lambda c: -c[0])
    if not candidates:
        return [_("No KPI changed significantly against the previous {days} days, overall or in "
                  "any market, language or channel.").format(days=days)]  # fmt: skip
    return [_verb_sentence(kpi, member, before, after, delta, days)
            for _effect, kpi, member, before, after, delta in candidates[:limit]]  # fmt: skip


def targets(overall: pd.DataFrame) -> str:
    """How many KPIs with a target missed it, naming the first three."""
    rows = [row for row in overall.itertuples()
            if not row.suppressed and fmt.target_met(row.kpi, row.value) is not None]  # fmt: skip
    missed = [row for row in rows if not fmt.target_met(row.kpi, row.value)]
    if not missed:
        return _("All {count} KPIs with a target met it.").format(count=len(rows))
    named = [_("{kpi} {value} (target {target})").format(
        kpi=fmt.tile_label(r.kpi), value=fmt.kpi_value(r.kpi, r.value),
        target=fmt.target_text(r.kpi)) for r in missed[:3]]  # fmt: skip
    listed = ", ".join(named)
    if len(missed) > 3:
        listed = _("{markets} and {count} more").format(markets=listed, count=len(missed) - 3)
    return _("{missed} of {count} targets missed: {list}.").format(
        missed=len(missed), count=len(rows), list=listed
    )


def market_names(codes: Sequence[str], shown: int = 3) -> str:
    """'South Korea, Japan and 4 more'."""
    names = [fmt.member("country", c) for c in codes]
    if len(names) <= shown + 1:
        return ", ".join(names)
    return _("{markets} and {count} more").format(markets=", ".join(names[:shown]),
                                                  count=len(names) - shown)  # fmt: skip


def next_peak(upcoming: pd.DataFrame, after: dt.date, multiplier: float | None,
              market: str | None) -> str:  # fmt: skip
    """The first named peak of ``upcoming`` (start, end, label, markets), starting after
    ``after`` or under way then; ``multiplier``: its load in ``market`` the last time."""
    peaks = upcoming[upcoming["kind"] == "peak"]
    if peaks.empty:
        return _("No named retail peak falls in the {weeks} weeks after {date} for these "
                 "markets.").format(weeks=PEAK_HORIZON_WEEKS, date=fmt.date(after))  # fmt: skip
    peak = peaks.iloc[0]
    values = {"peak": translate(peak["label"]), "start": fmt.date(peak["start"]),
              "end": fmt.date(peak["end"]), "days": (peak["start"] - after).days,
              "markets": market_names(peak["markets"])}  # fmt: skip
    known = multiplier is not None and np.isfinite(multiplier)
    if peak["start"] <= after:
        sentence = (_("{peak} ({markets}) is under way until {end}; last time it brought "
                      "×{multiplier} a normal day's contacts in {market}.") if known else
                    _("{peak} ({markets}) is under way until {end}."))  # fmt: skip
    else:
        sentence = (
            _(
                "Next peak: {peak} ({markets}), {start} – {end}, in {days} days; last time "
                "it brought ×{multiplier} a normal day's contacts in {market}."
            )
            if known
            else _("Next peak: {peak} ({markets}), {start} – {end}, in {days} days.")
        )
    if known:
        values |= {"multiplier": fmt.number(multiplier, 1), "market": fmt.member("country", market)}
    return sentence.format(**values)


def staffing(plan: pd.DataFrame, interval_minutes: int = 30) -> str:
    """The language and UTC hour of day with the largest average shortfall of agents."""
    if plan.empty:
        return _("No staffing plan: no demand and no shifts for these languages.")
    hours = pd.to_datetime(plan["interval"]).dt.hour
    cells = plan.assign(hour=hours).groupby(["language", "hour"])["gap"].mean()
    language, hour = cells.idxmin()
    if cells.loc[(language, hour)] >= 0:
        return _("Every language had enough agents on average at every hour of the day.")
    short = (plan.loc[plan["language"] == language, "gap"] < 0).mean()
    return _("Worst staffing gap: {language} at {hour}:00 UTC, {gap} agents short on average; "
             "{language} was short in {share} of its {minutes}-minute intervals.").format(
        language=fmt.member("language", language), hour=f"{hour:02d}",
        gap=fmt.number(-cells.loc[(language, hour)], 1), share=fmt.percent(short, 0),
        minutes=interval_minutes)  # fmt: skip
