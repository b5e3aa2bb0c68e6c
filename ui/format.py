"""Number, duration and percentage formatting used everywhere on screen and in exports.

One place decides that a duration reads "3 h 20 m" and a share "87.4 %", so tiles, tables,
chart hovers and exported files always agree.
"""

from __future__ import annotations

import math

import numpy as np

from data_access import reference
from metrics.registry import DIMENSIONS, KPIS, Kpi

MISSING = "–"
SUPPRESSED = "hidden (< 5 responses)"  # survey groups too small to show (privacy)


def _is_missing(value: object) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def duration(seconds: float | None) -> str:
    """Two most significant units: '45 s', '12 m 5 s', '3 h 20 m', '2 d 4 h'."""
    if _is_missing(seconds):
        return MISSING
    sign = "-" if seconds < 0 else ""
    s = round(abs(seconds))
    days, rest = divmod(s, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    if days:
        text = f"{days} d {hours} h" if hours else f"{days} d"
    elif hours:
        text = f"{hours} h {minutes} m" if minutes else f"{hours} h"
    elif minutes:
        text = f"{minutes} m {secs} s" if secs else f"{minutes} m"
    else:
        text = f"{secs} s"
    return sign + text


def percent(share: float | None, digits: int = 1) -> str:
    if _is_missing(share):
        return MISSING
    return f"{share * 100:.{digits}f} %"


def count(value: float | None) -> str:
    if _is_missing(value):
        return MISSING
    return f"{round(value):,}"


def kpi_value(kpi: Kpi | str, value: float | None) -> str:
    """A KPI value in its display format."""
    kpi = KPIS[kpi] if isinstance(kpi, str) else kpi
    if _is_missing(value):
        return MISSING
    if kpi.fmt == "duration":
        return duration(value)
    if kpi.fmt == "seconds":
        return f"{value:,.0f} s" if value >= 10 else f"{value:.1f} s"
    if kpi.fmt == "percent":
        return percent(value)
    if kpi.fmt == "nps":
        return f"{value:+.0f}"
    if kpi.fmt == "score":
        return f"{value:.2f}"
    return count(value)


def kpi_delta(kpi: Kpi | str, delta: float | None) -> str:
    """A change in a KPI, signed: '+2.3 pts', '−12 m 5 s', '+1,204'."""
    kpi = KPIS[kpi] if isinstance(kpi, str) else kpi
    if _is_missing(delta):
        return ""
    sign = "-" if delta < 0 else "+"
    size = abs(delta)
    if kpi.fmt == "percent":
        return f"{sign}{size * 100:.1f} pts"
    if kpi.fmt == "nps":
        return f"{sign}{size:.1f} pts"
    if kpi.fmt in ("duration", "seconds"):
        return sign + (duration(size) if size >= 60 else f"{size:.1f} s")
    if kpi.fmt == "score":
        return f"{sign}{size:.2f}"
    return f"{sign}{round(size):,}"


def axis_unit(kpi: Kpi | str) -> str:
    """Unit label for a chart axis showing this KPI."""
    kpi = KPIS[kpi] if isinstance(kpi, str) else kpi
    return {
        "duration": "hours",
        "seconds": "seconds",
        "percent": "%",
        "nps": "NPS points",
        "score": "score (1–7)",
        "count": "tickets",
    }[kpi.fmt]


def plot_values(kpi: Kpi | str, values: object) -> np.ndarray:
    """KPI values in their axis unit: durations in hours, shares in percent."""
    kpi = KPIS[kpi] if isinstance(kpi, str) else kpi
    array = np.asarray(values, dtype=float)
    if kpi.fmt == "duration":
        return array / 3600
    if kpi.fmt == "percent":
        return array * 100
    return array


def axis_title(kpi: Kpi | str) -> str:
    kpi = KPIS[kpi] if isinstance(kpi, str) else kpi
    return f"{kpi.label} ({axis_unit(kpi)})"


def relative(change: float | None) -> str:
    if _is_missing(change) or math.isinf(change):
        return ""
    return f"{change * 100:+.1f} %"


_CODE_LABELS = {
    "web_form": "Web form",
    "returns_refunds": "Returns & refunds",
    "email": "E-mail",
}


def member(dimension: str, code: object) -> str:
    """Readable name of a dimension member: 'South Korea', 'Korean', 'Web form'."""
    if code is None or (isinstance(code, float) and math.isnan(code)):
        return "—"
    text = str(code)
    if dimension == "country" and len(text) == 2:
        return reference.country_name(text)
    if dimension in ("language", "next_language") and len(text) == 2:
        return reference.language_name(text)
    return _CODE_LABELS.get(text, text.replace("_", " ").capitalize() if text.islower() else text)


def dimension_label(dimension: str) -> str:
    return DIMENSIONS[dimension].label
