"""A market review on Trends, Markets, Peak season and Staffing: one country or one language
gets charts and tables that fit it, and the layout facts read from the figures (axis ranges,
legend and title positions, colour scales, label lengths) hold.

Plotly places an automatically positioned title with its baseline in the middle of the top
margin; subplot titles stand on the plot's top edge. The geometry helpers below follow those
rules to tell whether two texts meet without a browser (the screenshots check the rest).
"""

from __future__ import annotations

import unicodedata

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import pytest

from metrics.engine import kpi_table
from metrics.peaks import holiday_effects
from metrics.schedule import scheduled_hours
from metrics.staffing import Targets, in_local_time, staffing_plan, worst_gaps
from presentation import format as fmt
from tests.apptest import (
    column_config,
    figures,
    open_page,
    sample_filter,
    shown_cells,
    values,
    widget,
)

MAX_TILE_LABEL = 26  # display columns (a Korean syllable takes two) a tile shows uncut


def display_width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def x_end(fig: go.Figure) -> pd.Timestamp:
    """Where the x-axis ends: its range, or (autorange) the furthest trace point or shape."""
    if fig.layout.xaxis.range:
        return pd.Timestamp(fig.layout.xaxis.range[1])
    ends = [pd.Timestamp(s.x1) for s in fig.layout.shapes if s.x1 is not None]
    ends += [pd.Timestamp(x) for t in fig.data for x in (t.x or ()) if x is not None]
    return max(ends)


def _layout(fig: go.Figure, path: str) -> object:
    """A layout value, else the template's."""
    value = fig.layout
    default = fig.layout.template.layout
    for name in path.split("."):
        value, default = getattr(value, name), getattr(default, name)
    return default if value is None else value


def title_bottom(fig: go.Figure) -> float:
    """Pixels from the figure's top to the bottom of its title text."""
    size = _layout(fig, "title.font.size")
    if fig.layout.title.y in (None, "auto"):  # baseline at the middle of the top margin
        return _layout(fig, "margin.t") / 2 + 0.3 * size
    assert fig.layout.title.yref == "container" and fig.layout.title.yanchor == "top"
    return (1 - fig.layout.title.y) * fig.layout.height + fig.layout.title.pad.t + 1.3 * size


def plot_top(fig: go.Figure) -> float:
    return _layout(fig, "margin.t")


def legend_above_plot(fig: go.Figure) -> bool:
    """The legend sits between title and plot (not under the plot by the x-axis title)."""
    return _layout(fig, "legend.y") >= 1 and _layout(fig, "legend.yanchor") == "bottom"


def legend_in_bar_order(fig: go.Figure) -> bool:
    """The legend lists a horizontal bar chart's bars in their order from the top. A group
    draws its first trace (offset group) lowest; the legend goes by rank, then trace order."""
    bars = [t for t in fig.data if t.type == "bar"]
    groups = list(dict.fromkeys(t.offsetgroup or t.name for t in bars))[::-1]
    listed = sorted(enumerate(bars), key=lambda b: (b[1].legendrank or 1000, b[0]))
    legend_groups = list(dict.fromkeys(t.offsetgroup or t.name for _, t in listed))
    return legend_groups == groups


# ---------------------------------------------------------------- Trends
def test_trends_axis_ends_with_the_data_and_names_peaks_in_the_legend(use_sample):
    # Black Friday 2025 runs 28 Nov - 1 Dec: it starts on the period's last day
    at = open_page("pages/1_Trends.py", {"period": "custom", "dates": "2025-11-01..2025-11-28"})
    figure = figures(at)[0]
    last = pd.Timestamp("2025-11-28")  # the last day bucket with data
    assert last <= x_end(figure) <= last + pd.Timedelta(days=1)
    assert all(pd.Timestamp(s.x1) <= x_end(figure) for s in figure.layout.shapes)
    names = {t.name for t in figure.data}
    assert {"Black Friday – Cyber Monday", "11.11 Singles' Day"} <= names
    assert not figure.layout.annotations  # no names written on the plot to run into each other
    friday = next(t for t in figure.data if t.name == "Black Friday – Cyber Monday")
    assert friday.hovertext == ("Black Friday – Cyber Monday: 28 Nov 2025 – 01 Dec 2025",)


# ---------------------------------------------------------------- Markets
def test_markets_languages_of_one_market_among_all_the_work(use_sample, sample_db):
    at = open_page("pages/2_Markets.py", {"country": "KR"})
    chart = next(f for f in figures(at) if f.data[0].type == "bar")
    flt = sample_filter()
    volume = kpi_table(sample_db, ["volume"], by=["language"], flt=flt.narrowed(countries=("KR",)))
    korean_languages = {fmt.member("language", c) for c in volume["language"]}
    assert {y for t in chart.data for y in t.y} == korean_languages
    # shares of all the work and all the schedule, so not 100 %: worked from the engine
    work = kpi_table(sample_db, ["aht"], by=["language"], flt=flt).set_index("language")
    hours = work["value"] * work["n"]
    supply = scheduled_hours(sample_db, flt).groupby("language")["agent_hours"].sum()
    bars = {t.name: dict(zip(t.y, values(t.x), strict=True)) for t in chart.data}
    korean = fmt.member("language", "ko")
    own, others = bars["work from South Korea (demand)"], bars["work from other markets"]
    assert own[korean] + others[korean] == pytest.approx(hours["ko"] / hours.sum() * 100)
    assert bars["scheduled agent hours (supply)"][korean] == pytest.approx(
        supply["ko"] / supply.sum() * 100)  # fmt: skip
    assert max(v for shares in bars.values() for v in shares.values()) < 50
    assert legend_above_plot(chart) and legend_in_bar_order(chart)


