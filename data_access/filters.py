"""The typed filter every page, export and command line shares, and its SQL with bound values.

Column names come from this module; values are always bound parameters, so a filter value that
contains quotes or SQL is just a value that matches nothing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, fields, replace
from zoneinfo import ZoneInfo

# Filter field -> ticket column it restricts.
DIMENSION_FIELDS = {
    "countries": "country",
    "languages": "language",
    "channels": "channel",
    "priorities": "priority",
    "hubs": "hub",
    "categories": "category",
}
# The other way round: a column name as people write it ("country") -> its Filter field.
COLUMN_FIELDS = {column: name for name, column in DIMENSION_FIELDS.items()}
# The days a filter can hold. pandas' nanosecond timestamps (charts, metrics) cover 1677-09-21 to
# 2262-04-11; a date beyond (0001-01-01 or 9999-12-31 in a hand-edited link) is moved to the
# nearest of these, so comparison periods and day arithmetic never overflow.
FIRST_DAY = dt.date(1678, 1, 1)
LAST_DAY = dt.date(2261, 12, 31)


@dataclass(frozen=True)
class Filter:
    """Which tickets to look at: a date range (inclusive, in ``timezone``) and dimension values.

    An empty tuple means "all values". Dates are kept within ``FIRST_DAY`` .. ``LAST_DAY``.
    """

    start: dt.date | None = None
    end: dt.date | None = None
    countries: tuple[str, ...] = ()
    languages: tuple[str, ...] = ()
    channels: tuple[str, ...] = ()
    priorities: tuple[str, ...] = ()
    hubs: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    timezone: str = "UTC"
    _tz: ZoneInfo = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        for name in DIMENSION_FIELDS:
            value = getattr(self, name)
            if isinstance(value, str):
                raise TypeError(f"Filter.{name} must be a sequence of codes, not a string")
            object.__setattr__(self, name, tuple(sorted(set(value))))
        if self.start and self.end and self.start > self.end:
            raise ValueError(f"Filter start {self.start} is after its end {self.end}")
        for name in ("start", "end"):
            day = getattr(self, name)
            if day:
                object.__setattr__(self, name, min(max(day, FIRST_DAY), LAST_DAY))
        object.__setattr__(self, "_tz", ZoneInfo(self.timezone))

    # ---------------------------------------------------------------- time range
    @property
    def start_ts(self) -> dt.datetime | None:
        """Start of the first day (inclusive) as an aware datetime."""
        return dt.datetime.combine(self.start, dt.time(), self._tz) if self.start else None

    @property
    def end_ts(self) -> dt.datetime | None:
        """Start of the day after the last day (exclusive)."""
        if not self.end:
            return None
        return dt.datetime.combine(self.end + dt.timedelta(days=1), dt.time(), self._tz)

    @property
    def days(self) -> int | None:
        if not (self.start and self.end):
            return None
        return (self.end - self.start).days + 1

    def previous_period(self) -> Filter:
        """The period of equal length that ends the day before this one starts."""
        if not self.days:
            raise ValueError("a comparison period needs both a start and an end date")
        shift = dt.timedelta(days=self.days)
        return replace(self, start=self.start - shift, end=self.end - shift)

    def year_earlier(self) -> Filter:
        """The same calendar dates one year earlier (29 February becomes 28 February)."""
        if not self.days:
            raise ValueError("a comparison period needs both a start and an end date")

        def back(day: dt.date) -> dt.date:
            try:
                return day.replace(year=day.year - 1)
            except ValueError:
                return day.replace(year=day.year - 1, day=28)

        return replace(self, start=back(self.start), end=back(self.end))

    def baseline(self) -> Filter:
        """The 365 days before this period starts: a market's own recent normal."""
        if not self.days:
            raise ValueError("a comparison period needs both a start and an end date")
        return replace(
            self, start=self.start - dt.timedelta(days=365), end=self.start - dt.timedelta(days=1)
        )

    def with_dates(self, start: dt.date | None, end: dt.date | None) -> Filter:
        return replace(self, start=start, end=end)

    def narrowed(self, **values: tuple[str, ...]) -> Filter:
        """A copy with some dimension fields replaced, e.g. ``narrowed(countries=("KR",))``."""
        unknown = set(values) - set(DIMENSION_FIELDS)
        if unknown:
            raise ValueError(f"unknown filter fields: {sorted(unknown)}")
        return replace(self, **{k: tuple(v) for k, v in values.items()})

    # ---------------------------------------------------------------- SQL
    # Named parameters ($f_...) so that several clauses can be combined into one statement.
    def dimension_sql(self, alias: str = "t") -> tuple[list[str], dict[str, object]]:
        """Conditions on the dimension columns of ``alias`` (a tickets relation)."""
        clauses, params = [], {}
        for name, column in DIMENSION_FIELDS.items():
            values = getattr(self, name)
            if values:
                clauses.append(f"{alias}.{column} = ANY($f_{name})")
                params[f"f_{name}"] = list(values)
        return clauses, params

    def time_sql(self, column: str, prefix: str = "f") -> tuple[list[str], dict[str, object]]:
        """Conditions placing the (qualified) timestamp ``column`` inside the date range."""
        clauses, params = [], {}
        if self.start:
            clauses.append(f"{column} >= ${prefix}_start")
            params[f"{prefix}_start"] = self.start_ts
        if self.end:
            clauses.append(f"{column} < ${prefix}_end")
            params[f"{prefix}_end"] = self.end_ts
        return clauses, params

    def where(
        self, alias: str = "t", time_column: str = "created_at"
    ) -> tuple[str, dict[str, object]]:
        """A complete WHERE clause body (``TRUE`` when nothing is filtered) and its parameters."""
        dim_clauses, dim_params = self.dimension_sql(alias)
        time_clauses, time_params = self.time_sql(f"{alias}.{time_column}")
        clauses = time_clauses + dim_clauses
        return (" AND ".join(clauses) or "TRUE"), {**time_params, **dim_params}

    def describe(self) -> dict[str, str]:
        """Human-readable summary of the active filters (for captions and exports)."""
        summary = {}
        if self.start or self.end:
            summary["period"] = f"{self.start or '…'} to {self.end or '…'} ({self.timezone})"
        for f in fields(self):
            if f.name in DIMENSION_FIELDS and getattr(self, f.name):
                summary[f.name] = ", ".join(getattr(self, f.name))
        return summary


def unknown_values(flt: Filter, known: Mapping[str, Sequence[str]]) -> dict[str, list[str]]:
    """Per dimension field (``"countries"``...), the values ``flt`` asks for that are not in
    ``known[field]`` (e.g. ``Catalog.values``: what the data holds). A typo such as
    ``country=ZZ`` would otherwise match nothing and look like an empty market."""
    unknown = {}
    for name in DIMENSION_FIELDS:
        valid = set(known.get(name, ()))
        bad = [value for value in getattr(flt, name) if value not in valid]
        if bad:
            unknown[name] = bad
    return unknown
