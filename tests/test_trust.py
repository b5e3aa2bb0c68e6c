"""Numbers people can trust: no p-value without data, distribution-free quantile intervals, no
lost or invented rows, and hour-of-week averages over the hours that really occurred.

Every database here is built by hand; expected values are worked out in the comments.
"""

from __future__ import annotations

import datetime as dt
from io import StringIO
from zoneinfo import ZoneInfo

import duckdb
import numpy as np
import pandas as pd
import pytest
from scipy.stats import norm

from atlas.cli import main as atlas_cli
from data_access.database import Database
from data_access.filters import Filter, unknown_values
from metrics import stats
from metrics.contact_hours import contacts_per_hour, hours_covered
from metrics.engine import kpi_table, order_statistic_window
from metrics.movers import biggest_movers
from presentation import charts
from tests.cli import Ran, run_main
from tests.conftest import write_rows

T0 = dt.datetime(2025, 3, 3, tzinfo=dt.UTC)  # a Monday
MARCH = Filter(start=dt.date(2025, 3, 3), end=dt.date(2025, 3, 16))  # previous: 02-17..03-02
BEFORE = T0 - dt.timedelta(days=14)  # the previous period's first moment
END = T0 + dt.timedelta(days=13, hours=23)  # MARCH's last day: with a contact then, the data
# covers the whole period and comparisons are not refused as reaching past it (metrics.maturity)


def ticket(i: int, created: dt.datetime, **extra) -> dict:
    row = {"ticket_id": f"t{i:04d}", "customer_id": f"c{i:04d}", "created_at": created,
           "status": "closed", "channel": "email", "country": "DE", "language": "de",
           "priority": "normal", "category": "shipping", "hub": "EMEA", "agent_replies": 1,
           "reopens": 0, "bot_resolved": False}  # fmt: skip
    row.update(extra)
    return row


def queue(start: int, created: dt.datetime, channel: str, abandoned: int, offered: int) -> list:
    """``offered`` queued contacts of ``channel`` an hour apart, the first ``abandoned`` of them
    abandoned."""
    return [ticket(start + i, created + dt.timedelta(hours=i), channel=channel,
                   abandoned=i < abandoned) for i in range(offered)]  # fmt: skip


def run_cli(*args: str) -> Ran:
    return run_main(atlas_cli, *args)


# ---------------------------------------------------------------- no p-value without data
def test_a_test_without_data_has_no_p_value():
    # no observations on either side (0 of 0): nothing to test
    assert np.isnan(stats.two_proportion_p_value(0, 0, 0, 0))
    # 0 of 50 against 0 of 40: pooled share 0, standard error 0
    assert np.isnan(stats.two_proportion_p_value(0, 50, 0, 40))
    # suppressed or empty estimates arrive as NaN; an estimate without spread has se 0
    assert np.isnan(stats.difference_p_value(np.nan, np.nan, np.nan, np.nan))
    assert np.isnan(stats.difference_p_value(5.0, 0.0, 5.0, 0.0))
    # one observation has no standard deviation
    assert np.isnan(stats.welch_p_value(3.0, np.nan, 1, 4.0, 1.0, 20))
    # no events in either period
    assert np.isnan(stats.poisson_count_p_value(0, 0))


def test_channels_without_a_queue_are_not_tested_and_never_significant(tmp_path):
    # phone: 2 of 10 abandoned now, 5 of 10 before; email has no queue (abandoned is NULL)
    rows = (queue(0, T0, "phone", 2, 10) + queue(100, BEFORE, "phone", 5, 10)
            + [ticket(200, T0), ticket(201, BEFORE), ticket(202, END)])  # fmt: skip
    db = Database(write_rows(tmp_path / "q.duckdb", rows))
    table = kpi_table(db, ["abandonment"], by=["channel"], flt=MARCH, compare=["previous"])
    email = table.set_index("channel").loc["email"]
    assert email["n"] == 0 and email["previous_n"] == 0
    assert np.isnan(email["previous_p_value"])
    assert email["previous_not_tested"] == "too_little_data"
    assert not email["previous_significant"]
    phone = table.set_index("channel").loc["phone"]
    # pooled 7/20 = 0.35; se = sqrt(0.35 * 0.65 * (1/10 + 1/10)) = 0.213307
    # z = (0.2 - 0.5) / 0.213307 = -1.406423 -> p = 2 * (1 - Phi(1.406423)) = 0.15961
    assert pd.isna(phone["previous_not_tested"]) and not phone["previous_significant"]
    assert phone["previous_p_value"] == pytest.approx(2 * norm.sf(1.406423), abs=1e-5)


