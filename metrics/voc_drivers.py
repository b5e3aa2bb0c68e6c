"""Key drivers: the words and topics over-represented in low scores against high scores.

Words are ranked by the weighted log-odds ratio with an informative Dirichlet prior (Monroe,
Colaresi & Quinn 2008, "Fightin' Words", section 3.5): the prior is each word's share of all
comments of the language, worth as many pseudo-counts as the smaller side has words, so a rare
word seen twice in low scores does not outrank a common word seen a hundred times, and the
z-score carries the estimate's uncertainty. Words are
counted once per comment (a customer repeating a word is one voice). Topics are compared by
their share of low-score against high-score comments (odds ratio with a 95% interval,
two-proportion test). Benjamini–Hochberg controls the false discoveries across the words, and
across the topics; nothing is tested when either side has fewer than ``MIN_SURVEY_RESPONSES``
comments. Privacy: a word or topic is listed only when at least that many comments of the
view contain it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from data_access.database import Database
from data_access.filters import Filter
from data_access.results import precomputed
from metrics import stats
from metrics.registry import MIN_SURVEY_RESPONSES
from metrics.voc import question
from metrics.voc_topics import NO_TOPIC, LanguageModel, corpus, view_comments

WORD_COLUMNS = ["term", "low", "high", "log_odds", "low_ci", "high_ci", "z", "p", "significant"]
TOPIC_COLUMNS = ["mood", "topic", "name", "low", "high", "low_share", "high_share", "odds_ratio",
                 "low_ci", "high_ci", "p", "significant"]  # fmt: skip
MAX_WORDS = 30  # per direction


@dataclass(frozen=True)
class Drivers:
    """What low scorers write about more than high scorers, in one language of one view."""

    language: str | None
    question: str
    low_comments: int  # comments with a score in the question's "bad" band
    high_comments: int  # ... in its "good" band
    words: pd.DataFrame  # WORD_COLUMNS, log_odds > 0: more in low scores; strongest first
    topics: pd.DataFrame  # TOPIC_COLUMNS, most over-represented in low scores first

    @property
    def tested(self) -> bool:
        return min(self.low_comments, self.high_comments) >= MIN_SURVEY_RESPONSES


def weighted_log_odds(low: np.ndarray, high: np.ndarray, prior: np.ndarray
                      ) -> tuple[np.ndarray, np.ndarray]:  # fmt: skip
    """Log-odds ratio of each word in ``low`` against ``high`` (counts per word), shrunk towards
    ``prior`` (pseudo-counts per word), and its standard error (MCQ 2008, eq. 16 and 18)."""
    low, high, prior = (np.asarray(a, dtype=float) for a in (low, high, prior))
    n_low, n_high, a0 = low.sum(), high.sum(), prior.sum()
    with np.errstate(divide="ignore", invalid="ignore"):
        delta = (np.log((low + prior) / (n_low + a0 - low - prior))
                 - np.log((high + prior) / (n_high + a0 - high - prior)))  # fmt: skip
        se = np.sqrt(1 / (low + prior) + 1 / (high + prior))
    return delta, se


@precomputed
def drivers(db: Database, flt: Filter, language: str, question_id: str = "csat") -> Drivers:
    """The words and topics that set the question's low answers apart from its high ones."""
    q = question(question_id)
    bad = next(b for b in q.bands if b.tone == "bad")
    good = next(b for b in q.bands if b.tone == "good")
    known = corpus(db)
    model = known.models.get(language)
    rows = view_comments(db, flt, question_id)
    rows = rows[rows["language"] == language]
    if rows.attrs.get("responses", 0) < MIN_SURVEY_RESPONSES:
        rows = rows.iloc[0:0]
    low = rows[rows["score"].between(bad.low, bad.high)]
    high = rows[rows["score"].between(good.low, good.high)]
    result = Drivers(
        language if model else None,
        question_id,
        len(low),
        len(high),
        pd.DataFrame(columns=WORD_COLUMNS),
        pd.DataFrame(columns=TOPIC_COLUMNS),
    )
    if model is None or not len(rows):
        return result
    present = (model.counts > 0).astype(np.float64).tocsr()
    low_counts = np.asarray(present[low["row"].to_numpy()].sum(axis=0)).ravel()
    high_counts = np.asarray(present[high["row"].to_numpy()].sum(axis=0)).ravel()
    words = pd.DataFrame({"term": model.vocabulary, "low": low_counts, "high": high_counts})
    background = np.asarray(present.sum(axis=0)).ravel()
    prior = background / background.sum() * max(min(low_counts.sum(), high_counts.sum()), 1.0)
    words["log_odds"], se = weighted_log_odds(low_counts, high_counts, prior)
    words["low_ci"], words["high_ci"] = words["log_odds"] - stats.Z95 * se, (
        words["log_odds"] + stats.Z95 * se)  # fmt: skip
    words["z"] = words["log_odds"] / se
    listed = (words["low"] + words["high"]) >= MIN_SURVEY_RESPONSES
    words = words[listed].reset_index(drop=True)
    p = 2 * stats.sps.norm.sf(np.abs(words["z"].to_numpy()))
    words["p"] = stats.benjamini_hochberg(np.where(result.tested, p, np.nan))
    words["significant"] = words["p"] < 0.05
    words = words.sort_values("z", ascending=False, kind="stable")
    words = pd.concat([words[words["z"] > 0].head(MAX_WORDS),
                       words[words["z"] < 0].tail(MAX_WORDS)])  # fmt: skip
    return Drivers(result.language, question_id, len(low), len(high),
                   words[WORD_COLUMNS].reset_index(drop=True),
                   _topic_drivers(low, high, model, result.tested))  # fmt: skip


