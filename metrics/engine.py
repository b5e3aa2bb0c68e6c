"""One call for any KPIs, grouped by any dimensions, under a filter, with honest statistics.

``kpi_table`` compiles the request into a single DuckDB statement: one SELECT per
(source table, anchor timestamp, period), glued with ``UNION ALL BY NAME``. Ratios, quantiles and
means are always aggregated from rows at the requested grain, never from finer groups. The raw
aggregates then become a tidy table with intervals, sample sizes and low-confidence flags, and,
when asked, the change against the previous period and the same period a year earlier.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from data_access.catalog import Catalog, read_catalog
from data_access.database import Database
from data_access.filters import DIMENSION_FIELDS, Filter
from metrics import maturity, stats
from metrics.registry import (
    GRAINS,
    KPIS,
    LAST_CONTACT,
    RELATIONS,
    Dimension,
    Kpi,
    UnknownNameError,
    get_dimensions,
    get_kpis,
)

COMPARISONS = ("previous", "year_ago", "baseline")
OTHER = "Other"  # the lumped members outside ``keep``
LOCAL_TIMES = ("local_day", "local_hour", "local_hour_of_week")  # in each customer's own zone
RESULT_COLUMNS = ["kpi", "value", "n", "ci_low", "ci_high", "low_confidence", "suppressed",
                  "after_data_end"]  # fmt: skip


@dataclass(frozen=True)
class _Period:
    name: str
    flt: Filter
    shift_days: int = 0  # previous period: moved forward onto the current one (time grains)
    shift_year: bool = False  # year-ago period: moved forward one year


@dataclass
class _Compiled:
    sql: str
    params: dict[str, object]
    # quantile KPI -> its columns: count, rank of the window's first value, sorted window
    quantile_columns: dict[str, tuple[str, str, str]] = field(default_factory=dict)


def _periods(flt: Filter, compare: Sequence[str]) -> list[_Period]:
    periods = [_Period("current", flt)]
    if "previous" in compare:
        periods.append(_Period("previous", flt.previous_period(), shift_days=flt.days))
    if "year_ago" in compare:
        periods.append(_Period("year_ago", flt.year_earlier(), shift_year=True))
    if "baseline" in compare:
        periods.append(_Period("baseline", flt.baseline()))
    return periods


def _anchor_column(kpi: Kpi) -> str:
    return f"{'s' if kpi.is_survey else 't'}.{kpi.anchor}"


def _plain_sql(dim: Dimension, keep: Mapping[str, Sequence[str]]) -> str:
    """A categorical column, with members outside ``keep[dim]`` lumped into 'Other'."""
    if dim.id in keep:
        return f"CASE WHEN {dim.sql} = ANY($keep_{dim.id}) THEN {dim.sql} ELSE '{OTHER}' END"
    return dim.sql


def _bucket(grain: str, local: str) -> str:
    """The start of the ``grain`` bucket holding the local timestamp expression ``local``."""
    if grain == "half_hour":  # staffing intervals
        return f"time_bucket(INTERVAL 30 MINUTE, {local})"
    return f"date_trunc('{grain}', {local})"


def _wall_clock(ts: str, zone: str) -> str:
    """The wall-clock time in the filter's zone (``$tz``) of the timestamp expression ``ts``.

    In UTC, epoch arithmetic gives the same answer about eight times faster than the ICU time-zone
    path (0.09 s instead of 0.7 s for 10 M tickets by day); other zones need ICU for DST."""
    return f"make_timestamp(epoch_us({ts}))" if zone == "UTC" else f"timezone($tz, {ts})"


def _dimension_sql(
    dim: Dimension, anchor: str, period: _Period, prefix: str, keep: Mapping[str, Sequence[str]]
) -> str:
    """SQL for one grouping column, given the timestamp that places rows in time."""
    if dim.sql is not None:
        return _plain_sql(dim, keep)
    if dim.time in GRAINS:
        # shift the local wall-clock time, so results never depend on the session time zone
        local = _wall_clock(anchor, period.flt.timezone)
        if period.shift_days:
            local = f"({local} + to_days(CAST(${prefix}_shift AS INTEGER)))"
        elif period.shift_year:
            local = f"({local} + INTERVAL 1 YEAR)"
        return _bucket(dim.time, local)
    local = "t.local_created_at" if anchor == "t.created_at" else f"timezone(c.timezone, {anchor})"
    if dim.time == "local_hour":
        return f"hour({local})"
    if dim.time == "local_day":
        return f"date_trunc('day', {local})"
    return f"(isodow({local}) - 1) * 24 + hour({local})"  # local_hour_of_week


def _needs_countries(dims: list[Dimension], anchor: str) -> bool:
    local_dims = any(d.time in LOCAL_TIMES for d in dims)
    return any(d.needs_countries for d in dims) or (local_dims and anchor != "t.created_at")


def _on_source(sql: str, source: str) -> str:
    """Ticket-column SQL (``t.country``) for ``source``: surveys carry copies of those columns
    (``data_access.schema.SURVEYS``), so a survey query reads them from ``s`` with no join. A
    survey whose ticket is unknown still counts in totals; any dimension filter leaves it out."""
    return sql if source == "tickets" else re.sub(r"\bt\.", "s.", sql)


def _from_clause(source: str, join_countries: bool, relations: Sequence[str] = ()) -> str:
    relation = "tickets t" if source == "tickets" else "surveys s"
    if join_countries:
        relation += _on_source(" LEFT JOIN countries c ON c.country = t.country", source)
    for name in relations:
        relation += f" {RELATIONS[name]}"
    return relation


def _aggregates(kpis: list[Kpi], compiled: _Compiled, part: str) -> list[str]:
    """Aggregate expressions of one part; quantiles sharing an expression share one sort."""
    columns: list[str] = []
    quantile_groups: dict[tuple[str, str], list[Kpi]] = defaultdict(list)
    for k in kpis:
        if k.kind == "count":
            columns.append(f'count(*) AS "{k.id}__n"')
        elif k.kind == "ratio":
            columns.append(f'count(*) FILTER (WHERE ({k.rows}) AND ({k.success})) AS "{k.id}__k"')
            columns.append(f'count(*) FILTER (WHERE {k.rows}) AS "{k.id}__n"')
        elif k.kind == "mean":
            columns.append(f'avg({k.value}) FILTER (WHERE {k.rows}) AS "{k.id}__mean"')
            columns.append(f'stddev_samp({k.value}) FILTER (WHERE {k.rows}) AS "{k.id}__sd"')
            columns.append(f'count({k.value}) FILTER (WHERE {k.rows}) AS "{k.id}__n"')
        elif k.kind == "nps":
            columns.append(
                f'count(*) FILTER (WHERE ({k.rows}) AND {k.value} >= 9) AS "{k.id}__pro"'
            )
            columns.append(
                f'count(*) FILTER (WHERE ({k.rows}) AND {k.value} <= 6) AS "{k.id}__det"'
            )
            columns.append(f'count(*) FILTER (WHERE {k.rows}) AS "{k.id}__n"')
        elif k.kind == "quantile":
            quantile_groups[(k.value, k.rows)].append(k)
    for i, ((value, rows), group) in enumerate(quantile_groups.items()):
        name = f"{part}_q{i}"
        n = f"count({value}) FILTER (WHERE {rows})"
        # one sort per expression; DuckDB computes the identical aggregate once
        ordered = f"list({value} ORDER BY {value}) FILTER (WHERE {rows})"
        columns.append(f'{n} AS "{name}__n"')
        for j, q in enumerate(sorted({k.quantile for k in group})):
            first, last = order_statistic_window(n, q)
            columns.append(f'{first} AS "{name}__first{j}"')
            columns.append(f'list_slice({ordered}, {first}, {last}) AS "{name}__window{j}"')
            for k in group:
                if k.quantile == q:
                    compiled.quantile_columns[k.id] = (f"{name}__n", f"{name}__first{j}",
                                                       f"{name}__window{j}")  # fmt: skip
    return columns


def order_statistic_window(n: str, q: float) -> tuple[str, str]:
    """SQL for the first and last rank (1-based) of the sorted observations a q-quantile needs:
    n*q plus or minus 3 standard deviations of Binomial(n, q) and 3 ranks, which holds the
    interpolation points and both ranks of ``stats.quantile_ranks``. Only this window, not
    all n observations, leaves the database."""
    half = f"(ceil(3 * sqrt({n} * {q * (1 - q)!r})) + 3)::BIGINT"
    first = f"greatest(1, floor({n} * {q!r})::BIGINT - {half})"
    last = f"least({n}, ceil({n} * {q!r})::BIGINT + {half} + 1)"
    return first, last


def _split_dimensions(by: Sequence[str], grain: str | None) -> list[Dimension]:
    ids = list(by)
    if grain:
        if grain not in GRAINS:
            raise UnknownNameError(f"unknown grain {grain}; valid grains: {', '.join(GRAINS)}")
        if grain not in ids:
            ids.append(grain)
    dims = get_dimensions(ids)
    if len({d.id for d in dims}) != len(dims):
        raise ValueError("a dimension is listed twice")
    return dims


def compile_request(
    kpis: Sequence[str],
    by: Sequence[str] = (),
    flt: Filter | None = None,
    grain: str | None = None,
    compare: Sequence[str] = (),
    keep: Mapping[str, Sequence[str]] | None = None,
) -> _Compiled:
    """The SQL statement and bound parameters for a request (exposed for tests and the bench).

    ``keep`` maps a categorical dimension to the members shown on their own; the rest are
    computed together, from their rows, as 'Other' (a top-N split).
    """
    keep = dict(keep or {})
    flt = flt or Filter()
    kpi_defs = get_kpis(list(kpis))
    dims = _split_dimensions(by, grain)
    bad = [c for c in compare if c not in COMPARISONS]
    if bad:
        raise UnknownNameError(f"unknown comparison {bad}; valid: {', '.join(COMPARISONS)}")
    if compare and not flt.days:
        raise ValueError("comparisons need a filter with a start and an end date")
    if "baseline" in compare and any(d.time in GRAINS for d in dims):
        raise ValueError("the 12-month baseline compares whole periods; drop the time grain")
    lumped = [d for d in keep if d not in {dim.id for dim in dims if dim.sql is not None}]
    if lumped:
        raise ValueError(f"keep names dimensions that are not categorical groups: {lumped}")
    periods = _periods(flt, compare)
    compiled = _Compiled("", {"tz": flt.timezone})
    dim_clauses, dim_params = flt.dimension_sql("t")
    compiled.params.update(dim_params)
    compiled.params.update({f"keep_{d}": list(members) for d, members in keep.items()})
    for p in periods:
        _, time_params = p.flt.time_sql("x", prefix=p.name)
        compiled.params.update(time_params)
        if p.shift_days:
            compiled.params[f"{p.name}_shift"] = p.shift_days

    groups: dict[tuple[str, str], list[Kpi]] = defaultdict(list)
    for k in kpi_defs:
        if k.kind != "backlog":
            groups[(k.source, k.anchor)].append(k)

    selects = []
    for (source, anchor_name), group in groups.items():
        anchor = _anchor_column(group[0])
        part = f"{source}_{anchor_name}"
        aggregates = _aggregates(group, compiled, part)
        join = _needs_countries(dims, anchor)
        relations = sorted({name for k in group for name in k.relations})
        for p in periods:
            time_clauses, _ = p.flt.time_sql(anchor, prefix=p.name)
            where = _on_source(" AND ".join(time_clauses + dim_clauses) or "TRUE", source)
            dim_cols = [f'{_on_source(_dimension_sql(d, anchor, p, p.name, keep), source)} AS '
                        f'"{d.id}"' for d in dims]  # fmt: skip
            columns = [f"'{part}' AS __part", f"'{p.name}' AS period", *dim_cols, *aggregates]
            relation = _from_clause(source, join, relations)
            selects.append(
                f"SELECT {', '.join(columns)} FROM {relation} WHERE {where} GROUP BY ALL"
            )
            if source == "surveys":
                selects += _member_selects(part, p.name, dim_cols, aggregates, relation,
                                           time_clauses, flt)  # fmt: skip
    if any(k.kind == "backlog" for k in kpi_defs):
        selects.extend(_backlog_selects(dims, periods, dim_clauses, grain, keep))
    compiled.sql = "\nUNION ALL BY NAME\n".join(selects)
    # DuckDB rejects named parameters the statement does not use
    used = set(re.findall(r"\$(\w+)", compiled.sql))
    compiled.params = {k: v for k, v in compiled.params.items() if k in used}
    return compiled


def _member_selects(
    part: str,
    period: str,
    dim_cols: list[str],
    aggregates: list[str],
    relation: str,
    time_clauses: list[str],
    flt: Filter,
) -> list[str]:
    """For each filtered dimension, the survey aggregates with that dimension's filter lifted
    (the others kept), split into each named member and the unnamed rest (``__member`` NULL):
    what ``_suppress`` needs to stop one filter's result being subtracted from another's."""
    selects = []
    for name, column in DIMENSION_FIELDS.items():
        if not getattr(flt, name):
            continue
        others, _ = flt.narrowed(**{name: ()}).dimension_sql("s")
        where = " AND ".join(time_clauses + others) or "TRUE"
        member = f"CASE WHEN s.{column} = ANY($f_{name}) THEN s.{column} END AS __member"
        columns = [f"'{part}:{name}' AS __part", f"'{period}' AS period", *dim_cols, member,
                   *aggregates]  # fmt: skip
        selects.append(f"SELECT {', '.join(columns)} FROM {relation} WHERE {where} GROUP BY ALL")
    return selects


def _backlog_selects(
    dims: list[Dimension],
    periods: list[_Period],
    dim_clauses: list[str],
    grain: str | None,
    keep: Mapping[str, Sequence[str]],
) -> list[str]:
    """Backlog: tickets open at the end of the period (or of each time bucket), and whether that
    moment lies after the data's last day (``backlog__after_end``: not measured)."""
    if any(d.time in LOCAL_TIMES for d in dims):
        raise ValueError("backlog is a point-in-time count; it cannot be split by local time")
    join = any(d.needs_countries for d in dims)
    not_abandoned = "NOT coalesce(t.abandoned, false)"
    zone = periods[0].flt.timezone
    # local midnight after the last day with contacts: later backlogs are not in the data
    known = f"(date_trunc('day', {_wall_clock(LAST_CONTACT, zone)}) + INTERVAL 1 DAY)"
    if grain is None:
        selects = []
        for p in periods:
            end = LAST_CONTACT if p.flt.end is None else f"${p.name}_end"
            after_end = "FALSE" if p.flt.end is None else f"{_wall_clock(end, zone)} > {known}"
            conditions = [
                f"t.created_at < {end}",
                f"(t.resolved_at IS NULL OR t.resolved_at >= {end})",
                not_abandoned,
                *dim_clauses,
            ]
            dim_cols = [f'{_plain_sql(d, keep)} AS "{d.id}"' for d in dims]
            columns = ["'backlog' AS __part", f"'{p.name}' AS period", *dim_cols,
                       'count(*) AS "backlog__n"',
                       f'{after_end} AS "backlog__after_end"']  # fmt: skip
            selects.append(
                f"SELECT {', '.join(columns)} FROM {_from_clause('tickets', join)} "
                f"WHERE {' AND '.join(conditions)} GROUP BY ALL"
            )
        return selects
    # Per time bucket: the tickets open at the period start, then a running sum of
    # (+1 created, -1 resolved) events inside the period; without a start, from the beginning.
    current = periods[0]
    plain = [d for d in dims if d.sql is not None]
    plain_cols = [f'{_plain_sql(d, keep)} AS "{d.id}"' for d in plain]
    names = [f'"{d.id}"' for d in plain]
    first_bucket = _bucket(grain, _wall_clock("$current_start", zone))
    bounds = {"{ts} >= $current_start": current.flt.start, "{ts} < $current_end": current.flt.end}
    in_period = "".join(f" AND {bound}" for bound, present in bounds.items() if present)
    events = []
    if current.flt.start:
        where = " AND ".join(["t.created_at < $current_start",
                              "(t.resolved_at IS NULL OR t.resolved_at >= $current_start)",
                              not_abandoned, *dim_clauses])  # fmt: skip
        events.append(
            f"SELECT {', '.join([*plain_cols, f'{first_bucket} AS bucket', 'count(*) AS change'])}"
            f" FROM {_from_clause('tickets', join)} WHERE {where} GROUP BY ALL"
        )
    for ts, sign in (("t.created_at", 1), ("t.resolved_at", -1)):
        bucket = f"{_bucket(grain, _wall_clock(ts, zone))} AS bucket"
        where = " AND ".join([f"{ts} IS NOT NULL", not_abandoned, *dim_clauses])
        events.append(
            f"SELECT {', '.join([*plain_cols, bucket, f'{sign} AS change'])} "
            f"FROM {_from_clause('tickets', join)} WHERE {where}{in_period.format(ts=ts)}"
        )
    partition = f"PARTITION BY {', '.join(names)} " if names else ""
    running = f"sum(sum(change)) OVER ({partition}ORDER BY bucket)"
    # the bucket's backlog is counted at its end, or at the period's end if that comes first
    moment = f"bucket + INTERVAL {'30 MINUTE' if grain == 'half_hour' else '1 ' + grain}"
    if current.flt.end:
        moment = f"least({moment}, {_wall_clock('$current_end', zone)})"
    after_end = f"{moment} > {known}" if current.flt.end else "FALSE"
    return [
        f"SELECT 'backlog' AS __part, 'current' AS period, {', '.join([*names, ''])}"
        f'bucket AS "{grain}", backlog__n, {after_end} AS backlog__after_end FROM ('
        f"SELECT {', '.join([*names, ''])}bucket, {running} AS backlog__n "
        f"FROM ({' UNION ALL '.join(events)}) GROUP BY {', '.join([*names, 'bucket'])})"
    ]