# ---------------------------------------------------------------- Peak season
def test_peak_season_for_korea_puts_the_coming_peaks_first(use_sample):
    at = open_page("pages/5_Peak_season.py", {"country": "KR"})
    table = next(t for t in at.dataframe if "description" in t.value)
    rows = table.value[["status", "label", "start"]].astype(str).values.tolist()
    # today is 26 Nov 2026; Lunar New Year 2027 is 6 Feb, Chuseok 2027 15 Sep (2026: 17 Feb,
    # 25 Sep); their windows are the two weeks and ten days before
    assert rows == [
        ["coming", "Lunar New Year", "2027-01-23"],
        ["coming", "Chuseok", "2027-09-05"],
        ["past", "Chuseok", "2026-09-15"],
        ["past", "Lunar New Year", "2026-02-03"],
    ]
    # the description wraps in a column of its own width instead of running off the table
    assert table.proto.row_height > 64 and column_config(table)["description"]["width"] >= 300


def test_peak_season_charts_for_korea_fit_their_content(use_sample):
    at = open_page("pages/5_Peak_season.py", {"country": "KR"})
    charts = {f.layout.title.text: f for f in figures(at)}
    peak = next(f for t, f in charts.items() if t.startswith("Chuseok 2026"))  # the latest
    members = len(peak.data[0].y)
    assert members == 1 and peak.layout.height <= 34 * members + 180
    assert legend_above_plot(peak) and legend_in_bar_order(peak)
    heatmaps = next(f for t, f in charts.items() if t.startswith("Contacts per hour"))
    subplot_title_size = heatmaps.layout.annotations[0].font.size
    assert title_bottom(heatmaps) <= plot_top(heatmaps) - 1.3 * subplot_title_size


def test_peak_sizes_for_every_market_fit_their_bars(use_sample):
    at = open_page("pages/5_Peak_season.py", {"peak": "black_friday"})
    table = next(t for t in at.dataframe if "description" in t.value)
    assert table.value["label"].iloc[0] == "Black Friday – Cyber Monday"  # from 27 Nov 2026
    chart = next(f for f in figures(at) if f.layout.title.text.startswith("Black Friday"))
    members = len(chart.data[0].y)
    assert members > 15 and chart.layout.height <= 34 * members + 180
    assert legend_above_plot(chart) and legend_in_bar_order(chart)


def test_peak_season_holidays_are_written_the_apps_way(use_sample, sample_db):
    at = open_page("pages/5_Peak_season.py", {"country": "JP"})
    effects = holiday_effects(sample_db, sample_filter(countries=("JP",)), ["JP"])
    assert len(effects) == 2  # Culture Day, Labour Thanksgiving Day
    cells = shown_cells(next(t for t in at.dataframe if "ratio" in t.value))
    assert cells["volume"].tolist() == [fmt.count(v) for v in effects["volume"]]
    assert cells["usual"].tolist() == [fmt.count(v) for v in effects["usual"]]
    assert cells["ratio"].tolist() == [fmt.multiplier(v) for v in effects["ratio"]]


# ---------------------------------------------------------------- Staffing
def test_staffing_for_korea_plans_only_its_languages(use_sample, sample_db):
    at = open_page("pages/6_Staffing.py", {"country": "KR"})
    assert not at.exception
    flt = sample_filter(countries=("KR",))
    volume = kpi_table(sample_db, ["volume"], by=["language"], flt=flt)
    expected = {fmt.member("language", c) for c in volume.loc[volume["value"] > 0, "language"]}
    assert set(widget(at.selectbox, "Language").options) == expected  # option labels
    charts = [f.layout.title.text for f in figures(at)]
    if len(expected) == 1:  # the chart of languages by hour would be one row: the week says it
        assert charts == [f"{expected.pop()}: scheduled minus required agents, a typical week"]


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_staffing_tile_labels_fit(use_sample, lang):
    at = open_page("pages/6_Staffing.py", {"lang": lang, "country": "KR"})
    assert len(at.metric) == 4
    assert all(display_width(m.label) <= MAX_TILE_LABEL for m in at.metric)


def test_staffing_gap_colours_span_most_cells_not_the_extremes(use_sample):
    at = open_page("pages/6_Staffing.py")
    for heatmap in [f for f in figures(at) if f.data[0].type == "heatmap"]:
        z = values(heatmap.data[0].z)
        spread = np.nanquantile(np.abs(z), 0.95)
        trace = heatmap.data[0]
        assert trace.zmin == -trace.zmax and spread <= trace.zmax <= 1.25 * spread + 0.1
        assert trace.colorbar.ticktext[-1].startswith("≥")  # the colour bar says it clips


def test_staffing_worst_gaps_are_written_the_apps_way(use_sample, sample_db):
    at = open_page("pages/6_Staffing.py", {"country": "KR"})
    plan = staffing_plan(sample_db, sample_filter(countries=("KR",)), Targets())
    worst = worst_gaps(in_local_time(plan, "UTC"), 25)
    cells = shown_cells(next(t for t in at.dataframe if "gap" in t.value))
    assert cells["contacts"].tolist() == [fmt.count(v) for v in worst["arrivals"]]
    assert cells["required"].tolist() == [fmt.count(v) for v in worst["required_scheduled"]]
    assert cells["scheduled"].tolist() == [fmt.number(v, 1) for v in worst["scheduled"]]
    assert cells["gap"].tolist() == [fmt.signed(v, 1) for v in worst["gap"]]
    assert cells["service level"].tolist() == [fmt.percent(v) for v in worst["service_level"]]
    assert cells["gap"].iloc[0].startswith("-") and "%" in cells["service level"].iloc[0]
