"""The one sentence that says why a KPI moved (``metrics.mix.explain``), in the active language:
"First response (mean) got 20 % slower (+2 h 10 m): +1 h 40 m because the mix moved to E-mail
(channel), +30 m because E-mail itself got slower".

Parts are in the KPI's unit (``format.kpi_delta``): percentage points for shares, NPS points,
the KPI's own unit for durations and scores. Computes nothing: the parts come from the
decomposition as they are.
"""

from __future__ import annotations

from metrics.mix import Explanation
from metrics.registry import KPIS, Kpi
from presentation import format as fmt
from presentation.i18n import _


def _slower(kpi: Kpi) -> bool:
    """A timing, whose change reads 'slower' or 'faster'."""
    return kpi.display in ("duration", "seconds")


def _change(kpi: Kpi, value0: float, change: float) -> str:
    label = fmt.kpi_label(kpi)
    if _slower(kpi) and value0 > 0:
        relative = abs(change) / value0
        values = {"kpi": label, "change": fmt.percent(relative, 0 if relative >= 0.1 else 1),
                  "delta": fmt.kpi_delta(kpi, change)}  # fmt: skip
        if change > 0:
            return _("{kpi} got {change} slower ({delta})").format(**values)
        return _("{kpi} got {change} faster ({delta})").format(**values)
    amount = fmt.kpi_amount(kpi, abs(change))
    if change > 0:
        return _("{kpi} rose by {amount}").format(kpi=label, amount=amount)
    return _("{kpi} fell by {amount}").format(kpi=label, amount=amount)


def _mix(kpi: Kpi, e: Explanation) -> str:
    part = fmt.kpi_delta(kpi, e.decomposition.mix)
    if e.mix_member is None:
        return _("{part} from the mix").format(part=part)
    member = fmt.member_of(e.dimension, e.mix_member)
    return _("{part} because the mix moved to {member}").format(part=part, member=member)


def _rate(kpi: Kpi, e: Explanation) -> str:
    d = e.decomposition
    part = fmt.kpi_delta(kpi, d.rate)
    if not e.rate_members:
        return _("{part} from the groups' own results").format(part=part)
    name = e.rate_members[0]
    row = d.groups[d.groups["member"].eq(name)].iloc[0]
    member = fmt.member(e.dimension, name)
    up = row["r1"] > row["r0"]
    if _slower(kpi):
        if up:
            return _("{part} because {member} itself got slower").format(part=part, member=member)
        return _("{part} because {member} itself got faster").format(part=part, member=member)
    if up == (kpi.direction >= 0):
        return _("{part} because {member} itself got better").format(part=part, member=member)
    return _("{part} because {member} itself got worse").format(part=part, member=member)


def mix_sentence(explanation: Explanation) -> str:
    """'<KPI> got 20 % slower (+2 h): <mix part> because the mix moved to <member>, <rate part>
    because <member> itself got slower'."""
    d = explanation.decomposition
    kpi = KPIS[d.kpi]
    return _("{change}: {mix}, {rate}").format(
        change=_change(kpi, d.value0, d.change), mix=_mix(kpi, explanation),
        rate=_rate(kpi, explanation),
    )  # fmt: skip
