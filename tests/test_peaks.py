"""Peak season: multipliers worked by hand, the sample's peaks found, the forecast scored."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from data_access.database import Database
from data_access.filters import Filter
from metrics.forecast import HOLDOUT_DAYS, forecast_daily, wape
from metrics.peaks import holiday_effects, peak_multipliers, peaks_between, year_over_year
from presentation import format as fmt
from tests.apptest import figures, open_page, values
from tests.conftest import SAMPLE_END, write_rows

US = dt.timezone(dt.timedelta(hours=-5))  # New York in November/December (EST)


def us_ticket(i: int, day: dt.date) -> dict:
    created = dt.datetime.combine(day, dt.time(12), US).astimezone(dt.UTC)
    return {"ticket_id": f"t{i:05d}", "customer_id": f"c{i}", "created_at": created,
            "status": "closed", "channel": "email", "country": "US", "language": "en",
            "priority": "normal", "category": "shipping", "hub": "AMER",
            "bot_resolved": False}  # fmt: skip


def test_the_peaks_overlapping_a_period():
    # 5 Jan - 1 May 2025: the 2024 returns season (27 Dec - 10 Jan) is still running, Lunar New
    # Year 2025 (15 - 28 Jan) and Golden Week (29 Apr - 5 May) begin inside the period
    found = peaks_between(dt.date(2025, 1, 5), dt.date(2025, 5, 1))
    assert list(zip(found["peak_id"], found["year"], strict=True)) == [
        ("returns_season", 2024), ("lunar_new_year", 2025), ("golden_week", 2025)]
    assert found["start"].iloc[0] == dt.date(2024, 12, 27)
    assert peaks_between(dt.date(2025, 5, 6), dt.date(2025, 9, 1)).empty


def test_multiplier_worked_by_hand(tmp_path):
    # Black Friday 2025 is 28 Nov (after Thanksgiving, 27 Nov, a US holiday). From 1 Oct: 10
    # contacts a day, 30 a day from Black Friday to Cyber Monday (28 Nov - 1 Dec), then 10 again
    # until 10 Dec. Baseline: the 28 days before 28 Nov minus Thanksgiving (27 Nov) and Veterans
    # Day (11 Nov) = 26 ordinary days of 10 -> 10/day; peak 30/day -> multiplier 3.0.
    rows, i = [], 0
    day = dt.date(2025, 10, 1)
    while day <= dt.date(2025, 12, 10):
        per_day = 30 if dt.date(2025, 11, 28) <= day <= dt.date(2025, 12, 1) else 10
        if day == dt.date(2025, 11, 27):
            per_day = 4  # Thanksgiving: left out of the baseline, so it does not matter
        for _ in range(per_day):
            rows.append(us_ticket(i, day))
            i += 1
        day += dt.timedelta(days=1)
    db = Database(write_rows(tmp_path / "bf.duckdb", rows))
    table = peak_multipliers(db, Filter())
    bf = table[(table["peak_id"] == "black_friday") & (table["year"] == 2025)].iloc[0]
    assert (bf["member"], bf["peak_daily"], bf["baseline_daily"]) == ("US", 30, 10)
    assert bf["multiplier"] == pytest.approx(3.0) and bf["complete"]
    # December gifting (1-23 Dec) has begun but is cut by the end of the data: not complete
    december = table[table["peak_id"] == "december"].iloc[0]
    assert not december["complete"]


@pytest.mark.both_layouts
def test_the_samples_black_friday_and_lunar_new_year_are_found(sample_db):
    table = peak_multipliers(sample_db, Filter())
    bf = table[(table["peak_id"] == "black_friday") & (table["year"] == 2025)]
    western = bf[bf["member"].isin(["US", "GB", "DE", "FR"])]
    assert western["multiplier"].mean() > 1.35 and (western["multiplier"] > 1.15).all()
    lny = table[(table["peak_id"] == "lunar_new_year") & (table["year"] == 2026)]
    assert (lny[lny["member"].isin(["CN", "KR"])]["multiplier"] > 1.25).all()
    golden = table[(table["peak_id"] == "golden_week") & (table["member"] == "JP")]
    assert len(golden) == 2 and (golden["multiplier"] > 1.2).all()
    paired = year_over_year(table[table["peak_id"] == "chuseok"])
    korea = paired[paired["member"] == "KR"].iloc[0]
    assert korea["year"] == 2026 and korea["previous_year"] == 2025


@pytest.mark.both_layouts
def test_holidays_are_quieter_than_the_same_weekday(sample_db):
    flt = Filter(start=dt.date(2025, 1, 1), end=dt.date(2025, 12, 20))
    effects = holiday_effects(sample_db, flt, ["DE"])
    unity = effects[effects["holiday"] == "German Unity Day"].iloc[0]
    assert unity["ratio"] < 0.7
    assert effects["ratio"].median() < 0.8


def test_wape_worked_by_hand():
    # |10-8| + |20-25| + |30-30| = 7 over 60 actual -> 0.11667
    assert wape(np.array([10, 20, 30]), np.array([8, 25, 30])) == pytest.approx(7 / 60)


@pytest.mark.both_layouts
def test_forecast_has_intervals_calendar_effects_and_a_back_test(sample_db):
    result = forecast_daily(sample_db, Filter(), "language", "en", horizon_days=84)
    ahead = result.forecast
    assert len(ahead) == 84
    assert (ahead["lower"] <= ahead["mean"]).all() and (ahead["mean"] <= ahead["upper"]).all()
    assert len(result.backtest) == HOLDOUT_DAYS
    assert result.backtest["day"].iloc[-1] == result.history["day"].iloc[-1]
    assert result.wape < 0.2  # the largest language is predictable
    assert result.effects["holiday"] < 0.9  # holidays are quieter ...
    assert result.effects["black_friday"] > 1.2  # ... and Black Friday busier
    black_friday = ahead[ahead["day"] == "2026-11-27"].iloc[0]
    ordinary_friday = ahead[ahead["day"] == "2027-01-15"].iloc[0]
    assert black_friday["calendar"] > 1.2 and black_friday["mean"] > ordinary_friday["mean"]
    again = forecast_daily(sample_db, Filter(), "language", "en", horizon_days=84)
    assert np.allclose(again.forecast["upper"], ahead["upper"])  # intervals are reproducible


@pytest.mark.both_layouts
def test_forecast_refuses_what_it_cannot_do(sample_db):
    with pytest.raises(ValueError, match="per 'language' or per 'hub'"):
        forecast_daily(sample_db, Filter(), "country", "DE")
    with pytest.raises(ValueError, match="no contacts"):
        forecast_daily(sample_db, Filter(), "language", "xx")


# ---------------------------------------------------------------- the page
def test_peak_page_shows_the_engines_numbers(use_sample, sample_db):
    at = open_page("pages/5_Peak_season.py", {"peak": "lunar_new_year", "fc_member": "de"})
    assert not at.exception
    charts = {f.layout.title.text: f for f in figures(at)}
    heatmaps = next(f for t, f in charts.items() if t.startswith("Contacts per hour"))
    assert len(heatmaps.data) == 4
    lny = next(f for t, f in charts.items() if t.startswith("Lunar New Year 2026"))
    latest = next(trace for trace in lny.data if trace.name == "latest")
    expected = year_over_year(peak_multipliers(sample_db, Filter()).query(
        "peak_id == 'lunar_new_year'")).set_index("member")  # fmt: skip
    shown = dict(zip(latest.y, values(latest.x), strict=True))
    assert shown["China"] == pytest.approx(expected.loc["CN", "multiplier"])
    assert shown["China"] > 1.25
    result = forecast_daily(sample_db, Filter(), "language", "de", 84)
    assert next(m for m in at.metric if "WAPE" in m.label).value == fmt.percent(result.wape)
    forecast = next(f for t, f in charts.items() if t.startswith("Daily contacts, German"))
    line = next(t for t in forecast.data if t.name == "forecast")
    assert np.allclose(values(line.y), result.forecast["mean"])


def test_peak_page_black_friday_by_country(use_sample):
    at = open_page("pages/5_Peak_season.py", {"peak": "black_friday"})
    chart = next(f for f in figures(at) if "Black Friday" in (f.layout.title.text or ""))
    latest = next(trace for trace in chart.data if trace.name == "latest")
    shown = dict(zip(latest.y, values(latest.x), strict=True))
    assert shown["United States"] > 1.3 and shown["Germany"] > 1.3
    assert str(SAMPLE_END.year - 1) in chart.layout.title.text  # 2026's is still to come