# ---------------------------------------------------------------------- results
TIDY_ORDER = ["value", "n", "ci_low", "ci_high", "se", "low_confidence", "suppressed",
              "after_data_end"]  # fmt: skip


def _kpi_rows(raw: pd.DataFrame, kpi: Kpi, compiled: _Compiled, keys: list[str]) -> pd.DataFrame:
    """Turn one KPI's raw aggregate columns into tidy rows with intervals."""
    if kpi.kind == "backlog":
        part = raw[raw["__part"] == "backlog"]
    else:
        part = raw[raw["__part"] == f"{kpi.source}_{kpi.anchor}"]
    out = part[keys].assign(kpi=kpi.id)
    nan = np.full(len(part), np.nan)
    ci_low, ci_high, se, detail = nan, nan, nan, {}
    after_end = np.zeros(len(part), bool)
    if kpi.kind in ("count", "backlog"):
        n = part[f"{kpi.id}__n"].to_numpy(float)
        if kpi.kind == "backlog":  # a moment after the data's last day: not measured
            after_end = part["backlog__after_end"].eq(True).to_numpy()
            n = np.where(after_end, np.nan, n)
        value = n
    elif kpi.kind == "ratio":
        k = part[f"{kpi.id}__k"].to_numpy(float)
        n = part[f"{kpi.id}__n"].to_numpy(float)
        with np.errstate(divide="ignore", invalid="ignore"):
            value = np.where(n > 0, k / n, np.nan)
        ci_low, ci_high = stats.wilson_interval(k, n)
        detail = {"successes": k}
    elif kpi.kind == "mean":
        value = part[f"{kpi.id}__mean"].to_numpy(float)
        sd = part[f"{kpi.id}__sd"].to_numpy(float)
        n = part[f"{kpi.id}__n"].to_numpy(float)
        ci_low, ci_high = stats.mean_interval(value, sd, n)
        detail = {"sd": sd}
    elif kpi.kind == "nps":
        pro = part[f"{kpi.id}__pro"].to_numpy(float)
        det = part[f"{kpi.id}__det"].to_numpy(float)
        n = part[f"{kpi.id}__n"].to_numpy(float)
        value = stats.nps_value(pro, det, n)
        ci_low, ci_high = stats.nps_interval(pro, det, n)
        se = stats.nps_standard_error(pro, det, n)
        detail = {"promoters": pro, "detractors": det}
    else:  # quantile
        n_column, first_column, window_column = compiled.quantile_columns[kpi.id]
        n = part[n_column].to_numpy(float)
        order_statistic = _order_statistics(part[first_column], part[window_column])
        value, ci_low, ci_high = stats.quantile_with_interval(order_statistic, n, kpi.quantile)
        se = stats.quantile_standard_error(ci_low, ci_high)
    hidden = kpi.is_survey & (n < stats.MIN_SURVEY_RESPONSES)
    columns = {"value": value, "ci_low": ci_low, "ci_high": ci_high, "se": se, **detail}
    # nothing about a too-small survey group leaks out
    columns = {name: np.where(hidden, np.nan, values) for name, values in columns.items()}
    columns.update(n=n, low_confidence=n < stats.LOW_CONFIDENCE_N, suppressed=hidden,
                   after_data_end=after_end)  # fmt: skip
    return out.assign(**{name: columns[name] for name in TIDY_ORDER + list(detail)})


