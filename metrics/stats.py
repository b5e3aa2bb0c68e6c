"""Intervals and significance tests, vectorised over numpy arrays.

- Proportions: Wilson score interval; change tested with the pooled two-proportion z-test.
- NPS: normal interval from the trinomial variance of (promoter=+1, passive=0, detractor=-1);
  change tested with a z-test on the difference of two independent NPS estimates.
- Means: Student t interval; change tested with Welch's t-test.
- Quantiles (median, p90): distribution-free order-statistic interval [x_(l), x_(u)] of the
  n sorted observations. The number of observations below the true q-quantile is
  Binomial(n, q), so l and u are binomial quantiles with at least 2.5 % on each side
  (``quantile_ranks``): asymmetric like the data, never outside the observations, no density
  estimate. A side without enough observations for 95 % coverage is NaN (the median needs
  n >= 6, the p90 n >= 36 for an upper bound). Changes are tested with a z-test on the
  difference of two independent quantiles, each standard error being the interval's width over
  2 * 1.96 (the order-statistic estimate of McKean and Schrader).
- Counts (volume): two equal-length periods compared as Poisson counts, z = (a - b)/sqrt(a + b).

A comparison is *not tested* where the test has nothing to stand on: no observations on a side,
a standard error that is NaN or zero, or a privacy-suppressed group. Its p-value is NaN, never
0 or 1, so it is neither "significant" nor "not significant" and it never counts among the
tests of a false-discovery correction.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from scipy import stats as sps

Z95 = 1.959963984540054
CONFIDENCE = 0.95


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


def quantile_ranks(n: object, q: float) -> tuple[np.ndarray, np.ndarray]:
    """1-based ranks (l, u) of the order statistics that bound the q-quantile with at least 95 %
    coverage: P(Y < l) <= 2.5 % and P(Y >= u) <= 2.5 % for Y ~ Binomial(n, q), the number of
    observations below the quantile. l = 0 or u = n + 1 mean that side has no bound."""
    n = _arr(n)
    tail = (1 - CONFIDENCE) / 2
    k = sps.binom.ppf(tail, n, q)  # smallest k with P(Y <= k) >= tail
    lower = np.where(sps.binom.cdf(k, n, q) <= tail, k + 1, k)
    upper = sps.binom.ppf(1 - tail, n, q) + 1
    return lower, upper


def quantile_standard_error(low: object, high: object) -> np.ndarray:
    """Standard error of a sample quantile from its 95 % order-statistic interval."""
    return (_arr(high) - _arr(low)) / (2 * Z95)


def quantile_with_interval(
    order_statistic: Callable[[np.ndarray], np.ndarray], n: object, q: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The q-quantile (linear interpolation, like ``quantile_cont`` and pandas) and its 95 %
    interval (``quantile_ranks``), given ``order_statistic(rank)``: the rank-th smallest
    observation of each group (1-based; NaN outside 1..n)."""
    n = _arr(n)
    position = (n - 1) * q
    below = np.floor(position)
    fraction = position - below
    value = order_statistic(below + 1)
    with np.errstate(invalid="ignore"):
        value = np.where(fraction > 0, value + fraction * (order_statistic(below + 2) - value),
                         value)  # fmt: skip
    low_rank, high_rank = quantile_ranks(n, q)
    return value, order_statistic(low_rank), order_statistic(high_rank)


def _two_sided(z: np.ndarray) -> np.ndarray:
    return 2 * sps.norm.sf(np.abs(z))


def _tested(p_value: np.ndarray, testable: np.ndarray) -> np.ndarray:
    """``p_value`` where the test stands on data, NaN (not tested) elsewhere."""
    return np.where(testable, p_value, np.nan)


def two_proportion_p_value(k1: object, n1: object, k2: object, n2: object) -> np.ndarray:
    """Pooled two-proportion z-test, two-sided; NaN where a side has no observations or all
    observations agree (pooled standard error 0)."""
    k1, n1, k2, n2 = map(_arr, (k1, n1, k2, n2))
    with np.errstate(divide="ignore", invalid="ignore"):
        pooled = (k1 + k2) / (n1 + n2)
        se = np.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2))
        z = (k1 / n1 - k2 / n2) / se
        return _tested(_two_sided(z), (n1 > 0) & (n2 > 0) & (se > 0))


def difference_p_value(value1: object, se1: object, value2: object, se2: object) -> np.ndarray:
    """z-test on the difference of two independent estimates with known standard errors; NaN
    where the combined standard error is NaN or zero."""
    with np.errstate(divide="ignore", invalid="ignore"):
        se = np.sqrt(_arr(se1) ** 2 + _arr(se2) ** 2)
        z = (_arr(value1) - _arr(value2)) / se
        return _tested(_two_sided(z), se > 0)


def welch_p_value(
    m1: object, sd1: object, n1: object, m2: object, sd2: object, n2: object
) -> np.ndarray:
    """Welch's t-test; NaN where a side has fewer than 2 observations or no spread at all."""
    m1, sd1, n1, m2, sd2, n2 = map(_arr, (m1, sd1, n1, m2, sd2, n2))
    with np.errstate(divide="ignore", invalid="ignore"):
        v1, v2 = sd1**2 / n1, sd2**2 / n2
        t = (m1 - m2) / np.sqrt(v1 + v2)
        dof = (v1 + v2) ** 2 / (v1**2 / (n1 - 1) + v2**2 / (n2 - 1))
        return _tested(2 * sps.t.sf(np.abs(t), dof), (n1 >= 2) & (n2 >= 2) & (v1 + v2 > 0))


def poisson_count_p_value(
    count1: object, count2: object, exposure_ratio: float = 1.0
) -> np.ndarray:
    """Two Poisson counts over exposures t1 and t2 (``exposure_ratio`` = t1 / t2).

    Conditional test: given a + b events, a ~ Binomial(a + b, t1 / (t1 + t2)) under equal rates.
    With equal exposures this is z = (a - b) / sqrt(a + b). NaN (not tested) without events.
    """
    a, b = _arr(count1), _arr(count2)
    share = exposure_ratio / (1 + exposure_ratio)
    with np.errstate(divide="ignore", invalid="ignore"):
        total = a + b
        z = (a - total * share) / np.sqrt(total * share * (1 - share))
        return _tested(_two_sided(z), total > 0)


def benjamini_hochberg(p_values: object) -> np.ndarray:
    """False-discovery-rate adjusted p-values (Benjamini–Hochberg). NaN (not tested) stays NaN
    and is not one of the m tests."""
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
