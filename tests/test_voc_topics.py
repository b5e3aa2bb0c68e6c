"""Topics, emerging topics and key drivers on hand-built comments, worked out by hand.

The fixture: US customers writing English e-mail comments about four subjects, each with its
own words (comments vary by which four of the subject's six words they use):

    subject  words                                                 CSAT  Mar 1-14  Feb 15-28
    refund   refund money waiting still weeks reimbursement       1     60        20
    parcel   parcel box broken crushed damaged arrived             2     60         2
    quick    quick fast minutes instantly speedy rapid             5     30        10
    kind     friendly kind patient polite lovely warm              4     30        10

Refund and parcel comments come from unhappy customers (CSAT 1-3), the others from happy ones:
topics are found in each mood apart.

Each subject's i-th comment of a period is answered 1 + 5 i hours after the period starts.

plus three Korean comments (too few for a topic model of their own). The current period is
March 1-14; the previous period February 15-28 is also the only data in the 365 days before.
"""

from __future__ import annotations

import datetime as dt
import io
import json

import numpy as np
import pandas as pd
import pytest

from atlas.cli import main as atlas_cli
from data_access.database import Database
from data_access.filters import Filter
from metrics import voc, voc_drivers, voc_topics
from tests.apptest import figures, open_page
from tests.cli import run_main
from tests.conftest import write_rows

PERIOD = Filter(start=dt.date(2025, 3, 1), end=dt.date(2025, 3, 14))
SUBJECTS = {
    "refund": (["refund", "money", "waiting", "still", "weeks", "reimbursement"], 1),
    "parcel": (["parcel", "box", "broken", "crushed", "damaged", "arrived"], 2),
    "quick": (["quick", "fast", "minutes", "instantly", "speedy", "rapid"], 5),
    "kind": (["friendly", "kind", "patient", "polite", "lovely", "warm"], 4),
}
CURRENT = {"refund": 60, "parcel": 60, "quick": 30, "kind": 30}
PREVIOUS = {"refund": 20, "parcel": 2, "quick": 10, "kind": 10}


def _rows() -> tuple[list[dict], list[dict], dict[str, str]]:
    tickets, surveys, subject_of = [], [], {}
    for period_start, plan in ((dt.datetime(2025, 3, 1, tzinfo=dt.UTC), CURRENT),
                               (dt.datetime(2025, 2, 15, tzinfo=dt.UTC), PREVIOUS)):  # fmt: skip
        for subject, count in plan.items():
            words, csat = SUBJECTS[subject]
            for i in range(count):
                n = len(tickets)
                when = period_start + dt.timedelta(hours=5 * i + 1)
                chosen = [words[(i + j) % 6] for j in range(4)]
                tickets.append(_ticket(f"T{n:03d}", when, "US", "en"))
                surveys.append(_survey(f"S{n:03d}", f"T{n:03d}", when, csat,
                                       " ".join(chosen).capitalize() + "."))  # fmt: skip
                subject_of[f"S{n:03d}"] = subject
    for i, comment in enumerate(["환불이 아직 안 됐어요", "택배가 파손됐어요", "친절했어요"]):
        when = dt.datetime(2025, 3, 2 + i, 9, tzinfo=dt.UTC)
        tickets.append(_ticket(f"K{i}", when, "KR", "ko"))
        surveys.append(_survey(f"SK{i}", f"K{i}", when, 3, comment))
    return tickets, surveys, subject_of


def _ticket(tid: str, when: dt.datetime, country: str, language: str) -> dict:
    return {
        "ticket_id": tid, "customer_id": f"c-{tid}", "created_at": when - dt.timedelta(hours=1),
        "first_response_at": when, "resolved_at": when, "status": "solved", "channel": "email",
        "country": country, "language": language, "priority": "normal", "category": "shipping",
        "hub": "EMEA", "agent_id": "agent-1", "agent_replies": 1, "reopens": 0,
        "handle_seconds": 300.0, "bot_resolved": False,
    }  # fmt: skip


def _survey(sid: str, tid: str, when: dt.datetime, csat: int, comment: str) -> dict:
    return {"survey_id": sid, "ticket_id": tid, "sent_at": when - dt.timedelta(minutes=30),
            "responded_at": when, "csat": csat, "nps": None, "ces": None,
            "comment": comment}  # fmt: skip


TICKETS, SURVEYS, SUBJECT_OF = _rows()


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> Database:
    return Database(write_rows(tmp_path_factory.mktemp("topics") / "t.duckdb", TICKETS, SURVEYS))


MOOD_OF = {"refund": "unhappy", "parcel": "unhappy", "quick": "happy", "kind": "happy"}


