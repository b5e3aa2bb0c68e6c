"""The metrics engine against independent references: pandas, statsmodels and worked edge cases."""

from __future__ import annotations

import datetime as dt
import json

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from statsmodels.stats.multitest import multipletests
from statsmodels.stats.proportion import proportion_confint, proportions_ztest

from atlas.cli import main as atlas_cli
from data_access.database import Database
from data_access.filters import Filter
from metrics import stats
from metrics.engine import compile_request, kpi_table
from metrics.movers import biggest_movers
from metrics.registry import KPIS, UnknownNameError
from tests.cli import Ran, run_main
from tests.conftest import SAMPLE_END, write_rows

T0 = dt.datetime(2025, 3, 3, tzinfo=dt.UTC)  # a Monday
MARCH = Filter(start=dt.date(2025, 3, 3), end=dt.date(2025, 3, 16))


def ticket(i: int, hours: float, **extra) -> dict:
    row = {
        "ticket_id": f"t{i:03d}", "customer_id": f"c{i:03d}",
        "created_at": T0 + dt.timedelta(hours=hours), "status": "closed", "channel": "email",
        "country": "DE", "language": "de", "priority": "normal", "category": "shipping",
        "hub": "EMEA", "agent_replies": 1, "reopens": 0, "bot_resolved": False,
    }  # fmt: skip
    row.update(extra)
    return row


def survey(i: int, ticket_id: str, hours: float, **scores) -> dict:
    sent = T0 + dt.timedelta(hours=hours)
    return {"survey_id": f"s{i:03d}", "ticket_id": ticket_id, "sent_at": sent,
            "responded_at": sent + dt.timedelta(hours=1), **scores}  # fmt: skip


# ---------------------------------------------------------------- statistics vs statsmodels
@given(st.integers(0, 500).flatmap(lambda n: st.tuples(st.integers(0, n), st.just(n))))
def test_wilson_interval_equals_statsmodels(kn):
    k, n = kn
    if n == 0:
        low, high = stats.wilson_interval(k, n)
        assert np.isnan(low) and np.isnan(high)
        return
    expected = proportion_confint(k, n, alpha=0.05, method="wilson")
    assert np.allclose(stats.wilson_interval(k, n), expected, rtol=1e-9, atol=1e-12)


@given(st.lists(st.floats(0.0, 1.0, allow_nan=False), min_size=1, max_size=40))
def test_benjamini_hochberg_equals_statsmodels(p_values):
    expected = multipletests(p_values, method="fdr_bh")[1]
    assert np.allclose(stats.benjamini_hochberg(p_values), expected)


def test_two_proportion_test_equals_statsmodels():
    _, expected = proportions_ztest([45, 30], [60, 58])
    assert stats.two_proportion_p_value(45, 60, 30, 58) == pytest.approx(expected)


def test_nps_interval_from_the_trinomial_variance():
    # 50 promoters, 20 detractors, 30 passives: NPS = 30
    # variance of the +1/0/-1 score: 0.5 + 0.2 - 0.3^2 = 0.61; se = 100 * sqrt(0.61 / 100)
    se = 100 * np.sqrt(0.61 / 100)
    assert stats.nps_value(50, 20, 100) == pytest.approx(30)
    assert stats.nps_standard_error(50, 20, 100) == pytest.approx(se)
    low, high = stats.nps_interval(50, 20, 100)
    assert (low, high) == pytest.approx((30 - 1.959964 * se, 30 + 1.959964 * se), rel=1e-6)


def sorted_samples(samples: np.ndarray):
    """``order_statistic(rank)`` of each row of ``samples``, as the engine reads it from the
    database: the rank-th smallest value of row i for ``rank[i]`` (NaN outside 1..n)."""
    ordered = np.sort(samples, axis=1)

    def order_statistic(rank: np.ndarray) -> np.ndarray:
        rank = np.asarray(rank, dtype=float)
        inside = (rank >= 1) & (rank <= ordered.shape[1])
        index = np.clip(rank, 1, ordered.shape[1]).astype(int) - 1
        return np.where(inside, ordered[np.arange(len(ordered)), index], np.nan)

    return order_statistic


