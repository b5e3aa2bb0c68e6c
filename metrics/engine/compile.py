"""Request -> one SQL statement plus bound parameters; runs nothing and needs no database.

``compile_request`` writes one SELECT per (source table, anchor timestamp, period), glued with
``UNION ALL BY NAME``; the backlog, a point-in-time count, has SELECTs of its own. Ratios,
quantiles and means are always aggregated from rows at the requested grain, never from finer
groups. SQL text comes only from the registry's fragments and whitelisted identifiers; every
value from a filter or a ``keep`` list is a bound parameter (``$name``).
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from data_access.filters import DIMENSION_FIELDS, Filter
from metrics.engine.kinds import kind_of, part_of
from metrics.registry import (
    GRAINS,
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


@dataclass(frozen=True)
class Period:
    name: str
    flt: Filter
    shift_days: int = 0  # previous period: moved forward onto the current one (time grains)
    shift_year: bool = False  # year-ago period: moved forward one year


@dataclass
class Compiled:
    sql: str
    params: dict[str, object]


def request_periods(flt: Filter, compare: Sequence[str]) -> list[Period]:
    periods = [Period("current", flt)]
    if "previous" in compare:
        periods.append(Period("previous", flt.previous_period(), shift_days=flt.days))
    if "year_ago" in compare:
        periods.append(Period("year_ago", flt.year_earlier(), shift_year=True))
    if "baseline" in compare:
        periods.append(Period("baseline", flt.baseline()))
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
    dim: Dimension, anchor: str, period: Period, prefix: str, keep: Mapping[str, Sequence[str]]
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


def split_dimensions(by: Sequence[str], grain: str | None) -> list[Dimension]:
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
) -> Compiled:
    """The SQL statement and bound parameters for a request (exposed for tests and the bench).

    ``keep`` maps a categorical dimension to the members shown on their own; the rest are
    computed together, from their rows, as 'Other' (a top-N split).
    """
    keep = dict(keep or {})
    flt = flt or Filter()
    kpi_defs = get_kpis(list(kpis))
    dims = split_dimensions(by, grain)
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
    periods = request_periods(flt, compare)
    compiled = Compiled("", {"tz": flt.timezone})
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
        if not kind_of(k).snapshot:
            groups[(k.source, k.anchor)].append(k)

    selects = []
    for (source, _), group in groups.items():
        anchor = _anchor_column(group[0])
        part = part_of(group[0])
        aggregates = [column for k in group for column in kind_of(k).aggregates(k)]
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
    if any(kind_of(k).snapshot for k in kpi_defs):
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
    what ``statistics.suppress`` needs to stop one filter's result being subtracted from
    another's."""
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
    periods: list[Period],
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
