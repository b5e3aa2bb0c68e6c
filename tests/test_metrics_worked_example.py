"""A worked example of the KPI engine: every KPI in the registry, checked with pencil and paper.

29 hand-built tickets and 19 surveys. The current period is 2025-03-01..2025-03-14 (whole UTC
days, inclusive: [03-01 00:00, 03-15 00:00)); the previous period of equal length is
2025-02-15..2025-02-28, the data's first day (Q1), so the two can be compared. One ticket is
created after the period (03-15 06:00), so "data as of" (max created_at, used by the SLA rule
for unanswered tickets) is 2025-03-15 06:00.

Each expected value below is worked out by hand from the tables in this file, with the
arithmetic in a comment next to it. Nothing expected is computed with pandas or by the engine.
"""

from __future__ import annotations

import datetime as dt
import math

import pytest

from data_access import lake
from data_access.database import Database
from data_access.filters import Filter
from metrics.engine import kpi_table
from metrics.registry import KPIS
from tests.conftest import STORAGE, write_rows

PERIOD = Filter(start=dt.date(2025, 3, 1), end=dt.date(2025, 3, 14))
MARKETS = {"DE": ("de", "EMEA"), "US": ("en", "AMER"), "JP": ("ja", "APAC")}


def at(when: str) -> dt.datetime:
    """'03-02 10:00' -> 2025-03-02 10:00 UTC."""
    return dt.datetime.fromisoformat(f"2025-{when}").replace(tzinfo=dt.UTC)


def after(start: dt.datetime, duration: str | None) -> dt.datetime | None:
    """``start`` plus a duration such as '15s', '90m', '2h' or '3d' (None stays None)."""
    if duration is None:
        return None
    unit = {"s": 1, "m": 60, "h": 3600, "d": 86400}[duration[-1]]
    return start + dt.timedelta(seconds=int(duration[:-1]) * unit)


def ticket(
    tid: str,
    created: str,
    channel: str,
    country: str,
    priority: str,
    frt: str | None,
    resolve: str | None,
    replies: int,
    reopens: int,
    handle: float,
    wait: float | None = None,
    abandoned: bool | None = None,
    bot: bool = False,
    customer: str | None = None,
    category: str = "shipping",
) -> dict:
    """One ticket; ``frt`` and ``resolve`` are durations after creation (None: not yet)."""
    created_at = at(created)
    language, hub = MARKETS[country]
    if abandoned:
        status = "abandoned"
    elif resolve is not None:
        status = "solved"
    else:
        status = "pending" if frt is not None else "open"
    return {
        "ticket_id": tid, "customer_id": customer or f"c-{tid}", "created_at": created_at,
        "first_response_at": after(created_at, frt), "resolved_at": after(created_at, resolve),
        "status": status, "channel": channel, "country": country, "language": language,
        "priority": priority, "category": category, "hub": hub,
        "agent_id": None if bot or abandoned else f"agent-{hub}",
        "agent_replies": replies, "reopens": reopens, "handle_seconds": float(handle),
        "queue_wait_seconds": wait, "abandoned": abandoned, "bot_resolved": bot,
    }  # fmt: skip


def survey(
    sid: str,
    tid: str,
    sent: str,
    responded: str | None,
    csat: int | None = None,
    nps: int | None = None,
    ces: int | None = None,
) -> dict:
    return {
        "survey_id": sid, "ticket_id": tid, "sent_at": at(sent),
        "responded_at": at(responded) if responded else None,
        "csat": csat, "nps": nps, "ces": ces,
    }  # fmt: skip