def _order_statistics(first: pd.Series, windows: pd.Series) -> Callable[[object], np.ndarray]:
    """``order_statistic(rank)`` for each group: its rank-th smallest value (1-based), read from
    the group's window of sorted values that starts at rank ``first``; NaN outside the window."""
    windows = windows.map(lambda w: w if isinstance(w, np.ndarray) else np.empty(0))
    lengths = windows.map(len).to_numpy()
    starts = np.cumsum(lengths) - lengths  # where each group's window begins in ``flat``
    flat = np.concatenate([*windows.to_numpy(), [np.nan]])  # the last NaN: outside a window
    first = first.fillna(1).to_numpy(float)

    def order_statistic(rank: object) -> np.ndarray:
        offset = np.asarray(rank, dtype=float) - first
        with np.errstate(invalid="ignore"):
            inside = (offset >= 0) & (offset < lengths)
        return flat[np.where(inside, starts + np.nan_to_num(offset).astype(int), -1)]

    return order_statistic


# ---------------------------------------------------------------- privacy
SHOWN_WHEN_HIDDEN = ("kpi", "period", "n", "low_confidence", "suppressed")


def _suppress(
    table: pd.DataFrame, raw: pd.DataFrame, kpis: list[Kpi], keys: list[str], flt: Filter
) -> pd.DataFrame:
    """Hide every survey group whose score could be read off this table or worked out from it.

    A group is hidden when it, or one of its parts, has 1 to ``MIN_SURVEY_RESPONSES - 1``
    responses: its parts are, for each filtered dimension, each named member and the members
    left out (with that dimension's filter lifted), so that no result differs from another
    filter's by a small group. Then, in each set of sibling groups that add up to a total
    shown elsewhere (the members along one dimension, the other dimensions and the period held
    fixed), more siblings are hidden, smallest first, until the hidden ones together have no
    small part either, so nothing hidden can be recovered by subtraction. ``n`` stays shown.
    """
    hidden = table["suppressed"].to_numpy(bool).copy()
    groups = [*keys, "period"]
    for kpi in kpis:
        rows = np.flatnonzero(table["kpi"].to_numpy() == kpi.id)
        if not kpi.is_survey or not rows.size:
            continue
        own = table.iloc[rows][groups].reset_index(drop=True)
        parts = _response_parts(own, table["n"].to_numpy(float)[rows], raw, kpi, groups, flt)
        small = ((parts > 0) & (parts < stats.MIN_SURVEY_RESPONSES)).any(axis=1)
        hidden[rows] = _complementary(own, parts, hidden[rows] | small, keys)
    scores = [c for c in table.columns if c not in {*keys, *SHOWN_WHEN_HIDDEN}]
    return table.assign(**{c: table[c].where(~hidden) for c in scores}, suppressed=hidden)