def _topic_of(db: Database) -> dict[str, int]:
    """The topic number (within its mood) holding each subject's comments (all of them)."""
    comments = voc_topics.corpus(db).comments
    result = {}
    for subject in SUBJECTS:
        ids = [s for s, subj in SUBJECT_OF.items() if subj == subject]
        assert set(comments.loc[ids, "mood"]) == {MOOD_OF[subject]}
        topics = set(comments.loc[ids, "topic"])
        assert len(topics) == 1, f"{subject} is spread over topics {topics}"
        result[subject] = topics.pop()
    return result


def test_mood_by_the_first_answered_question():
    scores = pd.DataFrame({"csat": [3, 4, None, None, None, None],
                           "nps": [10, 0, 8, 9, None, None],
                           "ces": [7, 1, 7, 1, 4, None]})  # fmt: skip
    assert voc_topics.mood(scores).tolist() == [
        "unhappy", "happy", "unhappy", "happy", "unhappy", "unrated"]  # fmt: skip


def test_each_subject_is_one_topic_of_its_mood_named_by_its_words(db):
    corpus = voc_topics.corpus(db)
    assert set(corpus.models) == {"en"}  # 3 Korean comments: no model of their own
    model = corpus.models["en"]
    topic_of = _topic_of(db)
    assert set(model.terms) == {"unhappy", "happy"}
    assert len(model.terms["unhappy"]) == 2 == len(model.terms["happy"])
    for subject, topic in topic_of.items():
        words = SUBJECTS[subject][0]
        assert set(model.terms[MOOD_OF[subject]][topic][: voc_topics.NAME_TERMS]) <= set(words)
    assert min(model.coherence.values()) > 0.3  # each topic's words occur together


def test_topics_of_a_period_counted_by_hand(db):
    view = voc_topics.topics(db, PERIOD)
    assert view.language == "en" and view.mood == "unhappy"
    assert view.comments == 120 and view.responses == 183
    assert view.moods == {"unhappy": 120, "happy": 60}
    assert view.languages.to_dict("list") == {"language": ["en", "ko"], "comments": [180, 3],
                                              "modelled": [True, False]}  # fmt: skip
    table = view.table.set_index("topic")
    topic_of = _topic_of(db)
    for subject in ("refund", "parcel"):
        topic = topic_of[subject]
        assert table.loc[topic, "comments"] == 60
        assert table.loc[topic, "share"] == pytest.approx(1 / 2)
        assert table.loc[topic, "score"] == SUBJECTS[subject][1]  # every comment scores the same
        examples = view.examples[topic]
        assert len(examples) == voc_topics.EXAMPLES
        assert all(SUBJECT_OF[_id(ex)] == subject for ex in examples)
    happy = voc_topics.topics(db, PERIOD, mood="happy").table.set_index("topic")
    assert happy.loc[topic_of["kind"], "score"] == 4
    assert happy["share"].tolist() == [0.5, 0.5]


def _id(comment: str) -> str:
    return next(s["survey_id"] for s in SURVEYS if s["comment"] == comment)


def test_a_grown_topic_is_emerging(db):
    table = voc_topics.topics(db, PERIOD).table.set_index("topic")
    topic_of = _topic_of(db)
    parcel, refund = table.loc[topic_of["parcel"]], table.loc[topic_of["refund"]]
    # among unhappy comments, parcel: 60 of 120 now, 2 of 22 before (the previous period is also
    # the whole baseline)
    assert parcel["previous_share"] == pytest.approx(2 / 22)
    assert parcel["baseline_share"] == pytest.approx(2 / 22)
    assert parcel["emerging"] and parcel["previous_p"] < 0.01
    # refund: 60 of 120 against 20 of 22 -- a significant fall, so not emerging
    assert refund["previous_share"] == pytest.approx(20 / 22)
    assert not refund["emerging"] and refund["previous_p"] < 0.01
    assert table["previous_not_tested"].isna().all()


def test_no_comparison_without_dates_or_data(db):
    undated = voc_topics.topics(db, Filter()).table
    assert not undated["emerging"].any()
    assert (undated["previous_not_tested"] == "too_little_data").all()
    assert undated["previous_p"].isna().all()
    # February: the period before it holds no comment at all
    february = voc_topics.topics(db, PERIOD.previous_period()).table
    assert (february["previous_not_tested"] == "too_little_data").all()
    assert not february["emerging"].any()


def test_small_topics_and_small_views_stay_hidden(db):
    february = voc_topics.topics(db, PERIOD.previous_period())
    # parcel has 2 comments in February: not shown, counted as hidden
    assert _topic_of(db)["parcel"] not in set(february.table["topic"])
    assert february.hidden == 1
    korea = PERIOD.narrowed(countries=("KR",))  # 3 responses
    tiny = voc_topics.topics(db, korea)
    assert tiny.suppressed and tiny.table.empty and not tiny.examples


