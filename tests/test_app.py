"""The app as a user meets it, through Streamlit's AppTest: every page, filters, URL state."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from data_access import config
from data_access.database import Database
from data_access.filters import Filter
from metrics.engine import kpi_table
from presentation import format as fmt
from tests.apptest import misspelt_kpis, open_page, shown_labels
from tests.browser import SAVED_PATHS
from tests.conftest import SAMPLE_END
from ui.filters import period_dates
from ui.page import PAGES

ROOT = Path(__file__).resolve().parent.parent
SCRIPTS = [p.script for p in PAGES]
HEADLINE = ("volume", "frt_median", "resolution_median", "csat", "nps")
SERVICE = ("sla", "fcr", "abandonment", "bot_containment", "backlog")


def test_every_page_is_declared_once_and_keeps_its_saved_link():
    page_files = {"dashboard.py", *(f"pages/{f.name}" for f in (ROOT / "pages").glob("*.py"))}
    assert [p.script for p in PAGES] == sorted(page_files, key=lambda s: (s != "dashboard.py", s))
    assert len({p.scope for p in PAGES}) == len(PAGES)
    assert {p.script: f"/{p.url_path}" for p in PAGES} == SAVED_PATHS
    for script in page_files:  # the page's own file says nothing about itself but its path
        assert "flt = page(__file__)" in (ROOT / script).read_text(), script


def sidebar_multiselect(at: AppTest, label: str):
    return next(w for w in at.sidebar.multiselect if w.label == label)


def sidebar_selectbox(at: AppTest, label: str):
    return next(w for w in at.sidebar.selectbox if w.label == label)


def expected_tiles(path: Path, flt: Filter) -> dict[str, str]:
    table = kpi_table(Database(path), HEADLINE, flt=flt).set_index("kpi")
    return {k: fmt.kpi_value(k, table.loc[k, "value"]) for k in HEADLINE}


@pytest.mark.both_layouts
@pytest.mark.parametrize("script", SCRIPTS)
@pytest.mark.parametrize(
    "query", [{}, {"country": "KR,JP", "channel": "chat", "period": "last_90d"}]
)
def test_every_page_renders_real_content(use_sample, script, query):
    at = open_page(script, query)
    assert not at.exception, [e.message for e in at.exception]
    registered = next(p for p in PAGES if p.script == script)
    assert at.title[0].value == f"{registered.icon} {registered.title}"
    if script != "pages/9_Data.py":  # which names data-quality checks, not KPIs
        assert misspelt_kpis(shown_labels(at)) == []  # one name per KPI on every page
    if script == "dashboard.py":
        values = [m.value for m in at.metric]
        assert len(values) == len(HEADLINE) + len(SERVICE)
        assert all(v and v != fmt.MISSING for v in values)
    if script == "pages/9_Data.py":
        table = at.dataframe[0].value
        assert table.set_index("table_name").loc["tickets", "rows"] > 0
    if query:
        assert sorted(sidebar_multiselect(at, "Country").value) == ["JP", "KR"]


def test_overview_tiles_equal_the_metrics_engine(use_sample):
    at = open_page("dashboard.py", {"country": "JP", "period": "last_90d"})
    start, end = period_dates("last_90d", SAMPLE_END)
    expected = expected_tiles(use_sample, Filter(start=start, end=end, countries=("JP",)))
    shown = {m.label: m.value for m in at.metric[: len(HEADLINE)]}
    assert shown == {
        "Volume": expected["volume"],
        "Median first response": expected["frt_median"],
        "Median resolution": expected["resolution_median"],
        "CSAT": expected["csat"],
        "NPS": expected["nps"],
    }
    assert all(m.delta for m in at.metric)  # every tile compares with the previous period


def test_changing_a_filter_changes_the_numbers_and_the_url(use_sample):
    at = open_page("dashboard.py")
    before = at.metric[0].value
    sidebar_multiselect(at, "Language").set_value(["ko"]).run()
    assert at.query_params.get("language") == "ko"
    start, end = period_dates("last_28d", SAMPLE_END)
    expected = expected_tiles(use_sample, Filter(start=start, end=end, languages=("ko",)))
    assert at.metric[0].value == expected["volume"] != before


def test_filters_survive_a_page_switch(use_sample):
    at = open_page("dashboard.py")
    sidebar_multiselect(at, "Country").set_value(["DE"]).run()
    sidebar_selectbox(at, "Period").set_value("last_90d").run()
    assert at.query_params == {"country": "DE", "period": "last_90d"}
    for script in [*SCRIPTS[1:], SCRIPTS[0]]:
        at.query_params.clear()  # a real browser drops the query string on navigation
        at.switch_page(script).run()
        assert not at.exception
        assert sidebar_multiselect(at, "Country").value == ["DE"]
        assert sidebar_selectbox(at, "Period").value == "last_90d"
        assert at.query_params == {"country": "DE", "period": "last_90d"}


def test_custom_dates_come_from_and_go_to_the_url(use_sample):
    at = open_page("dashboard.py", {"period": "custom", "dates": "2025-11-28..2025-12-01"})
    assert next(w for w in at.sidebar.date_input).value == (
        dt.date(2025, 11, 28),
        dt.date(2025, 12, 1),
    )
    expected = expected_tiles(
        use_sample, Filter(start=dt.date(2025, 11, 28), end=dt.date(2025, 12, 1))
    )
    assert at.metric[0].value == expected["volume"]
    assert at.query_params["dates"] == "2025-11-28..2025-12-01"


def test_bad_url_values_fall_back_to_defaults(use_sample):
    hostile = "XX,KR,'; DROP TABLE tickets;--"
    at = open_page(
        "dashboard.py", {"country": hostile, "period": "forever", "dates": "yesterday..tomorrow"}
    )
    assert not at.exception
    assert sidebar_multiselect(at, "Country").value == ["KR"]
    assert sidebar_selectbox(at, "Period").value == "last_28d"
    assert at.query_params == {"country": "KR"}


def test_reset_restores_the_defaults(use_sample):
    at = open_page("dashboard.py", {"country": "KR", "period": "last_7d"})
    next(b for b in at.sidebar.button if b.label == "Reset filters").click().run()
    assert sidebar_multiselect(at, "Country").value == []
    assert at.query_params == {}


def test_first_start_builds_the_sample_with_progress(monkeypatch, tmp_path):
    monkeypatch.delenv(config.ENV_VAR, raising=False)
    monkeypatch.setattr(config, "DEFAULT_DB", tmp_path / "data" / "sample.duckdb")
    at = open_page("dashboard.py")
    assert not at.exception
    assert (tmp_path / "data" / "sample.duckdb").exists()
    assert any("Sample dataset ready" in s.label for s in at.status)
    assert len(at.metric) == 10 and all(m.value != fmt.MISSING for m in at.metric)


def test_missing_configured_data_is_a_clear_message(monkeypatch, tmp_path):
    monkeypatch.setenv(config.ENV_VAR, str(tmp_path / "nowhere.duckdb"))
    at = open_page("dashboard.py")
    assert not at.exception
    assert "No data found" in at.error[0].value