def _response_parts(
    own: pd.DataFrame, n: np.ndarray, raw: pd.DataFrame, kpi: Kpi, groups: list[str],
    flt: Filter,
) -> np.ndarray:  # fmt: skip
    """A row per group: its responses, then for each filtered dimension the responses of each
    named member and, last, of the rest (from ``_member_selects``)."""
    columns = [n[:, None]]
    rows = own.assign(__row=np.arange(len(own)))
    for name in DIMENSION_FIELDS:
        named = getattr(flt, name)
        if not named:
            continue
        lifted = raw.loc[raw["__part"] == f"{kpi.source}_{kpi.anchor}:{name}",
                         [*groups, "__member", f"{kpi.id}__n"]]  # fmt: skip
        found = rows.merge(lifted, on=groups)
        member = pd.Categorical(found["__member"], categories=named).codes  # the rest: -1
        counts = np.zeros((len(own), len(named) + 1))
        responses = found[f"{kpi.id}__n"].to_numpy(float)
        np.add.at(counts, (found["__row"].to_numpy(), member), responses)
        columns.append(counts)
    return np.hstack(columns)


def _complementary(
    own: pd.DataFrame, parts: np.ndarray, hidden: np.ndarray, keys: list[str]
) -> np.ndarray:
    """``hidden`` grown until no set of siblings hides a small part (see ``_suppress``): each
    round hides, in every set whose hidden rows hold a small part, the sibling with the fewest
    responses among those with some in that part. A set where no sibling has any is left: its
    total has the same small part, so it is hidden itself."""
    hidden = hidden.copy()
    siblings = [own.groupby([*(k for k in keys if k != dim), "period"], dropna=False).ngroup()
                .to_numpy() for dim in keys]  # fmt: skip
    changed = True
    while changed:
        changed = False
        for sets in siblings:
            together = np.zeros((sets.max() + 1, parts.shape[1]))
            np.add.at(together, sets, parts * hidden[:, None])
            small = (together > 0) & (together < stats.MIN_SURVEY_RESPONSES)
            helpers = np.flatnonzero(~hidden & (small[sets] & (parts > 0)).any(axis=1))
            if helpers.size:
                by_size = helpers[np.lexsort((parts[helpers, 0], sets[helpers]))]
                first = np.r_[True, np.diff(sets[by_size]) != 0]
                hidden[by_size[first]] = True
                changed = True
    return hidden


