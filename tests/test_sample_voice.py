"""The sample's survey comments: the corpus and its checks, and comments whose hidden theme (the
ground truth for topic analysis) follows from the ticket, varied text, the planted voice issues.

The generator runs directly (no database): ``generate`` gives the surveys with their ``theme``.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import tomllib
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from data_access import reference
from data_access.sample import profile, voice
from data_access.sample.generator import generate
from tests.conftest import SAMPLE_END

LANGUAGES = sorted({lang for market in profile.MARKETS for lang in market.languages})
POSITIVE = {t for t, tone in voice.THEMES.items() if tone == "positive"}
NEGATIVE = {t for t, tone in voice.THEMES.items() if tone == "negative"}


# ---------------------------------------------------------------- the corpus
def test_every_sample_language_has_a_corpus_that_keeps_the_format():
    voices = voice.load(LANGUAGES)
    assert sorted(voices) == LANGUAGES
    for lang, v in voices.items():
        assert list(v.themes) == list(voice.THEMES), lang
        assert all(len(set(s)) >= 10 for s in v.themes.values()), lang
        assert len(v.openers) >= 6 and len(v.closers) >= 6, lang
        assert len(v.closers_good) >= 4 and len(v.closers_bad) >= 4, lang
        assert v.joiner in (" ", ""), lang


def test_the_corpus_avoids_what_the_comment_search_tests_use_as_hostile_input():
    """tests/test_voc.py searches the sample for ``_``, ``%`` and ``\\`` and expects nothing."""
    for lang, v in voice.load(LANGUAGES).items():
        texts = [*v.openers, *v.closers, *v.closers_good, *v.closers_bad]
        texts += [s for sentences in v.themes.values() for s in sentences]
        assert not [t for t in texts if set(t) & {"_", "%", "\\"}], lang


def write_corpus(folder: Path, lang: str, data: dict) -> None:
    """``data`` as a corpus file (JSON strings are TOML basic strings)."""
    lines = [f"{key} = {json.dumps(value, ensure_ascii=False)}" for key, value in data.items()
             if key != "themes"]  # fmt: skip
    lines.append("[themes]")
    lines += [f"{k} = {json.dumps(v, ensure_ascii=False)}" for k, v in data["themes"].items()]
    (folder / f"{lang}.toml").write_text("\n".join(lines) + "\n", encoding="utf-8")


def english() -> dict:
    return tomllib.loads((voice.FOLDER / "en.toml").read_text(encoding="utf-8"))


def _short_theme(d: dict) -> None:
    d["themes"]["refund_wait"] = d["themes"]["refund_wait"][:9]


def _unknown_placeholder(d: dict) -> None:
    d["themes"]["late_delivery"][2] = "Waited for {name} to deliver."


def _stray_brace(d: dict) -> None:
    d["themes"]["mixed"][0] = "Fine {days days later."


def _formatted_placeholder(d: dict) -> None:
    d["themes"]["slow_reply"][0] = "Waited {hours:>3} hours."


def _missing_closers(d: dict) -> None:
    del d["closers_bad"]


def _unknown_theme(d: dict) -> None:
    d["themes"]["refund_delay"] = d["themes"].pop("refund_wait")


def _sentence_in_two_themes(d: dict) -> None:
    d["themes"]["fast_help"][3] = d["themes"]["first_contact"][0]


def _joiner_not_text(d: dict) -> None:
    d["joiner"] = 1


@pytest.mark.parametrize(("break_it", "key", "problem"), [
    (_short_theme, "themes.refund_wait", "has 9 entries, at least 10"),
    (_unknown_placeholder, "themes.late_delivery[2]", "{name} is not allowed"),
    (_stray_brace, "themes.mixed[0]", "unbalanced braces"),
    (_formatted_placeholder, "themes.slow_reply[0]", "{hours} is not allowed"),
    (_missing_closers, "closers_bad", "missing"),
    (_unknown_theme, "themes.refund_delay", "unknown theme"),
    (_sentence_in_two_themes, "themes.first_contact", "is also in themes.fast_help"),
    (_joiner_not_text, "joiner", "must be a string"),
])  # fmt: skip
def test_a_broken_corpus_file_is_named_with_its_key(tmp_path, break_it, key, problem):
    data = english()
    break_it(data)
    write_corpus(tmp_path, "en", data)
    with pytest.raises(voice.CorpusError) as raised:
        voice.load(["en"], tmp_path)
    message = str(raised.value)
    assert message.startswith(f"{tmp_path / 'en.toml'}: {key}: "), message
    assert problem in message


def test_a_missing_or_unreadable_corpus_file_is_named(tmp_path):
    write_corpus(tmp_path, "en", english())
    with pytest.raises(voice.CorpusError, match=re.escape(f"{tmp_path / 'ko.toml'}: missing")):
        voice.load(["en", "ko"], tmp_path)
    (tmp_path / "ko.toml").write_text('joiner = " "\nopeners = [\n', encoding="utf-8")
    with pytest.raises(voice.CorpusError, match=re.escape(f"{tmp_path / 'ko.toml'}: not a")):
        voice.load(["en", "ko"], tmp_path)


def test_the_generator_refuses_to_run_without_a_corpus(tmp_path, monkeypatch):
    monkeypatch.setattr(voice, "FOLDER", tmp_path)
    with pytest.raises(voice.CorpusError, match="missing"):
        generate(100, 1, SAMPLE_END)


# ---------------------------------------------------------------- generated comments
@pytest.fixture(scope="module")
def generated():
    """Half a year, dense enough for the planted incidents to get comments (3 s)."""
    return generate(400_000, 7, SAMPLE_END, days=180)


@pytest.fixture(scope="module")
def surveys(generated) -> pd.DataFrame:
    """Answered surveys with their ticket's facts."""
    tickets = generated.tickets
    s = generated.surveys.merge(tickets, on="ticket_number")
    return s[s["responded_at"].notna()].reset_index(drop=True)


