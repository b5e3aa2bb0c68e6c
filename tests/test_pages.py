"""Overview, Trends and Markets as a user sees them: the numbers on screen are the engine's."""

from __future__ import annotations

import numpy as np
import pytest

from data_access import reference
from metrics.contact_hours import hours_covered
from metrics.engine import kpi_table, top_members
from metrics.movers import biggest_movers
from metrics.schedule import language_balance
from presentation import format as fmt
from tests.apptest import figures, open_page, rendered_text, sample_filter, values, widget

MOVER_KPIS = ("volume", "frt_median", "sla", "csat", "nps", "abandonment")


# ---------------------------------------------------------------- Overview
@pytest.mark.parametrize("kpi", ["volume", "csat", "frt_median"])
def test_overview_map_shows_the_kpi_per_country(use_sample, sample_db, kpi):
    at = open_page("dashboard.py", {"map_kpi": kpi, "period": "last_90d"})
    assert not at.exception
    choropleth = figures(at)[0].data[0]
    expected = kpi_table(sample_db, [kpi], by=["country"], flt=sample_filter("last_90d"))
    expected = expected[expected["value"].notna()]
    shown = dict(zip(choropleth.locations, values(choropleth.z), strict=True))
    assert shown == pytest.approx(
        {reference.country_iso3(c): v for c, v in
         zip(expected["country"], fmt.plot_values(kpi, expected["value"]), strict=True)}
    )  # fmt: skip


def test_overview_lists_the_engines_movers_as_links(use_sample, sample_db):
    at = open_page("dashboard.py", {"period": "last_90d"})
    movers = biggest_movers(sample_db, MOVER_KPIS, sample_filter("last_90d"),
                            ("country", "language", "channel"))  # fmt: skip
    assert len(movers) > 0
    lines = [m.value for m in at.markdown if "Trends?" in m.value]
    assert len(lines) == len(movers)
    first = movers.iloc[0]
    field = {"country": "country", "language": "language", "channel": "channel"}[first.dimension]
    assert f"{field}={first.member}" in lines[0] and f"kpi={first.kpi}" in lines[0]
    assert fmt.kpi_value(first.kpi, first.value) in lines[0]


# ---------------------------------------------------------------- Trends
def test_trends_split_matches_the_engine(use_sample, sample_db):
    query = {"kpi": "csat", "split": "channel", "top": "3", "grain": "week", "period": "last_90d"}
    at = open_page("pages/1_Trends.py", query)
    assert not at.exception
    flt = sample_filter("last_90d")
    keep = top_members(sample_db, "channel", flt, 3)
    expected = kpi_table(sample_db, ["csat"], by=["channel"], flt=flt, grain="week",
                         compare=["year_ago"], keep={"channel": keep})  # fmt: skip
    lines = {t.name: t for t in figures(at)[0].data if t.mode == "lines+markers"}
    assert set(lines) == {fmt.member("channel", c) for c in keep} | {"Other"}
    for channel in [*keep, "Other"]:
        rows = expected[expected["channel"] == channel]
        trace = lines[fmt.member("channel", channel)]
        shown = values(trace.y)
        assert np.allclose(shown, fmt.plot_values("csat", rows["value"]), equal_nan=True)
        name = f"{fmt.member('channel', channel)}, a year earlier"
        year_ago = next(t for t in figures(at)[0].data if t.name == name)
        assert np.allclose(values(year_ago.y), fmt.plot_values("csat", rows["year_ago_value"]),
                           equal_nan=True)  # fmt: skip


def test_trends_controls_change_the_chart_and_the_url(use_sample, sample_db):
    at = open_page("pages/1_Trends.py", {"period": "last_90d"})
    widget(at.selectbox, "KPI").set_value("frt_median").run()
    widget(at.radio, "Grain").set_value("month").run()
    assert at.query_params["kpi"] == "frt_median" and at.query_params["grain"] == "month"
    expected = kpi_table(sample_db, ["frt_median"], flt=sample_filter("last_90d"), grain="month")
    line = next(t for t in figures(at)[0].data if t.mode == "lines+markers")
    assert np.allclose(values(line.y), expected["value"] / 3600)  # durations are drawn in hours
    assert "hours" in figures(at)[0].layout.yaxis.title.text