def test_quantile_standard_error_matches_theory_for_a_normal_sample():
    # For N(0, 1) the median's standard error is 1 / (2 f(0) sqrt(n)) = sqrt(pi / 2) / sqrt(n).
    # Order statistic x(r) of n sits near the population quantile r / (n + 1).
    from scipy.stats import norm

    n = 10_000
    expected_order_statistic = lambda rank: norm.ppf(np.asarray(rank, float) / (n + 1))  # noqa: E731
    _, low, high = stats.quantile_with_interval(expected_order_statistic, n, 0.5)
    se = stats.quantile_standard_error(low, high)
    assert se == pytest.approx(np.sqrt(np.pi / 2) / np.sqrt(n), rel=0.01)


def test_median_intervals_cover_the_truth_at_least_95_percent_of_the_time():
    # skewed like response times; the true median of lognormal(0, 1) is 1
    samples = np.random.default_rng(1).lognormal(0, 1, (4000, 400))
    n = np.full(len(samples), 400)
    _, low, high = stats.quantile_with_interval(sorted_samples(samples), n, 0.5)
    # ranks 180 and 221: exact coverage P(180 <= Binomial(400, 0.5) <= 220) = 0.960
    assert 0.95 <= ((low <= 1) & (high >= 1)).mean() <= 0.97


# ---------------------------------------------------------------- engine vs a pandas reference
COUNTRIES = ("DE", "JP", "BR")
CHANNELS = ("email", "chat")

rows_strategy = st.lists(
    st.tuples(
        st.sampled_from(COUNTRIES),
        st.sampled_from(CHANNELS),
        st.floats(0, 13 * 24 - 1),  # created, hours after T0 (inside MARCH)
        st.one_of(st.none(), st.floats(0.01, 200)),  # first response after, hours
        st.one_of(st.none(), st.integers(1, 5)),  # csat
        st.one_of(st.none(), st.integers(0, 10)),  # nps
        st.one_of(st.none(), st.integers(1, 7)),  # ces
    ),
    min_size=1,
    max_size=60,
)


@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(rows=rows_strategy)
# DE's 2 answers alone could be read off the total: JP's 6 are hidden with them
@example(rows=[("DE", "email", 1.0, None, 5, 9, 7)] * 2 + [("JP", "chat", 2.0, 1.0, 4, 7, 5)] * 6
         + [("BR", "email", 3.0, None, 3, 3, 3)] * 7)  # fmt: skip
def test_engine_matches_pandas_on_random_data(tmp_path_factory, rows):
    tickets, surveys = [], []
    for i, (country, channel, created, frt, csat, nps, ces) in enumerate(rows):
        extra = {"country": country, "channel": channel}
        if frt is not None:
            extra["first_response_at"] = T0 + dt.timedelta(hours=created + frt)
        tickets.append(ticket(i, created, **extra))
        if any(v is not None for v in (csat, nps, ces)):
            surveys.append(survey(i, f"t{i:03d}", created + 0.5, csat=csat, nps=nps, ces=ces))
    db = Database(write_rows(tmp_path_factory.mktemp("prop") / "p.duckdb", tickets, surveys))
    got = kpi_table(db, ["volume", "frt_median", "frt_p90", "csat", "nps", "ces"], by=["country"],
                    flt=MARCH).set_index(["country", "kpi"])  # fmt: skip

    frame = pd.DataFrame(
        rows, columns=["country", "channel", "created", "frt", "csat", "nps", "ces"]
    )
    for country, group in frame.groupby("country"):
        assert got.loc[(country, "volume"), "value"] == len(group)
        frt = group["frt"].dropna() * 3600
        if len(frt):
            assert got.loc[(country, "frt_median"), "value"] == pytest.approx(frt.median())
            assert got.loc[(country, "frt_p90"), "value"] == pytest.approx(frt.quantile(0.9))
        responded = group[group[["csat", "nps", "ces"]].notna().any(axis=1)]
        for kpi, column, reference in (
            ("csat", "csat", lambda s: (s >= 4).mean()),
            ("nps", "nps", lambda s: 100 * ((s >= 9).mean() - (s <= 6).mean())),
            ("ces", "ces", lambda s: s.mean()),
        ):
            scores = responded[column].dropna()
            if len(responded) == 0:
                continue
            row = got.loc[(country, kpi)]
            assert row["n"] == len(scores)
            if row["suppressed"]:
                assert np.isnan(row["value"])
            else:
                assert row["value"] == pytest.approx(reference(scores))
    for kpi in set(got.index.get_level_values("kpi")) & {"csat", "nps", "ces"}:
        answers = got.xs(kpi, level="kpi")
        expected = hidden_groups(answers["n"].to_dict())
        assert set(answers.index[answers["suppressed"]]) == expected


