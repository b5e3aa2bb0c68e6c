"""Which time grain shows a period best, and which of its buckets the period only partly covers.

Helpers for the pages and the review pack that pick a chart's grain and mark its cut buckets;
they read only the filter's dates and run no query.
"""

from __future__ import annotations

import pandas as pd

from data_access.filters import Filter
from metrics.registry import GRAINS


def natural_grain(flt: Filter, sparse: bool = False) -> str:
    """The time grain that shows a period best: days for a month, weeks for up to half a
    year, months beyond; ``sparse`` data (surveys) one step coarser."""
    days = flt.days or 366
    grains = ("day", "week", "month", "month")
    step = 0 if days <= 35 else 1 if days <= 200 else 2
    return grains[step + sparse]


def partial_buckets(flt: Filter, grain: str) -> list[pd.Timestamp]:
    """Buckets of ``grain`` that the period's first or last day cuts (they hold fewer days)."""
    if not (flt.start and flt.end) or grain not in GRAINS or grain in ("half_hour", "hour"):
        return []
    start, end = pd.Timestamp(flt.start), pd.Timestamp(flt.end)
    first, last = start.to_period(_PANDAS_PERIOD[grain]), end.to_period(_PANDAS_PERIOD[grain])
    cut = []
    if first.start_time < start:
        cut.append(first.start_time)
    if last.end_time.normalize() > end and last.start_time not in cut:
        cut.append(last.start_time)
    return cut


_PANDAS_PERIOD = {"day": "D", "week": "W-SUN", "month": "M", "quarter": "Q"}
