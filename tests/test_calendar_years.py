"""The calendar keeps working in every year the product can meet: no name the `holidays` package
changes (or joins with another holiday on the same day) may stop the sample or the Peak page."""

from __future__ import annotations

import datetime as dt

import pytest

from data_access import catalog
from data_access.retail_calendar import PEAK_RULES, peak_calendar
from data_access.sample import build_sample
from tests.apptest import open_page

END_DATES = [dt.date(year, 1, 1) for year in range(2025, 2036)]


def test_every_peak_has_a_window_in_every_year_to_2040():
    years = range(2024, 2041)
    calendar = peak_calendar(years)
    assert len(calendar) == len(PEAK_RULES) * len(years)
    assert (calendar["end"] >= calendar["start"]).all()


def test_chuseok_is_found_when_it_shares_its_day_with_national_foundation_day():
    # In 2028 the package names 3 October "Chuseok; National Foundation Day": the peak is the
    # ten days before it, 23 September - 2 October.
    chuseok = peak_calendar([2028]).set_index("peak_id").loc["chuseok"]
    assert (chuseok["start"], chuseok["end"]) == (dt.date(2028, 9, 23), dt.date(2028, 10, 2))


def test_anchors_match_published_dates():
    calendar = peak_calendar([2027, 2030]).set_index(["peak_id", "year"])
    # Black Friday: the day after the fourth Thursday of November.
    assert calendar.loc[("black_friday", 2027), "start"] == dt.date(2027, 11, 26)
    assert calendar.loc[("black_friday", 2030), "start"] == dt.date(2030, 11, 29)
    # Lunar New Year 2030 is 3 February; the peak is the 14 days before.
    assert calendar.loc[("lunar_new_year", 2030), "end"] == dt.date(2030, 2, 2)
    # Chuseok 2030 is 12 September.
    assert calendar.loc[("chuseok", 2030), "end"] == dt.date(2030, 9, 11)


def test_a_year_the_package_cannot_date_has_no_row_instead_of_an_error():
    calendar = peak_calendar([2101])
    assert set(calendar["peak_id"]) == {"december", "returns_season", "singles_day",
                                        "golden_week"}  # fmt: skip


@pytest.mark.parametrize("end", END_DATES, ids=str)
def test_sample_builds_and_peak_page_opens_for_data_ending_in(end, tmp_path, monkeypatch):
    # as on the README's first start on that day: the sample ends today, and today's clock
    # decides which dates are plausible (data_access.catalog)
    today = dt.datetime.combine(end, dt.time(12), dt.UTC)
    monkeypatch.setattr(catalog, "plausible_window",
                        lambda: (catalog.EARLIEST, today + dt.timedelta(days=1)))  # fmt: skip
    # 400 days: this year's peaks and last year's, at half the cost of the default two years
    path = build_sample(tmp_path / "sample.duckdb", 1500, 3, end, days=400)
    monkeypatch.setenv("SERVICE_ATLAS_DB", str(path))
    at = open_page("pages/5_Peak_season.py", {"period": "last_365d"})
    assert not at.exception
    assert at.get("plotly_chart"), "the Peak page draws its charts"