def test_weekly_trend_of_a_topic(db):
    view = voc_topics.topics(db, PERIOD)
    trend = view.trend[view.trend["topic"] == _topic_of(db)["parcel"]]
    # parcel comments at hour 1 + 5i of Saturday 1 March (i = 0..59): Monday 3 March starts at
    # hour 48 (i = 10..42 in its week, up to hour 216), Monday 10 March at 216 (i = 43..59);
    # i = 0..9 are in the week of Monday 24 February. Refund has the same times: the share of
    # unhappy comments is 1/2 each week.
    weeks = trend.set_index(trend["week"].dt.date)
    assert weeks["comments"].to_dict() == {dt.date(2025, 2, 24): 10, dt.date(2025, 3, 3): 33,
                                           dt.date(2025, 3, 10): 17}  # fmt: skip
    assert weeks["share"].tolist() == pytest.approx([1 / 2] * 3)


def test_the_comments_of_one_topic(db):
    topic = _topic_of(db)["refund"]
    ids = voc_topics.topic_surveys(db, PERIOD, "en", "unhappy", topic)
    assert sorted(ids) == sorted(s for s, subj in SUBJECT_OF.items() if subj == "refund"
                                 and s in {x["survey_id"] for x in SURVEYS[:180]})  # fmt: skip
    listed = voc.comments(db, PERIOD, among=ids)
    assert listed.matched == 60
    assert set(listed.rows["comment"]) <= {s["comment"] for s in SURVEYS if s["survey_id"] in ids}


def test_drivers_of_low_scores_by_hand(db):
    found = voc_drivers.drivers(db, PERIOD, "en")
    assert (found.low_comments, found.high_comments) == (120, 60) and found.tested
    words = found.words.set_index("term")
    for word in ("refund", "parcel", "broken"):
        assert words.loc[word, "log_odds"] > 0 and words.loc[word, "significant"]
    for word in ("friendly", "quick"):
        assert words.loc[word, "log_odds"] < 0 and words.loc[word, "significant"]
    # every word over-represented in low scores is a refund or parcel word ("still" is a stop
    # word), strongest first
    low_side = found.words[found.words["log_odds"] > 0]
    assert set(low_side["term"]) == set(SUBJECTS["refund"][0] + SUBJECTS["parcel"][0]) - {"still"}
    assert low_side["z"].is_monotonic_decreasing
    topics = found.topics.set_index(["mood", "topic"])
    parcel = topics.loc[("unhappy", _topic_of(db)["parcel"])]
    # 60 of 120 low comments, 0 of 60 high: odds ratio with 0.5 added to every cell
    # (60.5 x 60.5) / (60.5 x 0.5) = 121
    assert (parcel["low"], parcel["high"]) == (60, 0)
    assert parcel["odds_ratio"] == pytest.approx(121.0)
    se = np.sqrt(1 / 60.5 + 1 / 60.5 + 1 / 0.5 + 1 / 60.5)
    assert parcel["low_ci"] == pytest.approx(121.0 * np.exp(-1.959964 * se), rel=1e-5)
    assert parcel["significant"]


def test_drivers_not_tested_when_a_side_is_small(db):
    # nobody answered NPS: no comment on either side, nothing tested, nothing significant
    found = voc_drivers.drivers(db, PERIOD, "en", "nps")
    assert (found.low_comments, found.high_comments) == (0, 0) and not found.tested
    assert found.words.empty and found.topics.empty


# ---------------------------------------------------------------- from the command line
def test_topics_and_drivers_from_the_command_line(db):
    dates = ["--from", "2025-03-01", "--to", "2025-03-14"]
    ran = run_main(atlas_cli, "voc", "topics", "--db", str(db.path), *dates, "--format", "json")
    assert ran.returncode == 0, ran.stderr
    topics = json.loads(ran.stdout)
    assert len(topics) == 2 and {(t["language"], t["mood"]) for t in topics} == {("en", "unhappy")}
    parcel = next(t for t in topics if "parcel" in t["terms"].split())
    assert parcel["comments"] == 60 and parcel["emerging"] is True and parcel["share"] == 0.5
    assert parcel["example_1"] and "coherence" in ran.stderr
    ran = run_main(atlas_cli, "voc", "drivers", "--db", str(db.path), *dates)
    assert ran.returncode == 0, ran.stderr
    table = pd.read_csv(io.StringIO(ran.stdout))
    words = table[table["kind"] == "word"]
    assert words["item"].iloc[0] in SUBJECTS["refund"][0] + SUBJECTS["parcel"][0]
    assert set(table["kind"]) == {"word", "topic"}
    assert (table[table["kind"] == "topic"]["effect"] > 0).all()  # odds ratios


