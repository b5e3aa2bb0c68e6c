"""A market team's review: the views hold up for one market (issue: market review)."""

from __future__ import annotations

import dataclasses

from data_access import reference
from data_access.catalog import read_catalog
from data_access.database import Database
from metrics.engine import kpi_table
from presentation import format as fmt
from presentation import i18n
from tests.apptest import figures, open_page, sample_filter, shown_cells


def _values(db: Database, flt, kpis) -> list[str]:
    table = kpi_table(db, kpis, flt=flt).set_index("kpi").reindex(kpis)
    return [fmt.kpi_value(k, v) for k, v in zip(kpis, table["value"], strict=True)]


def test_one_market_overview_sets_it_beside_its_region_and_all_markets(use_sample):
    at = open_page("dashboard.py", {"country": "KR", "period": "last_90d"})
    assert not at.exception
    assert not [f for f in figures(at) if f.data and f.data[0].type == "choropleth"]
    shown = at.dataframe[0].value
    kpis = ["volume", "csat", "nps", "frt_median", "resolution_median", "sla", "fcr",
            "abandonment"]  # fmt: skip
    db = Database(use_sample)
    flt = sample_filter("last_90d", countries=("KR",))
    everywhere = dataclasses.replace(flt, countries=())
    neighbours = tuple(c for c in read_catalog(db).values["countries"]
                       if reference.country_region(c)[1] == "Eastern Asia")  # fmt: skip
    assert set(neighbours) >= {"CN", "JP", "KR"}
    region = dataclasses.replace(flt, countries=neighbours)
    assert list(shown.columns) == ["KPI", "South Korea", "Eastern Asia", "All markets"]
    assert list(shown["South Korea"]) == _values(db, flt, kpis)
    assert list(shown["Eastern Asia"]) == _values(db, region, kpis)
    assert list(shown["All markets"]) == _values(db, everywhere, kpis)


def test_movers_say_which_names_are_countries_and_which_languages(use_sample):
    at = open_page("dashboard.py", {"period": "last_90d"})
    movers = [m.value for m in at.markdown if "kpi=" in m.value]
    assert movers
    for line in movers:
        dimension = next(d for d in ("country", "language", "channel") if f"&{d}=" in line)
        assert f"\\({dimension}\\) · " in line, line


def test_the_data_source_line_is_in_the_reader_s_language():
    written = ("synthetic sample: 150000 tickets over 730 days, seed 7, ending 2026-11-26; "
               "last import: surveys from export.csv")  # fmt: skip
    assert fmt.data_source(written) == ("synthetic sample: 150,000 tickets ending 26 Nov 2026; "
                                        "last import: Surveys from export.csv")  # fmt: skip
    with i18n.using("ko"):
        assert fmt.data_source(written) == ("합성 샘플: 2026년 11월 26일까지 티켓 150,000건; "
                                            "마지막 가져오기: export.csv의 설문")  # fmt: skip
    assert fmt.data_source("exported from our CRM") == "exported from our CRM"


def test_every_tile_s_sparkline_has_the_same_points(use_sample):
    """Survey KPIs once had 5 weekly points beside 28 daily ones for the others."""
    at = open_page("dashboard.py", {"country": "KR"})
    points = {m.label: len(m.proto.chart_data) for m in at.metric}
    # the 28 days touch five weeks; a survey week hidden for privacy is left out
    assert max(points.values()) == 5 and points["Volume"] == points["Backlog"] == 5, points


def test_a_channel_s_hidden_csat_says_so_instead_of_none(use_sample):
    at = open_page("pages/3_Channels.py", {"country": "KR", "period": "last_90d"})
    frame, shown = at.dataframe[0].value, shown_cells(at.dataframe[0])
    small = frame["csat_n"] < 5
    assert small.any() and frame.loc[small, "csat"].isna().all()
    assert set(shown.loc[small, "csat"]) == {fmt.suppressed()}
    assert "None" not in shown.to_numpy().astype(str)


def test_one_market_s_voice_is_split_by_channel(use_sample):
    at = open_page("pages/4_Voice_of_the_customer.py", {"country": "KR"})
    assert next(w for w in at.selectbox if w.label == "Split by").value == "channel"
    at = open_page("pages/4_Voice_of_the_customer.py", {"country": "KR,JP"})
    assert next(w for w in at.selectbox if w.label == "Split by").value == "country"


def test_tables_write_a_dash_in_an_empty_cell_not_none(use_sample):
    at = open_page("pages/3_Channels.py", {"country": "KR", "period": "last_90d"})
    assert {t.proto.placeholder for t in at.dataframe} == {fmt.MISSING}