def test_suppressed_survey_groups_are_not_tested(tmp_path):
    # 3 CSAT answers now (fewer than 5: hidden), 6 before
    tickets = [ticket(i, T0 + dt.timedelta(hours=i)) for i in range(3)]
    tickets += [ticket(10 + i, BEFORE + dt.timedelta(hours=i)) for i in range(6)]
    tickets_and_end = [*tickets, ticket(99, END)]
    surveys = [{"survey_id": f"s{t['ticket_id']}", "ticket_id": t["ticket_id"],
                "sent_at": t["created_at"], "responded_at": t["created_at"] + dt.timedelta(hours=1),
                "csat": 5 if i % 2 else 1} for i, t in enumerate(tickets)]  # fmt: skip
    db = Database(write_rows(tmp_path / "s.duckdb", tickets_and_end, surveys))
    row = kpi_table(db, ["csat"], flt=MARCH, compare=["previous"]).iloc[0]
    assert row["suppressed"] and row["n"] == 3 and row["previous_n"] == 6
    assert np.isnan(row["previous_p_value"])
    assert row["previous_not_tested"] == "too_little_data" and not row["previous_significant"]


def test_false_discovery_counts_only_tested_comparisons(tmp_path):
    # Abandonment by channel, 100 offered contacts per channel and period.
    #   phone     10 now vs 40 before: pooled 0.25, se = sqrt(0.25*0.75*0.02) = 0.0612372,
    #             z = -0.3 / 0.0612372 = -4.898979
    #   chat      20 vs 33: pooled 0.265, se = sqrt(0.265*0.735*0.02) = 0.0624139,
    #             z = -0.13 / 0.0624139 = -2.082869 -> p = 0.037259
    #   messaging 30 vs 30: z = 0 -> p = 1
    # email, web_form and social have no queue: not tested. Benjamini-Hochberg over the m = 3
    # tested: q(phone) = 3 p(phone), q(chat) = 3/2 * 0.037259 = 0.05589 > 0.05, so only phone
    # moved. Counting the three untested as tests (m = 6, p = 0) gave chat 6/5 * 0.037259 =
    # 0.0447 and made it a mover.
    rows = []
    for start, (channel, now, before) in enumerate(
        [("phone", 10, 40), ("chat", 20, 33), ("messaging", 30, 30)]
    ):
        rows += queue(1000 * start, T0, channel, now, 100)
        rows += queue(1000 * start + 500, BEFORE, channel, before, 100)
    rows += [ticket(5000 + i, when, channel=channel) for i, (when, channel) in enumerate(
        (w, c) for w in (T0, BEFORE, END) for c in ("email", "web_form", "social"))]  # fmt: skip
    db = Database(write_rows(tmp_path / "m.duckdb", rows))
    movers = biggest_movers(db, ["abandonment"], MARCH, dimensions=("channel",))
    assert movers["member"].tolist() == ["phone"]
    assert movers["q_value"][0] == pytest.approx(3 * 2 * norm.sf(4.898979), rel=1e-4)