def test_command_line_refusals(db):
    ran = run_main(atlas_cli, "voc", "topics", "--db", str(db.path), "--language", "xx")
    assert ran.returncode == 2
    assert ran.stderr == ("error: --language xx: no comments in that language for this filter; "
                          "languages with comments: en, ko\n")  # fmt: skip
    ran = run_main(atlas_cli, "voc", "themes", "--db", str(db.path))
    assert ran.returncode == 2 and "invalid choice: 'themes'" in ran.stderr
    # Korea has 3 responses: nothing listed, and said why
    ran = run_main(atlas_cli, "voc", "drivers", "--db", str(db.path), "--where", "country=KR")
    assert ran.returncode == 0 and "privacy minimum" in ran.stderr
    assert ran.stdout.splitlines() == ["language,kind,item,low,high,effect,low_ci,high_ci,p,"
                                       "significant"]  # fmt: skip


# ---------------------------------------------------------------- on the page
SCRIPT = "pages/4_Voice_of_the_customer.py"
MARCH = {"period": "custom", "dates": "2025-03-01..2025-03-13"}  # the data ends on 13 March


@pytest.fixture
def on_page(db: Database, monkeypatch: pytest.MonkeyPatch) -> Database:
    monkeypatch.setenv("SERVICE_ATLAS_DB", str(db.path))
    return db


def _frame(app, column: str):
    return next(d.value for d in app.dataframe if column in d.value.columns)


def test_topics_panel_on_the_page(on_page):
    app = open_page(SCRIPT, MARCH)
    assert not app.exception, [e.message for e in app.exception]
    titles = [f.layout.title.text for f in figures(app)]
    assert "Topics in 120 comments from unhappy customers" in titles
    assert "What sets CSAT 1–2 apart from CSAT 4–5" in titles
    table = _frame(app, "Weekly share")
    view = voc_topics.topics(on_page, PERIOD)
    assert table["Topic"].tolist() == [("▲ " if e else "") + n for n, e in
                                       zip(view.table["name"], view.table["emerging"],
                                           strict=True)]  # fmt: skip
    assert table["Share of comments"].tolist() == ["50.0 %"] * 2
    parcel = table[table["Topic"].str.startswith("▲")].iloc[0]
    assert parcel["Average CSAT"] == "2.00"
    # 1-13 March against 16-28 February: the two February parcel comments (15 February, hours
    # 1 and 6) fall before it, so 60/120 against 0/15 (refund from hour 24 on)
    assert parcel["Against the previous period"] == "+50.0 pts · yes, more"
    assert len(parcel["Weekly share"]) == 3  # weeks of 24 Feb, 3 and 10 March, each with 5+
    languages = next(s for s in app.selectbox if s.label == "Comments in")
    assert languages.options == ["English · 180 comments"]  # Korean: too few for topics


def test_choosing_a_topic_lists_its_comments(on_page):
    app = open_page(SCRIPT, MARCH)
    topic = next(s for s in app.selectbox if s.label == "Topic")
    assert topic.value == ""  # all topics
    refund = voc_topics.corpus(on_page).comments.loc["S000", "topic"]  # a refund comment
    topic.set_value(f"en:unhappy:{refund}").run()
    assert not app.exception
    comments = _frame(app, "Comment")["Comment"]
    words = set(SUBJECTS["refund"][0])
    assert len(comments) == 60 and all(set(c.lower().strip(".").split()) <= words
                                       for c in comments)  # fmt: skip
    assert app.query_params.get("topic") == f"en:unhappy:{refund}"
    assert any("about “" in c.value for c in app.caption)


def test_topics_in_korean(on_page):
    app = open_page(SCRIPT, {**MARCH, "lang": "ko"})
    assert not app.exception
    assert "고객이 이야기하는 주제" in [s.value for s in app.subheader]
    assert next(s for s in app.selectbox if s.label == "코멘트 언어").options == [
        "영어 · 코멘트 180건"
    ]


def test_a_market_with_few_comments_says_why(on_page):
    app = open_page(SCRIPT, {**MARCH, "country": "KR"})
    assert not app.exception
    assert any("topics are hidden to protect" in i.value for i in app.info)


def test_a_custom_period_without_dates_on_data_shorter_than_the_default(on_page):
    """The data spans 15 February to 13 March, shorter than the default 28 days: a link asking
    for a custom range without dates once crashed the date picker (value before its minimum)."""
    app = open_page(SCRIPT, {"period": "custom"})
    assert not app.exception, [e.message for e in app.exception]
    assert app.sidebar.date_input[0].value == (dt.date(2025, 2, 15), dt.date(2025, 3, 13))


def test_a_language_with_too_few_comments_to_model_is_a_note_not_a_crash(small_sample):
    # the 2,000-ticket sample has English comments, too few for a topic model
    ran = run_main(atlas_cli, "voc", "topics", "--db", str(small_sample), "--language", "en")
    assert ran.returncode == 0, ran.stderr
    assert "note: en: too few comments in the data to model topics" in ran.stderr
    assert ran.stdout.splitlines()[0].startswith("language,mood,topic,")