def _changes(
    table: pd.DataFrame, keys: list[str], periods: list[_Period], grain: str | None, span: Catalog
) -> pd.DataFrame:
    """Current rows with, per comparison, the compared value, delta and significance.

    ``<name>_not_tested`` says why a comparison has no p-value: ``too_little_data`` (see
    ``metrics.stats``: no observations, a NaN or zero standard error, a suppressed side), or a
    ``metrics.maturity`` reason; a snapshot such as the backlog has none and no p-value.
    Counts from a compared period of another length (the 365-day baseline) are scaled to the
    current period's length, and tested as rates. Periods not both inside the data get no
    delta at all.
    """
    current = table[table["period"] == "current"].drop(columns="period")
    current = current.assign(provisional=maturity.provisional(current, span, periods[0].flt, grain))
    for period in periods[1:]:
        name = period.name
        ratio = 1.0 if grain else periods[0].flt.days / period.flt.days
        other = table[table["period"] == name].drop(columns="period")
        merged = current.merge(other, on=[*keys, "kpi"], how="left", suffixes=("", "_other"))
        counts = merged["kpi"].map(lambda k: KPIS[k].kind == "count").to_numpy()
        merged.loc[counts, "value_other"] = merged.loc[counts, "value_other"] * ratio
        p_value = np.full(len(merged), np.nan)
        for kpi_id, rows in merged.groupby("kpi").groups.items():
            p_value[merged.index.get_indexer(rows)] = _p_values(
                merged.loc[rows], KPIS[kpi_id], ratio
            )
        shift = pd.DateOffset(years=period.shift_year, days=period.shift_days)
        blocker = maturity.comparison_blocker(current, span, periods[0].flt, period.flt, grain,
                                              shift)  # fmt: skip
        # a privacy-suppressed side is never tested, whatever its hidden numbers say
        hidden = (merged["suppressed"] | merged["suppressed_other"].eq(True)).to_numpy(bool)
        snapshot = (merged["kpi"] == "backlog").to_numpy()  # no sampling error: nothing to test
        too_little = (~np.isfinite(p_value) | hidden) & ~snapshot
        blocker[too_little & pd.isna(blocker)] = maturity.TOO_LITTLE_DATA
        p_value[pd.notna(blocker) | hidden] = np.nan
        compared = merged["value_other"].to_numpy(float, copy=True)
        compared[np.isin(blocker, maturity.UNCOMPARABLE)] = np.nan
        delta = merged["value"].to_numpy(float) - compared
        with np.errstate(divide="ignore", invalid="ignore"):
            delta_rel = delta / np.abs(compared)
        current = current.assign(**{
            f"{name}_value": compared,
            f"{name}_n": merged["n_other"].to_numpy(),
            f"{name}_delta": delta,
            f"{name}_delta_rel": delta_rel,
            f"{name}_p_value": p_value,
            f"{name}_significant": p_value < 0.05,
            f"{name}_not_tested": blocker,
        })  # fmt: skip
    return current