def _topic_drivers(low: pd.DataFrame, high: pd.DataFrame, model: LanguageModel, tested: bool
                   ) -> pd.DataFrame:  # fmt: skip
    """Each topic's share of the low-score and the high-score comments, their odds ratio with a
    95% interval (Woolf, 0.5 added to every cell) and a BH-adjusted two-proportion test. Topics
    of every mood take part: with NPS or effort as the score, a complaint topic found among CSAT
    1–3 comments may still be common among promoters."""
    keys = ["mood", "topic"]
    k_low = low[low["topic"] != NO_TOPIC].groupby(keys).size()
    k_high = high[high["topic"] != NO_TOPIC].groupby(keys).size()
    index = k_low.index.union(k_high.index)
    table = index.to_frame(index=False)
    table["name"] = [model.names(m)[t] for m, t in index]
    table["low"] = k_low.reindex(index, fill_value=0).to_numpy()
    table["high"] = k_high.reindex(index, fill_value=0).to_numpy()
    table = table[(table["low"] + table["high"]) >= MIN_SURVEY_RESPONSES].reset_index(drop=True)
    n_low, n_high = len(low), len(high)
    table["low_share"] = table["low"] / n_low if n_low else np.nan
    table["high_share"] = table["high"] / n_high if n_high else np.nan
    a, b = table["low"] + 0.5, n_low - table["low"] + 0.5
    c, d = table["high"] + 0.5, n_high - table["high"] + 0.5
    log_or = np.log(a * d / (b * c))
    se = np.sqrt(1 / a + 1 / b + 1 / c + 1 / d)
    table["odds_ratio"] = np.exp(log_or)
    table["low_ci"], table["high_ci"] = np.exp(log_or - stats.Z95 * se), np.exp(
        log_or + stats.Z95 * se)  # fmt: skip
    p = stats.two_proportion_p_value(table["low"], n_low, table["high"], n_high)
    table["p"] = stats.benjamini_hochberg(np.where(tested, p, np.nan))
    table["significant"] = table["p"] < 0.05
    return table.sort_values("odds_ratio", ascending=False, ignore_index=True)[TOPIC_COLUMNS]