def hidden_groups(answers: dict[str, int]) -> set[str]:
    """Groups under 5 answers; when those hold 1-4 answers together (the total minus the shown
    groups would give them away), also the smallest other group with answers."""
    hidden = {group for group, n in answers.items() if n < 5}
    shown = sorted((n, group) for group, n in answers.items() if group not in hidden and n > 0)
    if 0 < sum(answers[group] for group in hidden) < 5 and shown:
        hidden.add(shown[0][1])
    return hidden


def test_quantiles_are_computed_from_rows_not_averaged_from_groups(tmp_path):
    # week 1: response times 1, 2, 3 h; week 2: 10 h. Weekly medians 2 and 10 average to 6;
    # the median of all four rows is (2 + 3) / 2 = 2.5 h.
    rows = [ticket(i, d, first_response_at=T0 + dt.timedelta(hours=d + h))
            for i, (d, h) in enumerate([(1, 1), (2, 2), (3, 3), (24 * 8, 10)])]  # fmt: skip
    db = Database(write_rows(tmp_path / "q.duckdb", rows))
    total = kpi_table(db, ["frt_median"], flt=MARCH)
    weekly = kpi_table(db, ["frt_median"], flt=MARCH, grain="week")
    assert total["value"][0] == pytest.approx(2.5 * 3600)
    assert weekly["value"].tolist() == pytest.approx([2 * 3600, 10 * 3600])


def test_a_period_without_tickets_has_no_quantile_per_bucket(tmp_path):
    """Found in the browser: one market's last 7 days after its data ended broke the tiles."""
    db = Database(write_rows(tmp_path / "q.duckdb", [ticket(1, 1)]))
    later = Filter(start=dt.date(2031, 1, 1), end=dt.date(2031, 1, 7))
    weekly = kpi_table(db, ["volume", "frt_median"], flt=later, grain="day")
    assert weekly.empty or weekly["value"].fillna(0).eq(0).all()


# ---------------------------------------------------------------- NPS edge cases
@pytest.mark.parametrize(
    ("scores", "expected"),
    [([9, 10, 10, 9, 9], 100.0), ([0, 3, 6, 6, 1], -100.0), ([7, 8, 8, 7, 7], 0.0),
     ([10, 10, 0, 0, 8, 8], 0.0)],
)  # fmt: skip
def test_nps_edge_cases(tmp_path, scores, expected):
    tickets = [ticket(i, i) for i in range(len(scores))]
    surveys = [survey(i, f"t{i:03d}", i + 1, nps=s) for i, s in enumerate(scores)]
    db = Database(write_rows(tmp_path / "nps.duckdb", tickets, surveys))
    row = kpi_table(db, ["nps"], flt=MARCH).iloc[0]
    assert row["value"] == expected
    assert row["n"] == len(scores)