def _p_values(rows: pd.DataFrame, kpi: Kpi, exposure_ratio: float) -> np.ndarray:
    def col(name: str) -> np.ndarray:
        return rows[name].to_numpy(float) if name in rows else np.full(len(rows), np.nan)

    if kpi.kind == "count":
        # value_other is already scaled; test the raw counts against their exposures
        return stats.poisson_count_p_value(
            col("value"), col("value_other") / exposure_ratio, exposure_ratio
        )
    if kpi.kind == "ratio":
        return stats.two_proportion_p_value(col("successes"), col("n"), col("successes_other"),
                                            col("n_other"))  # fmt: skip
    if kpi.kind == "mean":
        return stats.welch_p_value(col("value"), col("sd"), col("n"), col("value_other"),
                                   col("sd_other"), col("n_other"))  # fmt: skip
    if kpi.kind in ("nps", "quantile"):
        return stats.difference_p_value(
            col("value"), col("se"), col("value_other"), col("se_other")
        )
    return np.full(len(rows), np.nan)  # backlog: a snapshot, no sampling error


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
    Survey groups whose scores could be read or worked out are ``suppressed`` (``_suppress``):
    their scores and statistics are NaN, their ``n`` is kept.
    """
    flt = flt or Filter()
    compiled = compile_request(kpis, by, flt, grain, compare, keep)
    raw = db.query(compiled.sql, compiled.params)
    dims = _split_dimensions(by, grain)
    keys = [d.id for d in dims]
    frames = [_kpi_rows(raw, k, compiled, [*keys, "period"]) for k in get_kpis(list(kpis))]
    table = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
    table = table.sort_values([*keys, "period"], kind="stable").reset_index(drop=True)
    table = _suppress(table, raw, get_kpis(list(kpis)), keys, flt)
    span = read_catalog(db)
    if compare:
        table = _changes(table, keys, _periods(flt, compare), grain, span)
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
