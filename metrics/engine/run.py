"""Run a request: execute its SQL, shape the raw aggregates into the tidy KPI table.

``kpi_table`` is the one entry point the rest of the app uses: it compiles the request
(``metrics.engine.compile``), runs it on the database, turns each KPI's aggregate columns into
value, n and interval, then hides small survey groups and adds the comparisons
(``metrics.engine.statistics``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from data_access.catalog import read_catalog
from data_access.database import Database
from data_access.filters import Filter
from data_access.results import precomputed
from metrics import maturity
from metrics.engine.compile import compile_request, request_periods, split_dimensions
from metrics.engine.kinds import kind_of, part_of
from metrics.engine.statistics import changes, suppress
from metrics.registry import LOW_CONFIDENCE_N, MIN_SURVEY_RESPONSES, Kpi, get_kpis

RESULT_COLUMNS = ["kpi", "value", "n", "ci_low", "ci_high", "low_confidence", "suppressed",
                  "after_data_end"]  # fmt: skip

TIDY_ORDER = ["value", "n", "ci_low", "ci_high", "se", "low_confidence", "suppressed",
              "after_data_end"]  # fmt: skip


def _kpi_rows(raw: pd.DataFrame, kpi: Kpi, keys: list[str]) -> pd.DataFrame:
    """Turn one KPI's raw aggregate columns into tidy rows with intervals."""
    part = raw[raw["__part"] == part_of(kpi)]
    measures = kind_of(kpi).measures(part, kpi)
    n = measures.n
    hidden = kpi.is_survey & (n < MIN_SURVEY_RESPONSES)
    columns = {"value": measures.value, "ci_low": measures.ci_low, "ci_high": measures.ci_high,
               "se": measures.se, **measures.detail}  # fmt: skip
    # nothing about a too-small survey group leaks out
    columns = {name: np.where(hidden, np.nan, values) for name, values in columns.items()}
    columns.update(n=n, low_confidence=n < LOW_CONFIDENCE_N, suppressed=hidden,
                   after_data_end=measures.after_data_end)  # fmt: skip
    out = part[keys].assign(kpi=kpi.id)
    return out.assign(**{name: columns[name] for name in TIDY_ORDER + list(measures.detail)})


@precomputed
def kpi_table(
    db: Database,
    kpis: Sequence[str],
    by: Sequence[str] = (),
    flt: Filter | None = None,
    grain: str | None = None,
    compare: Sequence[str] = (),
    details: bool = False,
    keep: Mapping[str, Sequence[str]] | None = None,
) -> pd.DataFrame:
    """KPIs by dimensions: one row per group and KPI.

    Columns: the group columns (``by`` then the grain), ``kpi``, ``value``, ``n``, ``ci_low``,
    ``ci_high``, ``low_confidence``, ``suppressed``, ``provisional`` (not settled yet,
    ``metrics.maturity``), ``after_data_end`` (a backlog counted at a moment after the data's
    last day, in the filter's zone: value and n NaN); with ``compare``, for each comparison
    ``<name>_value``, ``_n``, ``_delta``, ``_delta_rel``, ``_p_value``, ``_significant``,
    ``_not_tested`` (why there is no p-value: ``metrics.maturity``'s reason codes).
    ``details=True`` keeps the raw statistics (successes, se, sd, promoters, detractors).
    ``keep`` lumps the members of a dimension outside the given list into 'Other'.
    Survey groups whose scores could be read or worked out are ``suppressed``
    (``statistics.suppress``): their scores and statistics are NaN, their ``n`` is kept.
    """
    flt = flt or Filter()
    compiled = compile_request(kpis, by, flt, grain, compare, keep)
    raw = db.query(compiled.sql, compiled.params)
    dims = split_dimensions(by, grain)
    keys = [d.id for d in dims]
    frames = [_kpi_rows(raw, k, [*keys, "period"]) for k in get_kpis(list(kpis))]
    table = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
    table = table.sort_values([*keys, "period"], kind="stable").reset_index(drop=True)
    table = suppress(table, raw, get_kpis(list(kpis)), keys, flt)
    span = read_catalog(db)
    if compare:
        table = changes(table, keys, request_periods(flt, compare), grain, span)
    else:
        table = table.drop(columns="period")
        table = table.assign(provisional=maturity.provisional(table, span, flt, grain))
    detail_columns = ["se", "successes", "sd", "promoters", "detractors"]
    if not details:
        table = table.drop(columns=[c for c in table.columns if c in detail_columns
                                    or c.endswith("_other")])  # fmt: skip
    return table.reset_index(drop=True)


def top_members(db: Database, dimension: str, flt: Filter, n: int) -> list[str]:
    """The ``n`` members of a dimension with the most contacts under the filter."""
    table = kpi_table(db, ["volume"], by=[dimension], flt=flt)
    return table.nlargest(n, "value")[dimension].tolist()