def test_no_responses_means_no_nps_not_zero(tmp_path):
    tickets = [ticket(i, i) for i in range(6)]
    unanswered = [{**survey(i, f"t{i:03d}", i + 1), "responded_at": None} for i in range(6)]
    db = Database(write_rows(tmp_path / "none.duckdb", tickets, unanswered))
    table = kpi_table(db, ["nps", "csat", "response_rate"], flt=MARCH).set_index("kpi")
    assert np.isnan(table.loc["nps", "value"]) and table.loc["nps", "n"] == 0
    assert np.isnan(table.loc["csat", "value"])
    assert table.loc["response_rate", "value"] == 0.0  # 0 answers of 6 sent is a real zero


def test_exports_without_reopen_counts_judge_fcr_on_repeat_contacts(tmp_path):
    # three resolved tickets of one customer and category, no reopen counts: t000 is followed
    # by t001 within 7 days (a repeat contact), t001 and t002 are not (t002 comes 10 days later)
    resolved = {"reopens": None, "customer_id": "same", "category": "billing"}
    tickets = [ticket(0, 0, resolved_at=T0 + dt.timedelta(hours=1), **resolved),
               ticket(1, 24, resolved_at=T0 + dt.timedelta(hours=25), **resolved),
               ticket(2, 264, resolved_at=T0 + dt.timedelta(hours=265), **resolved)]  # fmt: skip
    db = Database(write_rows(tmp_path / "no_reopens.duckdb", tickets))
    table = kpi_table(db, ["fcr", "reopen_rate"], flt=MARCH).set_index("kpi")
    assert table.loc["fcr", "value"] == pytest.approx(2 / 3) and table.loc["fcr", "n"] == 3
    assert np.isnan(table.loc["reopen_rate", "value"]) and table.loc["reopen_rate", "n"] == 0


# ---------------------------------------------------------------- local time and DST
def test_local_hour_grouping_across_a_daylight_saving_change(tmp_path):
    # New York moved from UTC-5 to UTC-4 on 9 March 2025. 13:00 UTC is 08:00 before, 09:00 after.
    def utc(day: int, hour: int) -> dt.datetime:
        return dt.datetime(2025, 3, day, hour, tzinfo=dt.UTC)

    rows = [
        ticket(1, 0, country="US", language="en", created_at=utc(8, 13)),
        ticket(2, 0, country="US", language="en", created_at=utc(10, 13)),
        ticket(3, 0, country="JP", language="ja", created_at=utc(10, 13)),
    ]
    db = Database(write_rows(tmp_path / "dst.duckdb", rows))
    by_hour = kpi_table(
        db, ["volume"], by=["country", "local_hour"], flt=MARCH.with_dates(None, None)
    )
    assert sorted(
        zip(by_hour["country"], by_hour["local_hour"], by_hour["value"], strict=True)
    ) == [("JP", 22, 1), ("US", 8, 1), ("US", 9, 1)]  # Tokyo has no DST: 13:00 UTC is 22:00
    by_week_hour = kpi_table(
        db, ["volume"], by=["local_hour_of_week"], flt=Filter(countries=("US",))
    )
    # Saturday 08:00 = 5 * 24 + 8 = 128; Monday 09:00 = 9
    assert sorted(by_week_hour["local_hour_of_week"]) == [9, 128]


def test_days_are_cut_in_the_requested_time_zone(tmp_path):
    # 23:30 UTC on 3 March is already 4 March in Seoul
    rows = [ticket(1, 23.5), ticket(2, 25)]
    db = Database(write_rows(tmp_path / "tz.duckdb", rows))
    utc = kpi_table(db, ["volume"], flt=MARCH, grain="day")
    seoul = kpi_table(db, ["volume"], flt=Filter(timezone="Asia/Seoul"), grain="day")
    assert [d.day for d in utc["day"]] == [3, 4]
    assert [d.day for d in seoul["day"]] == [4]
    assert seoul["value"].tolist() == [2]