def test_the_command_line_says_what_was_not_tested(tmp_path):
    rows = queue(0, T0, "phone", 2, 10) + queue(100, BEFORE, "phone", 5, 10)
    rows += [ticket(200, T0), ticket(201, BEFORE), ticket(202, END)]
    path = write_rows(tmp_path / "cli.duckdb", rows)
    result = run_cli("kpis", "--db", str(path), "--kpi", "abandonment", "--by", "channel",
                     "--from", "2025-03-03", "--to", "2025-03-16",
                     "--compare", "previous")  # fmt: skip
    assert result.returncode == 0, result.stderr
    printed = pd.read_csv(StringIO(result.stdout)).set_index("channel")
    assert printed.loc["email", "previous_not_tested"] == "too_little_data"
    assert pd.isna(printed.loc["email", "previous_p_value"])
    assert printed.loc["email", "previous_significant"] == False  # noqa: E712
    assert pd.isna(printed.loc["phone", "previous_not_tested"])


# ---------------------------------------------------------------- quantile intervals
def test_order_statistic_ranks_by_hand():
    # median of 10: P(Y <= 1) = 11/1024 = 0.0107 <= 0.025 < P(Y <= 2) = 56/1024 = 0.0547,
    # so l = 2; P(Y <= 8) = 1013/1024 = 0.989 >= 0.975 > P(Y <= 7) = 0.945, so u = 9:
    # the classic [x(2), x(9)]
    assert [float(r) for r in stats.quantile_ranks(10, 0.5)] == [2, 9]
    # median of 18: P(Y <= 4) = 4048/262144 = 0.0154, P(Y <= 5) = 0.0481 -> l = 5;
    # P(Y <= 12) = 0.9519, P(Y <= 13) = 0.9846 -> u = 14
    assert [float(r) for r in stats.quantile_ranks(18, 0.5)] == [5, 14]
    # median of 5: P(Y = 0) = 1/32 = 0.031 > 0.025 -> no lower bound (0), no upper (6 = n + 1)
    assert [float(r) for r in stats.quantile_ranks(5, 0.5)] == [0, 6]
    # p90: an upper bound needs P(Y = n) = 0.9^n <= 0.025, i.e. n >= 36
    assert float(stats.quantile_ranks(35, 0.9)[1]) == 36  # n + 1: none
    assert float(stats.quantile_ranks(36, 0.9)[1]) == 36


def frt_tickets(seconds: list[float]) -> list[dict]:
    return [ticket(i, T0 + dt.timedelta(minutes=i), first_response_at=T0 + dt.timedelta(
        minutes=i, seconds=s)) for i, s in enumerate(seconds)]  # fmt: skip


def test_median_and_p90_intervals_are_order_statistics(tmp_path):
    seconds = [60, 120, 180, 240, 300, 600, 900, 1800, 3600, 7200]  # sorted, n = 10
    db = Database(write_rows(tmp_path / "f.duckdb", frt_tickets(seconds[::-1])))
    table = kpi_table(db, ["frt_median", "frt_p90"], flt=MARCH).set_index("kpi")
    median = table.loc["frt_median"]
    # position 9 * 0.5 = 4.5 -> (300 + 600) / 2 = 450; interval [x(2), x(9)] = [120, 3600]
    assert median["value"] == pytest.approx(450)
    assert (median["ci_low"], median["ci_high"]) == (120, 3600)  # 330 below, 3150 above
    p90 = table.loc["frt_p90"]
    # position 9 * 0.9 = 8.1 -> 3600 + 0.1 * (7200 - 3600) = 3960. Binomial(10, 0.9):
    # P(Y <= 6) = 0.0128 <= 0.025 < P(Y <= 7) = 0.0702 -> l = 7, x(7) = 900; an upper
    # bound needs n >= 36: NaN
    assert p90["value"] == pytest.approx(3960)
    assert p90["ci_low"] == 900 and np.isnan(p90["ci_high"])


def test_intervals_agree_with_a_bootstrap_on_skewed_data(tmp_path):
    rng = np.random.default_rng(11)
    seconds = np.round(rng.lognormal(7, 1.2, 400))  # long right tail, like response times
    db = Database(write_rows(tmp_path / "b.duckdb", frt_tickets(seconds.tolist())))
    table = kpi_table(db, ["frt_median", "frt_p90"], flt=MARCH).set_index("kpi")
    for kpi, q in (("frt_median", 0.5), ("frt_p90", 0.9)):
        row = table.loc[kpi]
        boot = [np.quantile(rng.choice(seconds, seconds.size), q) for _ in range(2000)]
        low, high = np.percentile(boot, [2.5, 97.5])
        assert row["ci_low"] == pytest.approx(low, rel=0.05), kpi
        assert row["ci_high"] == pytest.approx(high, rel=0.05), kpi
        assert row["ci_low"] >= seconds.min()
        assert row["n"] == seconds.size
        assert {row["ci_low"], row["ci_high"]} <= set(seconds), kpi  # observed values