def test_a_comment_has_a_theme_of_its_scores_tone(generated, surveys):
    assert (generated.surveys["comment"].isna() == generated.surveys["theme"].isna()).all()
    commented = surveys[surveys["comment"].notna()]
    assert len(commented) > 10_000
    csat = commented["csat"].astype(int)
    tone = commented["theme"].map(voice.THEMES)
    assert (tone[csat >= 4] == "positive").all()
    assert (tone[csat <= 2] == "negative").all()
    assert set(tone[csat == 3]) == {"neutral", "negative"}
    assert set(commented["theme"]) == set(voice.THEMES)


def _incident_theme(rows: pd.DataFrame) -> pd.Series:
    """The theme of each ticket of a planted incident (its country, local days and contact
    reason), None for others."""
    theme = pd.Series(None, index=rows.index, dtype=object)
    for inc in profile.INCIDENTS:
        local = rows["created_at"].dt.tz_convert(reference.country_timezone(inc.country)).dt.date
        first = SAMPLE_END - dt.timedelta(days=inc.days_before_end)
        during = (local >= first) & (local < first + dt.timedelta(days=inc.days))
        hit = during & (rows["country"] == inc.country) & (rows["category"] == inc.category)
        theme[hit] = inc.theme
    return theme


def _came_back(tickets: pd.DataFrame) -> pd.Series:
    """Tickets whose customer opened another within a week after (a superset of the generator's
    repeat contacts: customer numbers can also repeat by chance)."""
    t = tickets.sort_values(["customer_number", "created_at"])
    gap = t.groupby("customer_number")["created_at"].shift(-1) - t["created_at"]
    return (gap <= pd.Timedelta(days=7)).reindex(tickets.index)


def test_negative_comments_are_about_what_happened_on_the_ticket(generated, surveys):
    came_back = _came_back(generated.tickets)
    came_back.index = generated.tickets["ticket_number"]
    rows = surveys[surveys["theme"].isin(NEGATIVE)]
    median = {name: c.first_response_median_s for name, c in profile.CHANNEL_MIX.items()}
    waited = (rows["first_response_at"] - rows["created_at"]).dt.total_seconds()
    breached = waited > 3 * rows["channel"].astype(str).map(median)
    again = (rows["reopens"] > 0) | came_back[rows["ticket_number"]].to_numpy()
    incident = _incident_theme(rows)
    assert incident.notna().sum() >= 5  # the German outage and the Brazilian login failure
    for i, row in rows.iterrows():
        if pd.notna(incident[i]):
            assert row["theme"] == incident[i], row
            continue
        allowed = set(profile.REASON_THEMES[row["category"]])
        allowed |= {"slow_reply"} if breached[i] else set()
        allowed |= {"repeat_explain"} if again[i] else set()
        assert row["theme"] in allowed, row
    # every cause is used: half of the breached tickets complain about the wait
    share_slow = (rows.loc[breached & incident.isna(), "theme"] == "slow_reply").mean()
    assert 0.35 < share_slow < 0.65


