"""Topics on the synthetic sample against the generator's hidden themes (not circular: the
generator writes varied sentences per theme from data_access/sample/voice, the model sees only
the text), and the planted voice issues named in the market's own words."""

from __future__ import annotations

import datetime as dt
from functools import partial
from pathlib import Path

import pandas as pd
import pytest

from data_access.database import Database
from data_access.filters import Filter
from data_access.sample import DEFAULT_SEED, DEFAULT_TICKETS, build_sample
from data_access.sample.generator import generate
from metrics import text, voc_topics
from tests.conftest import SAMPLE_END, built_once

# measured precision (bench.voice prints the full table); each language family at least:
# Latin script, Korean, Japanese, Chinese
PRECISION = {"en": 0.8, "pt": 0.8, "de": 0.8, "ko": 0.8, "ja": 0.8, "zh": 0.8}


@pytest.fixture(scope="module")
def full_sample(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample the dashboard builds on first start (600,000 tickets over two years): a
    market's few weeks hold enough comments only at its full density."""
    build = partial(build_sample, n_tickets=DEFAULT_TICKETS, seed=DEFAULT_SEED, end=SAMPLE_END)
    return built_once(tmp_path_factory, "full_sample.duckdb", build)


@pytest.fixture(scope="module")
def comments() -> pd.DataFrame:
    """Every comment of a generated year, its language, mood and hidden theme."""
    data = generate(800_000, 5, SAMPLE_END, None, 365)
    surveys = data.surveys.dropna(subset=["theme"]).copy()
    language_of = data.tickets.set_index("ticket_number")["language"]
    surveys["language"] = surveys["ticket_number"].map(language_of).astype(str)
    surveys["mood"] = voc_topics.mood(surveys)
    return surveys


def precision(topic, theme) -> float:
    """The share of comments whose topic's most common hidden theme is their own."""
    frame = pd.DataFrame({"topic": topic, "theme": theme})
    frame = frame[frame["topic"] >= 0]
    main = frame.groupby("topic")["theme"].agg(lambda themes: themes.value_counts().index[0])
    return float((frame["theme"] == frame["topic"].map(main)).mean())


@pytest.mark.parametrize("language", PRECISION)
def test_topics_recover_the_hidden_themes(comments, language):
    rows = comments[(comments["language"] == language) & (comments["mood"] != "unrated")]
    tokens = text.terms(rows["comment"].tolist(), language)
    _model, topic, _strength = voc_topics.fit_language(language, tokens, rows["mood"].to_numpy())
    for mood in ("unhappy", "happy"):
        chosen = (rows["mood"] == mood).to_numpy()
        measured = precision(topic[chosen], rows["theme"].to_numpy()[chosen])
        assert measured >= PRECISION[language], (language, mood, measured)


@pytest.mark.parametrize(("country", "language", "days", "words"), [
    # a new courier crushes parcels in Korea for the last 6 weeks (profile.VOICE_ISSUES)
    ("KR", "ko", 42, {"파손", "택배", "상자", "박스", "포장", "깨지다"}),
    # an app update crashes the app in Japan for the last 3 weeks
    ("JP", "ja", 21, {"アプリ", "落ちる", "クラッシュ", "アップデート", "起動"}),
])  # fmt: skip
def test_a_market_view_names_its_planted_issue_in_its_own_words(full_sample, country, language,
                                                              days, words):  # fmt: skip
    db = Database(full_sample)
    flt = Filter(start=SAMPLE_END - dt.timedelta(days=days - 1), end=SAMPLE_END,
                 countries=(country,))  # fmt: skip
    view = voc_topics.topics(db, flt)
    assert view.language == language and view.mood == "unhappy"
    top = view.table.iloc[0]  # the most common topic of unhappy customers
    assert words & set(top["terms"][: voc_topics.NAME_TERMS]), top["terms"]
    assert top["emerging"], view.table[["name", "share", "previous_share", "baseline_share"]]
