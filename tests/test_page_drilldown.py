"""The tickets behind a number, in the app: a tile's dialog pages, sorts and counts like the
engine; a score hidden for privacy offers no list. (A chart point's cell: test_drilldown.py.)"""

from __future__ import annotations

import pandas as pd

from metrics import drilldown
from metrics.drilldown import Cell, Scope
from metrics.engine import kpi_table
from tests.apptest import open_page, sample_filter


def caption(at: object) -> str:
    return next(c.value for c in at.caption if c.value.startswith("Rows "))


def test_a_tile_lists_its_tickets_page_by_page_and_sorted(use_sample, sample_db, sample_con):
    flt = sample_filter("last_28d")
    volume = int(kpi_table(sample_db, ["volume"], flt=flt)["value"].iloc[0])
    at = open_page("dashboard.py", {"period": "last_28d"})
    tile = next(b for b in at.button if b.key == "tile_volume_drill")
    assert tile.label == f"{volume:,} tickets" and tile.help == f"Show the {volume:,} tickets"
    at = tile.click().run()
    pages = -(-volume // 50)
    assert caption(at) == (f"Rows 1–50 of {volume:,} tickets, page 1 of {pages}. Times: the "
                           "customer's local time (with its zone) and UTC.")  # fmt: skip
    first = at.dataframe[0].value
    assert len(first) == 50 and first["ticket_id"].is_monotonic_increasing

    at = at.number_input(key="tile_volume_drill_page").set_value(2).run()
    second = at.dataframe[0].value
    assert caption(at).startswith(f"Rows 51–100 of {volume:,} tickets, page 2 of {pages}.")
    assert not set(first["ticket_id"]) & set(second["ticket_id"])
    assert second["ticket_id"].tolist() == drilldown.rows(
        sample_db, Cell("volume", Scope(flt)), offset=50)["ticket_id"].tolist()  # fmt: skip

    at = at.selectbox(key="tile_volume_drill_sort").set_value("created_utc").run()
    at = at.toggle(key="tile_volume_drill_descending").set_value(True).run()
    at = at.number_input(key="tile_volume_drill_page").set_value(1).run()
    latest = sample_con.execute(
        "SELECT max(timezone('UTC', created_at)) FROM tickets WHERE created_at >= ? "
        "AND created_at < ?", [flt.start_ts, flt.end_ts]).fetchone()[0]  # fmt: skip
    newest = at.dataframe[0].value["created_utc"]
    assert newest.iloc[0] == pd.Timestamp(latest) and newest.is_monotonic_decreasing


def test_a_survey_score_hidden_for_privacy_lists_no_responses(use_sample, sample_db):
    """The Netherlands had 4 CSAT answers in the last 7 days: the tile's score is hidden, and so
    are the answers."""
    flt = sample_filter("last_7d", countries=("NL",))
    table = kpi_table(sample_db, ["csat"], flt=flt)
    assert table["n"].iloc[0] == 4 and table["suppressed"].iloc[0]
    at = open_page("dashboard.py", {"period": "last_7d", "country": "NL"})
    tile = next(b for b in at.button if b.key == "tile_csat_drill")
    assert tile.disabled and "Hidden for privacy" in tile.help
    volume = next(b for b in at.button if b.key == "tile_volume_drill")
    assert not volume.disabled


def test_a_row_of_the_data_behind_a_chart_lists_its_tickets(use_sample, sample_db):
    """Trends' table: selecting a week's row offers that week's tickets, as many as the engine
    counts (dialog included)."""
    weeks = kpi_table(sample_db, ["volume"], flt=sample_filter("last_90d"), grain="week")
    at = open_page("pages/1_Trends.py", {"period": "last_90d"})
    assert not [b for b in at.button if b.key == "trend_table_drill"]  # nothing selected yet
    at.session_state["trend_table"] = {"selection": {"rows": [2], "columns": [], "cells": []}}
    at = at.run()
    volume = int(weeks.sort_values("week")["value"].iloc[2])
    drill = next(b for b in at.button if b.key == "trend_table_drill")
    assert drill.label == f"Show the {volume:,} tickets"
    at = drill.click().run()
    assert caption(at).startswith(f"Rows 1–50 of {volume:,} tickets,")
    at = at.number_input(key="trend_table_drill_page").set_value(3).run()
    assert caption(at).startswith(f"Rows 101–150 of {volume:,} tickets,")
    # another row under the same button opens on its own first page
    at.session_state["trend_table"] = {"selection": {"rows": [1], "columns": [], "cells": []}}
    at = next(b for b in at.run().button if b.key == "trend_table_drill").click().run()
    other = int(weeks.sort_values("week")["value"].iloc[1])
    assert caption(at).startswith(f"Rows 1–50 of {other:,} tickets,")