def test_the_database_returns_every_rank_the_interval_needs():
    # SQL picks a window of sorted values around n*q; it must hold both interval ranks and the
    # two interpolation points for every n
    con = duckdb.connect()
    ns = np.concatenate([np.arange(1, 20_001), [10**5, 10**6, 10**7, 10**8]])
    con.register("sizes", pd.DataFrame({"n": ns}))
    for q in (0.5, 0.9, 0.1, 0.99):
        first, last = order_statistic_window("n", q)
        window = con.execute(f"SELECT {first} AS first, {last} AS last FROM sizes").df()
        low, high = stats.quantile_ranks(ns, q)
        below = np.floor((ns - 1) * q) + 1
        assert ((low == 0) | (window["first"] <= low)).all(), q
        assert ((high == ns + 1) | (window["last"] >= high)).all(), q
        assert (window["first"] <= below).all(), q
        assert (window["last"] >= np.minimum(below + 1, ns)).all(), q


# ---------------------------------------------------------------- rows that are lost or invented
def test_a_period_without_tickets_has_volume_zero(tmp_path):
    db = Database(write_rows(tmp_path / "e.duckdb", [ticket(1, T0)]))
    empty = Filter(start=dt.date(2025, 5, 1), end=dt.date(2025, 5, 31))
    row = kpi_table(db, ["volume"], flt=empty).iloc[0]
    assert (row["kpi"], row["value"], row["n"]) == ("volume", 0, 0)


def test_backlog_after_the_data_end_is_not_measured(tmp_path):
    # contacts 03-03 .. 03-07 (the last at 03-07 12:00); t0 resolved 03-04, t1 resolved 03-09
    # (after the last contact), t2 .. t4 never
    rows = [ticket(0, T0, resolved_at=T0 + dt.timedelta(days=1)),
            ticket(1, T0 + dt.timedelta(days=1), resolved_at=T0 + dt.timedelta(days=6)),
            ticket(2, T0 + dt.timedelta(days=2)), ticket(3, T0 + dt.timedelta(days=3)),
            ticket(4, T0 + dt.timedelta(days=4, hours=12))]  # fmt: skip
    db = Database(write_rows(tmp_path / "b.duckdb", rows))
    # through the data's last day (03-07): at 03-08 00:00 t1 .. t4 are open
    through = kpi_table(db, ["backlog"], flt=Filter(start=dt.date(2025, 3, 3),
                                                    end=dt.date(2025, 3, 7))).iloc[0]  # fmt: skip
    assert (through["value"], through["after_data_end"]) == (4, False)
    # a week after the data ends: not "4 open", but unknown
    later = kpi_table(db, ["backlog"], flt=Filter(start=dt.date(2025, 3, 10),
                                                  end=dt.date(2025, 3, 16))).iloc[0]  # fmt: skip
    assert later["after_data_end"] and np.isnan(later["value"]) and np.isnan(later["n"])
    # by day: 03-07 counted; 03-09 (t1 resolved) is after the data: unknown, not 3
    week = Filter(start=dt.date(2025, 3, 3), end=dt.date(2025, 3, 9))
    daily = kpi_table(db, ["backlog"], flt=week, grain="day")
    by_day = daily.set_index(daily["day"].dt.day)
    assert by_day.loc[7, "value"] == 4 and not by_day.loc[7, "after_data_end"]
    assert by_day.loc[9, "after_data_end"] and np.isnan(by_day.loc[9, "value"])


