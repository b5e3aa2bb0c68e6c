"""The rows behind a number: the tickets or survey responses one KPI value was computed from.

A number on a chart, map, table or tile is a ``Cell``: a KPI, the ``Scope`` its table was
computed over (filter, dimensions, time grain, members kept apart from 'Other') and the group's
members, the time bucket included. Its population is the KPI's own rows, as the registry
declares them (source, anchor timestamp, ``rows`` condition), so a volume cell lists exactly as
many tickets as the chart counts and a ratio cell as many as its ``n``.

Queries are bounded: a count, and one page at a time (``LIMIT``/``OFFSET``, sorted by a listed
column); nothing materialises the population. Values are bound parameters; column and sort names
come from the lists below, never from the caller's text. Survey responses are listed only where
``metrics.engine.kpi_table`` shows the cell's score: a group it hides for privacy (too few
responses, or derivable from other figures) is refused. This module uses only the engine's
public ``kpi_table``.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, fields
from zoneinfo import ZoneInfo

import pandas as pd

from data_access.database import Database
from data_access.filters import Filter
from data_access.importer.privacy import mask_contacts
from metrics import engine
from metrics.registry import (
    DIMENSIONS,
    GRAINS,
    KPIS,
    LAST_CONTACT,
    MIN_SURVEY_RESPONSES,
    RELATIONS,
    Kpi,
    UnknownNameError,
)

OTHER = engine.OTHER  # the lumped members of a dimension with ``keep``
PAGE_ROWS = 50
EXPORT_ROWS = 100_000  # an export holds at most this many rows (stated in the UI)
ATTRS_KEY = "drill_scope"  # where a KPI table carries its Scope (as JSON) in DataFrame.attrs
CUSTOMER_ZONE = "coalesce(c.timezone, 'UTC')"  # as data_access.store derives local_created_at

# Listed columns: output name -> SQL (tickets t or surveys s, the customer's country c). Times
# are shown in the customer's local time and in UTC; no customer identifier is listed.
TICKET_COLUMNS = {
    "ticket_id": "t.ticket_id",
    "created_local": "t.local_created_at",
    "created_utc": "timezone('UTC', t.created_at)",
    "first_response_utc": "timezone('UTC', t.first_response_at)",
    "resolved_local": f"timezone({CUSTOMER_ZONE}, t.resolved_at)",
    "resolved_utc": "timezone('UTC', t.resolved_at)",
    "customer_timezone": CUSTOMER_ZONE,
    "status": "t.status",
    "channel": "t.channel",
    "country": "t.country",
    "language": "t.language",
    "priority": "t.priority",
    "category": "t.category",
    "hub": "t.hub",
    "agent": "t.agent_id",
}
SURVEY_COLUMNS = {
    "survey_id": "s.survey_id",
    "ticket_id": "s.ticket_id",
    "sent_utc": "timezone('UTC', s.sent_at)",
    "responded_local": f"timezone({CUSTOMER_ZONE}, s.responded_at)",
    "responded_utc": "timezone('UTC', s.responded_at)",
    "customer_timezone": CUSTOMER_ZONE,
    "channel": "s.channel",
    "country": "s.country",
    "language": "s.language",
    "agent": "s.agent_id",
    "csat": "s.csat",
    "nps": "s.nps",
    "ces": "s.ces",
    "comment": "s.comment",
}
# The row's own value, which the KPI aggregates: 1 or 0 for a ratio (1: in the numerator), the
# timing in seconds for a duration, the score for NPS and effort. Counts have none.
VALUE = "value"
_STEPS = {"half_hour": pd.DateOffset(minutes=30), "hour": pd.DateOffset(hours=1),
          "day": pd.DateOffset(days=1), "week": pd.DateOffset(weeks=1),
          "month": pd.DateOffset(months=1), "quarter": pd.DateOffset(months=3)}  # fmt: skip


class HiddenForPrivacy(ValueError):
    """The cell's survey score is hidden, so its responses are not listed either."""