# SLA first-response targets used below (registry.SLA_TARGET_SECONDS):
#   email / web_form: urgent 1 h, high 4 h, normal 24 h, low 48 h
#   messaging: urgent 15 min, high 1 h, normal 4 h, low 8 h
#   chat / phone: urgent and high 60 s, normal and low 120 s
# Durations are written "15s", "90m", "2h", "3d" (seconds, minutes, hours, days after creation).
# Chat and phone: the first response is the moment the queue wait ends (frt = wait). The two
# bot-resolved chats (C1, C6) carry abandoned False and wait 0, as some exports record them;
# they never reached the agent queue, so the queue KPIs leave them out.
# fmt: off
TICKETS = [
    # --- written channels: no queue, so wait and abandoned stay NULL. E4 is resolved
    # 03-04 00:00 + 11d = 03-15 00:00, exactly at the (exclusive) end of the period.
    #      id    created        channel      cty   prio      frt    resolve rep reo handle
    ticket("E1", "03-01 09:00", "email",     "DE", "normal", "2h",  "1d",   1,  0,  600),
    ticket("E2", "03-02 10:00", "email",     "DE", "urgent", "90m", "2d",   3,  1,  1200),
    ticket("E3", "03-03 08:00", "email",     "US", "high",   "3h",  "3d",   2,  0,  900),
    ticket("E4", "03-04 00:00", "email",     "JP", "low",    "30h", "11d",  2,  0,  700),
    ticket("E5", "03-10 12:00", "email",     "DE", "normal", None,  None,   0,  0,  0),
    ticket("E6", "03-13 18:00", "email",     "US", "low",    None,  None,   0,  0,  0),
    ticket("E7", "03-05 09:00", "email",     "DE", "normal", "20h", "2d",   1,  0,  400,
           customer="c-repeat", category="returns"),
    ticket("W1", "03-12 15:00", "web_form",  "DE", "low",    "10h", "1d",   1,  0,  450),
    ticket("M1", "03-01 20:00", "messaging", "DE", "normal", None,  "4m",   0,  0,  0, bot=True),
    ticket("M2", "03-05 07:00", "messaging", "US", "normal", None,  "6m",   0,  0,  0, bot=True,
           customer="c-shared", category="payment"),
    ticket("M3", "03-06 08:00", "messaging", "DE", "high",   "45m", "6h",   2,  0,  500),
    ticket("M4", "03-09 22:00", "messaging", "JP", "urgent", "20m", "2h",   1,  0,  300),
    ticket("M5", "03-12 09:00", "messaging", "DE", "normal", "5h",  None,   1,  0,  200),
    # --- live channels: queue wait (s) and abandoned
    #      id    created        channel  cty   prio      frt     resolve rep reo handle wait aband
    ticket("C1", "03-01 12:00", "chat",  "DE", "normal", None,   "5m",   0,  0,  0,     0,   False,
           bot=True),
    ticket("C2", "03-02 14:00", "chat",  "DE", "normal", None,   None,   0,  0,  0,     45,  True),
    ticket("C3", "03-03 15:00", "chat",  "US", "high",   "15s",  "20m",  1,  0,  480,   15,  False),
    ticket("C4", "03-06 11:00", "chat",  "DE", "normal", "150s", "40m",  4,  0,  720,   150, False),
    ticket("C5", "03-08 09:00", "chat",  "JP", "low",    "30s",  "15m",  1,  0,  360,   30,  False),
    ticket("C6", "03-11 10:00", "chat",  "US", "normal", None,   "3m",   0,  0,  0,     0,   False,
           bot=True, customer="c-shared", category="shipping"),
    ticket("P1", "03-02 09:00", "phone", "DE", "normal", "10s",  "10m",  1,  0,  600,   10,  False),
    ticket("P2", "03-04 16:00", "phone", "US", "urgent", "90s",  "1h",   2,  1,  900,   90,  False),
    ticket("P3", "03-07 13:00", "phone", "DE", "normal", None,   None,   0,  0,  0,     120, True),
    ticket("P4", "03-14 23:30", "phone", "JP", "normal", None,   None,   0,  0,  0,     30,  True),
    ticket("P5", "03-09 10:00", "phone", "DE", "high",   "20s",  "12m",  1,  0,  540,   20,  False,
           customer="c-repeat", category="returns"),
    # --- previous period (15-28 February)
    ticket("Q1", "02-15 09:00", "email", "DE", "normal", "4h",   "1d",   1,  0,  500),
    ticket("Q2", "02-25 11:00", "chat",  "DE", "normal", "5s",   "10m",  1,  0,  300,   5,   False),
    ticket("Q3", "02-27 10:00", "email", "US", "high",   "2h",   "3d",   1,  0,  600),
    ticket("Q4", "02-28 08:00", "email", "DE", "normal", "30h",  None,   1,  0,  400),
    # --- after the period: only moves "data as of" to 03-15 06:00
    ticket("X1", "03-15 06:00", "email", "DE", "normal", None,   None,   0,  0,  0),
]