def test_positive_comments_praise_what_went_well(surveys):
    rows = surveys[surveys["theme"].isin(POSITIVE)]
    hours = (rows["resolved_at"] - rows["created_at"]).dt.total_seconds() / 3600
    one_contact = (rows["agent_replies"] <= 1) & (rows["reopens"] == 0)
    expected = np.where(hours <= 2, "fast_help",
                        np.where(one_contact, "first_contact", "friendly_agent"))  # fmt: skip
    assert (rows["theme"].to_numpy() == expected).all()
    assert set(expected) == POSITIVE


def test_neutral_comments_are_mostly_mixed(surveys):
    neutral = surveys[surveys["csat"] == 3].dropna(subset=["theme"])
    assert 0.6 < (neutral["theme"] == "mixed").mean() < 0.8


def test_comments_are_varied(surveys):
    commented = surveys.dropna(subset=["comment"])
    some = commented["comment"].sample(5000, random_state=0)
    assert some.nunique() / len(some) > 0.6
    voices = voice.load(LANGUAGES)
    for lang, texts in commented.groupby(commented["language"].astype(str))["comment"]:
        if len(texts) < 1000:  # en, es, de, pt: enough comments to measure a 5 % share
            continue
        for sentence in {s for sentences in voices[lang].themes.values() for s in sentences}:
            # placeholders stand for numbers
            pattern = re.escape(sentence)
            for name in voice.PLACEHOLDERS:
                pattern = pattern.replace(re.escape(f"{{{name}}}"), r"\d+")
            share = texts.str.contains(pattern).mean()
            assert share <= 0.05, (lang, sentence, share)


def test_comments_fill_placeholders_and_join_parts(surveys):
    commented = surveys.dropna(subset=["comment"])
    assert not commented["comment"].str.contains("[{}]").any()
    english = commented.loc[commented["language"] == "en", "comment"]
    orders = english.str.extract(r"#(\d+)")[0].dropna()
    assert len(orders) > 5 and orders.str.fullmatch(r"[1-9]\d{5}").all()
    days = english.str.extract(r"(\d+) days")[0].dropna().astype(int)
    assert days.between(2, 21).all()
    # some comments have two sentences or an opener or a closer: longer than any one sentence
    longest = max(len(s) for v in voice.load(["en"])["en"].themes.values() for s in v)
    assert (english.str.len() > longest + 10).mean() > 0.1


@pytest.mark.parametrize("issue", profile.VOICE_ISSUES, ids=lambda i: i.country)
def test_a_voice_issue_emerges_in_its_country_and_lowers_csat(surveys, issue):
    end = pd.Timestamp(SAMPLE_END + dt.timedelta(days=1), tz="UTC")
    start = end - pd.Timedelta(days=issue.days)
    country = surveys[surveys["country"] == issue.country]
    inside = country[country["responded_at"] >= start]
    before = country[country["responded_at"].between(start - pd.Timedelta(days=90), start)]
    share_inside = (inside["theme"].dropna() == issue.theme).mean()
    share_before = (before["theme"].dropna() == issue.theme).mean()
    assert inside["theme"].notna().sum() >= 10
    assert share_inside > 0.4 and share_inside > 4 * share_before
    assert inside["csat"].mean() < before["csat"].mean() - 0.4
    # elsewhere nothing changes
    others = surveys[(surveys["country"] != issue.country) & (surveys["responded_at"] >= start)]
    assert (others["theme"].dropna() == issue.theme).mean() < 0.1


def test_same_seed_gives_the_same_comments():
    a = generate(20_000, 3, SAMPLE_END).surveys
    b = generate(20_000, 3, SAMPLE_END).surveys
    c = generate(20_000, 4, SAMPLE_END).surveys
    pd.testing.assert_frame_equal(a, b)
    assert a["theme"].notna().sum() > 100
    assert a["comment"].dropna().tolist() != c["comment"].dropna().tolist()
