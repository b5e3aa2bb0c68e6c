"""Erlang B/C/A maths (metrics.erlang) and the planners' calculator (python -m atlas erlang).

Reference values come from published calculators; Erlang A is checked against an independent
brute-force solution of the truncated chain, a discrete-event simulation and the Erlang C limit.
"""

from __future__ import annotations

import collections
import heapq
import json
import math
import random
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pytest
from scipy.linalg import expm

from atlas.cli import main
from metrics.erlang import (
    erlang_a,
    erlang_b,
    erlang_c,
    required_agents,
    scheduled_agents,
    traffic_load,
)

ROOT = Path(__file__).resolve().parent.parent
REL = 1e-4


def approx(value: float, rel: float = REL) -> object:
    return pytest.approx(value, rel=rel)


# ---- published worked examples (Erlang C) --------------------------------------------------


def test_cran_erlangc_readme_example():
    # 100 calls per 30 min x 180 s AHT / 1800 s = 10 Erlangs; target 80 % answered in 20 s
    load = traffic_load(100, 180, 1800)
    assert load == 10.0
    assert required_agents(load, 180, 0.8, 20) == 14
    at14 = erlang_c(load, 14, 180, 20)
    assert at14.service_level == approx(0.88835)
    assert at14.wait_probability == approx(0.1741319)
    assert at14.asa_s == approx(7.8359)
    assert at14.occupancy == approx(0.7142857)  # 10 / 14
    at11 = erlang_c(load, 11, 180, 20)
    assert at11.wait_probability == approx(0.6821182)
    assert at11.service_level == approx(0.3896138)
    assert scheduled_agents(14, 0.3) == 20  # ceil(14 / 0.7) = ceil(20.0)


def test_calloptix_calculator_example():
    # 100 calls per hour x 3 min = 5 Erlangs; 80/20
    load = traffic_load(100, 180, 3600)
    assert load == 5.0
    assert required_agents(load, 180, 0.8, 20) == 8
    stats = erlang_c(load, 8, 180, 20)
    assert stats.service_level == approx(0.8801, rel=1e-3)  # printed as 88.01 %
    assert stats.wait_probability == approx(0.1673, rel=1e-3)  # 16.73 %
    assert stats.asa_s == approx(10, rel=0.01)  # "about 10 s"
    assert stats.occupancy == approx(0.625)  # 5 / 8
    assert scheduled_agents(8, 0.3) == 12  # ceil(11.43)


def test_250_calls_per_hour_330_s_80_in_30():
    load = traffic_load(250, 330, 3600)  # 22.917 Erlangs
    assert required_agents(load, 330, 0.8, 30) == 28
    levels = erlang_c(load, [27, 28], 330, 30).service_level
    assert levels[0] == approx(0.78218)
    assert levels[1] == approx(0.85685)


def test_600_calls_per_hour_120_s():
    load = traffic_load(600, 120, 3600)  # 20 Erlangs
    stats = erlang_c(load, [26, 30], 120, 20)
    assert stats.wait_probability[0] == approx(0.1434, rel=1e-3)
    assert stats.asa_s[0] == approx(2.87, rel=1e-3)
    assert stats.wait_probability[1] == approx(0.02495, rel=1e-3)


def test_erlang_b_matches_the_textbook_sum():
    # B(N, A) = (A^N / N!) / sum_{k<=N} A^k / k!
    for load, agents in [(10.0, 14), (0.5, 1), (42.7, 40), (3.0, 0)]:
        terms = [load**k / math.factorial(k) for k in range(agents + 1)]
        assert erlang_b(load, agents) == approx(terms[-1] / sum(terms), rel=1e-12)


# ---- edge cases -----------------------------------------------------------------------------


