"""One call for any KPIs, grouped by any dimensions, under a filter, with honest statistics.

From a number on a page to its SQL: the page calls ``ui.data.kpi_table`` (cached by data
version), which calls ``metrics.engine.run.kpi_table``, which compiles the request with
``metrics.engine.compile.compile_request`` (one statement plus bound parameters; print
``compile_request(...).sql`` to read it), runs it, and shapes the tidy table.

- ``compile``: request -> SQL and bound parameters, no database.
- ``run``: executes the statement, turns raw aggregates into value, n and interval per group.
- ``statistics``: survey privacy suppression, comparisons with other periods and their p-values.
- ``kinds``: one object per KPI kind (count, ratio, mean, nps, quantile, backlog) with its SQL
  aggregates, its value, n and interval, and its test of a change.
"""

from metrics.engine.compile import COMPARISONS, LOCAL_TIMES, OTHER, compile_request
from metrics.engine.kinds import order_statistic_window
from metrics.engine.run import RESULT_COLUMNS, kpi_table, top_members

__all__ = [
    "COMPARISONS",
    "LOCAL_TIMES",
    "OTHER",
    "RESULT_COLUMNS",
    "compile_request",
    "kpi_table",
    "order_statistic_window",
    "top_members",
]
