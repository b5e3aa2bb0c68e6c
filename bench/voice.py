"""Voice topics: speed at 100,000 and 1,000,000 comments, and how well the model finds themes.

Speed: the sample's comments copied into a database of ``--comments`` comments each (new survey
ids, the same tickets, texts and scores), then in a fresh process: reading and modelling every
comment (``metrics.voc_topics.corpus``: tokenisers loaded, languages fitted) cold, and one view's
topics and drivers (all markets and Korea, last 90 days) warm; the process's peak memory.

Model: on comments from the sample generator, whose hidden theme is known, per language and mood,
NMF (the product's choice) against LDA (scikit-learn's LatentDirichletAllocation on counts) at
the same number of topics: mean NPMI coherence of the topics' top words, and precision (the
share of comments whose topic's main theme is their own).

    python -m bench.voice [--db data/sample.duckdb] [--comments 100000,1000000]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

from data_access import results
from data_access.config import DEFAULT_DB
from data_access.database import Database
from data_access.filters import Filter
from data_access.sample.generator import generate
from metrics import text, voc_drivers, voc_topics

ROOT = Path(__file__).resolve().parent.parent
MODEL_LANGUAGES = ("en", "pt", "de", "ko", "ja", "zh")


def copy_comments(sample: Path, out: Path, comments: int) -> None:
    """A database holding the sample's tickets and its surveys with comments, repeated to
    ``comments`` rows."""
    con = duckdb.connect(str(out))
    con.execute("ATTACH ? AS s (READ_ONLY)", [str(sample)])
    for table in ("atlas_meta", "tickets", "agents", "shifts", "hubs"):
        con.execute(f"CREATE TABLE {table} AS SELECT * FROM s.{table}")  # noqa: S608 - fixed names
    written = con.execute("SELECT count(*) FROM s.surveys WHERE comment IS NOT NULL").fetchone()[0]
    copies = -(-comments // written)
    con.execute(
        # every copy's text differs (a number, which no analyser keeps): no text is analysed once
        # for several comments, as real comments mostly differ
        "CREATE TABLE surveys AS SELECT survey_id || '-' || c AS survey_id, "
        "* EXCLUDE (survey_id, comment), comment || ' ' || c AS comment "
        "FROM s.surveys, range(?) t(c) WHERE comment IS NOT NULL LIMIT ?",
        [copies, comments],
    )
    con.execute("UPDATE atlas_meta SET value = ? WHERE key = 'data_version'", [f"bench-{comments}"])
    con.close()


def measure(path: Path) -> dict:
    """In this (fresh) process: the cold corpus, then warm views; seconds and peak memory."""
    db = Database(path)
    last = db.query("SELECT max(responded_at)::DATE AS d FROM surveys")["d"].iloc[0].date()
    stored = results.summary(db).answers > 0
    started = time.perf_counter()
    if stored:  # the model the precompute job stored beside the data
        corpus = voc_topics.corpus(db)
    else:  # modelled here, and stored as the precompute job would when the data is written
        with results.recording() as answers:
            corpus = voc_topics.corpus(db)
        results.write(path, db.version, answers)
    cold = time.perf_counter() - started
    views = {}
    for name, flt in (("all markets", Filter(start=last - dt.timedelta(days=89), end=last)),
                      ("KR", Filter(start=last - dt.timedelta(days=89), end=last,
                                    countries=("KR",)))):  # fmt: skip
        started = time.perf_counter()
        view = voc_topics.topics(db, flt)
        voc_drivers.drivers(db, flt, view.language)
        views[name] = time.perf_counter() - started
    return {"comments": len(corpus.comments), "cold": cold, "views": views,
            "peak": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024}  # fmt: skip


def _measured(path: Path) -> dict:
    """``measure`` in a fresh process."""
    out = subprocess.run([sys.executable, "-m", "bench.voice", "--measure", str(path)],
                         cwd=ROOT, capture_output=True, text=True, check=True)  # fmt: skip
    return json.loads(out.stdout.strip().splitlines()[-1])


def speed(sample: Path, sizes: list[int]) -> list[str]:
    rows = []
    with tempfile.TemporaryDirectory() as folder:
        for size in sizes:
            path = Path(folder) / f"comments_{size}.duckdb"
            copy_comments(sample, path, size)
            result, served = (_measured(path) for _ in range(2))  # modelled, then from the store
            rows.append(f"| {size:,} comments: read and model all (when the data is written; "
                        f"tokenisers loaded) | {result['cold']:.1f} s | | |")  # fmt: skip
            first = served["cold"] + served["views"]["all markets"]
            target = "< 10 s" if size <= 100_000 else ""
            met = "" if not target else ("yes" if first < 10 else "**no**")
            rows.append(f"| {size:,} comments: first topics + drivers of a fresh server process "
                        f"(model read from beside the data, then all markets, 90 days) | "
                        f"{first:.1f} s | {target} | {met} |")  # fmt: skip
            for name, seconds in result["views"].items():
                rows.append(f"| {size:,} comments: topics + drivers, {name}, 90 days (warm) | "
                            f"{seconds:.2f} s | | |")  # fmt: skip
            rows.append(f"| {size:,} comments: peak memory | {result['peak'] / 2**30:.2f} GiB "
                        "| | |")  # fmt: skip
    return rows


def _precision(topic: np.ndarray, theme: np.ndarray) -> float:
    frame = pd.DataFrame({"topic": topic, "theme": theme})
    frame = frame[frame["topic"] >= 0]
    main = frame.groupby("topic")["theme"].agg(lambda x: x.value_counts().index[0])
    return float((frame["theme"] == frame["topic"].map(main)).mean())


def model_choice() -> list[str]:
    """NMF against LDA on generated comments with known themes."""
    from sklearn.decomposition import LatentDirichletAllocation

    data = generate(2_000_000, 20261126, dt.date(2026, 12, 3), None, 730)
    surveys = data.surveys.dropna(subset=["theme"]).copy()
    language_of = data.tickets.set_index("ticket_number")["language"]
    surveys["language"] = surveys["ticket_number"].map(language_of).astype(str)
    surveys["mood"] = voc_topics.mood(surveys)
    rows = []
    for language in MODEL_LANGUAGES:
        for mood in ("unhappy", "happy"):
            group = surveys[(surveys["language"] == language) & (surveys["mood"] == mood)]
            tokens = text.terms(group["comment"].tolist(), language)
            model, topic, _strength = voc_topics.fit_language(language, tokens,
                                                              [mood] * len(group))  # fmt: skip
            k = len(model.terms[mood])
            counts = model.counts
            lda = LatentDirichletAllocation(k, random_state=0, learning_method="batch")
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                weights = lda.fit_transform(counts)
            present = (counts > 0).astype(np.float32).tocsr()
            totals = np.asarray(present.sum(axis=0)).ravel()
            top = voc_topics._top_terms(lda.components_, totals)
            lda_coherence = voc_topics.npmi_coherence(
                present, [t[: voc_topics.COHERENCE_TERMS] for t in top])  # fmt: skip
            lda_topic = weights.argmax(axis=1)
            rows.append(
                f"| {language}, {mood} ({len(group):,} comments, {k} topics) | "
                f"NMF: coherence {model.coherence[mood]:.2f}, precision "
                f"{_precision(topic, group['theme'].to_numpy()):.2f} | LDA: coherence "
                f"{lda_coherence:.2f}, precision "
                f"{_precision(lda_topic, group['theme'].to_numpy()):.2f} | |"
            )
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--db", type=Path, default=DEFAULT_DB)
    parser.add_argument("--comments", default="100000,1000000")
    parser.add_argument("--measure", type=Path, help=argparse.SUPPRESS)  # the child process
    args = parser.parse_args()
    if args.measure:
        print(json.dumps(measure(args.measure)))
        return
    if not args.db.exists():
        raise SystemExit(f"No database at {args.db}: run python -m atlas sample first")
    machine = f"{os.cpu_count()} cores, {platform.machine()}"
    print(f"Voice topics — {dt.date.today()} — {machine}, Python {platform.python_version()}\n")
    print("| measure | result | target | met |")
    print("| --- | --- | --- | :---: |")
    for row in speed(args.db, [int(s) for s in args.comments.split(",")]):
        print(row, flush=True)
    print("\n| language, mood | NMF (the product) | LDA | |")
    print("| --- | --- | --- | --- |")
    for row in model_choice():
        print(row, flush=True)


if __name__ == "__main__":
    main()