def test_understaffed_intervals_are_handled_not_raised():
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no RuntimeWarning from a division by zero either
        stats = erlang_c(10.0, [0, 5, 10, 11, 14], 180, 20)
    np.testing.assert_array_equal(stats.service_level[:3], 0.0)
    np.testing.assert_array_equal(stats.wait_probability[:3], 1.0)
    assert np.isinf(stats.asa_s[:3]).all()
    np.testing.assert_array_equal(stats.occupancy[:3], 1.0)  # everybody busy all the time
    assert np.isfinite(stats.asa_s[3:]).all()
    assert stats.service_level[4] == approx(0.88835)
    scalar = erlang_c(10.0, 10, 180, 20)
    assert scalar.service_level == 0.0 and math.isinf(scalar.asa_s)


def test_zero_arrivals_need_no_agents_and_never_wait():
    load = traffic_load(0, 180, 1800)
    assert load == 0.0
    assert required_agents(load, 180, 0.8, 20) == 0
    assert required_agents(load, 180, 0.8, 20, patience_s=60) == 0
    for stats in (erlang_c(0.0, [0, 3], 180, 20), erlang_a(0.0, [0, 3], 180, 20, 60)):
        np.testing.assert_array_equal(stats.service_level, 1.0)
        np.testing.assert_array_equal(stats.wait_probability, 0.0)
        np.testing.assert_array_equal(stats.asa_s, 0.0)
        np.testing.assert_array_equal(stats.occupancy, 0.0)
        np.testing.assert_array_equal(stats.abandonment, 0.0)
    assert scheduled_agents(0, 0.3) == 0


@pytest.mark.parametrize(("shrinkage", "scheduled"), [(0, 14), (0.3, 20), (0.999, 14000)])
def test_shrinkage_edges(shrinkage, scheduled):
    assert scheduled_agents(14, shrinkage) == scheduled


@pytest.mark.parametrize("shrinkage", [1, 1.5, -0.1, math.nan])
def test_shrinkage_outside_zero_to_one_is_rejected(shrinkage):
    with pytest.raises(ValueError, match="shrinkage must be in"):
        scheduled_agents(14, shrinkage)