def test_unknown_filter_values_are_named():
    flt = Filter(countries=("DE", "ZZ"), channels=("fax",), languages=("de",))
    known = {"countries": ["DE", "JP"], "channels": ["chat", "email"], "languages": ["de"]}
    assert unknown_values(flt, known) == {"countries": ["ZZ"], "channels": ["fax"]}


def test_the_command_line_rejects_codes_the_data_does_not_hold(tmp_path):
    path = write_rows(tmp_path / "w.duckdb", [ticket(0, T0), ticket(1, T0, country="JP")])
    result = run_cli("kpis", "--db", str(path), "--kpi", "volume", "--where", "country=ZZ,DE")
    assert result.returncode == 2 and result.stdout == ""
    assert "--where country: unknown ZZ; valid values: DE, JP" in result.stderr
    assert run_cli("kpis", "--db", str(path), "--kpi", "volume",
                   "--where", "country=JP").returncode == 0  # fmt: skip


# ---------------------------------------------------------------- hour of week
OCTOBER = Filter(start=dt.date(2026, 10, 1), end=dt.date(2026, 10, 31))  # 1 October: a Thursday
BERLIN = ZoneInfo("Europe/Berlin")


def test_hours_covered_in_the_customers_zone():
    covered = hours_covered(OCTOBER, "Europe/Berlin").reshape(7, 24)
    # October 2026 has 4 Mondays (5, 12, 19, 26) and 5 Thursdays (1, 8, 15, 22, 29)
    assert covered[0, 10] == 4 and covered[3, 10] == 5
    # the period starts at 00:00 UTC = 02:00 in Berlin (summer time): Thursday 1 October
    # 00:00 and 01:00 local are outside, 02:00 inside
    assert (covered[3, 0], covered[3, 1], covered[3, 2]) == (4, 4, 5)
    # 25 October 03:00 summer time falls back to 02:00: Sunday 02:00 happens twice that day
    # (4, 11, 18 October once each, 25 October twice); Sunday 03:00 only 4 times
    assert (covered[6, 2], covered[6, 3]) == (5, 4)
    # the period ends at 00:00 UTC on 1 November = 01:00 in Berlin: Sunday 1 November 00:00 in
    assert covered[6, 0] == 5
    assert covered.sum() == 31 * 24
    # India is 5:30 ahead: a UTC week covers Monday 05:00-06:00 half at each end
    week = hours_covered(Filter(start=dt.date(2026, 10, 5), end=dt.date(2026, 10, 11)),
                         "Asia/Kolkata").reshape(7, 24)  # fmt: skip
    assert week[0, 5] == 1 and week.sum() == 168


def test_the_busiest_weekday_is_not_the_one_that_occurs_most_often(tmp_path):
    # 10 contacts at 10:00 Berlin time every Monday (4 Mondays: 40), 9 every Thursday
    # (5 Thursdays: 45). Per hour: Monday 40 / 4 = 10, Thursday 45 / 5 = 9. Dividing both by
    # 31 / 7 weeks made Thursday (10.2) look busier than Monday (9.0).
    rows = []
    for day, count in [(d, 10) for d in (5, 12, 19, 26)] + [(d, 9) for d in (1, 8, 15, 22, 29)]:
        at = dt.datetime(2026, 10, day, 10, tzinfo=BERLIN)  # summer time until 25 October
        rows += [ticket(len(rows), at + dt.timedelta(minutes=i)) for i in range(count)]
    db = Database(write_rows(tmp_path / "h.duckdb", rows))
    pattern = kpi_table(db, ["volume"], by=["local_hour_of_week"], flt=OCTOBER)
    per_hour = contacts_per_hour(pattern, OCTOBER, "Europe/Berlin")
    assert per_hour[10] == 10 and per_hour[3 * 24 + 10] == 9
    assert per_hour[11] == 0  # Monday 11:00 occurred 4 times with no contacts
    matrix = charts.hour_of_week_matrix(per_hour)
    assert matrix.shape == (7, 24)
    assert matrix.iloc[0]["10"] == 10 and matrix.iloc[3]["10"] == 9