@dataclass(frozen=True)
class Scope:
    """What a KPI table was computed over: ``kpi_table``'s filter, ``by``, ``grain``, ``keep``."""

    flt: Filter
    by: tuple[str, ...] = ()
    grain: str | None = None
    keep: tuple[tuple[str, tuple[str, ...]], ...] = ()

    @property
    def keys(self) -> tuple[str, ...]:
        """The table's group columns: ``by``, then the grain."""
        return (*self.by, self.grain) if self.grain else self.by

    def to_json(self) -> str:
        """The scope as JSON text: it can ride in a table's ``attrs``, which Arrow writes as
        JSON when the table is drawn."""
        flt = {f.name: getattr(self.flt, f.name) for f in fields(Filter) if f.init}
        return json.dumps({"flt": flt, "by": self.by, "grain": self.grain, "keep": self.keep},
                          default=str)  # fmt: skip

    @classmethod
    def from_json(cls, text: str) -> Scope:
        raw = json.loads(text)
        flt = {name: tuple(value) if isinstance(value, list) else value
               for name, value in raw["flt"].items()}  # fmt: skip
        for day in ("start", "end"):
            flt[day] = dt.date.fromisoformat(flt[day]) if flt[day] else None
        keep = tuple((name, tuple(members)) for name, members in raw["keep"])
        return cls(Filter(**flt), tuple(raw["by"]), raw["grain"], keep)


@dataclass(frozen=True)
class Cell:
    """One number of a KPI table: ``members`` gives each of the scope's group columns its value
    (a member, 'Other', or a time bucket's start in the filter's zone)."""

    kpi: str
    scope: Scope
    members: tuple[tuple[str, object], ...] = ()

    def __post_init__(self) -> None:
        if self.kpi not in KPIS:
            raise UnknownNameError(f"unknown KPI {self.kpi}; valid KPIs: {', '.join(KPIS)}")
        given = tuple(name for name, _value in self.members)
        if sorted(given) != sorted(self.scope.keys):
            raise ValueError(f"a cell names each group column once: {self.scope.keys}, "
                             f"not {given}")  # fmt: skip
        for name in self.scope.by:
            if DIMENSIONS[name].sql is None:
                raise ValueError(f"no drill-down by {name}: only categories and time grains")
        if self.scope.grain is not None and self.scope.grain not in GRAINS:
            raise UnknownNameError(f"unknown grain {self.scope.grain}")

    @property
    def source(self) -> str:
        return KPIS[self.kpi].source

    @property
    def columns(self) -> tuple[str, ...]:
        """The listed columns, in order."""
        listed = SURVEY_COLUMNS if KPIS[self.kpi].is_survey else TICKET_COLUMNS
        value = () if KPIS[self.kpi].kind in ("count", "backlog") else (VALUE,)
        return (*listed, *value)


def cell_of_row(kpi: str, scope: Scope, row: Mapping[str, object]) -> Cell:
    """The cell of a row of the KPI table computed over ``scope``."""
    return Cell(kpi, scope, tuple((key, row[key]) for key in scope.keys))


def _on_source(sql: str, kpi: Kpi) -> str:
    """Ticket-column SQL for the KPI's source: surveys carry copies of the ticket's dimension
    columns (``data_access.schema.TICKET_ATTRIBUTES``)."""
    return re.sub(r"\bt\.", "s.", sql) if kpi.is_survey else sql


def _value_sql(kpi: Kpi) -> str | None:
    if kpi.kind == "ratio":
        return f"CASE WHEN {kpi.success} THEN 1 ELSE 0 END"
    return kpi.value


def _bucket_bounds(grain: str, start: object, zone: str) -> tuple[dt.datetime, dt.datetime]:
    """The instants a wall-clock bucket of ``grain`` starting at ``start`` in ``zone`` spans."""
    begin = pd.Timestamp(start).tz_localize(None)
    tz = ZoneInfo(zone)
    return (begin.to_pydatetime().replace(tzinfo=tz),
            (begin + _STEPS[grain]).to_pydatetime().replace(tzinfo=tz))  # fmt: skip