# ---------------------------------------------------------------- on the generated sample
@pytest.mark.both_layouts
def test_grouped_totals_add_up_and_regions_cover_every_country(sample_db):
    flt = Filter(start=dt.date(2026, 9, 1), end=dt.date(2026, 9, 30))
    total = kpi_table(sample_db, ["volume"], flt=flt)["value"][0]
    for dimension in ("region", "subregion", "country", "language", "channel", "hub", "priority"):
        grouped = kpi_table(sample_db, ["volume"], by=[dimension], flt=flt)
        assert grouped["value"].sum() == total, dimension
    regions = set(kpi_table(sample_db, ["volume"], by=["region"], flt=flt)["region"])
    assert regions == {"Africa", "Americas", "Asia", "Europe", "Oceania"}


@pytest.mark.both_layouts
@pytest.mark.parametrize("start", [dt.date(2026, 8, 3), dt.date(2026, 8, 5)])  # Mon, Wed
def test_backlog_by_week_equals_a_direct_count(sample_db, sample_con, start):
    flt = Filter(start=start, end=dt.date(2026, 8, 30), countries=("KR",))
    weekly = kpi_table(sample_db, ["backlog"], by=["channel"], flt=flt, grain="week")
    assert weekly["week"].nunique() == 4 and weekly["channel"].nunique() == 6
    for week, channel, value in weekly[["week", "channel", "value"]].itertuples(index=False):
        end = (week + pd.Timedelta(days=7)).tz_localize("UTC")
        expected = sample_con.execute(
            "SELECT count(*) FROM tickets WHERE country = 'KR' AND channel = ? AND created_at < ?"
            " AND (resolved_at IS NULL OR resolved_at >= ?) AND NOT coalesce(abandoned, false)",
            [channel, end, end],
        ).fetchone()[0]
        assert value == expected, (week, channel)
    at_end = kpi_table(sample_db, ["backlog"], by=["channel"], flt=flt)
    last_week = weekly[(weekly["week"] == weekly["week"].max()) & (weekly["value"] > 0)]
    assert dict(zip(at_end["channel"], at_end["value"], strict=True)) == dict(
        zip(last_week["channel"], last_week["value"], strict=True))  # fmt: skip


@pytest.mark.both_layouts
def test_comparisons_line_up_with_separate_queries(sample_db):
    flt = Filter(start=dt.date(2026, 10, 1), end=dt.date(2026, 10, 28))
    kpis = ["volume", "csat", "frt_median", "aht", "nps"]
    compared = kpi_table(sample_db, kpis, by=["channel"], flt=flt, compare=["previous", "year_ago"])
    previous = kpi_table(sample_db, kpis, by=["channel"], flt=flt.previous_period())
    year_ago = kpi_table(sample_db, kpis, by=["channel"], flt=flt.year_earlier())
    for name, other in (("previous", previous), ("year_ago", year_ago)):
        merged = compared.merge(other, on=["channel", "kpi"], suffixes=("", "_separate"))
        assert np.allclose(merged[f"{name}_value"], merged["value_separate"], equal_nan=True)
        delta = merged["value"] - merged["value_separate"]
        assert np.allclose(merged[f"{name}_delta"], delta, equal_nan=True)


@pytest.mark.both_layouts
def test_biggest_movers_find_the_german_payment_outage(sample_db):
    first = SAMPLE_END - dt.timedelta(days=170)  # the sample's incident
    flt = Filter(start=first - dt.timedelta(days=4), end=first + dt.timedelta(days=2))
    movers = biggest_movers(sample_db, ["volume", "csat", "frt_median"], flt)
    top = movers.iloc[0]
    assert (top["dimension"], top["member"], top["kpi"]) == ("country", "DE", "volume")
    assert top["delta"] > 0 and top["improved"] is None  # volume has no good direction
    assert (movers["q_value"] < 0.05).all()


