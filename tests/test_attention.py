"""Attention: anomalies in daily series, lines missed, and the Attention page.

Hand-built series check what the detector must and must not call unusual (with the numbers that
make it so); the generated sample checks that its planted incidents are found on their days in
their markets and that its holidays and retail peaks raise nothing.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from data_access import reference
from data_access.catalog import read_catalog
from data_access.database import Database
from data_access.filters import Filter
from data_access.retail_calendar import peak_calendar
from data_access.sample import profile
from metrics import anomalies
from metrics.alert_rules import ANOMALY_MIN_SIZE, Rule
from metrics.attention import AttentionItem, attention
from metrics.engine import kpi_table
from presentation.attention_charts import finding_chart
from tests.apptest import open_page

DAYS = pd.date_range("2025-01-06", periods=420)  # starts on a Monday
WEEKLY = np.array([1.0, 1.1, 1.0, 1.0, 0.95, 0.55, 0.5])  # Monday .. Sunday
HOLIDAYS = [30, 100, 180, 260, 330, 400]  # day numbers; the last two lie in the scanned days


def _volume(mean: float, seed: int, spike: tuple[int, int, float] | None = None) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    expected = mean * WEEKLY[DAYS.day_of_week] * rng.lognormal(0, 0.05, len(DAYS))
    expected[HOLIDAYS] *= 0.45
    if spike:
        first, days, factor = spike
        expected[first : first + days] *= factor
    counts = rng.poisson(expected).astype(float)
    return pd.DataFrame({"day": DAYS, "value": counts, "n": counts})


def _calendar(holidays: bool = True) -> pd.DataFrame:
    column = np.zeros(len(DAYS))
    if holidays:
        column[HOLIDAYS] = 1.0
    return pd.DataFrame({"holiday": column}, index=DAYS)


def _found(kpi: str, daily: pd.DataFrame, calendar: pd.DataFrame, scanned: int = 90) -> list:
    series = anomalies.model_series(kpi, "country", "XX", daily, calendar)
    window = np.arange(len(DAYS)) >= len(DAYS) - scanned
    scan = anomalies.tested([(series, window)], DAYS[-scanned].date(), DAYS[-1].date())
    return anomalies.anomalies(scan, ANOMALY_MIN_SIZE)


def test_a_three_day_outage_is_found_on_its_days_and_a_holiday_is_not():
    first = len(DAYS) - 40  # a Wednesday
    found = _found("volume", _volume(120, seed=1, spike=(first, 3, 3.0)), _calendar())
    assert [(a.start, a.end, a.direction) for a in found] == [
        (DAYS[first].date(), DAYS[first + 2].date(), 1)
    ]
    (outage,) = found
    assert outage.confidence > 0.999 and 1.5 < outage.size < 2.5  # three times the usual day
    assert outage.low < outage.expected < outage.high < outage.actual
    assert not outage.ongoing and outage.affected > 400


def test_an_outage_still_going_on_at_the_end_of_the_data_is_found_from_its_first_day():
    """The daily digest's case: five days of twice the contacts up to the last day. A trend
    fitted through those days bends towards them; without the last days judged against the
    history before them this was found on its last day only."""
    first = len(DAYS) - 5
    found = _found("volume", _volume(120, seed=2, spike=(first, 5, 2.0)), _calendar())
    (rise,) = [a for a in found if a.direction == 1]
    assert (rise.start, rise.end, rise.ongoing) == (DAYS[first].date(), DAYS[-1].date(), True)
    assert 0.6 < rise.size < 1.2


def test_without_the_calendar_the_holiday_would_have_been_an_alarm():
    """The holidays in the scanned days are what the calendar effect explains."""
    found = _found("volume", _volume(120, seed=1), _calendar(holidays=False))
    assert sorted(a.start for a in found) == [DAYS[day].date() for day in HOLIDAYS[-2:]]
    assert all(a.size < -0.4 for a in found)


def test_a_small_market_s_odd_day_is_not_worth_a_word():
    """8 contacts a day, one day of 25: unusual, but 17 contacts wake nobody (MIN_AFFECTED)."""
    daily = _volume(8, seed=3)
    daily.loc[len(DAYS) - 10, ["value", "n"]] = 25
    assert _found("volume", daily, _calendar()) == []


def _share(p_before: float, p_after: float, days_after: int, seed: int = 5) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    n = np.full(len(DAYS), 150.0)
    p = np.where(np.arange(len(DAYS)) >= len(DAYS) - days_after, p_after, p_before)
    return pd.DataFrame({"day": DAYS, "value": rng.binomial(150, p) / n, "n": n})


def test_a_lasting_drop_in_a_share_is_found_as_still_going_on():
    found = _found("sla", _share(0.85, 0.74, days_after=30), _calendar(holidays=False))
    drop = min(found, key=lambda a: a.start)
    assert abs((drop.start - DAYS[-30].date()).days) <= 3
    assert drop.ongoing and drop.direction == -1
    assert drop.expected == pytest.approx(0.85, abs=0.02)
    assert drop.actual == pytest.approx(0.74, abs=0.02)


def test_a_better_share_needs_nobody_s_attention():
    assert _found("sla", _share(0.85, 0.95, days_after=30), _calendar(holidays=False)) == []


# ---------------------------------------------------------------- the generated sample
@pytest.fixture(scope="module")
def sample_scan(sample_path):
    """Every market's daily volume over the last 200 days, as the Attention page scans it."""
    db = Database(sample_path)
    end = read_catalog(db).last_day
    flt = Filter(start=end - dt.timedelta(days=200), end=end)
    return db, end, anomalies.anomalies(anomalies.scan(db, flt, ("volume",), ("country",)),
                                        ANOMALY_MIN_SIZE)  # fmt: skip


