"""What customers talk about in survey comments: topics per language, and which ones are new.

The topic model is fitted once per data version, per language and mood (unhappy, happy and
unrated customers apart: ``mood``), on every such comment (all markets, all time): non-negative
matrix factorisation (scikit-learn NMF) of the comments' TF-IDF with as many topics as the
comments allow (one per ``MIN_PER_TOPIC``, at most ``MAX_TOPICS``), then topics that use the
same words merged (``_merged``: one subject the fit split); each comment belongs to its
strongest topic. Fitting on the whole language keeps a topic's number and name the same in
every filter and period, so a filter only counts: share of the view's comments, average score,
weekly trend, against the previous period and against the market's own normal (the 365 days
before). Each mood's topics have a measured coherence (mean NPMI of their top words).

Privacy, as for the comment list (``metrics.voc``): nothing when fewer than
``MIN_SURVEY_RESPONSES`` responses match the filter; a topic is shown only from at least that
many comments; example comments only from authors whose group is large enough to list, with
contact details masked. No customer or ticket id leaves this module.
"""

from __future__ import annotations

import threading
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import sparse

from data_access.database import Database
from data_access.filters import Filter
from data_access.importer.privacy import mask_contacts
from data_access.results import precomputed
from metrics import stats, text
from metrics.registry import MIN_SURVEY_RESPONSES
from metrics.voc import LISTED, QUESTIONS, WRITTEN, question, responses_view

MAX_TOPICS = 12  # per language and mood, before merging
MERGE_SIMILARITY = 0.2  # cosine of two topics' word weights from which they are one subject
MIN_TOPIC_COMMENTS = 60  # a language with fewer comments gets no topic model
MIN_TERM_COMMENTS = 3  # a term in fewer comments of its language is not in the vocabulary
MAX_TERMS = 5000  # the language's most frequent terms; rarer ones name no topic
FIT_SAMPLE = 8_000  # comments the model learns from; all are then assigned a topic
MIN_PER_TOPIC = 40  # comments per topic before merging, on average, at least
NAME_TERMS = 3  # terms in a topic's name
TOP_TERMS = 10  # terms listed per topic
COHERENCE_TERMS = 5  # top terms whose pairs measure a topic's coherence (comments are short)
MIN_TERM_WEIGHT = 0.05  # of the topic's strongest term: weaker ones are noise of the fit
RELEVANCE = 0.6  # weight of a term's probability in the topic against its lift (LDAvis lambda)
EXAMPLES = 3
NO_TOPIC = -1


def _same(tokens: list[str]) -> list[str]:
    return tokens


MOODS = ("unhappy", "happy", "unrated")  # modelled apart: thanks would drown complaints


def mood(scores: pd.DataFrame) -> np.ndarray:
    """Each comment's mood by its first answered question (CSAT, then NPS, then effort):
    ``happy`` in the question's good band (CSAT 4–5, NPS 9–10, effort 5–7), ``unhappy`` below
    it (neutral answers included: lukewarm is worth hearing), ``unrated`` without any answer."""
    result = np.full(len(scores), "unrated", dtype=object)
    for q in reversed(QUESTIONS.values()):  # the first question wins: applied last
        good = next(b for b in q.bands if b.tone == "good")
        answered = scores[q.id].notna().to_numpy()
        happy = scores[q.id].between(good.low, good.high).to_numpy()
        result[answered] = np.where(happy[answered], "happy", "unhappy")
    return result


@dataclass
class LanguageModel:
    """One language's comments as a document-term matrix, and the topics of each mood."""

    language: str
    vocabulary: np.ndarray  # term of each matrix column
    counts: sparse.csr_matrix  # comments x terms, how often each term occurs
    terms: dict[str, list[list[str]]] = field(default_factory=dict)  # mood: words per topic
    coherence: dict[str, float] = field(default_factory=dict)  # mood: mean NPMI of its topics

    def names(self, mood: str) -> list[str]:
        return [" · ".join(t[:NAME_TERMS]) for t in self.terms.get(mood, [])]