# ---------------------------------------------------------------- safety and errors
@pytest.mark.both_layouts
def test_hostile_filter_values_reach_the_engine_as_values(sample_db):
    flt = Filter(countries=("DE' OR '1'='1",), channels=("'); DROP TABLE tickets; --",))
    table = kpi_table(sample_db, ["volume", "csat", "backlog"], flt=flt)
    assert table[table["kpi"] == "backlog"]["value"].tolist() == [0]
    assert table[table["kpi"] != "backlog"].empty or table["n"].max() == 0
    assert kpi_table(sample_db, ["volume"])["value"][0] > 0


def test_unknown_names_are_clear_errors():
    with pytest.raises(UnknownNameError, match="unknown KPI happiness; valid KPIs: volume"):
        compile_request(["happiness"])
    with pytest.raises(UnknownNameError, match="valid dimensions: country, region"):
        compile_request(["volume"], ["planet"])
    with pytest.raises(ValueError, match="comparisons need"):
        compile_request(["volume"], compare=["previous"])


def test_every_kpi_is_declared_completely():
    for kpi in KPIS.values():
        assert kpi.definition.endswith(".") and len(kpi.definition) > 20, kpi.id
        assert kpi.direction in (-1, 0, 1)
        assert kpi.n_label


# ---------------------------------------------------------------- the command line
def run_cli(*args: str) -> Ran:
    return run_main(atlas_cli, *args)


def test_cli_prints_the_same_table_as_the_engine(sample_path, sample_db):
    result = run_cli("kpis", "--db", str(sample_path), "--kpi", "csat,nps,frt_median",
                     "--by", "country,channel", "--from", "2026-09-01", "--to", "2026-09-30",
                     "--where", "country=KR,JP", "--where", "channel=chat")  # fmt: skip
    assert result.returncode == 0, result.stderr
    printed = pd.read_csv(pd.io.common.StringIO(result.stdout))
    flt = Filter(start=dt.date(2026, 9, 1), end=dt.date(2026, 9, 30), countries=("KR", "JP"),
                 channels=("chat",))  # fmt: skip
    expected = kpi_table(sample_db, ["csat", "nps", "frt_median"], ["country", "channel"], flt)
    assert printed.columns.tolist() == expected.columns.tolist()
    assert set(printed["country"]) == {"KR", "JP"} and set(printed["channel"]) == {"chat"}
    assert np.allclose(printed["value"], expected["value"], equal_nan=True)


def test_cli_json_with_grain_and_comparison(sample_path):
    result = run_cli("kpis", "--db", str(sample_path), "--kpi", "volume", "--grain", "week",
                     "--from", "2026-09-07", "--to", "2026-09-20", "--compare", "previous",
                     "--format", "json")  # fmt: skip
    records = json.loads(result.stdout)
    assert len(records) == 2
    assert {"week", "value", "previous_value", "previous_significant"} <= records[0].keys()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--kpi", "happiness"], "unknown KPI happiness; valid KPIs: volume, frt_median"),
        (["--kpi", "csat", "--by", "planet"], "valid dimensions: country, region"),
        (["--kpi", "csat", "--where", "planet=mars"], "KEY one of country, language"),
        (["--kpi", "csat", "--from", "yesterday"], "--from must be a date"),
        (["--kpi", "csat", "--timezone", "Mars/Olympus"], "unknown time zone"),
        (["--kpi", "csat", "--compare", "previous"], "comparisons need"),
    ],
)
def test_cli_errors_are_clear_and_exit_2(sample_path, args, message):
    result = run_cli("kpis", "--db", str(sample_path), *args)
    assert result.returncode == 2
    assert message in result.stderr
    assert result.stdout == ""


def test_cli_refuses_dates_outside_a_sane_window(tmp_path):
    db = write_rows(tmp_path / "one.duckdb", [ticket(1, 3)])
    for option, day in (("--to", "9999-12-31"), ("--from", "0001-01-01")):
        result = run_cli("kpis", "--db", str(db), "--kpi", "volume", option, day)
        assert result.returncode == 2, result.stderr
        assert f"{option} must be between 1970-01-01 and 2100-12-31, not {day}" in result.stderr
        assert "Traceback" not in result.stderr and result.stdout == ""


