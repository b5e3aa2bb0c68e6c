"""Voice of the customer: score distributions and comment search, worked out by hand, and the page.

The fixture: 13 tickets and 13 surveys. The period is 2025-03-01..2025-03-14 (UTC, inclusive).
A survey belongs to the period in which it was answered; S11 was answered before it, S12 after
it and S13 never, so only S01–S10 count.

    survey ticket country channel answered  csat nps ces comment
    S01    T01    DE      email   03-02     5    10  7   "Refund arrived 100% on time"
    S02    T02    DE      chat    03-03     4    9   6   "100 percent happy"
    S03    T03    DE      email   03-04     2    3   2   "Still waiting for my refund."
    S04    T04    DE      chat    03-05     5    8   –   "it's fine_ok"
    S05    T05    DE      email   03-06     3    6   4   "'; DROP TABLE surveys; --"
    S06    T06    US      email   03-07     1    0   1   "fineXok and REFUND please"
    S07    T07    US      chat    03-08     5    10  6   "saved to C:\\temp\\log"
    S08    T08    US      email   03-09     4    –   5   (none)
    S09    T09    JP      chat    03-10     4    7   5   "丁寧な対応でした"
    S10    T10    JP      email   03-11     –    9   –   "   " (blank: not a comment)
    S11    T11    DE      email   02-27     1    0   1   "old refund complaint"   (before)
    S12    T12    DE      email   03-15     1    0   1   "late refund"            (after)
    S13    T13    US      email   never

Comments are listed only when at least 5 responses share the author's country, language and
channel, so the comment tests use ``crowded``: the same rows plus, for each of the six
(country, channel) pairs above, 5 responses answered on 03-01 with CSAT 3, NPS 7, effort 4 and
no comment.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from data_access.database import Database
from data_access.filters import Filter
from metrics import voc
from metrics.engine import kpi_table
from metrics.registry import MIN_SURVEY_RESPONSES
from presentation import format as fmt
from tests.conftest import SAMPLE_END, write_rows
from tests.test_app import open_page, sidebar_multiselect
from ui.filters import period_dates

PERIOD = Filter(start=dt.date(2025, 3, 1), end=dt.date(2025, 3, 14))
SCRIPT = "pages/4_Voice_of_the_customer.py"
MARKETS = {"DE": "de", "US": "en", "JP": "ja"}


def at(when: str) -> dt.datetime:
    """'03-02 10:00' -> 2025-03-02 10:00 UTC."""
    return dt.datetime.fromisoformat(f"2025-{when}").replace(tzinfo=dt.UTC)


def ticket(tid: str, created: str, country: str, channel: str) -> dict:
    return {
        "ticket_id": tid, "customer_id": f"customer-{tid}", "created_at": at(created),
        "first_response_at": at(created), "resolved_at": at(created), "status": "solved",
        "channel": channel, "country": country, "language": MARKETS[country],
        "priority": "normal", "category": "shipping", "hub": "EMEA", "agent_id": "agent-1",
        "agent_replies": 1, "reopens": 0, "handle_seconds": 300.0, "bot_resolved": False,
    }  # fmt: skip


def survey(sid: str, tid: str, answered: str | None, csat: int | None, nps: int | None,
           ces: int | None, comment: str | None) -> dict:  # fmt: skip
    sent = at(answered) - dt.timedelta(hours=1) if answered else at("03-12 09:00")
    return {
        "survey_id": sid, "ticket_id": tid, "sent_at": sent,
        "responded_at": at(answered) if answered else None,
        "csat": csat, "nps": nps, "ces": ces, "comment": comment,
    }  # fmt: skip


# fmt: off
TICKETS = [
    ticket("T01", "03-02 08:00", "DE", "email"), ticket("T02", "03-03 08:00", "DE", "chat"),
    ticket("T03", "03-04 08:00", "DE", "email"), ticket("T04", "03-05 08:00", "DE", "chat"),
    ticket("T05", "03-06 08:00", "DE", "email"), ticket("T06", "03-07 08:00", "US", "email"),
    ticket("T07", "03-08 08:00", "US", "chat"), ticket("T08", "03-09 08:00", "US", "email"),
    ticket("T09", "03-10 08:00", "JP", "chat"), ticket("T10", "03-11 08:00", "JP", "email"),
    ticket("T11", "02-26 08:00", "DE", "email"), ticket("T12", "03-14 08:00", "DE", "email"),
    ticket("T13", "03-12 08:00", "US", "email"),
]
SURVEYS = [
    #      id     ticket answered       csat  nps   ces   comment
    survey("S01", "T01", "03-02 10:00", 5,    10,   7,    "Refund arrived 100% on time"),
    survey("S02", "T02", "03-03 10:00", 4,    9,    6,    "100 percent happy"),
    survey("S03", "T03", "03-04 10:00", 2,    3,    2,    "Still waiting for my refund."),
    survey("S04", "T04", "03-05 10:00", 5,    8,    None, "it's fine_ok"),
    survey("S05", "T05", "03-06 10:00", 3,    6,    4,    "'; DROP TABLE surveys; --"),
    survey("S06", "T06", "03-07 10:00", 1,    0,    1,    "fineXok and REFUND please"),
    survey("S07", "T07", "03-08 10:00", 5,    10,   6,    "saved to C:\\temp\\log"),
    survey("S08", "T08", "03-09 10:00", 4,    None, 5,    None),
    survey("S09", "T09", "03-10 10:00", 4,    7,    5,    "丁寧な対応でした"),
    survey("S10", "T10", "03-11 10:00", None, 9,    None, "   "),
    survey("S11", "T11", "02-27 10:00", 1,    0,    1,    "old refund complaint"),
    survey("S12", "T12", "03-15 01:00", 1,    0,    1,    "late refund"),
    survey("S13", "T13", None,          None, None, None, None),
]
# fmt: on


CROWD_TICKETS, CROWD = [], []
for pair, (country, channel) in enumerate(
    [("DE", "email"), ("DE", "chat"), ("US", "email"), ("US", "chat"), ("JP", "chat"),
     ("JP", "email")]
):  # fmt: skip
    for i in range(5):
        tid, answered = f"C{pair}{i}", f"03-01 1{pair}:0{i}"
        CROWD_TICKETS.append(ticket(tid, answered, country, channel))
        CROWD.append(survey(f"S{tid}", tid, answered, 3, 7, 4, None))


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> Database:
    path = tmp_path_factory.mktemp("voc") / "voc.duckdb"
    return Database(write_rows(path, TICKETS, SURVEYS))


@pytest.fixture(scope="module")
def crowded(tmp_path_factory: pytest.TempPathFactory) -> Database:
    path = tmp_path_factory.mktemp("voc") / "crowded.duckdb"
    return Database(write_rows(path, TICKETS + CROWD_TICKETS, SURVEYS + CROWD))


def counts(table) -> dict[int, float]:
    return dict(zip(table["score"], table["responses"], strict=True))


# ---------------------------------------------------------------- distributions
def test_csat_distribution_counts_every_score_on_the_scale(db):
    table = voc.score_distribution(db, PERIOD, "csat")
    # answered in March with a CSAT: S01 5, S02 4, S03 2, S04 5, S05 3, S06 1, S07 5, S08 4,
    # S09 4 (S10 skipped it; S11 is February, S12 March 15th) -> n = 9
    assert counts(table) == {1: 1, 2: 1, 3: 1, 4: 3, 5: 3}
    assert (table["n"] == 9).all() and not table["suppressed"].any()
    assert table["share"].tolist() == pytest.approx([1 / 9, 1 / 9, 1 / 9, 3 / 9, 3 / 9])
    bands = dict(zip(table["score"], table["band"], strict=True))
    assert bands[2] == "dissatisfied (1–2)" and bands[3] == "neutral (3)"
    assert bands[4] == bands[5] == "satisfied (4–5)"


def test_nps_distribution_and_bands(db):
    table = voc.score_distribution(db, PERIOD, "nps")
    # S01 10, S02 9, S03 3, S04 8, S05 6, S06 0, S07 10, S09 7, S10 9 (S08 skipped) -> n = 9;
    # scores nobody gave are there with 0
    assert counts(table) == {0: 1, 1: 0, 2: 0, 3: 1, 4: 0, 5: 0, 6: 1, 7: 1, 8: 1, 9: 2, 10: 2}
    tones = table.groupby("tone")["responses"].sum().to_dict()
    # detractors 0-6: S06 S03 S05 = 3; passives 7-8: S09 S04 = 2; promoters 9-10: 4
    assert tones == {"bad": 3, "neutral": 2, "good": 4}


def test_ces_distribution(db):
    table = voc.score_distribution(db, PERIOD, "ces")
    # S01 7, S02 6, S03 2, S05 4, S06 1, S07 6, S08 5, S09 5 (S04, S10 skipped) -> n = 8
    assert counts(table) == {1: 1, 2: 1, 3: 0, 4: 1, 5: 2, 6: 2, 7: 1}
    assert table["n"].iloc[0] == 8


def test_distribution_n_agrees_with_the_kpi_engine(db):
    engine = kpi_table(db, ["csat", "nps", "ces"], flt=PERIOD).set_index("kpi")
    for question in ("csat", "nps", "ces"):
        assert (
            voc.score_distribution(db, PERIOD, question)["n"].iloc[0] == engine.loc[question, "n"]
        )
    csat = voc.score_distribution(db, PERIOD, "csat")
    satisfied = csat.loc[csat["score"] >= 4, "responses"].sum()  # 3 + 3
    assert satisfied / 9 == pytest.approx(engine.loc["csat", "value"])


def test_ticket_filters_apply_to_the_surveys(db, crowded):
    # DE answered S01-S05 with CSAT 5, 4, 2, 5, 3 and its crowd ten 3s
    germany = voc.score_distribution(crowded, PERIOD.narrowed(countries=("DE",)), "csat")
    assert counts(germany) == {1: 0, 2: 1, 3: 11, 4: 1, 5: 2}
    assert not germany["suppressed"].any()
    # without the crowd, everyone minus Germany would give the other 4 answers: hidden
    assert voc.score_distribution(db, PERIOD.narrowed(countries=("DE",)), "csat")[
        "suppressed"
    ].all()
    # chat: S02 4, S04 5, S07 5, S09 4
    chat = voc.score_distribution(db, PERIOD.narrowed(channels=("chat",)), "csat")
    assert chat["n"].iloc[0] == 4


def test_a_distribution_under_five_answers_is_suppressed(db):
    # US answered S06 1, S07 5, S08 4: 3 answers < 5 -> no counts, no shares leave metrics
    table = voc.score_distribution(db, PERIOD.narrowed(countries=("US",)), "csat")
    assert MIN_SURVEY_RESPONSES == 5
    assert table["suppressed"].all() and (table["n"] == 3).all()
    assert table["responses"].isna().all() and table["share"].isna().all()


def test_no_answers_is_an_empty_scale_not_an_error(db):
    table = voc.score_distribution(db, PERIOD.with_dates(dt.date(2024, 1, 1),
                                                         dt.date(2024, 1, 7)), "ces")  # fmt: skip
    assert table["score"].tolist() == [1, 2, 3, 4, 5, 6, 7]
    assert (table["n"] == 0).all() and table["suppressed"].all()


@pytest.mark.parametrize("name", ["comment", "csat; DROP TABLE surveys", "ticket_id", ""])
def test_questions_come_from_a_whitelist(db, name):
    with pytest.raises(ValueError, match="unknown question"):
        voc.score_distribution(db, PERIOD, name)
    with pytest.raises(ValueError, match="unknown question"):
        voc.comments(db, PERIOD, question_id=name)


# ---------------------------------------------------------------- comments
def test_comments_newest_first_without_ids(crowded):
    found = voc.comments(crowded, PERIOD)
    # responses in March: S01-S10 and the crowd's 30 = 40; comments: all but S08 (none) and
    # S10 (blank) = 8
    assert found.responses == 40 and found.matched == 8 and not found.suppressed
    assert found.withheld == 0 and (found.rows["hidden"] == "").all()
    assert found.rows["comment"].tolist()[:3] == [
        "丁寧な対応でした", "saved to C:\\temp\\log", "fineXok and REFUND please",
    ]  # fmt: skip
    assert list(found.rows.columns) == voc.COMMENT_COLUMNS
    assert not {"customer_id", "ticket_id", "survey_id"} & set(found.rows.columns)


def test_the_limit_caps_the_list_but_not_the_count(crowded):
    found = voc.comments(crowded, PERIOD, limit=3)
    assert found.matched == 8 and len(found.rows) == 3
    assert found.rows["responded_at"].is_monotonic_decreasing


# search text -> the comments (by survey) that contain it literally, case-insensitively
SEARCHES = [
    ("refund", ["S06", "S03", "S01"]),  # "Refund", "refund.", "REFUND"; not S11/S12 (outside)
    ("100%", ["S01"]),  # unescaped, "%100%%" would also match "100 percent" (S02)
    ("%", ["S01"]),  # unescaped, every comment
    ("_", ["S04"]),  # unescaped, any single character: every comment
    ("fine_ok", ["S04"]),  # unescaped, also "fineXok" (S06)
    ("\\", ["S07"]),  # a backslash is the escape character itself
    ("it's", ["S04"]),
    ("'; DROP TABLE surveys; --", ["S05"]),
    ("'); DELETE FROM surveys; --", []),
    ("丁寧", ["S09"]),
    ("  refund  ", ["S06", "S03", "S01"]),  # surrounding spaces are trimmed
    ("nothing like this", []),
]
COMMENT_OF = {s["survey_id"]: s["comment"] for s in SURVEYS}


@pytest.mark.parametrize(("search", "expected"), SEARCHES, ids=[s for s, _ in SEARCHES])
def test_search_finds_literal_text_only(crowded, search, expected):
    found = voc.comments(crowded, PERIOD, search=search)
    assert found.rows["comment"].tolist() == [COMMENT_OF[s] for s in expected]
    assert found.matched == len(expected)
    assert crowded.query("SELECT count(*) AS n FROM surveys")["n"][0] == 43  # nothing dropped


def test_score_range_bounds_the_chosen_question(crowded):
    # CSAT 4-5 with a comment: S01 5, S02 4, S04 5, S07 5, S09 4 (S08 4 has none)
    assert voc.comments(crowded, PERIOD, min_score=4, max_score=5).matched == 5
    # CSAT at most 2: S03 2, S06 1
    low = voc.comments(crowded, PERIOD, max_score=2)
    assert low.rows["comment"].tolist() == [COMMENT_OF["S06"], COMMENT_OF["S03"]]
    # with a search: "refund" among CSAT 4-5 is S01 only
    refund = voc.comments(crowded, PERIOD, "refund", 4, 5)
    assert refund.rows["comment"].tolist() == [COMMENT_OF["S01"]]
    # NPS 9-10: S01 10, S02 9, S07 10 (S10's 9 came with a blank comment)
    assert voc.comments(crowded, PERIOD, min_score=9, question_id="nps").matched == 3


def test_comments_are_withheld_below_five_responses(db):
    # JP answered S09 and S10: 2 responses < 5, so not even S09's comment is shown
    japan = voc.comments(db, PERIOD.narrowed(countries=("JP",)))
    assert japan.responses == 2 and japan.suppressed
    assert japan.matched == 0 and japan.rows.empty
    # chat: S02, S04, S07, S09 = 4 responses -> withheld; e-mail: S01 S03 S05 S06 S08 S10 = 6,
    # but its comments come from groups of 3 (DE e-mail: S01 S03 S05) and 2 (US: S06 S08)
    assert voc.comments(db, PERIOD.narrowed(channels=("chat",))).suppressed
    email = voc.comments(db, PERIOD.narrowed(channels=("email",)))
    assert email.responses == 6 and not email.suppressed
    assert email.matched == 0 and email.withheld == 4  # S01 S03 S05 S06


def test_like_pattern_escapes_wildcards_and_the_escape_character():
    assert voc.like_pattern("100%") == "%100\\%%"
    assert voc.like_pattern("a_b") == "%a\\_b%"
    assert voc.like_pattern("C:\\x") == "%C:\\\\x%"


# ---------------------------------------------------------------- the page (AppTest)
def sample_filter(period: str = "last_28d", **dims: tuple[str, ...]) -> Filter:
    start, end = period_dates(period, SAMPLE_END)
    return Filter(start=start, end=end, **dims)


def comment_frame(app):
    return next(d.value for d in app.dataframe if "Comment" in d.value.columns)


def chart_titles(app) -> list[str]:
    specs = [json.loads(chart.proto.spec) for chart in app.get("plotly_chart")]
    return [spec["layout"].get("title", {}).get("text", "") for spec in specs]


@pytest.mark.parametrize(
    "query", [{}, {"country": "KR,JP", "channel": "chat", "period": "last_90d"}]
)
def test_page_renders_with_real_content(use_sample, query):
    app = open_page(SCRIPT, query)
    assert not app.exception, [e.message for e in app.exception]
    assert "Voice of the customer" in app.title[0].value
    labels = [m.label for m in app.metric]
    assert labels == ["CSAT", "NPS", "Effort (mean)", "Response rate"]
    assert all(m.value not in ("", fmt.MISSING, fmt.SUPPRESSED) for m in app.metric)
    titles = chart_titles(app)
    assert any(t.startswith("CSAT · ") for t in titles)
    assert any("against its own previous 12 months" in t for t in titles)
    assert len(comment_frame(app)) > 0
    if query:
        assert sorted(sidebar_multiselect(app, "Country").value) == ["JP", "KR"]
        assert set(comment_frame(app)["Country"]) <= {"Japan", "South Korea"}
        assert set(comment_frame(app)["Channel"]) == {"Chat"}


def test_numbers_on_screen_equal_the_metrics(use_sample):
    app = open_page(SCRIPT, {"country": "JP", "period": "last_90d"})
    flt = sample_filter("last_90d", countries=("JP",))
    db = Database(use_sample)
    table = kpi_table(db, ["csat", "nps", "ces", "response_rate"], flt=flt).set_index("kpi")
    shown = {m.label: m.value for m in app.metric}
    assert shown["CSAT"] == fmt.kpi_value("csat", table.loc["csat", "value"])
    assert shown["NPS"] == fmt.kpi_value("nps", table.loc["nps", "value"])
    assert shown["Effort (mean)"] == fmt.kpi_value("ces", table.loc["ces", "value"])
    assert shown["Response rate"] == fmt.kpi_value(
        "response_rate", table.loc["response_rate", "value"]
    )
    # the distribution's "n answers" is the engine's sample size for the same KPI
    titles = chart_titles(app)
    assert f"CSAT · {fmt.count(table.loc['csat', 'n'])} answers" in titles
    assert f"NPS · {fmt.count(table.loc['nps', 'n'])} answers" in titles


def test_market_table_shows_raw_and_baseline(use_sample):
    app = open_page(SCRIPT, {"kpi": "nps", "markets": "5"})
    flt = sample_filter()
    expected = kpi_table(Database(use_sample), ["nps"], by=["country"], flt=flt,
                         compare=("baseline",))  # fmt: skip
    us = expected[expected["country"] == "US"].iloc[0]
    table = next(d.value for d in app.dataframe if "Own previous 12 months" in d.value.columns)
    row = table[table["Country"] == "United States"].iloc[0]
    assert row["This period"] == fmt.kpi_value("nps", us["value"])
    assert row["Own previous 12 months"] == fmt.kpi_value("nps", us["baseline_value"])
    assert row["Change"] == fmt.kpi_delta("nps", us["baseline_delta"])
    assert len(table) == 6  # the 5 largest markets and 'Other'
    assert app.query_params.get("kpi") == "nps" and app.query_params.get("markets") == "5"


def test_search_box_filters_the_comments_and_lives_in_the_url(use_sample):
    app = open_page(SCRIPT)
    everything = len(comment_frame(app))
    withheld = voc.comments(Database(use_sample), sample_filter()).withheld
    assert withheld > 0  # the sample's small groups: said under the table, not listed
    assert any(f"privacy, {fmt.count(withheld)} comments are not listed" in c.value
               for c in app.caption)  # fmt: skip
    search = next(t for t in app.text_input if t.label == "Search the comments")
    # "agent": a word many of the sample's English comments use
    search.set_value("agent").run()
    assert not app.exception
    comments = comment_frame(app)["Comment"].tolist()
    assert 0 < len(comments) <= everything
    assert all("agent" in c.lower() for c in comments)
    expected = voc.comments(Database(use_sample), sample_filter(), "agent")
    assert any(f"**{fmt.count(expected.matched)}** comments" in c.value for c in app.caption)
    assert app.query_params.get("q") == "agent"

    for hostile in ("100%", "'; DROP TABLE surveys; --", "_", "\\"):
        search = next(t for t in app.text_input if t.label == "Search the comments")
        search.set_value(hostile).run()
        assert not app.exception
        assert any("No comments containing" in i.value for i in app.info), hostile


def test_a_small_market_shows_the_suppression_message(use_sample):
    db = Database(use_sample)
    flt = sample_filter("last_7d")
    by_country = kpi_table(db, ["csat"], by=["country"], flt=flt)
    small = [
        c for c in by_country.loc[by_country["suppressed"], "country"]
        if 0 < voc.comments(db, flt.narrowed(countries=(c,))).responses < MIN_SURVEY_RESPONSES
    ]  # fmt: skip
    assert small, "the sample should have a market with 1-4 answers in a week"
    app = open_page(SCRIPT, {"country": small[0], "period": "last_7d"})
    assert not app.exception
    shown = {m.label: m.value for m in app.metric}
    assert shown["CSAT"] == "hidden"
    infos = [i.value for i in app.info]
    assert any(i.startswith("CSAT: fewer than 5 answers") for i in infos)
    assert any("comments are hidden to protect" in i for i in infos)
    assert not any("Comment" in d.value.columns for d in app.dataframe)
    table = next(d.value for d in app.dataframe if "Own previous 12 months" in d.value.columns)
    assert table["This period"].tolist() == [fmt.SUPPRESSED]


def test_a_database_without_surveys_says_so(monkeypatch, tmp_path: Path):
    path = write_rows(tmp_path / "no_surveys.duckdb", TICKETS)
    monkeypatch.setenv("SERVICE_ATLAS_DB", str(path))
    app = open_page(SCRIPT)
    assert not app.exception, [e.message for e in app.exception]
    infos = [i.value for i in app.info]
    assert any(i.startswith("No surveys were answered for this filter") for i in infos)
    assert any("No surveys with a CSAT answer" in i for i in infos)
    assert not app.get("plotly_chart") or all("answers" not in t for t in chart_titles(app))
