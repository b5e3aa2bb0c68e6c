"""Intervals and significance tests, vectorised over numpy arrays.

- Proportions: Wilson score interval; change tested with the pooled two-proportion z-test.
- NPS: normal interval from the trinomial variance of (promoter=+1, passive=0, detractor=-1);
  change tested with a z-test on the difference of two independent NPS estimates.
- Means: Student t interval; change tested with Welch's t-test.
- Quantiles (median, p90): the standard error of a sample quantile is
  sqrt(q(1-q)) / (f(Q_q) * sqrt(n)); the density f at the quantile is estimated from the
  spread of neighbouring quantiles, f ~ 2*h / (Q_{q+h} - Q_{q-h}) with h = 0.05 (Siddiqui's
  sparsity estimate, as used by Koenker's quantile regression). Robust to the long right tail
  of response times, and computable from three quantiles in one SQL pass. Changes are tested
  with a z-test on the difference of two independent quantile estimates.
- Counts (volume): two equal-length periods compared as Poisson counts, z = (a - b)/sqrt(a + b).
"""

from __future__ import annotations

import numpy as np
from scipy import stats as sps

Z95 = 1.959963984540054
QUANTILE_BANDWIDTH = 0.05
LOW_CONFIDENCE_N = 30  # groups with fewer observations are flagged
MIN_SURVEY_RESPONSES = 5  # survey groups with fewer responses never show a score (privacy)


def _arr(x: object) -> np.ndarray:
    return np.asarray(x, dtype=float)


def wilson_interval(successes: object, n: object, z: float = Z95) -> tuple[np.ndarray, np.ndarray]:
    """Wilson score interval for k successes in n trials (NaN where n = 0)."""
    k, n = _arr(successes), _arr(n)
    with np.errstate(divide="ignore", invalid="ignore"):
        p = k / n
        denom = 1 + z**2 / n
        centre = (p + z**2 / (2 * n)) / denom
        half = z * np.sqrt(p * (1 - p) / n + z**2 / (4 * n**2)) / denom
    return centre - half, centre + half


def nps_value(promoters: object, detractors: object, n: object) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        return 100 * (_arr(promoters) - _arr(detractors)) / _arr(n)


def nps_standard_error(promoters: object, detractors: object, n: object) -> np.ndarray:
    """Standard error of NPS (in points) from the trinomial variance."""
    n = _arr(n)
    with np.errstate(divide="ignore", invalid="ignore"):
        p_pro, p_det = _arr(promoters) / n, _arr(detractors) / n
        variance = p_pro + p_det - (p_pro - p_det) ** 2
        return 100 * np.sqrt(variance / n)


def nps_interval(
    promoters: object, detractors: object, n: object, z: float = Z95
) -> tuple[np.ndarray, np.ndarray]:
    value = nps_value(promoters, detractors, n)
    half = z * nps_standard_error(promoters, detractors, n)
    return np.clip(value - half, -100, 100), np.clip(value + half, -100, 100)


def mean_interval(mean: object, sd: object, n: object) -> tuple[np.ndarray, np.ndarray]:
    """Student t interval for a mean (NaN where n < 2)."""
    mean, sd, n = _arr(mean), _arr(sd), _arr(n)
    with np.errstate(divide="ignore", invalid="ignore"):
        t = sps.t.ppf(0.975, np.where(n >= 2, n - 1, np.nan))
        half = t * sd / np.sqrt(n)
    return mean - half, mean + half


def quantile_standard_error(
    q: float, lower: object, upper: object, n: object, bandwidth: float = QUANTILE_BANDWIDTH
) -> np.ndarray:
    """Standard error of the q-quantile from the quantiles at q - h and q + h."""
    spread = np.maximum(_arr(upper) - _arr(lower), 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.sqrt(q * (1 - q)) * spread / (2 * bandwidth * np.sqrt(_arr(n)))


def quantile_interval(
    value: object, se: object, z: float = Z95, floor: float | None = 0.0
) -> tuple[np.ndarray, np.ndarray]:
    low, high = _arr(value) - z * _arr(se), _arr(value) + z * _arr(se)
    if floor is not None:
        low = np.maximum(low, floor)
    return low, high


def _two_sided(z: np.ndarray) -> np.ndarray:
    return 2 * sps.norm.sf(np.abs(z))


def two_proportion_p_value(k1: object, n1: object, k2: object, n2: object) -> np.ndarray:
    """Pooled two-proportion z-test, two-sided."""
    k1, n1, k2, n2 = map(_arr, (k1, n1, k2, n2))
    with np.errstate(divide="ignore", invalid="ignore"):
        pooled = (k1 + k2) / (n1 + n2)
        se = np.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2))
        z = (k1 / n1 - k2 / n2) / se
        return np.where(se > 0, _two_sided(z), np.where(k1 / n1 == k2 / n2, 1.0, 0.0))


def difference_p_value(value1: object, se1: object, value2: object, se2: object) -> np.ndarray:
    """z-test on the difference of two independent estimates with known standard errors."""
    with np.errstate(divide="ignore", invalid="ignore"):
        se = np.sqrt(_arr(se1) ** 2 + _arr(se2) ** 2)
        z = (_arr(value1) - _arr(value2)) / se
        return np.where(se > 0, _two_sided(z), np.where(_arr(value1) == _arr(value2), 1.0, 0.0))


def welch_p_value(
    m1: object, sd1: object, n1: object, m2: object, sd2: object, n2: object
) -> np.ndarray:
    m1, sd1, n1, m2, sd2, n2 = map(_arr, (m1, sd1, n1, m2, sd2, n2))
    with np.errstate(divide="ignore", invalid="ignore"):
        v1, v2 = sd1**2 / n1, sd2**2 / n2
        t = (m1 - m2) / np.sqrt(v1 + v2)
        dof = (v1 + v2) ** 2 / (v1**2 / (n1 - 1) + v2**2 / (n2 - 1))
        return 2 * sps.t.sf(np.abs(t), dof)


def poisson_count_p_value(
    count1: object, count2: object, exposure_ratio: float = 1.0
) -> np.ndarray:
    """Two Poisson counts over exposures t1 and t2 (``exposure_ratio`` = t1 / t2).

    Conditional test: given a + b events, a ~ Binomial(a + b, t1 / (t1 + t2)) under equal rates.
    With equal exposures this is z = (a - b) / sqrt(a + b).
    """
    a, b = _arr(count1), _arr(count2)
    share = exposure_ratio / (1 + exposure_ratio)
    with np.errstate(divide="ignore", invalid="ignore"):
        total = a + b
        z = (a - total * share) / np.sqrt(total * share * (1 - share))
        return np.where(total > 0, _two_sided(z), 1.0)


def benjamini_hochberg(p_values: object) -> np.ndarray:
    """False-discovery-rate adjusted p-values (Benjamini–Hochberg); NaN stays NaN."""
    p = _arr(p_values)
    adjusted = np.full(p.shape, np.nan)
    ok = np.isfinite(p)
    m = ok.sum()
    if m == 0:
        return adjusted
    order = np.argsort(p[ok])
    ranked = p[ok][order] * m / np.arange(1, m + 1)
    ranked = np.minimum.accumulate(ranked[::-1])[::-1]
    values = np.empty(m)
    values[order] = np.minimum(ranked, 1.0)
    adjusted[ok] = values
    return adjusted
