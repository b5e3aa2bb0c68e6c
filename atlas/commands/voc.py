"""What customers say, for scripts and the review pack: comment topics or key drivers.

    python -m atlas voc topics|drivers --db PATH [--language ko] [--mood unhappy|happy|unrated]
        [--question csat|nps|ces] [--from DATE --to DATE] [--where country=KR]
        [--timezone Area/City] [--format csv|json]

``topics``: each topic of the view's comments in one language (default: the view's most common
one) and mood (default: unhappy, CSAT 1–3; see ``metrics.voc_topics.mood``) with its share,
average score, change against the previous period and the market's own normal, and up to three
example comments (masked). ``drivers``: the words and topics more
common in low scores than in high ones (``kind`` says which). Same privacy rules as the page.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import pandas as pd

from atlas.arguments import (
    add_access_arguments,
    add_filter_arguments,
    check_filter_values,
    filter_from_args,
    open_database,
)
from atlas.cli import UsageError
from metrics.voc import QUESTIONS
from metrics.voc_drivers import drivers
from metrics.voc_topics import EXAMPLES, MOODS, corpus, topics


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("what", choices=("topics", "drivers"), help="what to list")
    parser.add_argument("--db", type=Path, required=True, help="DuckDB file to read")
    parser.add_argument("--language", help="comment language, e.g. ko (default: the most common)")
    parser.add_argument(
        "--mood",
        choices=MOODS,
        default="unhappy",
        help="whose comments: unhappy (CSAT 1-3), happy (4-5) or unrated",
    )
    parser.add_argument("--question", choices=tuple(QUESTIONS), default="csat",
                        help="the score topics are averaged on and drivers split by")  # fmt: skip
    add_filter_arguments(parser)
    add_access_arguments(parser)
    parser.add_argument("--format", choices=("csv", "json"), default="csv")


def run(args: argparse.Namespace) -> int:
    flt = filter_from_args(args)
    db = open_database(args, "comment topics")
    check_filter_values(flt, db)
    view = topics(db, flt, args.language, args.question, args.mood)
    known = view.languages["language"].tolist()
    if args.language and args.language not in known:
        raise UsageError(
            f"--language {args.language}: no comments in that language for this "
            f"filter; languages with comments: {', '.join(known) or '(none)'}"
        )
    if view.suppressed:
        print("note: fewer responses than the privacy minimum match this filter: nothing is "
              "listed", file=sys.stderr)  # fmt: skip
    elif view.language is None:
        print("note: no language with enough comments for topics", file=sys.stderr)
    elif (model := corpus(db).models.get(view.language)) is None:
        print(f"note: {view.language}: too few comments in the data to model topics",
              file=sys.stderr)  # fmt: skip
    else:
        print(f"note: {view.language}, {view.mood}: {len(model.terms.get(view.mood, []))} topics "
              f"from all such comments in the data, coherence (mean NPMI of each topic's top "
              f"words) {model.coherence.get(view.mood, float('nan')):.2f}",
              file=sys.stderr)  # fmt: skip
    if args.what == "topics":
        table = view.table.assign(
            terms=view.table["terms"].map(" ".join),
            **{f"example_{i + 1}": view.table["topic"].map(
                lambda t, i=i: (view.examples[t] + [""] * EXAMPLES)[i]) for i in range(EXAMPLES)},
        )  # fmt: skip
    else:
        found = drivers(db, flt, view.language, args.question) if view.language else None
        table = _drivers_table(found)
    table.insert(0, "language", view.language)
    if args.what == "topics":
        table.insert(1, "mood", view.mood)
    _write(table, args.format)
    return 0


def _drivers_table(found) -> pd.DataFrame:  # noqa: ANN001 - metrics.voc_drivers.Drivers | None
    """Words and topics in one table: ``kind`` says which, ``item`` names it, ``effect`` is the
    word's log-odds or the topic's odds ratio."""
    if found is None:
        return pd.DataFrame(columns=["kind", "item", "low", "high", "effect", "low_ci", "high_ci",
                                     "p", "significant"])  # fmt: skip
    words = found.words.rename(columns={"term": "item", "log_odds": "effect"}).drop(columns="z")
    topic_rows = found.topics.assign(name=found.topics["mood"] + ": " + found.topics["name"])
    topic_rows = topic_rows.rename(columns={"name": "item", "odds_ratio": "effect"}).drop(
        columns=["mood", "topic", "low_share", "high_share"])  # fmt: skip
    return pd.concat([words.assign(kind="word"), topic_rows.assign(kind="topic")],
                     ignore_index=True)[["kind", *words.columns]]  # fmt: skip


def _write(table: pd.DataFrame, output_format: str) -> None:
    if output_format == "csv":
        table.to_csv(sys.stdout, index=False)
    else:
        records = json.loads(table.to_json(orient="records", date_format="iso", force_ascii=False))
        sys.stdout.write(json.dumps(records, ensure_ascii=False, indent=2) + "\n")