def _population(cell: Cell, listed: bool = True) -> tuple[str, str, dict[str, object]]:
    """FROM and WHERE of the cell's rows, and their parameters. Rows to be ``listed`` come from
    the source's ``listable_`` view: an access scope may count rows it may not list."""
    kpi, scope = KPIS[cell.kpi], cell.scope
    alias = "s" if kpi.is_survey else "t"
    source = f"listable_{cell.source}" if listed else cell.source
    relation = f"{source} {alias} LEFT JOIN countries c ON c.country = {alias}.country"
    relation += "".join(f" {RELATIONS[name]}" for name in kpi.relations)
    members = dict(cell.members)
    conditions, params = scope.flt.dimension_sql(alias)
    bucket = None
    if scope.grain:
        bucket = _bucket_bounds(scope.grain, members[scope.grain], scope.flt.timezone)
    if kpi.kind == "backlog":
        # open at the end of the period, or of the bucket if that ends first (metrics.engine)
        ends = [moment for moment in (scope.flt.end_ts, bucket and bucket[1]) if moment]
        end = "$d_end" if ends else LAST_CONTACT
        if ends:
            params["d_end"] = min(ends)
        conditions += [f"t.created_at < {end}",
                       f"(t.resolved_at IS NULL OR t.resolved_at >= {end})",
                       "NOT coalesce(t.abandoned, false)"]  # fmt: skip
    else:
        anchor = f"{alias}.{kpi.anchor}"
        time_clauses, time_params = scope.flt.time_sql(anchor)
        conditions += time_clauses
        params.update(time_params)
        if bucket:
            conditions += [f"{anchor} >= $d_bucket_start", f"{anchor} < $d_bucket_end"]
            params.update(d_bucket_start=bucket[0], d_bucket_end=bucket[1])
        if kpi.rows:
            conditions.append(f"({kpi.rows})")
        if kpi.kind in ("quantile", "mean"):
            conditions.append(f"({kpi.value}) IS NOT NULL")
    keep = dict(scope.keep)
    for i, name in enumerate(scope.by):
        column, member = _on_source(DIMENSIONS[name].sql, kpi), members[name]
        if name in keep and member == OTHER:
            conditions.append(f"NOT coalesce({column} = ANY($d_m{i}), false)")
            params[f"d_m{i}"] = list(keep[name])
        elif member is None or pd.isna(member):
            conditions.append(f"{column} IS NULL")
        else:
            conditions.append(f"{column} = $d_m{i}")
            params[f"d_m{i}"] = str(member)
    return relation, " AND ".join(conditions) or "TRUE", params


def _refuse_hidden(db: Database, cell: Cell) -> None:
    """Raise ``HiddenForPrivacy`` unless ``kpi_table`` shows this survey cell's score."""
    if not KPIS[cell.kpi].is_survey:
        return
    scope = cell.scope
    table = engine.kpi_table(db, [cell.kpi], list(scope.by), scope.flt, scope.grain,
                             keep=dict(scope.keep))  # fmt: skip
    mine = pd.Series(True, index=table.index)
    for name, member in cell.members:
        if name == scope.grain:
            mine &= pd.to_datetime(table[name]) == pd.Timestamp(member)
        else:
            mine &= table[name] == member
    shown = table[mine]
    if shown.empty or shown["suppressed"].any() or (shown["n"] < MIN_SURVEY_RESPONSES).any():
        raise HiddenForPrivacy(
            f"fewer than {MIN_SURVEY_RESPONSES} responses, or a score that could be worked "
            "out from other figures: the responses are not listed (privacy)"
        )


def count(db: Database, cell: Cell) -> int:
    """How many rows the cell holds (raises ``HiddenForPrivacy`` for a hidden survey score)."""
    _refuse_hidden(db, cell)
    relation, where, params = _population(cell)
    sql = f"SELECT count(*) AS n FROM {relation} WHERE {where}"  # noqa: S608 (values bound)
    return int(db.query(sql, params)["n"][0])


