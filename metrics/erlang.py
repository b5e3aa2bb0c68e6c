"""Erlang B, C and A queueing formulas for staffing, vectorised over numpy arrays.

Pure maths for ``metrics.staffing``: no Streamlit, DuckDB or pandas. Every public function
broadcasts its arguments, so one call prices a whole grid (intervals x queues); scalar inputs
give numpy scalars. Times are in seconds, traffic in Erlangs.

Definitions and sources
- Traffic load A = arrivals x AHT / interval.
- Erlang B by the stable recursion B(0) = 1, B(n) = A B(n-1) / (n + A B(n-1)) (Jagerman 1974,
  "Some properties of the Erlang loss function", Bell System Technical Journal 53(3)).
- Erlang C (M/M/N), for N > A: wait probability Pw = N B / (N - A (1 - B)), service level
  SL(t) = 1 - Pw exp(-(N - A) t / AHT), ASA = Pw AHT / (N - A), occupancy A / N (Gans, Koole &
  Mandelbaum 2003, "Telephone call centers: tutorial, review, and research prospects", M&SOM
  5(2), section 4.1; the same definitions as the CRAN ErlangC package). N <= A is understaffed:
  the queue grows without bound, so SL = 0, Pw = 1, ASA = inf and occupancy 1, never an error.
- Erlang A (M/M/N+M, exponential patience with mean theta): exact steady state of the
  birth-death chain (Garnett, Mandelbaum & Reiman 2002, "Designing a call center with impatient
  customers", M&SOM 4(3); Mandelbaum & Zeltyn, "The M/M/n+G queue: summary of performance
  measures", Technion note). With x = N theta / AHT and y = A theta / AHT, the chance of
  waiting is Pw = K B / (1 + (K - 1) B) with K = M(1; x+1; y) (Kummer's function; GMR's
  A(x, y)). A caller who joins the queue at position p is answered with probability x / (x + p)
  after a sum of exponential stages with rates (x + 1 .. x + p) / theta; summing over the
  queue-length distribution gives SL in closed form through regularized incomplete gamma
  functions (scipy.special.gammainc). ASA is a series over queue lengths, summed over 12
  standard deviations of the queue-length distribution (a Poisson(y) tail) or until the terms
  fall below e^-45.
  Erlang A service level is the share of *offered* calls answered within t (callers who
  abandon count as misses); ASA is the mean wait of *answered* calls; occupancy is the carried
  load (answered calls x AHT) per agent. Patience = inf is Erlang C.

Special cases: zero load (no arrivals) means no queue at all: Pw 0, SL 1, ASA 0, occupancy 0,
and 0 required agents. Zero agents with load: SL 0, Pw 1, ASA inf, occupancy 1, abandonment 1.
Invalid arguments (negative, NaN, a target outside (0, 1), ...) raise ValueError naming them.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from scipy import special

Floats = npt.NDArray[np.float64] | np.float64
Ints = npt.NDArray[np.int64] | np.int64

OCCUPANCY_SLACK = 1e-12  # float noise allowed on the max-occupancy test (8.5 / 10 <= 0.85)
_TINY = 1e-250  # below this gammainc has underflowed too far: switch to the Kummer series
_BLOCK = 128  # queue lengths summed per step of the ASA series


@dataclass(frozen=True)
class QueueStats:
    """Performance of a staffing level: arrays (or numpy scalars) of the broadcast shape."""

    wait_probability: Floats
    service_level: Floats
    asa_s: Floats  # inf when understaffed (Erlang C with N <= A, or no agents)
    occupancy: Floats
    abandonment: Floats  # 0 for Erlang C


def _arrays(**named: npt.ArrayLike) -> list[np.ndarray]:
    values = [np.asarray(value, dtype=float) for value in named.values()]
    return [np.array(value).ravel() for value in np.broadcast_arrays(*values)]


def _check(name: str, values: np.ndarray, ok: np.ndarray, rule: str) -> None:
    if not np.all(ok):
        raise ValueError(f"{name} must be {rule}, got {values[~ok][0]!r}")


def _check_load(load: np.ndarray) -> None:
    _check("load", load, np.isfinite(load) & (load >= 0), "a finite number >= 0")


def _check_agents(agents: np.ndarray) -> None:
    ok = np.isfinite(agents) & (agents >= 0) & (agents == np.floor(agents))
    _check("agents", agents, ok, "a whole number >= 0")


def _check_times(aht_s: np.ndarray, answer_s: np.ndarray) -> None:
    _check("aht_s", aht_s, np.isfinite(aht_s) & (aht_s > 0), "a finite number > 0")
    _check("answer_s", answer_s, np.isfinite(answer_s) & (answer_s >= 0), "a finite number >= 0")


def _check_patience(patience_s: np.ndarray) -> None:
    _check("patience_s", patience_s, patience_s > 0, "> 0 (inf for Erlang C)")


def _shaped(values: np.ndarray, shape: tuple[int, ...]) -> Floats:
    return values.reshape(shape)[()]


def _shape(*values: npt.ArrayLike) -> tuple[int, ...]:
    return np.broadcast_shapes(*(np.shape(value) for value in values))


def traffic_load(
    arrivals: npt.ArrayLike, aht_s: npt.ArrayLike, interval_s: npt.ArrayLike
) -> Floats:
    """Offered load in Erlangs: arrivals x AHT / interval."""
    shape = _shape(arrivals, aht_s, interval_s)
    calls, aht, interval = _arrays(arrivals=arrivals, aht_s=aht_s, interval_s=interval_s)
    _check("arrivals", calls, np.isfinite(calls) & (calls >= 0), "a finite number >= 0")
    _check("aht_s", aht, np.isfinite(aht) & (aht > 0), "a finite number > 0")
    _check("interval_s", interval, np.isfinite(interval) & (interval > 0), "a finite number > 0")
    return _shaped(calls * aht / interval, shape)


def _erlang_b(load: np.ndarray, agents: np.ndarray) -> np.ndarray:
    out = np.ones(load.shape)
    todo = np.flatnonzero(agents > 0)
    b = np.ones(todo.size)
    n = 0
    while todo.size:
        n += 1
        ab = load[todo] * b
        b = ab / (n + ab)
        done = agents[todo] == n
        out[todo[done]] = b[done]
        todo, b = todo[~done], b[~done]
    return out


def erlang_b(load: npt.ArrayLike, agents: npt.ArrayLike) -> Floats:
    """Blocking probability of an M/M/N/N loss system (Erlang B)."""
    shape = _shape(load, agents)
    a, n = _arrays(load=load, agents=agents)
    _check_load(a)
    _check_agents(n)
    return _shaped(_erlang_b(a, n), shape)


def _erlang_c(a: np.ndarray, n: np.ndarray, aht: np.ndarray, t: np.ndarray) -> list[np.ndarray]:
    b = _erlang_b(a, n)
    stable, idle = n > a, a == 0
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        pw = np.where(stable, n * b / (n - a * (1 - b)), 1.0)
        sl = np.where(stable, 1 - pw * np.exp(-(n - a) * t / aht), 0.0)
        asa = np.where(stable, pw * aht / (n - a), np.inf)
        occupancy = np.where(n > 0, np.minimum(a / n, 1.0), 1.0)
    # no traffic: no queue, whatever the staffing (also for N = 0)
    return [
        np.where(idle, 0.0, pw),
        np.where(idle, 1.0, sl),
        np.where(idle, 0.0, asa),
        np.where(idle, 0.0, occupancy),
        np.zeros(a.shape),
    ]


def erlang_c(
    load: npt.ArrayLike, agents: npt.ArrayLike, aht_s: npt.ArrayLike, answer_s: npt.ArrayLike
) -> QueueStats:
    """Erlang C (M/M/N, infinitely patient callers) at a given staffing.

    Understaffed cells (agents <= load) get SL 0, Pw 1, ASA inf, occupancy 1; no exception.
    """
    shape = _shape(load, agents, aht_s, answer_s)
    a, n, aht, t = _arrays(load=load, agents=agents, aht_s=aht_s, answer_s=answer_s)
    _check_load(a)
    _check_agents(n)
    _check_times(aht, t)
    return QueueStats(*(_shaped(v, shape) for v in _erlang_c(a, n, aht, t)))


def _log_kummer(b: np.ndarray, z: np.ndarray) -> np.ndarray:
    """log M(1; b; z) = log sum_k z^k / (b (b+1) ... (b+k-1)) for b >= 1, z >= 0.

    Closed form e^z z^(1-b) Gamma(b) P(b-1, z) where gammainc is representable; where it has
    underflowed (z far below b) the series, whose terms then shrink fast, is summed directly.
    """
    out = z.copy()  # b == 1: M(1; 1; z) = e^z
    with np.errstate(divide="ignore", invalid="ignore", under="ignore"):
        p = special.gammainc(np.where(b > 1, b - 1, 1.0), z)
        closed = (b > 1) & (p > _TINY)
        bc, zc = b[closed], z[closed]
        out[closed] = zc + (1 - bc) * np.log(zc) + special.gammaln(bc) + np.log(p[closed])
    series = np.flatnonzero((b > 1) & ~closed)
    total = np.ones(series.size)
    term = np.ones(series.size)
    todo = np.arange(series.size)
    k = 0
    while todo.size:
        term[todo] *= z[series[todo]] / (b[series[todo]] + k)
        total[todo] += term[todo]
        k += 1
        todo = todo[term[todo] > 1e-17 * total[todo]]
    out[series] = np.log(total)
    return out


def _queued_wait(x: np.ndarray, y: np.ndarray, log_a: np.ndarray) -> np.ndarray:
    """E[wait; answered | caller queues] in units of the mean patience.

    sum over queue lengths k of P(k waiting ahead | queue) x/(x+k+1) (psi(x+k+2) - psi(x+1)):
    answered with probability x/(x+k+1) after stages of mean theta/(x+1) .. theta/(x+k+1).
    The weights are Poisson(y) probabilities at x+k: the sum runs over 12 sd around the mode,
    or until the geometric bound (y/(x+1))^k drops below e^-45.
    """
    with np.errstate(divide="ignore", invalid="ignore"):
        centre = np.maximum(y - x, 0)
        spread = 12 * np.sqrt(y) + 40
        k_lo = np.floor(np.maximum(centre - spread, 0))
        k_hi = np.ceil(centre + spread)
        geometric = np.ceil(45 / np.log((x + 1) / y)) + 1
        k_hi = np.where(x + 1 > y, np.minimum(k_hi, geometric), k_hi)
        log_y = np.log(y)
    total = np.zeros(x.shape)
    todo = np.arange(x.size)
    offset = 0
    steps = np.arange(_BLOCK)
    while todo.size:
        k = k_lo[todo, None] + offset + steps
        xx = x[todo, None]
        with np.errstate(divide="ignore", invalid="ignore", under="ignore"):
            log_w = np.where(k > 0, k * log_y[todo, None], 0.0)
            log_w += special.gammaln(xx + 1) - special.gammaln(xx + k + 1) - log_a[todo, None]
            terms = np.exp(log_w) * xx / (xx + k + 1)
            terms *= special.digamma(xx + k + 2) - special.digamma(xx + 1)
        total[todo] += np.where(k <= k_hi[todo, None], terms, 0.0).sum(axis=1)
        offset += _BLOCK
        todo = todo[k_lo[todo] + offset <= k_hi[todo]]
    return total


def _erlang_a(
    a: np.ndarray,
    n: np.ndarray,
    aht: np.ndarray,
    t: np.ndarray,
    patience: np.ndarray,
    with_asa: bool = True,
) -> list[np.ndarray]:
    x, y = n * patience / aht, a * patience / aht
    b = _erlang_b(a, n)
    log_a = _log_kummer(x + 1, y)
    log_t = -t / patience  # log of e^(-t/theta), the chance a caller is still patient at t
    with np.errstate(divide="ignore", invalid="ignore", over="ignore", under="ignore"):
        pw = 1 / (1 + (1 / b - 1) * np.exp(-log_a))
        ratio = x / (x + 1)
        served = ratio * np.exp(_log_kummer(x + 2, y) - log_a)  # share of queued answered
        late_log = -y * np.expm1(log_t) + (x + 1) * log_t + _log_kummer(x + 2, y * np.exp(log_t))
        late = ratio * np.exp(late_log - log_a)  # ... answered after t
        within = np.clip(served - late, 0.0, served)
        abandonment = pw * (1 - served)
        sl = 1 - pw + pw * within
        occupancy = np.where(n > 0, np.minimum(a * (1 - abandonment) / n, 1.0), 1.0)
        if with_asa:
            asa = pw * patience * _queued_wait(x, y, log_a) / (1 - abandonment)
            asa = np.where(n > 0, asa, np.inf)
        else:
            asa = np.full(a.shape, np.nan)
    idle = a == 0
    return [
        np.where(idle, 0.0, pw),
        np.where(idle, 1.0, sl),
        np.where(idle, 0.0, asa),
        np.where(idle, 0.0, occupancy),
        np.where(idle, 0.0, abandonment),
    ]


def erlang_a(
    load: npt.ArrayLike,
    agents: npt.ArrayLike,
    aht_s: npt.ArrayLike,
    answer_s: npt.ArrayLike,
    patience_s: npt.ArrayLike,
) -> QueueStats:
    """Erlang A (M/M/N+M, callers abandon after an exponential patience of mean patience_s).

    Stable for any N, also N <= A: abandonment relieves the queue. Cells with patience_s = inf
    get the Erlang C values. The ASA series grows with sqrt(load x patience / AHT): fine for
    any real queue (~60 ms for 6,720 cells); a patience beyond ~1e4 x AHT is Erlang C anyway.
    """
    shape = _shape(load, agents, aht_s, answer_s, patience_s)
    a, n, aht, t, patience = _arrays(
        load=load, agents=agents, aht_s=aht_s, answer_s=answer_s, patience_s=patience_s
    )
    _check_load(a)
    _check_agents(n)
    _check_times(aht, t)
    _check_patience(patience)
    stats = _erlang_c(a, n, aht, t)
    finite = np.isfinite(patience)
    if finite.any():
        patient = _erlang_a(*(v[finite] for v in (a, n, aht, t, patience)))
        for full, part in zip(stats, patient, strict=True):
            full[finite] = part
    return QueueStats(*(_shaped(v, shape) for v in stats))


def _required_c(
    a: np.ndarray, aht: np.ndarray, target: np.ndarray, t: np.ndarray, max_occ: np.ndarray
) -> np.ndarray:
    out = np.zeros(a.shape, dtype=np.int64)
    todo = np.flatnonzero(a > 0)
    a, aht, target, t, max_occ = (v[todo] for v in (a, aht, target, t, max_occ))
    b = np.ones(todo.size)
    n = 0
    while todo.size:
        n += 1
        ab = a * b
        b = ab / (n + ab)
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            pw = n * b / (n - a * (1 - b))
            sl = 1 - pw * np.exp(-(n - a) * t / aht)
        ok = (n > a) & (sl >= target) & (a / n <= max_occ + OCCUPANCY_SLACK)
        out[todo[ok]] = n
        keep = ~ok
        todo, a, aht, target, t, max_occ, b = (
            v[keep] for v in (todo, a, aht, target, t, max_occ, b)
        )
    return out


def _required_a(
    a: np.ndarray,
    aht: np.ndarray,
    target: np.ndarray,
    t: np.ndarray,
    max_occ: np.ndarray,
    patience: np.ndarray,
) -> np.ndarray:
    """Smallest N meeting the targets under Erlang A: doubling, then bisection per cell.

    SL rises and occupancy falls with N, so the feasible N form an interval [N*, inf).
    """
    out = np.zeros(a.shape, dtype=np.int64)
    todo = np.flatnonzero(a > 0)
    a, aht, target, t, max_occ, patience = (v[todo] for v in (a, aht, target, t, max_occ, patience))

    def meets(n: np.ndarray) -> np.ndarray:
        _, sl, _, occupancy, _ = _erlang_a(a, n, aht, t, patience, with_asa=False)
        return (sl >= target) & (occupancy <= max_occ + OCCUPANCY_SLACK)

    lo = np.zeros(a.shape)  # N = 0 never meets a target > 0 when there is traffic
    hi = np.maximum(np.ceil(a), 1.0)
    ok = meets(hi)
    while not ok.all():
        lo, hi = np.where(ok, lo, hi), np.where(ok, hi, 2 * hi)
        ok = meets(hi)
    while np.any(hi - lo > 1):
        open_ = hi - lo > 1
        mid = np.where(open_, np.floor((lo + hi) / 2), hi)
        ok = meets(mid)
        hi, lo = np.where(open_ & ok, mid, hi), np.where(open_ & ~ok, mid, lo)
    out[todo] = hi
    return out


def required_agents(
    load: npt.ArrayLike,
    aht_s: npt.ArrayLike,
    target_sl: npt.ArrayLike,
    answer_s: npt.ArrayLike,
    max_occupancy: npt.ArrayLike = 1.0,
    patience_s: npt.ArrayLike | None = None,
) -> Ints:
    """Smallest whole N with SL(answer_s) >= target_sl and occupancy <= max_occupancy.

    Erlang C (N must exceed the load; the search starts at floor(A) + 1, not round(A), which
    would skip the answer when A's fractional part is >= 0.5), or Erlang A where patience_s
    is finite. Zero load needs 0 agents.
    """
    patience_s = np.inf if patience_s is None else patience_s
    shape = _shape(load, aht_s, target_sl, answer_s, max_occupancy, patience_s)
    a, aht, target, t, max_occ, patience = _arrays(
        load=load,
        aht_s=aht_s,
        target_sl=target_sl,
        answer_s=answer_s,
        max_occupancy=max_occupancy,
        patience_s=patience_s,
    )
    _check_load(a)
    _check_times(aht, t)
    _check("target_sl", target, (target > 0) & (target < 1), "in (0, 1)")
    _check("max_occupancy", max_occ, (max_occ > 0) & (max_occ <= 1), "in (0, 1]")
    _check_patience(patience)
    finite = np.isfinite(patience)
    out = np.zeros(a.shape, dtype=np.int64)
    out[~finite] = _required_c(*(v[~finite] for v in (a, aht, target, t, max_occ)))
    if finite.any():
        out[finite] = _required_a(*(v[finite] for v in (a, aht, target, t, max_occ, patience)))
    return out.reshape(shape)[()]


def scheduled_agents(agents: npt.ArrayLike, shrinkage: npt.ArrayLike) -> Ints:
    """Headcount to roster so that `agents` remain after shrinkage: ceil(N / (1 - shrinkage)).

    The quotient is rounded to 1e-9 before the ceiling, so float noise (14 / 0.7 is
    20.000000000000004) does not add an agent. Shrinkage must be in [0, 1).
    """
    shape = _shape(agents, shrinkage)
    n, s = _arrays(agents=agents, shrinkage=shrinkage)
    _check_agents(n)
    _check("shrinkage", s, (s >= 0) & (s < 1), "in [0, 1)")
    return np.ceil(np.round(n / (1 - s), 9)).astype(np.int64).reshape(shape)[()]
