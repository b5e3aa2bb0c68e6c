"""The SQL the KPI compiler writes, against reviewed snapshots: no database, milliseconds.

Each case compiles one request with ``metrics.engine.compile_request`` and compares the
statement, laid out one clause and one top-level column per line, and its bound parameters with
``tests/snapshots/<case>.sql``. A change to the SQL fails here until the snapshot is refreshed
on purpose and the diff reviewed with the change:

    UPDATE_SNAPSHOTS=1 python -m pytest tests/test_metrics_sql.py -n 0

and, whatever the snapshots say, no value a user can choose ever appears in the SQL text.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import pytest

from data_access.filters import DIMENSION_FIELDS, Filter
from metrics.engine import compile_request

SNAPSHOTS = Path(__file__).parent / "snapshots"
UPDATE = os.environ.get("UPDATE_SNAPSHOTS") == "1"
JANUARY = Filter(start=dt.date(2025, 1, 1), end=dt.date(2025, 1, 31))
# case -> the arguments of compile_request
CASES: dict[str, dict] = {
    "count_volume": {"kpis": ["volume"], "flt": JANUARY},
    "ratio_sla_by_channel": {"kpis": ["sla"], "by": ["channel"], "flt": JANUARY},
    "mean_frt": {"kpis": ["frt_mean"], "flt": JANUARY},
    # a survey KPI under a country filter: also the lifted-filter parts privacy needs
    "nps_in_two_countries": {"kpis": ["nps"], "flt": JANUARY.narrowed(countries=("JP", "KR"))},
    "quantiles_frt_median_and_p90": {"kpis": ["frt_median", "frt_p90"], "flt": JANUARY},
    "country_keep_us_jp_rest_other": {"kpis": ["volume", "csat"], "by": ["country"],
                                      "flt": JANUARY, "keep": {"country": ["US", "JP"]}},
    "week_in_seoul": {"kpis": ["volume"], "grain": "week",
                      "flt": Filter(dt.date(2025, 1, 6), dt.date(2025, 2, 2),
                                    timezone="Asia/Seoul")},
    "month_vs_previous_and_year_ago": {"kpis": ["volume", "csat"], "grain": "month",
                                       "flt": JANUARY, "compare": ["previous", "year_ago"]},
    "backlog_vs_previous": {"kpis": ["backlog"], "flt": JANUARY, "compare": ["previous"]},
    "backlog_by_day_in_new_york": {"kpis": ["backlog"], "by": ["hub"], "grain": "day",
                                   "flt": Filter(dt.date(2025, 1, 1), dt.date(2025, 1, 7),
                                                 timezone="America/New_York")},
}  # fmt: skip


def layout(sql: str) -> str:
    """``sql`` with line breaks for reading: before FROM, WHERE, GROUP BY and UNION ALL, and
    after each comma between the columns of an outer SELECT. Only spaces are replaced, so two
    different statements never look the same."""
    out, depth, quoted, i = [], 0, False, 0
    while i < len(sql):
        char = sql[i]
        quoted ^= char == "'"
        if not quoted:
            depth += (char == "(") - (char == ")")
            word = next((w for w in (" FROM ", " WHERE ", " GROUP BY ", " UNION ALL ")
                         if sql.startswith(w, i)), None)  # fmt: skip
            if word:
                out.append("\n" + "  " * (depth + 1) + word[1:])
                i += len(word)
                continue
            if depth == 0 and sql.startswith(", ", i):
                out.append(",\n    ")
                i += 2
                continue
        out.append(char)
        i += 1
    return "".join(out)


def snapshot_text(case: str) -> str:
    request = CASES[case]
    compiled = compile_request(**request)
    arguments = ", ".join(f"{name}={value!r}" for name, value in request.items())
    params = [f"-- ${name} = {value!r}" for name, value in sorted(compiled.params.items())]
    header = [f"-- compile_request({arguments})",
              "-- refresh: UPDATE_SNAPSHOTS=1 python -m pytest tests/test_metrics_sql.py -n 0",
              "-- bound parameters:", *params]  # fmt: skip
    return "\n".join([*header, layout(compiled.sql), ""])


@pytest.mark.parametrize("case", CASES)
def test_compiled_sql_matches_its_snapshot(case):
    path = SNAPSHOTS / f"{case}.sql"
    text = snapshot_text(case)
    if UPDATE:
        path.write_text(text)
    assert path.exists(), f"no snapshot {path}: create it with UPDATE_SNAPSHOTS=1"
    assert text == path.read_text()


def test_no_user_value_is_pasted_into_the_sql():
    hostile = "x'; DROP TABLE tickets; --"
    flt = Filter(dt.date(2025, 1, 1), dt.date(2025, 1, 31),
                 **{name: (hostile, "KR") for name in DIMENSION_FIELDS})  # fmt: skip
    compiled = compile_request(["volume", "frt_median", "sla", "frt_mean", "nps", "backlog"],
                               ["country"], flt, "week", ["previous", "year_ago"],
                               keep={"country": [hostile]})  # fmt: skip
    assert "DROP" not in compiled.sql and "KR" not in compiled.sql and "2025" not in compiled.sql
    assert {name: compiled.params[f"f_{name}"] for name in DIMENSION_FIELDS} == {
        name: sorted([hostile, "KR"]) for name in DIMENSION_FIELDS
    }
    assert compiled.params["keep_country"] == [hostile]
