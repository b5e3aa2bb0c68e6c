"""Voice of the customer: how survey answers spread over each scale, and what customers wrote.

Surveys carry their ticket's attributes (``data_access.schema.SURVEYS``), so the global ticket
filters (country, language, channel, ...) apply, and a survey belongs to the period in which it
was answered (``responded_at``), like the survey KPIs in ``metrics.registry``. The score column
a query reads comes from the ``QUESTIONS`` whitelist, never from user text; every value (dates,
codes, score bounds, search text) is a bound parameter.

Privacy: a distribution is hidden whenever the KPI engine hides the same question's score for
the filter (``metrics.engine.statistics.suppress``). No comment leaves this module when fewer
than ``registry.MIN_SURVEY_RESPONSES`` responses match the filter, and a comment is listed only
when at
least that many responses in the view share its country, language and channel (and its member
of every other filtered dimension); a score on it is shown only when that many of them answered
the question. No Streamlit here; no customer or ticket ids in any result.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

from data_access.database import Database
from data_access.filters import DIMENSION_FIELDS, Filter
from metrics.engine import kpi_table
from metrics.registry import MIN_SURVEY_RESPONSES

Tone = Literal["bad", "neutral", "good"]
LIKE_ESCAPE = "\\"  # the ESCAPE character of the comment search
MAX_COMMENTS = 1000
COMMENT_COLUMNS = ["responded_at", "country", "language", "channel", "csat", "nps", "ces",
                   "comment", "hidden"]  # fmt: skip
SHOWN_GROUP = ("country", "language", "channel")  # what a listed comment says about its author
DISTRIBUTION_COLUMNS = ["score", "band", "tone", "responses", "share", "n", "suppressed"]


@dataclass(frozen=True)
class Band:
    """A named stretch of a scale, e.g. NPS detractors 0–6."""

    label: str
    low: int
    high: int
    tone: Tone


@dataclass(frozen=True)
class Question:
    """One survey question: its column in ``surveys``, its scale and how the scale reads."""

    id: str  # the column in ``surveys`` (whitelisted identifier)
    label: str
    low: int
    high: int
    bands: tuple[Band, ...]

    @property
    def scores(self) -> list[int]:
        return list(range(self.low, self.high + 1))

    def band(self, score: int) -> Band | None:
        return next((b for b in self.bands if b.low <= score <= b.high), None)


# Bands follow the KPI definitions: CSAT counts 4–5, NPS promoters 9–10 and detractors 0–6,
# customer effort "easy" is 5 or more.
QUESTIONS: dict[str, Question] = {
    q.id: q
    for q in (
        Question("csat", "CSAT", 1, 5, (
            Band("dissatisfied (1–2)", 1, 2, "bad"),
            Band("neutral (3)", 3, 3, "neutral"),
            Band("satisfied (4–5)", 4, 5, "good"),
        )),
        Question("nps", "NPS", 0, 10, (
            Band("detractors (0–6)", 0, 6, "bad"),
            Band("passives (7–8)", 7, 8, "neutral"),
            Band("promoters (9–10)", 9, 10, "good"),
        )),
        Question("ces", "Customer effort", 1, 7, (
            Band("hard (1–3)", 1, 3, "bad"),
            Band("neutral (4)", 4, 4, "neutral"),
            Band("easy (5–7)", 5, 7, "good"),
        )),
    )
}  # fmt: skip


def question(question_id: str) -> Question:
    """The whitelisted question, or ValueError naming the valid ones."""
    if question_id not in QUESTIONS:
        raise ValueError(f"unknown question {question_id!r}; valid: {', '.join(QUESTIONS)}")
    return QUESTIONS[question_id]


def _answered_in_period(flt: Filter) -> tuple[str, dict[str, object]]:
    """WHERE body for survey responses answered in the period, under the ticket filters."""
    time_clauses, time_params = flt.time_sql("s.responded_at")
    dim_clauses, dim_params = flt.dimension_sql("s")
    clauses = ["s.responded_at IS NOT NULL", *time_clauses, *dim_clauses]
    return " AND ".join(clauses), {**time_params, **dim_params}


_SURVEYS = "surveys s"  # carries its ticket's country, language, channel... (schema)


def score_distribution(db: Database, flt: Filter, question_id: str) -> pd.DataFrame:
    """Answers per score of one question (every score on the scale, zeros included).

    Columns: ``score``, ``band`` and ``tone`` (from the question's bands), ``responses``,
    ``share`` (of all answers), ``n`` (answers in total) and ``suppressed``. When the engine
    hides the question's score for this filter (fewer than ``MIN_SURVEY_RESPONSES`` answers, or
    a filter that differs from another by a small group) the rows are ``suppressed``: counts and
    shares are NaN.
    """
    q = question(question_id)
    where, params = _answered_in_period(flt)
    # q.id is a whitelisted column name; every value is bound
    sql = (
        f"SELECT s.{q.id} AS score, count(*) AS responses FROM {_SURVEYS} "  # noqa: S608
        f"WHERE {where} AND s.{q.id} IS NOT NULL GROUP BY ALL"
    )
    raw = db.query(sql, params)
    counts = dict(zip(raw["score"].astype(int), raw["responses"].astype(int), strict=True))
    scores = sorted(set(q.scores) | set(counts))  # off-scale answers (bad data) stay visible
    n = sum(counts.values())
    suppressed = bool(kpi_table(db, [q.id], flt=flt)["suppressed"].iloc[0])
    responses = np.array([counts.get(s, 0) for s in scores], dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        share = responses / n if n else np.full(len(scores), np.nan)
    bands = [q.band(s) for s in scores]
    table = pd.DataFrame({
        "score": scores,
        "band": [b.label if b else "outside the scale" for b in bands],
        "tone": [b.tone if b else "neutral" for b in bands],
        "responses": responses,
        "share": share,
        "n": n,
        "suppressed": suppressed,
    })  # fmt: skip
    if suppressed:
        table[["responses", "share"]] = np.nan  # nothing about a too-small group leaks out
    return table[DISTRIBUTION_COLUMNS]


@dataclass(frozen=True)
class Comments:
    """The comments matching a search, with the counts the page needs to explain them."""

    responses: int  # survey responses answered in the period under the filter (any score)
    matched: int  # listed comments matching the search and score range (0 when suppressed)
    rows: pd.DataFrame  # the newest ``limit`` of them, COMMENT_COLUMNS
    withheld: int = 0  # comments in the view not listed: their group is too small

    @property
    def suppressed(self) -> bool:
        """Fewer than the minimum responses match the filter: no comment is shown."""
        return self.responses < MIN_SURVEY_RESPONSES


WRITTEN = "comment IS NOT NULL AND trim(comment) <> ''"  # a response with a comment
LISTED = "group_responses >= $minimum"  # a response whose author's group is large enough


def responses_view(flt: Filter) -> tuple[str, dict[str, object]]:
    """``WITH v AS (...)``: the responses answered in the period under the filter, each with
    ``group_responses`` (responses in its author's group: ``SHOWN_GROUP`` and every filtered
    dimension) and ``<question>_answers`` (how many of them answered each question); the
    parameters bind ``$minimum`` for ``LISTED``."""
    where, params = _answered_in_period(flt)
    params["minimum"] = MIN_SURVEY_RESPONSES
    filtered = [column for name, column in DIMENSION_FIELDS.items() if getattr(flt, name)]
    group = dict.fromkeys([*SHOWN_GROUP, *filtered])
    counts = ", ".join(f"count(s.{c}) OVER author AS {c}_answers" for c in QUESTIONS)
    # column names come from QUESTIONS and DIMENSION_FIELDS, every value is bound
    view = (
        f"WITH v AS (SELECT s.*, count(*) OVER author AS group_responses, {counts} "  # noqa: S608
        f"FROM {_SURVEYS} WHERE {where} "
        f"WINDOW author AS (PARTITION BY {', '.join(f's.{c}' for c in group)})) "
    )
    return view, params


def like_pattern(text: str) -> str:
    """An ILIKE pattern that finds ``text`` literally anywhere (``%``, ``_``, ``\\`` escaped)."""
    escaped = (
        text.replace(LIKE_ESCAPE, LIKE_ESCAPE * 2)
        .replace("%", f"{LIKE_ESCAPE}%")
        .replace("_", f"{LIKE_ESCAPE}_")
    )
    return f"%{escaped}%"


def comments(
    db: Database,
    flt: Filter,
    search: str = "",
    min_score: int | None = None,
    max_score: int | None = None,
    limit: int = 200,
    question_id: str = "csat",
    among: Sequence[str] | None = None,
) -> Comments:
    """Free-text comments answered in the period under the filter, newest first.

    ``search`` matches literally and case-insensitively anywhere in the comment. ``min_score``
    and ``max_score`` bound the answer to ``question_id`` (inclusive; None: no bound, so
    comments whose author skipped that question are kept). Privacy: nothing is listed when
    fewer than ``MIN_SURVEY_RESPONSES`` responses match the filter; a comment is listed only
    when that many responses in the view share its author's group (``SHOWN_GROUP`` and every
    filtered dimension); a score is NaN, and its question named in ``hidden``, when fewer of
    them answered that question, and a bound on such a question leaves the comment out.
    ``among``: only these surveys (e.g. the comments of one topic, ``metrics.voc_topics``).
    """
    q = question(question_id)
    view, params = responses_view(flt)
    total = db.query(
        f"{view}SELECT count(*) AS n, count(*) FILTER (WHERE {WRITTEN} AND NOT {LISTED}) "  # noqa: S608
        "AS withheld FROM v",
        params,
    )
    responses, withheld = int(total["n"].iloc[0]), int(total["withheld"].iloc[0])
    if responses < MIN_SURVEY_RESPONSES:
        return Comments(responses, 0, pd.DataFrame(columns=COMMENT_COLUMNS))
    clauses = [WRITTEN, LISTED]
    if among is not None:
        clauses.append("survey_id = ANY($among)")
        params["among"] = list(among)
    if min_score is not None or max_score is not None:
        clauses.append(f"{q.id}_answers >= $minimum")  # a hidden score must not be searchable
    if min_score is not None:
        clauses.append(f"{q.id} >= $min_score")
        params["min_score"] = int(min_score)
    if max_score is not None:
        clauses.append(f"{q.id} <= $max_score")
        params["max_score"] = int(max_score)
    search = (search or "").strip()
    if search:
        clauses.append(f"comment ILIKE $pattern ESCAPE '{LIKE_ESCAPE}'")
        params["pattern"] = like_pattern(search)
    params["limit"] = max(1, min(int(limit), MAX_COMMENTS))
    scores = ", ".join(f"CASE WHEN {c}_answers >= $minimum THEN {c} END AS {c}" for c in QUESTIONS)
    hidden = ", ".join(f"CASE WHEN {c} IS NOT NULL AND {c}_answers < $minimum THEN '{c}' END"
                       for c in QUESTIONS)  # fmt: skip
    sql = (
        f"{view}SELECT timezone('UTC', responded_at) AS responded_at, country, language, "  # noqa: S608
        f"channel, {scores}, comment, concat_ws(',', {hidden}) AS hidden, "
        f"count(*) OVER () AS matched FROM v WHERE {' AND '.join(clauses)} "
        "ORDER BY responded_at DESC, survey_id LIMIT $limit"
    )
    rows = db.query(sql, params)
    matched = int(rows["matched"].iloc[0]) if len(rows) else 0
    return Comments(responses, matched, rows[COMMENT_COLUMNS].reset_index(drop=True), withheld)
