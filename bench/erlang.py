"""Times the Erlang maths on a staffing grid and prints a markdown table.

The grid: one week of 30-minute intervals x 20 queues (336 x 20 = 6,720 cells), arrivals with a
daily curve (0 to ~400 calls per interval), AHT 150-600 s per queue, target 80/20. Median of
the runs; target < 1 s for each row (a staffing page redraw).

    python -m bench.erlang [--runs 7]
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import statistics
import time
from collections.abc import Callable

import numpy as np

from metrics.erlang import erlang_a, erlang_c, required_agents, traffic_load

TARGET_SECONDS = 1.0
INTERVALS, QUEUES, INTERVAL_S = 336, 20, 1800
PATIENCE_S = 120


def week_grid(seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Offered load (Erlangs, intervals x queues) and AHT per queue."""
    rng = np.random.default_rng(seed)
    hour = (np.arange(INTERVALS) % 48) / 2
    daily = np.clip(np.sin((hour - 6) / 24 * 2 * np.pi), 0.05, None)
    calls = rng.poisson(300 * daily[:, None] * rng.uniform(0.2, 1.5, QUEUES))
    aht = rng.uniform(150, 600, QUEUES)
    return traffic_load(calls, aht, INTERVAL_S), aht


def timed(run: Callable[[], object], runs: int) -> list[float]:
    run()  # warm-up
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        run()
        times.append(time.perf_counter() - started)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    load, aht = week_grid()
    agents_c = required_agents(load, aht, 0.8, 20)
    agents_a = required_agents(load, aht, 0.8, 20, patience_s=PATIENCE_S)
    understaffed = np.floor(0.8 * load)
    cases = {
        "required agents, Erlang C": lambda: required_agents(load, aht, 0.8, 20),
        "required agents, Erlang C, max occupancy 0.85": lambda: required_agents(
            load, aht, 0.8, 20, 0.85
        ),
        "SL/ASA/occupancy at required, Erlang C": lambda: erlang_c(load, agents_c, aht, 20),
        f"required agents, Erlang A (patience {PATIENCE_S} s)": lambda: required_agents(
            load, aht, 0.8, 20, patience_s=PATIENCE_S
        ),
        "SL/ASA/abandonment at required, Erlang A": lambda: erlang_a(
            load, agents_a, aht, 20, PATIENCE_S
        ),
        "SL/ASA/abandonment at 80 % of load, Erlang A": lambda: erlang_a(
            load, understaffed, aht, 20, PATIENCE_S
        ),
    }
    machine = platform.processor() or platform.machine()
    print(
        f"Erlang benchmark — {dt.date.today()} — {machine}, {os.cpu_count()} cores, "
        f"{INTERVALS} x {QUEUES} = {load.size:,} cells, load up to {load.max():.0f} Erlangs, "
        f"{int(agents_c.sum()):,} agent-intervals (Erlang C)\n"
    )
    print("| computation | median of runs | min | target | met |")
    print("| --- | ---: | ---: | ---: | :---: |")
    for name, run in cases.items():
        times = timed(run, args.runs)
        median = statistics.median(times)
        print(
            f"| {name} | {median * 1000:.1f} ms | {min(times) * 1000:.1f} ms | "
            f"{TARGET_SECONDS:.0f} s | {'yes' if median < TARGET_SECONDS else 'NO'} |"
        )


if __name__ == "__main__":
    main()