def values(db: Database, kpi_id: str, flt: Filter, dimensions: tuple[str, ...]) -> pd.DataFrame:
    """Every row of the KPI's population under ``flt``: its members of ``dimensions`` and its
    value (column ``VALUE``), the rows a quantile is computed from (``metrics.mix`` reweights
    them). Not paged: two or three narrow columns, for a quantile KPI's rows of one period."""
    kpi, cell = KPIS[kpi_id], Cell(kpi_id, Scope(flt))
    if kpi.kind in ("count", "backlog"):
        raise ValueError(f"{kpi_id} is a count: its rows have no value")
    for name in dimensions:
        if DIMENSIONS[name].sql is None:
            raise ValueError(f"no rows by {name}: only categorical dimensions")
    _refuse_hidden(db, cell)
    relation, where, params = _population(cell, listed=False)
    columns = [f'{_on_source(DIMENSIONS[name].sql, kpi)} AS "{name}"' for name in dimensions]
    columns.append(f'{_value_sql(kpi)} AS "{VALUE}"')
    sql = f"SELECT {', '.join(columns)} FROM {relation} WHERE {where}"  # noqa: S608 (values bound)
    return db.query(sql, params)


def rows(
    db: Database,
    cell: Cell,
    sort: str | None = None,
    descending: bool = False,
    offset: int = 0,
    limit: int = PAGE_ROWS,
) -> pd.DataFrame:
    """One page of the cell's rows (``cell.columns``), sorted by ``sort`` (default: the first
    column) then by id; comments masked as the importer masks them. At most ``EXPORT_ROWS``.

    Two steps: the page's ids are picked by the sort key alone, then only those rows are read
    in full (a page near the end of 600,000 tickets: 0.03 s instead of 0.4 s)."""
    columns = cell.columns
    sort = sort or columns[0]
    if sort not in columns:
        raise ValueError(f"cannot sort by {sort!r}; sortable columns: {', '.join(columns)}")
    if offset < 0 or not 0 < limit <= EXPORT_ROWS:
        raise ValueError(f"a page starts at 0 or later and holds 1 to {EXPORT_ROWS} rows")
    _refuse_hidden(db, cell)
    kpi = KPIS[cell.kpi]
    listed = SURVEY_COLUMNS if kpi.is_survey else TICKET_COLUMNS
    alias, ident = ("s", listed["survey_id"]) if kpi.is_survey else ("t", listed["ticket_id"])
    relation, where, params = _population(cell)
    picked = [f"{ident} AS __id", f"{_value_sql(kpi) if sort == VALUE else listed[sort]} AS __key"]
    if VALUE in columns:  # its SQL may need the KPI's relations: computed with the population
        picked.append(f'{_value_sql(kpi)} AS "{VALUE}"')
    order = f"__key {'DESC' if descending else 'ASC'} NULLS LAST, __id"
    select = [f'{sql} AS "{name}"' for name, sql in listed.items()]
    select += [f'p."{VALUE}"'] if VALUE in columns else []
    # names from the lists above, values bound
    sql = (
        f"WITH p AS (SELECT {', '.join(picked)} FROM {relation} WHERE {where} ORDER BY {order} "  # noqa: S608
        f"LIMIT $d_limit OFFSET $d_offset) SELECT {', '.join(select)} FROM p "
        f"JOIN {cell.source} {alias} ON {ident} = p.__id "
        f"LEFT JOIN countries c ON c.country = {alias}.country ORDER BY {order}"
    )
    page = db.query(sql, {**params, "d_limit": int(limit), "d_offset": int(offset)})
    if "comment" in page:
        page["comment"] = page["comment"].map(lambda text: mask_contacts(text)
                                              if isinstance(text, str) else text)  # fmt: skip
    return page
