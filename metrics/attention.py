"""What needs attention: anomalies in the daily series and targets missed, as one ranked list.

An ``AttentionItem`` is what the Attention page, the digest and the pack show for one finding.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field


@dataclass(frozen=True)
class AttentionItem:
    kind: str  # "anomaly" (the series left its expected band) or "target" (a target missed)
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
    confidence: float  # 1 - the false-discovery-adjusted p-value (q); 1.0 for a target missed
    why: str | None = None  # mix-versus-rate explanation, when the KPI decomposes
    recipients: tuple[str, ...] = field(default=())  # from the matching alert rules
