"""The planners' calculator: required agents and queue performance for one interval.

    python -m atlas erlang --calls 100 --interval-s 1800 --aht-s 180 --sl 0.8 --answer-s 20
        [--shrinkage 0.3] [--max-occupancy 0.85] [--agents N] [--patience-s 300]

One JSON object on stdout; ``--help`` says what each field means.
"""

from __future__ import annotations

import argparse
import json
import math

from atlas.cli import UsageError
from metrics import erlang

_EPILOG = """Prints one JSON object: agents, scheduled, service_level, wait_probability, asa_s,
occupancy, and abandonment when --patience-s is given (Erlang A; otherwise Erlang C).
asa_s is null when the wait is unbounded (Erlang C with agents <= traffic load, or 0 agents).
Bad input: a message on stderr and exit code 2."""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.epilog = _EPILOG
    arg = parser.add_argument
    arg("--calls", type=float, required=True, help="arrivals in the interval (>= 0)")
    arg("--interval-s", type=float, required=True, help="interval length in seconds (> 0)")
    arg("--aht-s", type=float, required=True, help="average handling time in seconds (> 0)")
    arg("--sl", type=float, help="service-level target in (0, 1); required unless --agents")
    arg("--answer-s", type=float, required=True, help="answer-time target in seconds (>= 0)")
    arg("--shrinkage", type=float, default=0.0, help="share of paid time off the phones, [0, 1)")
    arg("--max-occupancy", type=float, default=1.0, help="cap on load/agents, (0, 1]; search only")
    arg("--agents", type=int, help="evaluate this staffing instead of searching (>= 0)")
    arg("--patience-s", type=float, help="mean caller patience in seconds (> 0): Erlang A")


def run(args: argparse.Namespace) -> int:
    _validate(args)
    try:
        report = _report(args)
    except ValueError as error:
        raise UsageError(str(error)) from None
    print(json.dumps(report))
    return 0


def _validate(args: argparse.Namespace) -> None:
    rules = [
        ("--calls", args.calls, args.calls >= 0, ">= 0"),
        ("--interval-s", args.interval_s, args.interval_s > 0, "> 0"),
        ("--aht-s", args.aht_s, args.aht_s > 0, "> 0"),
        ("--answer-s", args.answer_s, args.answer_s >= 0, ">= 0"),
        ("--shrinkage", args.shrinkage, 0 <= args.shrinkage < 1, "in [0, 1)"),
        ("--max-occupancy", args.max_occupancy, 0 < args.max_occupancy <= 1, "in (0, 1]"),
    ]
    if args.sl is None and args.agents is None:
        raise UsageError("--sl is required unless --agents is given")
    if args.sl is not None:
        rules.append(("--sl", args.sl, 0 < args.sl < 1, "in (0, 1)"))
    if args.agents is not None:
        rules.append(("--agents", args.agents, args.agents >= 0, ">= 0"))
    if args.patience_s is not None:
        rules.append(("--patience-s", args.patience_s, args.patience_s > 0, "> 0"))
    for name, value, ok, rule in rules:
        if not ok or not math.isfinite(value):
            raise UsageError(f"{name} must be a finite number {rule}, got {value}")


def _report(args: argparse.Namespace) -> dict[str, float | int | None]:
    """The calculator's JSON object for parsed, validated arguments."""
    load = erlang.traffic_load(args.calls, args.aht_s, args.interval_s)
    patience = math.inf if args.patience_s is None else args.patience_s
    agents = args.agents
    if agents is None:
        agents = int(
            erlang.required_agents(
                load, args.aht_s, args.sl, args.answer_s, args.max_occupancy, patience
            )
        )
    stats = erlang.erlang_a(load, agents, args.aht_s, args.answer_s, patience)
    asa = float(stats.asa_s)
    report: dict[str, float | int | None] = {
        "agents": agents,
        "scheduled": int(erlang.scheduled_agents(agents, args.shrinkage)),
        "service_level": float(stats.service_level),
        "wait_probability": float(stats.wait_probability),
        "asa_s": asa if math.isfinite(asa) else None,
        "occupancy": float(stats.occupancy),
    }
    if args.patience_s is not None:
        report["abandonment"] = float(stats.abandonment)
    return report
