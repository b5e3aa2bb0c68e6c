"""Real exports through the saved mappings, and their KPIs against pandas on the raw files.

../shared/realdata holds public samples (read its README): LA 311 service requests as
tickets (RequestSource is the channel, Owner the team, Los Angeles time) and Olist reviews as
surveys (review_score is CSAT). The mappings are committed under data_access/importer/mappings;
the data files are not copied into the repository. Every expected number below is computed with
pandas from the raw CSV, independently of the importer and the metrics engine.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pandas as pd
import pytest

from data_access.database import Database
from data_access.filters import Filter
from data_access.importer import import_file, load_mapping, privacy, saved_mappings
from data_access.quality import import_history, quality_indicators, table_overview
from metrics.engine import kpi_table
from tests.importer_helpers import KEY, LA311, OLIST, scalar

pytestmark = pytest.mark.skipif(not LA311.exists() or not OLIST.exists(),
                                reason="real-data samples not available")  # fmt: skip


@pytest.fixture(scope="module")
def imported(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    """A new database holding exactly the two real samples."""
    db = tmp_path_factory.mktemp("realdata") / "real.duckdb"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(privacy.KEY_ENV, KEY)
        mappings = saved_mappings()
        tickets = import_file(
            "tickets", LA311, db, load_mapping(mappings["la311_service_requests"])
        )
        surveys = import_file("surveys", OLIST, db, load_mapping(mappings["olist_order_reviews"]))
    return db, {"tickets": tickets, "surveys": surveys}


def la311_expected() -> pd.DataFrame:
    """The LA 311 file as the mapping describes it, computed with pandas alone."""
    raw = pd.read_csv(LA311, dtype=str, keep_default_na=False)
    mapping = json.loads((saved_mappings()["la311_service_requests"]).read_text())
    channel_of = mapping["columns"]["channel"]["values"]
    pattern = "%m/%d/%Y %I:%M:%S %p"
    local = "America/Los_Angeles"
    frame = pd.DataFrame({
        "ticket_id": raw["SRNumber"],
        "created": pd.to_datetime(raw["CreatedDate"], format=pattern).dt.tz_localize(local)
        .dt.tz_convert("UTC"),
        "resolved": pd.to_datetime(raw["ClosedDate"].replace("", None), format=pattern)
        .dt.tz_localize(local).dt.tz_convert("UTC"),
        "channel": raw["RequestSource"].map(channel_of),
        "hub": raw["Owner"],
    })  # fmt: skip
    frame["refused"] = frame["resolved"] < frame["created"]  # resolution before creation
    return frame


def test_real_exports_import_with_their_saved_mappings(imported):
    db, results = imported
    tickets, surveys = results["tickets"], results["surveys"]
    expected = la311_expected()
    assert tickets.rows_read == len(expected) == 9_999
    assert tickets.rows_refused == int(expected["refused"].sum()) == 12
    assert tickets.reasons == {"resolution before creation": 12}
    assert set(tickets.problems["row"]) == {i + 2 for i in expected.index[expected["refused"]]}
    olist = pd.read_csv(OLIST, dtype=str)
    duplicates = olist["review_id"].duplicated()
    assert surveys.rows_read == len(olist) == 6_123
    assert surveys.reasons == {"duplicate id": int(duplicates.sum())}
    assert set(surveys.problems["row"]) == {i + 2 for i in olist.index[duplicates]}
    assert surveys.rows_loaded == olist["review_id"].nunique()
    # requests have no customer id: each SRNumber is its own (hashed) customer
    assert scalar(db, "SELECT count(DISTINCT customer_id) FROM tickets") == tickets.rows_loaded
    assert scalar(db, "SELECT count(*) FROM tickets WHERE customer_id LIKE '1-%'") == 0


def test_kpis_of_the_imported_data_match_pandas_on_the_raw_files(imported):
    db, _ = imported
    database = Database(db)
    loaded = la311_expected()
    loaded = loaded[~loaded["refused"]]

    volume = kpi_table(database, ["volume"], by=["channel"], flt=Filter())
    assert dict(zip(volume["channel"], volume["value"], strict=True)) == (
        loaded["channel"].value_counts().astype(float).to_dict()
    )
    seconds = (loaded["resolved"] - loaded["created"]).dt.total_seconds().dropna()
    headline = kpi_table(database, ["resolution_median", "csat"], flt=Filter()).set_index("kpi")
    assert headline.loc["resolution_median", "value"] == pytest.approx(seconds.median())
    assert headline.loc["resolution_median", "n"] == len(seconds)

    olist = pd.read_csv(OLIST, dtype=str).drop_duplicates("review_id", keep="first")
    scores = olist["review_score"].astype(int)
    # surveys without a matching ticket still count in the total (left join in the engine)
    assert headline.loc["csat", "value"] == pytest.approx((scores >= 4).mean())
    assert headline.loc["csat", "n"] == len(scores)

    by_hub = kpi_table(database, ["volume"], by=["hub"], flt=Filter())
    assert dict(zip(by_hub["hub"], by_hub["value"], strict=True)) == (
        loaded["hub"].value_counts().astype(float).to_dict()
    )
    # Los Angeles local time of the first request, converted to UTC on the way in
    first = scalar(db, "SELECT min(created_at) FROM tickets")
    assert first == loaded["created"].min().to_pydatetime()
    assert first.astimezone(dt.UTC).hour == 21  # 13:36 in Los Angeles on 27 Dec 2017


def test_the_data_page_functions_describe_the_imports(imported):
    db, _ = imported
    database = Database(db)
    overview = table_overview(database).set_index("table_name")
    assert overview.loc["tickets", "rows"] == 9_987
    assert overview.loc["tickets", "last_source"] == LA311.name
    assert overview.loc["surveys", "last_duplicates"] == 2
    history = import_history(database)
    assert history["source_file"].tolist() == [OLIST.name, LA311.name]
    assert "resolution before creation (12)" in history["refused_by_reason"].iloc[1]
    quality = quality_indicators(database).set_index("indicator")
    without_ticket = quality.loc["Surveys without a ticket"]
    assert (without_ticket["count"], without_ticket["of"]) == (6_121, 6_121)
    assert quality.loc["Unknown country (tickets)", "count"] == 0