def test_trends_marks_peaks_and_holidays(use_sample):
    at = open_page("pages/1_Trends.py", {"country": "KR", "period": "custom",
                                         "dates": "2025-09-01..2025-10-31"})  # fmt: skip
    figure = figures(at)[0]
    chuseok = next(t for t in figure.data if t.name == "Chuseok")  # in the legend
    assert chuseok.hovertext == ("Chuseok: 26 Sep 2025 – 05 Oct 2025",)
    holidays = next(t for t in figure.data if t.name == "public holiday")
    assert any("Chuseok (South Korea)" in text for text in holidays.hovertext)


def test_trends_empty_state_says_why(use_sample):
    at = open_page("pages/1_Trends.py", {"kpi": "abandonment", "channel": "email"})
    assert not at.exception
    assert not at.get("plotly_chart")
    assert "No abandonment rate for this filter" in at.info[0].value


# ---------------------------------------------------------------- Markets
def test_markets_grid_equals_the_engine(use_sample, sample_db):
    at = open_page("pages/2_Markets.py", {"period": "last_90d"})
    assert not at.exception
    grid = at.dataframe[0].value.set_index("name")
    expected = kpi_table(sample_db, ["volume", "csat", "sla"], by=["country"],
                         flt=sample_filter("last_90d")).set_index(["country", "kpi"])  # fmt: skip
    for country in ("US", "JP", "KR", "BR"):
        name = fmt.member("country", country)
        assert grid.loc[name, "volume"] == expected.loc[(country, "volume"), "value"]
        assert grid.loc[name, "csat"] == pytest.approx(expected.loc[(country, "csat"), "value"])
        assert grid.loc[name, "sla"] == pytest.approx(expected.loc[(country, "sla"), "value"])
    assert list(grid["volume"]) == sorted(grid["volume"], reverse=True)


def test_markets_drill_down_into_one_market(use_sample, sample_db):
    at = open_page("pages/2_Markets.py", {"period": "last_90d"})
    widget(at.selectbox, "Drill into").set_value("JP").run()
    assert at.query_params["market"] == "JP"
    flt = sample_filter("last_90d", countries=("JP",))
    volume = kpi_table(sample_db, ["volume"], flt=flt)["value"][0]
    tile = next(m for m in at.metric if m.label == "Volume")
    assert tile.value == fmt.count(volume)
    assert any(m.value == "Japan" or "Japan" in m.value for m in at.subheader)
    heatmap = next(f for f in figures(at) if f.data[0].type == "heatmap")
    # per-hour averages: each times the hours of it the 90 days cover in Tokyo gives the volume
    covered = hours_covered(flt, reference.country_timezone("JP"))
    assert np.nansum(np.asarray(values(heatmap.data[0].z)) * covered) == pytest.approx(volume)
    assert list(heatmap.data[0].y) == ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]


def test_markets_language_view_compares_demand_and_staff(use_sample, sample_db):
    at = open_page("pages/2_Markets.py", {"period": "last_90d"})
    balance = language_balance(sample_db, sample_filter("last_90d"))
    chart = next(f for f in figures(at) if f.data[0].type == "bar")
    supply, demand = chart.data  # supply drawn first: the lower bar of each pair
    demand_x, supply_x = values(demand.x), values(supply.x)
    assert demand_x.sum() == pytest.approx(100) and supply_x.sum() == pytest.approx(100)
    korean = list(demand.y).index("Korean")
    expected = balance.set_index("language").loc["ko"]
    assert demand_x[korean] == pytest.approx(expected["work_share"] * 100)
    assert supply_x[korean] == pytest.approx(expected["supply_share"] * 100)


@pytest.mark.parametrize("script", ["dashboard.py", "pages/2_Markets.py"])
def test_a_link_with_an_unknown_country_says_so(use_sample, script):
    at = open_page(script, {"country": "KR,ZZ"})
    assert not at.exception
    warnings = [rendered_text(w.value) for w in at.warning if "ZZ" in w.value]
    assert len(warnings) == 1 and "JP, KE, KR, MA" in warnings[0]  # names the valid values
    assert "Korea" in at.caption[0].value  # the known code still filters the view