def test_cli_reports_a_missing_database(tmp_path):
    result = run_cli("kpis", "--db", str(tmp_path / "none.duckdb"), "--kpi", "volume")
    assert result.returncode == 2 and "No database at" in result.stderr


# ---------------------------------------------------------------- top-N splits and baselines
@pytest.mark.both_layouts
def test_other_is_computed_from_its_rows_not_from_the_kept_groups(sample_db):
    flt = Filter(start=dt.date(2026, 9, 1), end=dt.date(2026, 9, 30))
    keep = ["US", "DE"]
    split = kpi_table(sample_db, ["csat", "frt_median", "volume"], by=["country"], flt=flt,
                      keep={"country": keep}).set_index(["country", "kpi"])  # fmt: skip
    others = sorted(
        set(kpi_table(sample_db, ["volume"], by=["country"], flt=flt)["country"]) - set(keep)
    )
    rest = kpi_table(sample_db, ["frt_median", "volume"], flt=flt.narrowed(countries=others))
    for kpi, value in zip(rest["kpi"], rest["value"], strict=True):
        assert split.loc[("Other", kpi), "value"] == pytest.approx(value)
    # CSAT of the same filter is hidden (it names markets with 1-4 answers: privacy), so the
    # reference is every answer minus those of the kept countries
    counts = kpi_table(sample_db, ["csat"], by=["country"], flt=flt, details=True)
    total = kpi_table(sample_db, ["csat"], flt=flt, details=True).iloc[0]
    kept = counts[counts["country"].isin(keep)]
    other = (total["successes"] - kept["successes"].sum()) / (total["n"] - kept["n"].sum())
    assert split.loc[("Other", "csat"), "value"] == pytest.approx(other)
    assert set(split.index.get_level_values("country")) == {"US", "DE", "Other"}


def test_baseline_counts_are_scaled_to_the_periods_length(tmp_path):
    # baseline: one ticket a day for the 365 days before 3 March; the week of 3-9 March has 14.
    start = dt.date(2025, 3, 3)
    before = [ticket(i, -24 * (i + 1) + 12) for i in range(365)]
    week = [ticket(1000 + i, 12 * i) for i in range(14)]
    db = Database(write_rows(tmp_path / "base.duckdb", before + week))
    flt = Filter(start=start, end=start + dt.timedelta(days=6))
    row = kpi_table(db, ["volume"], flt=flt, compare=["baseline"]).iloc[0]
    # 365 tickets over 365 days scaled to the 7-day period: 7; 14 is twice the usual rate
    assert row["baseline_value"] == pytest.approx(7)
    assert row["baseline_delta"] == pytest.approx(7)
    # conditional test: 14 of 379 events fall in 7 of 372 days; z = (14 - 379*7/372) /
    # sqrt(379 * 7/372 * 365/372) = 6.868 / 2.643 = 2.599 -> p = 0.0094
    assert row["baseline_p_value"] == pytest.approx(0.00935, abs=2e-4)
    with pytest.raises(ValueError, match="drop the time grain"):
        kpi_table(db, ["volume"], flt=flt, grain="day", compare=["baseline"])


def test_surveys_without_their_ticket_count_in_totals_but_not_in_filtered_groups(tmp_path):
    # A survey tool export often arrives without the helpdesk's tickets.
    tickets = [ticket(1, 1, country="DE")]
    surveys = [
        survey(i, f"t{i:03d}", 2 + i, csat=score) for i, score in enumerate([5, 4, 2, 5, 1, 4])
    ]
    db = Database(write_rows(tmp_path / "orphans.duckdb", tickets, surveys))
    total = kpi_table(db, ["csat"], flt=MARCH).iloc[0]
    # 6 answers, 4 of them 4-5; only s001 belongs to a known (German) ticket
    assert (total["n"], total["value"]) == (6, pytest.approx(4 / 6))
    german = kpi_table(db, ["csat"], flt=MARCH.narrowed(countries=("DE",))).iloc[0]
    assert german["n"] == 1
