"""Staffing calculations: required and scheduled agents per interval (maths in metrics.erlang).

No Streamlit or DuckDB here. Also the planners' calculator:

    python -m metrics.staffing erlang --calls 100 --interval-s 1800 --aht-s 180 --sl 0.8 \
        --answer-s 20 [--shrinkage 0.3] [--max-occupancy 0.85] [--agents N] [--patience-s 300]
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from typing import NoReturn

from metrics import erlang

# ---- command-line calculator -------------------------------------------------------------

_EPILOG = """Prints one JSON object: agents, scheduled, service_level, wait_probability, asa_s,
occupancy, and abandonment when --patience-s is given (Erlang A; otherwise Erlang C).
asa_s is null when the wait is unbounded (Erlang C with agents <= traffic load, or 0 agents).
Bad input: a message on stderr and exit code 2."""


class _UsageError(ValueError):
    pass


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        raise _UsageError(f"{message} (see --help)")


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="python -m metrics.staffing", description=__doc__.split("\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    calc = commands.add_parser(
        "erlang",
        help="required agents and queue performance for one interval",
        epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    arg = calc.add_argument
    arg("--calls", type=float, required=True, help="arrivals in the interval (>= 0)")
    arg("--interval-s", type=float, required=True, help="interval length in seconds (> 0)")
    arg("--aht-s", type=float, required=True, help="average handling time in seconds (> 0)")
    arg("--sl", type=float, help="service-level target in (0, 1); required unless --agents")
    arg("--answer-s", type=float, required=True, help="answer-time target in seconds (>= 0)")
    arg("--shrinkage", type=float, default=0.0, help="share of paid time off the phones, [0, 1)")
    arg("--max-occupancy", type=float, default=1.0, help="cap on load/agents, (0, 1]; search only")
    arg("--agents", type=int, help="evaluate this staffing instead of searching (>= 0)")
    arg("--patience-s", type=float, help="mean caller patience in seconds (> 0): Erlang A")
    return parser


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
        raise _UsageError("--sl is required unless --agents is given")
    if args.sl is not None:
        rules.append(("--sl", args.sl, 0 < args.sl < 1, "in (0, 1)"))
    if args.agents is not None:
        rules.append(("--agents", args.agents, args.agents >= 0, ">= 0"))
    if args.patience_s is not None:
        rules.append(("--patience-s", args.patience_s, args.patience_s > 0, "> 0"))
    for name, value, ok, rule in rules:
        if not ok or not math.isfinite(value):
            raise _UsageError(f"{name} must be a finite number {rule}, got {value}")


def erlang_report(args: argparse.Namespace) -> dict[str, float | int | None]:
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


def main(argv: list[str] | None = None) -> int:
    """Run the calculator; returns the exit code (2 on bad input)."""
    try:
        args = _parser().parse_args(argv)
        _validate(args)
        report = erlang_report(args)
    except (_UsageError, ValueError) as error:
        print(f"python -m metrics.staffing: error: {error}", file=sys.stderr)
        return 2
    print(json.dumps(report))
    return 0


if __name__ == "__main__":
    sys.exit(main())