@dataclass
class Corpus:
    """Every comment of the data: its language, mood, topic and row in its language's matrix."""

    comments: pd.DataFrame  # index survey_id: language, mood, topic, strength, row
    models: dict[str, LanguageModel]


def npmi_coherence(present: sparse.csr_matrix, topics: Sequence[Sequence[int]]) -> float:
    """Mean normalised pointwise mutual information of each topic's term pairs, counted in the
    comments (``present``: comments x terms, 1 where the term occurs). 1: the terms always
    occur together; 0: independent; -1: never together. Pairs never seen together count -1."""
    n = present.shape[0]
    scores = []
    for columns in topics:
        sub = present[:, list(columns)]
        together = (sub.T @ sub).toarray() / n
        alone = np.diag(together)
        for i in range(len(columns)):
            for j in range(i + 1, len(columns)):
                joint = together[i, j]
                if joint == 0:
                    scores.append(-1.0)
                elif joint == 1:
                    scores.append(1.0)
                else:
                    pmi = np.log(joint / (alone[i] * alone[j]))
                    scores.append(pmi / -np.log(joint))
    return float(np.mean(scores)) if scores else float("nan")


def _fit(weights: sparse.csr_matrix, k: int):
    """NMF with ``k`` topics."""
    from sklearn.decomposition import NMF
    from sklearn.exceptions import ConvergenceWarning

    model = NMF(n_components=k, random_state=0, init="nndsvda", max_iter=200, tol=1e-3)
    # a rounding error below 0 in its final error measure; stopping at max_iter is close enough
    with np.errstate(invalid="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return model, model.fit_transform(weights)


def _top_terms(components: np.ndarray, totals: np.ndarray) -> list[np.ndarray]:
    """Per topic, its term columns ranked by relevance: a mix of the term's weight in the topic
    and its lift over the whole language, so a word every topic uses does not name them all."""
    phi = components / np.maximum(components.sum(axis=1, keepdims=True), 1e-12)
    background = totals / max(totals.sum(), 1e-12)
    with np.errstate(divide="ignore", invalid="ignore"):  # terms absent from these comments
        relevance = RELEVANCE * np.log(phi) + (1 - RELEVANCE) * np.log(phi / background)
    relevance = np.where(np.isfinite(relevance), relevance, -np.inf)
    return [np.argsort(-row, kind="stable")[:TOP_TERMS] for row in relevance]


def _describing(top: list[np.ndarray], components: np.ndarray) -> list[np.ndarray]:
    """The top terms without those under ``MIN_TERM_WEIGHT`` of the topic's strongest weight:
    noise of the fit, not words of the topic."""
    return [ranked[weights[ranked] >= MIN_TERM_WEIGHT * weights.max()]
            for ranked, weights in zip(top, components, strict=True)]  # fmt: skip


def _merged(components: np.ndarray) -> list[list[int]]:
    """Groups of topics that use the same words (cosine similarity of their word weights at
    least ``MERGE_SIMILARITY``, joined transitively): one subject the fit split in two."""
    unit = components / np.maximum(np.linalg.norm(components, axis=1, keepdims=True), 1e-12)
    similar = unit @ unit.T >= MERGE_SIMILARITY
    group = list(range(len(components)))

    def root(i: int) -> int:
        while group[i] != i:
            i = group[i]
        return i

    for i, j in zip(*np.nonzero(np.triu(similar, 1)), strict=True):
        group[root(j)] = root(i)
    roots = sorted({root(i) for i in group})
    return [[i for i in range(len(group)) if root(i) == r] for r in roots]


def _topics_of(weights: sparse.csr_matrix, max_topics: int) -> tuple[np.ndarray, object]:
    """Topics of these comments: NMF with as many topics as the comments allow (one per
    ``MIN_PER_TOPIC`` comments, at most ``max_topics``), fitted on up to ``FIT_SAMPLE`` of them,
    then topics that use the same words merged. Returns each topic's word weights and a function
    giving each comment's weight in each topic."""
    rows = weights.shape[0]
    k = max(2, min(max_topics, rows // MIN_PER_TOPIC, weights.shape[1] - 1))
    fitted = np.sort(np.random.default_rng(0).permutation(rows)[:FIT_SAMPLE])
    nmf, _w = _fit(weights[fitted], k)
    groups = _merged(nmf.components_)
    components = np.array([nmf.components_[g].sum(axis=0) for g in groups])

    def comment_weights(chosen: sparse.csr_matrix) -> np.ndarray:
        with np.errstate(invalid="ignore"):
            per_topic = nmf.transform(chosen)
        return np.column_stack([per_topic[:, g].sum(axis=1) for g in groups])

    return components, comment_weights


def fit_language(language: str, tokens: list[list[str]], moods: Sequence[str] | None = None,
                 max_topics: int = MAX_TOPICS,
                 ) -> tuple[LanguageModel, np.ndarray, np.ndarray]:  # fmt: skip
    """The language's model, each comment's topic within its mood (``NO_TOPIC``: no known word,
    or too few comments of that mood) and how much of the comment's weight that topic holds
    (1: only that topic). ``moods``: each comment's (default: all ``unrated``)."""
    from sklearn.feature_extraction.text import CountVectorizer, TfidfTransformer

    moods = np.asarray(moods if moods is not None else ["unrated"] * len(tokens), dtype=object)
    topic, strength = np.full(len(tokens), NO_TOPIC), np.zeros(len(tokens))
    vectorizer = CountVectorizer(analyzer=_same, min_df=MIN_TERM_COMMENTS, max_df=0.5,
                                 max_features=MAX_TERMS, dtype=np.float32)  # fmt: skip
    try:
        counts = vectorizer.fit_transform(tokens).tocsr()
    except ValueError:  # no term in enough comments
        return LanguageModel(language, np.array([], dtype=object),
                             sparse.csr_matrix((len(tokens), 0))), topic, strength  # fmt: skip
    model = LanguageModel(language, vectorizer.get_feature_names_out(), counts)
    weights = TfidfTransformer(sublinear_tf=True).fit_transform(counts).astype(np.float64)
    present = (counts > 0).astype(np.float32).tocsr()
    for name in MOODS:
        rows = np.flatnonzero(moods == name)
        if len(rows) < MIN_TOPIC_COMMENTS:
            continue
        totals = np.asarray(present[rows].sum(axis=0)).ravel()
        components, comment_weights_of = _topics_of(weights[rows], max_topics)
        top = _top_terms(components, totals)
        model.terms[name] = [list(model.vocabulary[c]) for c in _describing(top, components)]
        model.coherence[name] = npmi_coherence(present[rows],
                                               [t[:COHERENCE_TERMS] for t in top])  # fmt: skip
        comment_weights = comment_weights_of(weights[rows])
        total = comment_weights.sum(axis=1)
        topic[rows] = np.where(total > 0, comment_weights.argmax(axis=1), NO_TOPIC)
        with np.errstate(divide="ignore", invalid="ignore"):
            strength[rows] = np.nan_to_num(comment_weights.max(axis=1) / total)
    return model, topic, strength


@precomputed
def build_corpus(db: Database) -> Corpus:
    """Tokenise every comment in the data and fit each language's topics, mood by mood."""
    raw = db.query(
        f"SELECT survey_id, language, comment, {', '.join(QUESTIONS)} FROM surveys "  # noqa: S608
        f"WHERE {WRITTEN} ORDER BY survey_id"
    )
    raw["language"] = text.comment_languages(raw["comment"].tolist(),
                                             raw["language"].tolist())  # fmt: skip
    raw["mood"] = mood(raw)
    raw["topic"], raw["strength"], raw["row"] = NO_TOPIC, 0.0, 0
    groups = [(str(language), group) for language, group in raw.groupby("language", sort=True)
              if len(group) >= MIN_TOPIC_COMMENTS]  # fmt: skip

    def model_of(language: str, group: pd.DataFrame) -> tuple:
        tokens = text.terms(group["comment"].tolist(), language)
        return fit_language(language, tokens, group["mood"].to_numpy())

    models = {}
    for language, group in groups:
        model, topics, strength = model_of(language, group)
        if model.terms:
            models[language] = model
        raw.loc[group.index, ["topic", "strength", "row"]] = np.column_stack(
            [topics, strength, np.arange(len(group))]
        )
    raw = raw.astype({"topic": int, "row": int})
    return Corpus(raw.set_index("survey_id")[["language", "mood", "topic", "strength", "row"]],
                  models)  # fmt: skip


_corpora: dict[tuple[str, str], Corpus] = {}
_corpus_lock = threading.Lock()
CORPORA_KEPT = 4  # access scopes whose corpus a process keeps (each is modelled on its comments)


def corpus(db: Database) -> Corpus:
    """The corpus of the data version ``db`` serves, built once per version, access scope and
    process (concurrent callers wait for the one build). A scope's topics are modelled on the
    comments it may read alone, so no topic's words come from another market's comments."""
    key = (db.cache_key, db.version)
    with _corpus_lock:
        if key not in _corpora:
            for stale in [k for k in _corpora if k[1] != db.version]:
                del _corpora[stale]  # an import replaces every older corpus
            while len(_corpora) >= CORPORA_KEPT:
                del _corpora[next(iter(_corpora))]  # the scope modelled longest ago
            _corpora[key] = build_corpus(db)
        return _corpora[key]


# ---------------------------------------------------------------- one filter
TOPIC_COLUMNS = ["topic", "name", "terms", "comments", "share", "score", "score_n",
                 "previous_share", "previous_p", "previous_not_tested",
                 "baseline_share", "baseline_p", "baseline_not_tested", "emerging"]  # fmt: skip
COMPARISONS = ("previous", "baseline")  # the previous period, the market's own 365-day normal


@dataclass(frozen=True)
class TopicView:
    """The topics of one language's comments of one mood in a filter, and what the page needs
    around them."""

    responses: int  # survey responses in the view (any language, with or without a comment)
    languages: pd.DataFrame  # language, comments, modelled: the view's comments per language
    language: str | None  # the language shown (None: no comment to show)
    mood: str  # the mood shown (``MOODS``)
    moods: dict[str, int]  # the language's modelled moods: the view's comments of each
    comments: int  # the view's comments in that language and mood
    table: pd.DataFrame  # TOPIC_COLUMNS, one row per shown topic, most comments first
    trend: pd.DataFrame  # topic, week, comments, share (NaN: fewer than the minimum that week)
    examples: dict[int, list[str]]  # per shown topic, its most typical listed comments, masked
    hidden: int  # topics with comments in the view but too few to show (privacy)
    question: str  # the score averaged per topic

    @property
    def suppressed(self) -> bool:
        return self.responses < MIN_SURVEY_RESPONSES


def view_comments(db: Database, flt: Filter, question_id: str = "csat") -> pd.DataFrame:
    """The view's comments with their topic: survey_id, responded_at, score (of
    ``question_id``), listed (privacy: may be shown), comment, language, mood, topic, strength,
    row.
    ``attrs["responses"]`` holds the view's survey responses."""
    q = question(question_id)
    view, params = responses_view(flt)
    # q.id is a whitelisted column; every value is bound
    rows = db.query(
        f"{view}SELECT survey_id, responded_at, {q.id} AS score, {LISTED} AS listed, comment, "  # noqa: S608
        f"(SELECT count(*) FROM v) AS responses FROM v WHERE {WRITTEN}",
        params,
    )
    responses = int(rows["responses"].iloc[0]) if len(rows) else _responses(db, view, params)
    known = corpus(db).comments
    rows = rows.drop(columns="responses").join(known, on="survey_id", how="inner")
    rows.attrs["responses"] = responses
    return rows


def _responses(db: Database, view: str, params: dict[str, object]) -> int:
    params = {k: v for k, v in params.items() if k != "minimum"}  # only LISTED binds it
    count = db.query(f"{view}SELECT count(*) AS n FROM v", params)  # noqa: S608 - bound values
    return int(count["n"].iloc[0])


def language_counts(rows: pd.DataFrame) -> pd.DataFrame:
    counts = rows.groupby("language").size().rename("comments").reset_index()
    return counts.sort_values(["comments", "language"], ascending=[False, True], ignore_index=True)


def _compared(db: Database, flt: Filter, language: str, mood: str, question_id: str
              ) -> dict[str, tuple[pd.Series, int]]:  # fmt: skip
    """Per comparison: comments per topic and the language's comments of the mood then."""
    if not flt.days:
        return {}
    result = {}
    for name, period in zip(COMPARISONS, (flt.previous_period(), flt.baseline()), strict=True):
        rows = view_comments(db, period, question_id)
        rows = rows[(rows["language"] == language) & (rows["mood"] == mood)]
        result[name] = (rows.groupby("topic").size(), len(rows))
    return result


@precomputed
def topics(db: Database, flt: Filter, language: str | None = None, question_id: str = "csat",
           mood: str = "unhappy") -> TopicView:  # fmt: skip
    """The topics customers of ``mood`` write about in the view, in ``language`` (default: the
    view's most common modelled comment language), with their share of the mood's comments,
    average score, weekly trend and whether each grew against the previous period and the
    market's own normal (two-proportion tests, Benjamini–Hochberg across the topics and both
    comparisons; not tested without data). A mood the language has no model for falls back to
    its first modelled one."""
    rows = view_comments(db, flt, question_id)
    responses = rows.attrs["responses"]
    model_languages = set(corpus(db).models)
    languages = language_counts(rows)
    languages["modelled"] = languages["language"].isin(model_languages)
    if language is None:
        modelled = languages.loc[languages["modelled"], "language"]
        language = modelled.iloc[0] if len(modelled) else None
    model = corpus(db).models.get(language)
    in_language = rows[rows["language"] == language]
    moods = {m: int((in_language["mood"] == m).sum()) for m in MOODS if model and m in model.terms}
    mood = mood if mood in moods else next(iter(moods), mood)
    empty = TopicView(responses, languages, language, mood, moods, 0,
                      pd.DataFrame(columns=TOPIC_COLUMNS),
                      pd.DataFrame(columns=["topic", "week", "comments", "share"]), {}, 0,
                      question_id)  # fmt: skip
    if responses < MIN_SURVEY_RESPONSES or model is None or mood not in moods:
        return empty
    rows = in_language[in_language["mood"] == mood]
    n = len(rows)  # the mood's comments, those without a known word included
    counts = rows[rows["topic"] != NO_TOPIC].groupby("topic").size()
    shown = counts[counts >= MIN_SURVEY_RESPONSES].sort_values(ascending=False, kind="stable")
    table = pd.DataFrame({"topic": shown.index.astype(int), "comments": shown.to_numpy()})
    table["name"] = [model.names(mood)[t] for t in table["topic"]]
    table["terms"] = [model.terms[mood][t] for t in table["topic"]]
    table["share"] = table["comments"] / n if n else np.nan
    scored = rows.dropna(subset=["score"]).groupby("topic")["score"].agg(["mean", "size"])
    table["score_n"] = table["topic"].map(scored["size"]).fillna(0).astype(int)
    table["score"] = (
        table["topic"].map(scored["mean"]).where(table["score_n"] >= MIN_SURVEY_RESPONSES)
    )
    _emergence(table, n, _compared(db, flt, language, mood, question_id))
    trend = _weekly(rows, table["topic"], flt.timezone)
    examples = {t: _examples(rows[rows["topic"] == t]) for t in table["topic"]}
    return TopicView(responses, languages, language, mood, moods, n, table[TOPIC_COLUMNS], trend,
                     examples, int((counts < MIN_SURVEY_RESPONSES).sum()), question_id)  # fmt: skip


def _emergence(table: pd.DataFrame, n: int, compared: dict[str, tuple[pd.Series, int]]) -> None:
    """Add each comparison's share, BH-adjusted p-value and why it was not tested."""
    p_values = {}
    for name in COMPARISONS:
        counts, total = compared.get(name, (pd.Series(dtype=int), 0))
        before = table["topic"].map(counts).fillna(0).to_numpy(float)
        table[f"{name}_share"] = before / total if total else np.nan
        p = stats.two_proportion_p_value(table["comments"], n, before, total)
        enough = total >= MIN_SURVEY_RESPONSES
        p_values[name] = np.where(enough, p, np.nan)
        table[f"{name}_not_tested"] = np.where(np.isfinite(p_values[name]), None,
                                               "too_little_data")  # fmt: skip
    adjusted = stats.benjamini_hochberg(np.concatenate([p_values[c] for c in COMPARISONS]))
    for i, name in enumerate(COMPARISONS):
        table[f"{name}_p"] = adjusted[i * len(table) : (i + 1) * len(table)]
    grew = [(table[f"{c}_p"] < 0.05) & (table["share"] > table[f"{c}_share"]) for c in COMPARISONS]
    table["emerging"] = grew[0] | grew[1]


def _weekly(rows: pd.DataFrame, shown: pd.Series, timezone: str) -> pd.DataFrame:
    """Comments per shown topic and week (weeks start on Monday in the filter's time zone),
    and their share of the week's comments in the language."""
    local = pd.to_datetime(rows["responded_at"], utc=True).dt.tz_convert(timezone)
    week = (local.dt.tz_localize(None).dt.normalize()
            - pd.to_timedelta(local.dt.day_of_week, unit="D"))  # fmt: skip
    frame = pd.DataFrame({"topic": rows["topic"].to_numpy(), "week": week.to_numpy()})
    per_week = frame.groupby("week").size()
    weekly = frame[frame["topic"].isin(shown)].groupby(["topic", "week"]).size()
    grid = pd.MultiIndex.from_product([list(shown), per_week.index], names=["topic", "week"])
    result = weekly.reindex(grid, fill_value=0).rename("comments").reset_index()
    week_total = result["week"].map(per_week)
    result["share"] = (result["comments"] / week_total).where(week_total >= MIN_SURVEY_RESPONSES)
    return result


EXAMPLE_CHARS = 280


def _examples(rows: pd.DataFrame) -> list[str]:
    """The topic's most typical listed comments (the topic holds most of their weight), newest
    first among equals; contact details masked, long ones cut."""
    listed = rows[rows["listed"]].sort_values(["strength", "responded_at"], ascending=False)
    texts = []
    for comment in listed["comment"]:
        masked = mask_contacts(str(comment)).strip()
        if masked not in texts:
            texts.append(masked if len(masked) <= EXAMPLE_CHARS
                         else masked[: EXAMPLE_CHARS - 1].rstrip() + "…")  # fmt: skip
        if len(texts) == EXAMPLES:
            break
    return texts


def topic_surveys(db: Database, flt: Filter, language: str, mood: str, topic: int) -> list[str]:
    """The survey ids of the view's comments in ``topic`` of ``language`` and ``mood``: for the
    comment list (``metrics.voc.comments(among=...)``), which applies its own privacy rules."""
    rows = view_comments(db, flt)
    chosen = rows[(rows["language"] == language) & (rows["mood"] == mood)
                  & (rows["topic"] == topic)]  # fmt: skip
    return chosen["survey_id"].tolist()
