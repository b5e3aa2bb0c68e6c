"""Mix versus rate: hand-computed shift-share decompositions on hand-built databases."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from data_access.database import Database
from data_access.filters import Filter
from metrics import mix
from metrics.engine import OTHER, kpi_table
from presentation.i18n import using
from presentation.mix_sentence import mix_sentence
from tests.conftest import write_rows
from tests.test_metrics_engine import T0, survey, ticket

WEEK = Filter(start=dt.date(2025, 3, 3), end=dt.date(2025, 3, 9))  # previous: 24 Feb - 2 Mar
BEFORE = -96  # hours from T0: 27 Feb, in the previous week
HOUR = 3600


def write(path, tickets: list[dict], surveys: list[dict] = ()) -> Database:
    """The rows, plus two abandoned calls on the first day of last week and the last day of this
    one, so the data covers both weeks (the engine compares only periods inside the data). They
    count in no KPI that decomposes."""
    edges = [ticket(900 + i, hours, channel="phone", abandoned=True, queue_wait_seconds=2)
             for i, hours in enumerate((-167, 167))]  # fmt: skip
    return Database(write_rows(path, [*tickets, *edges], surveys))


def responded(i: int, hours: float, frt_hours: float, **extra) -> dict:
    return ticket(i, hours, first_response_at=T0 + dt.timedelta(hours=hours + frt_hours),
                  **extra)  # fmt: skip


def group_rows(tickets: list[tuple[float, str, list[float]]]) -> list[dict]:
    """Tickets with first responses: (created hour, channel, the group's response hours)."""
    rows = []
    for hours, channel, frts in tickets:
        for frt in frts:
            rows.append(responded(len(rows), hours, frt, channel=channel))
    return rows


@pytest.fixture
def simpson(tmp_path) -> Database:
    """Both channels got faster, but the mix moved to the slow one (e-mail).

    previous week: e-mail 2 tickets at 10 h, chat 8 at 1 h    -> mean 2.8 h, median 1 h
    this week:     e-mail 8 tickets at 8 h,  chat 2 at 0.5 h  -> mean 6.5 h, median 8 h
    """
    rows = group_rows([(BEFORE, "email", [10] * 2), (BEFORE, "chat", [1] * 8),
                       (2, "email", [8] * 8), (2, "chat", [0.5] * 2)])  # fmt: skip
    return write(tmp_path / "simpson.duckdb", rows)


def test_simpson_mean_mix_slower_while_both_channels_got_faster(simpson):
    d = mix.decompose(simpson, "frt_mean", WEEK, by="channel")
    # mix:  e-mail (0.8 - 0.2) * (10 + 8) / 2 = 5.4, chat (0.2 - 0.8) * (1 + 0.5) / 2 = -0.45
    # rate: e-mail (8 - 10) * (0.2 + 0.8) / 2 = -1, chat (0.5 - 1) * (0.8 + 0.2) / 2 = -0.25
    assert (d.value0, d.value1) == pytest.approx((2.8 * HOUR, 6.5 * HOUR))
    assert d.mix == pytest.approx(4.95 * HOUR)
    assert d.rate == pytest.approx(-1.25 * HOUR)
    groups = d.groups.set_index("member")
    assert groups.loc["email", ["w0", "w1", "mix", "rate"]].tolist() == pytest.approx(
        [0.2, 0.8, 5.4 * HOUR, -1 * HOUR]
    )
    assert groups.loc["chat", ["mix", "rate"]].tolist() == pytest.approx(
        [-0.45 * HOUR, -0.25 * HOUR]
    )


def test_simpson_median_through_reweighted_rows(simpson):
    d = mix.decompose(simpson, "frt_median", WEEK, by="channel")
    # Q(w1, D0): last week's rows with this week's shares (e-mail rows weigh 4, chat 0.25):
    #   the weighted median sits among the 10 h e-mails -> 10 h
    # Q(w0, D1): this week's rows with last week's shares (chat rows weigh 4) -> 0.5 h
    # mix  = ((10 - 1) + (8 - 0.5)) / 2 = 8.25 h;  rate = ((0.5 - 1) + (8 - 10)) / 2 = -1.25 h
    assert (d.value0, d.value1) == pytest.approx((1 * HOUR, 8 * HOUR))
    assert d.mix == pytest.approx(8.25 * HOUR)
    assert d.rate == pytest.approx(-1.25 * HOUR)
    assert not d.groups_add_up
    assert d.groups.set_index("member").loc["email", ["r0", "r1"]].tolist() == [10 * HOUR, 8 * HOUR]


def test_explain_names_the_dimension_the_member_and_the_rate_drivers(simpson):
    e = mix.explain(simpson, "frt_mean", WEEK)
    # channel is the only dimension with more than one member: its mix share is 4.95 / 3.7
    assert e.dimension == "channel"
    assert e.decomposition.mix_share == pytest.approx(4.95 / 3.7)
    assert e.mix_member == "email"
    assert e.rate_members == ("email", "chat")  # -1 h, then -0.25 h


def shares(w0, r0, w1, r1) -> pd.DataFrame:
    return pd.DataFrame({"member": ["a", "b"][: len(w0)], "w0": w0, "r0": r0, "w1": w1, "r1": r1})


def test_only_the_mix_moved_gives_no_rate_part():
    # rates 10 and 2 in both periods; shares 50/50 -> 80/20: 6 -> 8.4
    parts = mix.shift_share(shares([0.5, 0.5], [10, 2], [0.8, 0.2], [10, 2]))
    assert parts["rate"].tolist() == [0, 0]
    assert parts["mix"].tolist() == pytest.approx([3, -0.6])  # 0.3 * 10, -0.3 * 2: +2.4


def test_only_the_rates_moved_gives_no_mix_part():
    # shares 25/75 in both; 0.9 -> 0.7 and 0.5 -> 0.6: 0.6 -> 0.625
    parts = mix.shift_share(shares([0.25, 0.75], [0.9, 0.5], [0.25, 0.75], [0.7, 0.6]))
    assert parts["mix"].tolist() == [0, 0]
    assert parts["rate"].tolist() == pytest.approx([-0.05, 0.075])


def test_a_group_new_in_the_current_period_is_all_mix():
    # e-mail 100 % at 0.8 -> 50 % at 0.8; chat new at 50 % with 0.4 (its rate in both periods)
    parts = mix.shift_share(shares([1, np.nan], [0.8, np.nan], [0.5, 0.5], [0.8, 0.4]))
    assert parts["r0"].tolist() == [0.8, 0.4]
    assert parts["mix"].tolist() == pytest.approx([-0.4, 0.2])
    assert parts["rate"].tolist() == [0, 0]
    assert parts["mix"].sum() + parts["rate"].sum() == pytest.approx(0.6 - 0.8)


def test_quantile_with_unchanged_shares_is_all_rate(tmp_path):
    # 3 e-mails and 3 chats in both weeks; e-mails got 1 h slower
    # medians: (0.3 + 1) / 2 = 0.65 h -> (0.3 + 2) / 2 = 1.15 h
    rows = group_rows([(BEFORE, "email", [1, 2, 3]), (BEFORE, "chat", [0.1, 0.2, 0.3]),
                       (2, "email", [2, 3, 4]), (2, "chat", [0.1, 0.2, 0.3])])  # fmt: skip
    db = write(tmp_path / "rates.duckdb", rows)
    d = mix.decompose(db, "frt_median", WEEK, by="channel")
    assert d.mix == 0
    assert d.rate == pytest.approx(0.5 * HOUR)
    engine = kpi_table(db, ["frt_median"], flt=WEEK, compare=["previous"])
    assert d.rate == pytest.approx(engine["previous_delta"].iloc[0])


def one_touch(i: int, hours: float, channel: str, replies: int) -> dict:
    resolved = T0 + dt.timedelta(hours=hours + 1)
    return ticket(i, hours, channel=channel, agent_replies=replies, resolved_at=resolved)


@pytest.fixture
def arrivals(tmp_path) -> Database:
    """One-touch resolution: phone left, chat arrived.

    previous week: e-mail 3 of 4 one-touch, phone 2 of 2   -> 5/6
    this week:     e-mail 1 of 2,           chat 0 of 2    -> 1/4
    """
    plan = [(BEFORE, "email", [1, 1, 1, 3]), (BEFORE, "phone", [1, 1]),
            (2, "email", [1, 3]), (2, "chat", [3, 3])]  # fmt: skip
    replies = [(hours, channel, r) for hours, channel, rs in plan for r in rs]
    rows = [one_touch(i, hours, channel, r) for i, (hours, channel, r) in enumerate(replies)]
    return write(tmp_path / "arrive.duckdb", rows)


def test_groups_that_arrive_and_leave_keep_the_sum_exact(arrivals):
    d = mix.decompose(arrivals, "one_touch", WEEK, by="channel")
    # mix:  e-mail (1/2 - 2/3) * (3/4 + 1/2) / 2, phone (0 - 1/3) * 1 (it left), chat 1/2 * 0
    # rate: e-mail (1/2 - 3/4) * (2/3 + 1/2) / 2; phone and chat none
    assert d.mix == pytest.approx(-1 / 6 * 5 / 8 - 1 / 3)  # -7/16
    assert d.rate == pytest.approx(-0.25 * 7 / 12)  # -7/48
    assert d.mix + d.rate == pytest.approx(1 / 4 - 5 / 6)
    assert sorted(d.groups["member"]) == ["chat", "email", "phone"]


@pytest.fixture(scope="module")
def mixed(tmp_path_factory) -> Database:
    """Two weeks of tickets and surveys over three channels, two countries and two priorities,
    with shares and rates that both move (seeded)."""
    rng = np.random.default_rng(5)
    tickets, surveys = [], []
    for week, hours, email_share in ((0, BEFORE, 0.3), (1, 2, 0.6)):
        for _ in range(400):
            i = len(tickets)
            channel = rng.choice(
                ["email", "chat", "phone"],
                p=[email_share, (1 - email_share) / 2, (1 - email_share) / 2],
            )
            slow = {"email": 20, "chat": 0.05, "phone": 0.03}[channel] * (1 + 0.3 * week)
            frt = rng.exponential(slow)
            at = hours + rng.uniform(0, 48)
            tickets.append(
                responded(
                    i,
                    at,
                    frt,
                    channel=channel,
                    country=rng.choice(["DE", "JP"], p=[0.5 + 0.2 * week, 0.5 - 0.2 * week]),
                    priority=rng.choice(["normal", "high"]),
                    reopens=int(rng.random() < 0.1 + 0.2 * (channel == "email")),
                    resolved_at=T0 + dt.timedelta(hours=at + frt + 1),
                )
            )
            if rng.random() < 0.5:
                good = {"email": 0.6, "chat": 0.9, "phone": 0.8}[channel] - 0.1 * week
                surveys.append(
                    survey(
                        i,
                        f"t{i:03d}",
                        at + frt + 2,
                        csat=int(rng.choice([5, 2], p=[good, 1 - good])),
                        nps=int(rng.choice([10, 8, 3], p=[good, 0.1, 0.9 - good])),
                    )
                )
    return write(tmp_path_factory.mktemp("mixed") / "mixed.duckdb", tickets, surveys)


@pytest.mark.parametrize("kpi", ["sla", "fcr", "frt_mean", "csat", "nps", "frt_median",
                                 "resolution_p90"])  # fmt: skip
@pytest.mark.parametrize("by", ["channel", "country", "priority"])
def test_parts_add_up_to_the_engines_own_change(mixed, kpi, by):
    engine = kpi_table(mixed, [kpi], flt=WEEK, compare=["previous"]).iloc[0]
    d = mix.decompose(mixed, kpi, WEEK, by=by)
    assert (d.value0, d.value1) == (engine["previous_value"], engine["value"])
    assert d.mix + d.rate == pytest.approx(engine["previous_delta"], rel=1e-9, abs=1e-9)
    assert engine["previous_delta"] != 0
    if d.groups_add_up:
        assert d.groups["mix"].sum() == pytest.approx(d.mix)
        assert d.groups["rate"].sum() == pytest.approx(d.rate)
    assert d.groups["w0"].sum() == pytest.approx(1) and d.groups["w1"].sum() == pytest.approx(1)


def test_small_survey_groups_are_folded_into_other(tmp_path):
    # CSAT: 6 e-mail responses a week; 3 chat and 2 phone responses only this week (hidden)
    tickets, surveys = [], []
    for hours, channel, scores in ((BEFORE, "email", [5, 5, 5, 5, 2, 2]),
                                   (2, "email", [5, 5, 5, 2, 2, 2]),
                                   (2, "chat", [5, 5, 2]), (2, "phone", [2, 5])):  # fmt: skip
        for score in scores:
            i = len(tickets)
            tickets.append(ticket(i, hours, channel=channel))
            surveys.append(survey(i, f"t{i:03d}", hours + 1, csat=score))
    db = write(tmp_path / "small.duckdb", tickets, surveys)
    assert kpi_table(db, ["csat"], by=["channel"], flt=WEEK)["suppressed"].sum() == 2
    d = mix.decompose(db, "csat", WEEK, by="channel")
    # previous: e-mail 4/6; now: e-mail 3/6, Other (chat + phone) 3/5 -> 6/11 overall
    groups = d.groups.set_index("member")
    assert sorted(groups.index) == [OTHER, "email"]
    assert groups.loc[OTHER, ["n0", "n1", "r1"]].tolist() == pytest.approx([0, 5, 3 / 5])
    assert d.mix + d.rate == pytest.approx(6 / 11 - 4 / 6)


def test_a_dimension_that_stays_hidden_is_skipped(tmp_path):
    # this week 5 responses, 3 from Germany and 2 from Japan: both countries are hidden, so
    # no country is left to show on its own
    tickets = [ticket(i, 2, country=c) for i, c in enumerate(["DE"] * 3 + ["JP"] * 2)]
    surveys = [survey(i, f"t{i:03d}", 3, csat=5) for i in range(5)]
    tickets += [ticket(9, BEFORE, country="DE")]
    surveys += [survey(9 + i, "t009", BEFORE + 1 + i, csat=4) for i in range(5)]
    db = write(tmp_path / "hidden.duckdb", tickets, surveys)
    assert mix.decompose(db, "csat", WEEK, by="country") is None


def test_volume_does_not_decompose(simpson):
    assert not mix.decomposes("volume") and not mix.decomposes("backlog")
    assert mix.decompose(simpson, "volume", WEEK) is None
    assert mix.explain(simpson, "volume", WEEK) is None


def test_the_sentence_in_english_and_korean(simpson, arrivals):
    slower = mix.explain(simpson, "frt_mean", WEEK)
    # 2.8 h -> 6.5 h: +3.7 h = +132 %; mix +4.95 h, rate -1.25 h (e-mail 10 h -> 8 h)
    with using("en"):
        assert mix_sentence(slower) == (
            "First response (mean) got 132 % slower (+3 h 42 m): +4 h 57 m because the mix"
            " moved to E-mail (channel), -1 h 15 m because E-mail itself got faster"
        )
    with using("ko"):
        assert mix_sentence(slower) == (
            "첫 응답 시간 (평균) 132% 느려짐(+3시간 42분): 이메일 (채널) 쪽으로 구성비가 옮겨 가서"
            " +4시간 57분, 이메일 자체가 빨라져서 -1시간 15분"
        )
    worse = mix.explain(arrivals, "one_touch", WEEK)
    # 5/6 -> 1/4: -58.3 points; mix -7/16 (towards chat, all misses; -43.75 in binary
    # arithmetic lands a hair above the tie and rounds to -43.7), rate -7/48 (e-mail)
    with using("en"):
        assert mix_sentence(worse) == (
            "One-touch resolution fell by 58.3 pts: -43.7 pts because the mix moved to Chat"
            " (channel), -14.6 pts because E-mail itself got worse"
        )
    with using("ko"):
        assert mix_sentence(worse) == (
            "원터치 해결률 58.3p 하락: 채팅 (채널) 쪽으로 구성비가 옮겨 가서 -43.7p,"
            " 이메일 자체가 나빠져서 -14.6p"
        )


def test_a_small_change_reads_with_one_decimal():
    groups = pd.DataFrame({"member": ["email", "chat"], "w0": [0.5, 0.5], "w1": [0.4, 0.6],
                           "r0": [6000, 1200], "r1": [6100, 1200]})  # fmt: skip
    d = mix.Decomposition("frt_median", "channel", "previous", value0=3600, value1=3690,
                          mix=30, rate=60, groups=groups, groups_add_up=False)  # fmt: skip
    with using("en"):
        assert mix_sentence(mix.Explanation(d, "chat", ("email",))) == (
            "First response (median) got 2.5 % slower (+1 m 30 s): +30.0 s because the mix"
            " moved to Chat (channel), +1 m because E-mail itself got slower"
        )