def test_the_sample_s_incidents_are_found_on_their_first_day_in_their_market(sample_scan):
    _db, end, found = sample_scan
    for incident in profile.INCIDENTS:
        first = end - dt.timedelta(days=incident.days_before_end)
        mine = [a for a in found if a.member == incident.country]
        assert [a.start for a in mine] == [first], incident.description
        assert (mine[0].end - mine[0].start).days + 1 == incident.days
        assert mine[0].size > 0.5 and mine[0].confidence > 0.99


def test_no_alarm_on_the_sample_s_holidays_and_retail_peaks(sample_scan):
    _db, end, found = sample_scan
    incidents = {(i.country, end - dt.timedelta(days=i.days_before_end + k))
                 for i in profile.INCIDENTS for k in range(-i.days + 1, 1)}  # fmt: skip
    peaks = peak_calendar([end.year - 1, end.year])
    for a in found:
        days = pd.date_range(a.start, a.end).date
        if any((a.member, d) in incidents for d in days):
            continue
        holidays = reference.public_holidays(a.member, [end.year])
        in_peak = peaks[peaks["markets"].map(lambda m, c=a.member: c in m)]
        for day in days:
            assert day not in holidays, (a.member, day, holidays[day])
            assert not ((in_peak["start"] <= day) & (in_peak["end"] >= day)).any(), (a.member, day)
    assert len(found) <= len(profile.INCIDENTS) + 2  # and hardly anything else


def test_a_line_missed_is_a_finding_with_the_engine_s_value(sample_path):
    db = Database(sample_path)
    end = read_catalog(db).last_day
    flt = Filter(start=end - dt.timedelta(days=27), end=end)
    korea = {"countries": ("KR",)}
    value = kpi_table(db, ["sla"], flt=flt.narrowed(**korea))["value"].iloc[0]
    rules = [Rule("sla", "below", 0.99, korea, recipients=("kr@example.com",)),
             Rule("sla", "above", 0.99, korea), Rule("sla", "below", 0.01, korea)]  # fmt: skip
    (miss,) = attention(db, flt, rules)
    assert (miss.kind, miss.dimension, miss.member) == ("below", "country", "KR")
    assert miss.actual == pytest.approx(value) and miss.expected == 0.99
    assert miss.size == pytest.approx(value / 0.99 - 1) and miss.confidence > 0.99
    assert miss.recipients == ("kr@example.com",)


# ---------------------------------------------------------------- the page
@pytest.fixture
def app_on_sample(monkeypatch, sample_path):
    monkeypatch.setenv("SERVICE_ATLAS_DB", str(sample_path))
    return sample_path


def test_the_attention_page_names_the_outage_its_cause_and_its_tickets(app_on_sample):
    db = Database(app_on_sample)
    end = read_catalog(db).last_day
    outage = next(i for i in profile.INCIDENTS if i.country == "DE")
    first = end - dt.timedelta(days=outage.days_before_end)
    dates = f"{first - dt.timedelta(days=20)}..{first + dt.timedelta(days=20)}"
    at = open_page("pages/0_Attention.py", {"country": "DE", "period": "custom", "dates": dates})
    assert not at.exception, [e.message for e in at.exception]
    text = "\n".join(m.value for m in at.markdown)
    assert "Volume · Germany" in text and "Payment" in text
    assert "Trends?period=custom" in text and "country=DE" in text
    assert any(b.label.startswith("Show the") for b in at.button)
    assert len(at.get("plotly_chart")) >= 1


def test_the_attention_page_in_korean_for_a_quiet_market(app_on_sample):
    at = open_page("pages/0_Attention.py", {"country": "KR", "lang": "ko", "period": "last_7d"})
    assert not at.exception, [e.message for e in at.exception]
    assert "주의 필요" in at.title[0].value


def test_a_share_s_chart_is_drawn_in_percent_like_every_other_chart():
    found = _found("sla", _share(0.85, 0.74, days_after=30), _calendar(holidays=False))
    drop = min(found, key=lambda a: a.start)
    item = AttentionItem("anomaly", "sla", "country", "XX", drop.start, drop.end, drop.ongoing,
                         drop.actual, drop.expected, drop.low, drop.high, drop.size,
                         drop.confidence, trace=drop.trace)  # fmt: skip
    figure = finding_chart(item, "SLA")
    actual = next(t for t in figure.data if t.mode == "lines+markers")
    assert 60 < np.nanmean(np.asarray(actual.y, dtype=float)) < 95
    assert figure.layout.yaxis.ticksuffix is not None