SURVEYS = [
    #      id     ticket  sent           responded      csat  nps   ces
    survey("S01", "E1",  "03-02 10:00", "03-02 12:00", 5,    10,   7),     # DE
    survey("S02", "E2",  "03-04 11:00", "03-04 15:00", 2,    3,    3),     # DE
    survey("S03", "E3",  "03-06 09:00", "03-07 09:00", 4,    8,    5),     # US
    survey("S04", "E7",  "03-07 10:00", "03-07 18:00", 3,    6,    4),     # DE
    survey("S05", "W1",  "03-13 16:00", "03-15 09:00", 5,    9,    6),     # DE, answered after
    survey("S06", "C1",  "03-01 12:10", "03-01 12:30", 4,    9,    6),     # DE
    survey("S07", "C3",  "03-03 15:30", "03-03 16:00", 5,    9,    6),     # US
    survey("S08", "C4",  "03-06 12:00", None),                             # DE, no answer
    survey("S09", "C5",  "03-08 09:30", "03-08 10:00", 5,    10,   7),     # JP
    survey("S10", "C6",  "03-11 10:10", "03-11 11:00", 4,    None, 5),     # US, skipped NPS
    survey("S11", "P1",  "03-02 09:15", "03-02 09:20", 5,    10,   None),  # DE, skipped CES
    survey("S12", "P2",  "03-04 17:10", "03-05 08:00", 1,    0,    1),     # US
    survey("S13", "P5",  "03-09 10:20", None),                             # DE, no answer
    survey("S14", "M1",  "03-01 20:10", "03-01 21:00", 4,    7,    4),     # DE
    survey("S15", "M3",  "03-06 14:10", "03-06 15:00", None, 8,    7),     # DE, skipped CSAT
    survey("S16", "M4",  "03-10 00:10", "03-10 02:00", 3,    5,    4),     # JP
    survey("S17", "Q3",  "03-02 10:10", "03-02 11:00", 5,    9,    6),     # US
    survey("S18", "Q1",  "02-21 10:00", "02-21 12:00", 4,    9,    6),     # DE, previous
    survey("S19", "Q2",  "02-25 11:30", None),                             # DE, previous
]
# fmt: on