def test_scheduled_is_vectorised():
    table = scheduled_agents([0, 8, 14], [[0.0], [0.3]])
    np.testing.assert_array_equal(table, [[0, 8, 14], [0, 12, 20]])


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: traffic_load(-1, 180, 1800), "arrivals"),
        (lambda: traffic_load(1, 180, 0), "interval_s"),
        (lambda: erlang_c(-1, 3, 180, 20), "load"),
        (lambda: erlang_c(1, 2.5, 180, 20), "agents"),
        (lambda: erlang_c(1, 3, 0, 20), "aht_s"),
        (lambda: erlang_c(1, 3, 180, -1), "answer_s"),
        (lambda: erlang_a(1, 3, 180, 20, 0), "patience_s"),
        (lambda: required_agents(1, 180, 1.0, 20), "target_sl"),
        (lambda: required_agents(1, 180, 0.0, 20), "target_sl"),
        (lambda: required_agents(1, 180, 0.8, 20, max_occupancy=0), "max_occupancy"),
        (lambda: required_agents([1, math.nan], 180, 0.8, 20), "load"),
    ],
)
def test_bad_arguments_raise_value_errors_that_name_them(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_max_occupancy_binds():
    # SL alone needs 14 agents for 10 Erlangs (occupancy 0.714); a 60 % cap needs
    # ceil(10 / 0.6) = ceil(16.67) = 17; an 85 % cap does not bind
    assert required_agents(10, 180, 0.8, 20, max_occupancy=0.6) == 17
    assert required_agents(10, 180, 0.8, 20, max_occupancy=0.85) == 14
    # exactly on the cap: 8.5 / 10 = 0.85 is allowed, float noise notwithstanding
    assert required_agents(8.5, 180, 0.01, 0, max_occupancy=0.85) == 10


def brute_force_required(load, aht, target, answer, max_occupancy=1.0):
    agents = 0
    while True:
        agents += 1
        stats = erlang_c(load, agents, aht, answer)
        if agents > load and stats.service_level >= target and stats.occupancy <= max_occupancy:
            return agents


def test_fractional_load_gets_the_true_smallest_staffing():
    # pyworkforce starts at round(A + 1) = round(10.6) = 11 and so can never answer 10
    load, aht = 9.6, 180
    at10 = float(erlang_c(load, 10, aht, 20).service_level)  # 0.178: 10 agents for 9.6 Erlangs
    target = at10 - 1e-6
    assert required_agents(load, aht, target, 20) == 10
    assert brute_force_required(load, aht, target, 20) == 10
    for load in (9.5, 9.6, 9.75, 9.99, 22.5, 22.9):
        for target in (0.05, 0.3, 0.8, 0.95):
            expected = brute_force_required(load, aht, target, 20)
            assert required_agents(load, aht, target, 20) == expected, (load, target)


def test_vectorised_equals_scalar():
    rng = np.random.default_rng(3)
    load = rng.uniform(0, 60, (12, 5))
    load[0, 0] = 0.0
    aht = rng.uniform(60, 600, 5)
    target = rng.uniform(0.5, 0.95, (12, 1))
    agents = np.floor(load + rng.integers(-2, 8, load.shape)).clip(0)
    needed = required_agents(load, aht, target, 20)
    needed_a = required_agents(load, aht, target, 20, patience_s=120)
    c = erlang_c(load, agents, aht, 20)
    a = erlang_a(load, agents, aht, 20, 120)
    assert needed.shape == c.asa_s.shape == a.abandonment.shape == (12, 5)
    for i, j in np.ndindex(load.shape):
        assert needed[i, j] == required_agents(load[i, j], aht[j], target[i, 0], 20)
        assert needed_a[i, j] == required_agents(load[i, j], aht[j], target[i, 0], 20, 1.0, 120)
        one_c = erlang_c(load[i, j], agents[i, j], aht[j], 20)
        one_a = erlang_a(load[i, j], agents[i, j], aht[j], 20, 120)
        for field in ("service_level", "wait_probability", "asa_s", "occupancy", "abandonment"):
            assert getattr(c, field)[i, j] == getattr(one_c, field)
            assert getattr(a, field)[i, j] == getattr(one_a, field)


# ---- Erlang A -------------------------------------------------------------------------------


def brute_force_erlang_a(load, agents, aht, answer, patience, queue_max=600):
    """Truncated birth-death chain, and the per-position fate of a queued caller by expm."""
    mu, gamma = 1 / aht, 1 / patience
    lam = load * mu
    states = range(1, agents + queue_max)
    deaths = [min(k, agents) * mu + max(k - agents, 0) * gamma for k in states]
    log_pi = np.concatenate([[0.0], np.cumsum(np.log(lam) - np.log(deaths))])
    pi = np.exp(log_pi - log_pi.max())
    pi /= pi.sum()
    p_wait = pi[agents:].sum()
    # a caller at position i moves up at N mu + (i-1) gamma and abandons at gamma;
    # states 0..K-1 = positions 1..K, K = answered, K+1 = abandoned
    positions = len(pi) - agents
    generator = np.zeros((positions + 2, positions + 2))
    for i in range(1, positions + 1):
        forward = agents * mu + (i - 1) * gamma
        generator[i - 1, i - 2 if i > 1 else positions] = forward
        generator[i - 1, positions + 1] = gamma
        generator[i - 1, i - 1] = -(forward + gamma)
    answered_by_t = expm(generator * answer)[:positions, positions]
    answered = np.array([agents * mu / (agents * mu + i * gamma) for i in range(1, positions + 1)])
    # E[wait; answered | position i] = answered_i / (exit rate at i) + P(move up) E[...| i-1]
    wait = np.zeros(positions + 1)
    for i in range(1, positions + 1):
        forward = agents * mu + (i - 1) * gamma
        wait[i] = answered[i - 1] / (forward + gamma) + forward / (forward + gamma) * wait[i - 1]
    arrivals_queued = pi[agents:]  # PASTA: the arrival sees i-1 waiting, joins at position i
    p_answered = pi[:agents].sum() + (arrivals_queued * answered).sum()
    queue = (np.arange(positions) * pi[agents:]).sum()
    return {
        "wait_probability": p_wait,
        "service_level": pi[:agents].sum() + (arrivals_queued * answered_by_t).sum(),
        "asa_s": (arrivals_queued * wait[1:]).sum() / p_answered,
        "abandonment": gamma * queue / lam,
        "occupancy": (1 - gamma * queue / lam) * load / agents,
    }


@pytest.mark.parametrize(
    ("load", "agents", "answer", "patience"),
    [
        (10, 14, 20, 300),
        (10, 8, 20, 300),  # fewer agents than Erlangs: stable, thanks to abandonment
        (10, 11, 60, 30),
        (10, 5, 20, 3000),
        (3.2, 4, 0, 90),
        (25, 27, 120, 600),
    ],
)
def test_erlang_a_matches_the_brute_force_chain(load, agents, answer, patience):
    stats = erlang_a(load, agents, 180, answer, patience)
    expected = brute_force_erlang_a(load, agents, 180, answer, patience)
    for field, value in expected.items():
        assert getattr(stats, field) == pytest.approx(value, rel=1e-7), field


def simulate(load, agents, aht, answer, patience, callers=200_000, seed=11):
    """First-come-first-served M/M/N+M, one caller at a time; returns the queue statistics."""
    rng = random.Random(seed)
    free, completions, queue = agents, [], collections.deque()
    waited = answered = in_time = 0
    wait_total = work = now = 0.0

    def serve(start: float) -> None:
        nonlocal work
        duration = rng.expovariate(1 / aht)
        work += duration
        heapq.heappush(completions, start + duration)

    for _ in range(callers):
        now += rng.expovariate(load / aht)
        while completions and completions[0] <= now:
            done = heapq.heappop(completions)
            free += 1
            while queue and free:
                arrived, gives_up = queue.popleft()
                if gives_up > done:
                    free -= 1
                    answered += 1
                    wait_total += done - arrived
                    in_time += done - arrived <= answer
                    serve(done)
        if free:
            free -= 1
            answered += 1
            in_time += 1
            serve(now)
        else:
            waited += 1
            queue.append((now, now + rng.expovariate(1 / patience)))
    return {
        "wait_probability": waited / callers,
        "service_level": in_time / callers,
        "asa_s": wait_total / answered,
        "abandonment": 1 - (answered + len(queue)) / callers,
        "occupancy": work / (now * agents),
    }


def test_erlang_a_agrees_with_a_simulation():
    stats = erlang_a(10, 8, 180, 20, 300)
    simulated = simulate(10, 8, 180, 20, 300)
    for field in ("wait_probability", "service_level", "abandonment", "occupancy"):
        assert getattr(stats, field) == pytest.approx(simulated[field], abs=0.01), field
    assert stats.asa_s == pytest.approx(simulated["asa_s"], rel=0.03)


def test_erlang_a_tends_to_erlang_c_as_patience_grows():
    c = erlang_c(10, 14, 180, 20)
    a = erlang_a(10, 14, 180, 20, [3e2, 3e3, 3e4, 3e6, 3e8])
    gaps = np.abs(a.service_level - c.service_level)
    assert np.all(np.diff(gaps) < 0)
    last = erlang_a(10, 14, 180, 20, 3e8)
    for field in ("service_level", "wait_probability", "asa_s", "occupancy"):
        assert getattr(last, field) == approx(getattr(c, field), rel=1e-5), field
    assert last.abandonment < 1e-7
    infinite = erlang_a(10, [12, 14], 180, 20, math.inf)
    finite = erlang_c(10, [12, 14], 180, 20)
    np.testing.assert_array_equal(infinite.service_level, finite.service_level)


def test_abandonment_grows_as_patience_shrinks():
    patience = np.array([3000, 600, 300, 120, 60, 30, 10])
    for agents in (8, 11, 14):
        abandonment = erlang_a(10, agents, 180, 20, patience).abandonment
        assert np.all(np.diff(abandonment) > 0)


def test_erlang_a_required_agents_is_the_smallest_that_meets_the_targets():
    for load, patience, target, cap in [(10, 300, 0.8, 1.0), (10, 60, 0.8, 1.0), (10, 60, 0.5, 0.9),
                                        (3.2, 30, 0.9, 1.0), (47.5, 200, 0.8, 0.85)]:  # fmt: skip
        needed = int(required_agents(load, 180, target, 20, cap, patience))
        scan = erlang_a(load, np.arange(0, 2 * needed + 5), 180, 20, patience)
        meets = (scan.service_level >= target) & (scan.occupancy <= cap)
        assert meets[needed] and not meets[:needed].any() and meets[needed:].all()


# ---- the calculator -------------------------------------------------------------------------

CRAN = ["erlang", "--calls", "100", "--interval-s", "1800", "--aht-s", "180", "--sl", "0.8",
        "--answer-s", "20"]  # fmt: skip


def run(capsys, *argv):
    code = main([*CRAN, *argv])
    out, err = capsys.readouterr()
    return code, (json.loads(out) if code == 0 else None), err


def test_calculator_searches_and_schedules(capsys):
    code, report, _ = run(capsys, "--shrinkage", "0.3")
    assert code == 0
    assert set(report) == {"agents", "scheduled", "service_level", "wait_probability", "asa_s",
                           "occupancy"}  # fmt: skip
    assert report["agents"] == 14 and report["scheduled"] == 20
    assert report["service_level"] == approx(0.88835)
    assert report["wait_probability"] == approx(0.1741319)
    assert report["asa_s"] == approx(7.8359)
    assert report["occupancy"] == approx(0.7142857)


def test_calculator_evaluates_given_agents_and_prints_null_for_unbounded_asa(capsys):
    code, report, _ = run(capsys, "--agents", "11", "--shrinkage", "0.3")
    assert code == 0
    assert report["agents"] == 11 and report["scheduled"] == 16  # ceil(11 / 0.7) = ceil(15.7)
    assert report["wait_probability"] == approx(0.6821182)
    code, report, _ = run(capsys, "--agents", "10")  # 10 agents for 10 Erlangs
    assert report["service_level"] == 0 and report["asa_s"] is None


def test_calculator_max_occupancy_and_erlang_a(capsys):
    assert run(capsys, "--max-occupancy", "0.6")[1]["agents"] == 17
    _, report, _ = run(capsys, "--patience-s", "300")
    expected = erlang_a(10, report["agents"], 180, 20, 300)
    assert report["agents"] == required_agents(10, 180, 0.8, 20, patience_s=300)
    assert report["abandonment"] == approx(float(expected.abandonment))
    assert report["service_level"] >= 0.8


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--shrinkage", "1"], "--shrinkage"),
        (["--shrinkage", "-0.1"], "--shrinkage"),
        (["--sl", "1.2"], "--sl"),
        (["--sl", "0"], "--sl"),
        (["--calls", "-5"], "--calls"),
        (["--aht-s", "0"], "--aht-s"),
        (["--answer-s", "nan"], "--answer-s"),
        (["--agents", "-1"], "--agents"),
        (["--agents", "2.5"], "--agents"),
        (["--patience-s", "0"], "--patience-s"),
        (["--calls", "many"], "--calls"),
    ],
)
def test_calculator_rejects_bad_input_with_exit_code_2(capsys, argv, message):
    code, _, err = run(capsys, *argv)
    assert code == 2
    assert message in err


def test_calculator_runs_as_a_module():
    result = subprocess.run(
        [sys.executable, "-m", "atlas", *CRAN, "--shrinkage", "0.3"],
        cwd=ROOT, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["scheduled"] == 20
    bad = subprocess.run(
        [sys.executable, "-m", "atlas", "erlang", "--calls", "10"],
        cwd=ROOT, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert bad.returncode == 2 and "required" in bad.stderr and not bad.stdout