@pytest.fixture(scope="module", params=STORAGE)
def db(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Database:
    """The worked example as a DuckDB file and as a Parquet lake."""
    path = write_rows(tmp_path_factory.mktemp("worked") / "worked.duckdb", TICKETS, SURVEYS)
    lake_path = path.with_name("worked-lake")
    return Database(path if request.param == "duckdb" else lake.export_lake(path, lake_path))


def one(table, kpi: str, **group: str):
    """The single row of ``table`` for ``kpi`` (and the given group values)."""
    rows = table[table["kpi"] == kpi]
    for column, value in group.items():
        rows = rows[rows[column] == value]
    assert len(rows) == 1, (kpi, group)
    return rows.iloc[0]


def test_fixture_is_what_the_comments_say(db):
    assert len(TICKETS) == 29 and len(SURVEYS) == 19
    # derived column: c-repeat writes about "returns" by email (E7, resolved 03-07 09:00) and
    # phones again on 03-09 10:00, before 03-07 09:00 + 7 days -> E7 is a repeat contact.
    # c-shared (M2 payment, then C6 shipping) changes topic, so that is no repeat.
    repeats = db.query("SELECT ticket_id FROM tickets WHERE repeat_contact_7d")
    assert repeats["ticket_id"].tolist() == ["E7"]
    nulls = db.query(
        "SELECT count(*) FILTER (WHERE queue_wait_seconds IS NULL) AS no_wait,"
        " count(*) FILTER (WHERE abandoned IS NULL) AS no_queue FROM tickets"
    )
    # 12 contacts have a queue (6 chat, 5 phone, Q2); the other 17 have NULL wait and abandoned
    assert nulls["no_wait"][0] == 17 and nulls["no_queue"][0] == 17


# fmt: off
WHOLE_PERIOD = [
    # ---- anchored on created_at (tickets created 03-01..03-14): E1-E7, W1, C1-C6, P1-P5, M1-M5
    # 7 email + 1 web_form + 6 chat + 5 phone + 5 messaging = 24 (Q* are before, X1 after)
    ("volume", 24, 24),
    # first responses in seconds, sorted: 10 P1, 15 C3, 20 P5, 30 C5, 90 P2, 150 C4,
    # 1200 M4 (20m), 2700 M3 (45m), 5400 E2 (90m), 7200 E1 (2h), 10800 E3 (3h), 18000 M5 (5h),
    # 36000 W1 (10h), 72000 E7 (20h), 108000 E4 (30h)  -> n = 15
    # median: position (15-1)*0.5 = 7 -> 8th value = 2700
    ("frt_median", 2700, 15),
    # p90: position 14*0.9 = 12.6 -> 36000 + 0.6*(72000 - 36000) = 57600
    ("frt_p90", 57600, 15),
    # sum = 315 (first six) + 1200 + 2700 + 5400 + 7200 + 10800 + 18000 + 36000 + 72000
    #       + 108000 = 261615 -> 261615 / 15 = 17441
    ("frt_mean", 17441, 15),
    # SLA rows: the 15 answered agent tickets, plus E5 (no reply, normal email, 4 d 18 h old at
    # 03-15 06:00 > 24 h -> a miss). E6 (low email, 36 h old < 48 h) is not due yet; bot (C1,
    # C6, M1, M2) and abandoned (C2, P3, P4) contacts are not agent-handled. Met: E1 2h<=24h,
    # E3 3h<=4h, E4 30h<=48h, E7 20h<=24h, W1 10h<=48h, C3 15<=60, C5 30<=120, P1 10<=120,
    # P5 20<=60, M3 45m<=1h. Missed: E2 90m>1h, C4 150>120, P2 90>60, M4 20m>15m, M5 5h>4h, E5.
    ("sla", 10 / 16, 16),
    # next contact by the same customer within 7 days of creation, through another channel:
    # c-repeat E7 (email 03-05 09:00) -> P5 (phone 03-09 10:00, 4 days later); c-shared M2
    # (messaging 03-05 07:00) -> C6 (chat 03-11 10:00, 6 d 3 h later). Everyone else wrote once.
    # -> 2 of the 24 created in the period
    ("channel_switch", 2 / 24, 24),
    # chat C1-C6 + messaging M1-M5 = 11 contacts; bot-resolved C1, C6, M1, M2 -> 4/11
    ("bot_containment", 4 / 11, 11),
    # handle > 0: 600 E1 + 1200 E2 + 900 E3 + 700 E4 + 400 E7 + 450 W1 + 480 C3 + 720 C4
    # + 360 C5 + 600 P1 + 900 P2 + 540 P5 + 500 M3 + 300 M4 + 200 M5 = 8850 over 15 -> 590
    ("aht", 590, 15),
    # offered to agents (abandoned not NULL, not bot-resolved): 6 chat + 5 phone - bots C1, C6
    # = 9; abandoned C2, P3, P4 -> 3/9
    ("abandonment", 3 / 9, 9),
    # answered (offered, abandoned = false) waits: C3 15 + C4 150 + C5 30 + P1 10 + P2 90
    # + P5 20 = 315 over 6 -> 52.5
    ("asa", 52.5, 6),
    # answered within 20 s: C3 15, P1 10, P5 20 (<= 20 counts) = 3 of 9 offered
    ("service_level", 3 / 9, 9),
    # ---- anchored on resolved_at: resolved 03-01..03-14 = E1 E2 E3 E7 W1 C1 C3 C4 C5 C6 P1
    # P2 P5 M1 M2 M3 M4 + Q3 (created 02-27, resolved 03-02) = 18; E4 is resolved at
    # 03-15 00:00, which is already outside. Resolution times in seconds, sorted: 180 C6 (3m),
    # 240 M1, 300 C1, 360 M2, 600 P1, 720 P5, 900 C5, 1200 C3, 2400 C4 (40m), 3600 P2 (1h),
    # 7200 M4 (2h), 21600 M3 (6h), 86400 E1, 86400 W1 (1d), 172800 E2, 172800 E7 (2d),
    # 259200 E3, 259200 Q3 (3d)
    # median: position 17*0.5 = 8.5 -> (2400 + 3600) / 2 = 3000
    ("resolution_median", 3000, 18),
    # p90: position 17*0.9 = 15.3 -> 172800 + 0.3*(259200 - 172800) = 198720
    ("resolution_p90", 198720, 18),
    # misses: E2 reopened, P2 reopened, E7 repeat contact -> 15/18
    ("fcr", 15 / 18, 18),
    # reopened: E2, P2 -> 2/18
    ("reopen_rate", 2 / 18, 18),
    # agent-resolved: the 18 less bot C1 C6 M1 M2 = 14; <= 1 reply: E1 E7 W1 C3 C5 P1 P5 M4 Q3
    # = 9 (E2 3, E3 2, C4 4, P2 2, M3 2 replies miss) -> 9/14
    ("one_touch", 9 / 14, 14),
    # ---- backlog at 03-15 00:00: created before and not resolved before, not abandoned:
    # E4 (resolved exactly 03-15 00:00), E5, E6, M5, Q4 (from February) = 5.
    # Not: abandoned C2 P3 P4; X1 created after the end; all others resolved before.
    ("backlog", 5, 5),
    # ---- surveys anchored on responded_at: answered 03-01..03-14 = S01-S04, S06, S07, S09-S12,
    # S14-S17 = 14 (S05 answered 03-15, S08 and S13 never, S18 in February)
    # CSAT of 13 (S15 skipped it): 4-5 are S01 S03 S06 S07 S09 S10 S11 S14 S17 -> 9/13
    ("csat", 9 / 13, 13),
    # NPS of 13 (S10 skipped it): promoters (9-10) S01 S06 S07 S09 S11 S17 = 6, detractors
    # (0-6) S02 3, S04 6, S12 0, S16 5 = 4, passives S03 S14 S15 = 3 -> 100*(6-4)/13
    ("nps", 200 / 13, 13),
    # CES of 13 (S11 skipped it): 7+3+5+4+6+6+7+5+1+4+7+4+6 = 65 -> 65/13 = 5
    ("ces", 5, 13),
    # CES >= 5: S01 7, S03 5, S06 6, S07 6, S09 7, S10 5, S15 7, S17 6 -> 8/13
    ("ces_easy", 8 / 13, 13),
    # ---- anchored on sent_at: S01-S17 sent in March = 17; answered (whenever, S05 on 03-15
    # too) all but S08 and S13 = 15 -> 15/17
    ("response_rate", 15 / 17, 17),
]
# fmt: on


def test_every_registry_kpi_is_worked_out():
    assert sorted(kpi for kpi, *_ in WHOLE_PERIOD) == sorted(KPIS)


@pytest.fixture(scope="module")
def whole(db):
    return kpi_table(db, list(KPIS), flt=PERIOD)


@pytest.mark.parametrize(("kpi", "value", "n"), WHOLE_PERIOD, ids=[k for k, *_ in WHOLE_PERIOD])
def test_every_kpi_for_the_whole_period(whole, kpi, value, n):
    row = one(whole, kpi)
    assert row["value"] == pytest.approx(value, rel=1e-9)
    assert row["n"] == n
    assert not row["suppressed"]  # the survey totals all have at least 5 answers
    assert row["low_confidence"]  # every n here is below 30


def test_grouped_by_channel(db):
    table = kpi_table(db, ["volume", "sla", "abandonment", "backlog"], by=["channel"], flt=PERIOD)
    # volume: email E1-E7 = 7, web_form W1 = 1, chat C1-C6 = 6, phone P1-P5 = 5, messaging 5
    volume = table[table["kpi"] == "volume"]
    volumes = dict(zip(volume["channel"], volume["value"], strict=True))
    assert volumes == {"email": 7, "web_form": 1, "chat": 6, "phone": 5, "messaging": 5}
    # SLA email: met E1 E3 E4 E7, missed E2 (90m > 1h) and E5 (overdue, unanswered) -> 4/6
    assert one(table, "sla", channel="email")["value"] == pytest.approx(4 / 6)
    assert one(table, "sla", channel="email")["n"] == 6
    # SLA messaging: met M3; missed M4 20m > 15m, M5 5h > 4h; bots M1 M2 left out -> 1/3
    assert one(table, "sla", channel="messaging")["value"] == pytest.approx(1 / 3)
    # SLA chat: met C3 15s, C5 30s; missed C4 150s > 120s -> 2/3
    assert one(table, "sla", channel="chat")["value"] == pytest.approx(2 / 3)
    # abandonment chat: C2 of C2-C5 (bots C1, C6 never queued) -> 1/4; phone: P3, P4 of P1-P5
    assert one(table, "abandonment", channel="chat")["value"] == pytest.approx(1 / 4)
    assert one(table, "abandonment", channel="phone")["value"] == pytest.approx(2 / 5)
    # backlog by channel: email E4 E5 E6 Q4 = 4, messaging M5 = 1
    assert one(table, "backlog", channel="email")["value"] == 4
    assert one(table, "backlog", channel="messaging")["value"] == 1


def test_wilson_interval_for_sla(whole):
    row = one(whole, "sla")
    # k = 10, n = 16, p = 0.625, z = 1.959964, z^2 = 3.841459
    # denominator = 1 + z^2/n = 1 + 3.841459/16 = 1.240091
    # centre = (p + z^2/(2n)) / denominator = (0.625 + 0.120046) / 1.240091 = 0.600799
    # half = z * sqrt(p(1-p)/n + z^2/(4n^2)) / denominator
    #      = 1.959964 * sqrt(0.014648 + 0.003751) / 1.240091 = 0.214389
    assert row["ci_low"] == pytest.approx(0.600799 - 0.214389, abs=1e-5)  # 0.386410
    assert row["ci_high"] == pytest.approx(0.600799 + 0.214389, abs=1e-5)  # 0.815188


def test_trinomial_interval_for_nps(whole):
    row = one(whole, "nps")
    # promoters 6, detractors 4, n 13: p+ = 6/13, p- = 4/13, NPS = 100 * 2/13 = 15.3846
    # variance of (+1, 0, -1) = p+ + p- - (p+ - p-)^2 = 10/13 - (2/13)^2 = 126/169 = 0.745562
    # se = 100 * sqrt(0.745562 / 13) = 23.9481;  half = 1.959964 * 23.9481 = 46.9373
    assert row["ci_low"] == pytest.approx(15.3846 - 46.9373, abs=1e-3)  # -31.5527
    assert row["ci_high"] == pytest.approx(15.3846 + 46.9373, abs=1e-3)  # 62.3219


def test_t_interval_for_ces(whole):
    row = one(whole, "ces")
    # mean 5; deviations 2,-2,0,-1,1,1,2,0,-4,-1,2,-1,1 -> squares sum to 38
    # sample variance 38/12 = 3.166667, sd = 1.779513, se = sd / sqrt(13) = 0.493548
    # t(0.975, 12 df) = 2.178813 (taken from scipy.stats.t.ppf(0.975, 12));
    # half = 2.178813 * 0.493548 = 1.075349
    assert math.sqrt(38 / 12 / 13) == pytest.approx(0.493548, abs=1e-6)
    assert row["ci_low"] == pytest.approx(5 - 1.075349, abs=1e-5)  # 3.924651
    assert row["ci_high"] == pytest.approx(5 + 1.075349, abs=1e-5)  # 6.075349


def test_backlog_is_a_snapshot_at_the_period_end(db):
    table = kpi_table(db, ["backlog"], flt=PERIOD, compare=("previous",))
    row = one(table, "backlog")
    # at 03-15 00:00: E4 (resolved exactly at the end), E5, E6, M5, Q4 -> 5
    assert row["value"] == 5
    # at 03-01 00:00: Q3 (resolved 03-02) and Q4 (never); Q1, Q2 resolved in February -> 2
    assert row["previous_value"] == 2
    assert row["previous_delta"] == 3  # 5 - 2


def test_small_survey_groups_are_suppressed_but_still_counted_in_the_total(db, whole):
    table = kpi_table(db, ["csat", "nps"], by=["country"], flt=PERIOD)
    # JP answered S09 (csat 5) and S16 (csat 3): 2 < 5 responses -> hidden
    jp = one(table, "csat", country="JP")
    assert jp["n"] == 2 and jp["suppressed"] and math.isnan(jp["value"])
    assert math.isnan(jp["ci_low"]) and math.isnan(jp["ci_high"])
    # US: S03 4, S07 5, S10 4, S12 1, S17 5 -> exactly 5 responses, but hidden as well: the
    # total (13 answers, 9 satisfied) minus DE and US would give JP's 2 answers exactly, so the
    # smallest other country is hidden with JP (complementary suppression); n stays shown
    us = one(table, "csat", country="US")
    assert us["n"] == 5 and us["suppressed"] and math.isnan(us["value"])
    # DE: S01 5, S02 2, S04 3, S06 4, S11 5, S14 4 (S15 skipped CSAT) -> 4/6
    de = one(table, "csat", country="DE")
    assert de["n"] == 6 and not de["suppressed"] and de["value"] == pytest.approx(4 / 6)
    # the total keeps JP's two answers: 6 DE + 5 US + 2 JP = 13, 4 + 4 + 1 = 9 of them 4-5
    total = one(whole, "csat")
    assert total["n"] == 13 and total["value"] == pytest.approx(9 / 13)
    # n counts answers to the question: US NPS has S03 8, S07 9, S12 0, S17 9 (S10 skipped)
    # -> 4 < 5, so US NPS is hidden on its own account
    us_nps = one(table, "nps", country="US")
    assert us_nps["n"] == 4 and us_nps["suppressed"] and math.isnan(us_nps["value"])


def test_comparison_with_the_previous_period(db):
    table = kpi_table(db, ["volume", "sla"], flt=PERIOD, compare=("previous",))
    volume = one(table, "volume")
    # previous period 02-15..02-28 created Q1-Q4 = 4; now 24
    assert volume["previous_value"] == 4 and volume["previous_n"] == 4
    assert volume["previous_delta"] == 20  # 24 - 4
    assert volume["previous_delta_rel"] == pytest.approx(5.0)  # 20 / 4
    # Poisson z = (24 - 4) / sqrt(24 + 4) = 3.78 -> p ~ 0.00016 < 0.05
    assert volume["previous_significant"]
    sla = one(table, "sla")
    # February: Q1 4h <= 24h, Q2 5s <= 120s, Q3 2h <= 4h met; Q4 30h > 24h missed -> 3/4
    assert sla["previous_value"] == pytest.approx(3 / 4)
    assert sla["previous_delta"] == pytest.approx(-0.125)  # 0.625 - 0.75
    assert sla["previous_delta_rel"] == pytest.approx(-1 / 6)  # -0.125 / 0.75
