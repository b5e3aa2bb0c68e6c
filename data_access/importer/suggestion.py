"""A first mapping from an export's headers and a preview of its rows.

Header words of common exports (Zendesk, Freshdesk, Chatwoot, contact-centre platforms, survey
tools) point at canonical columns; the preview confirms the guess (a timestamp column must hold
timestamps, a score column numbers) and supplies the date format. A duration such as "First reply
time in minutes" stands in for a timestamp when the file has no such timestamp. Required columns
the file lacks get a sensible constant only where one exists (priority "normal"); the person
importing sees every choice and can change it.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

import pandas as pd

from data_access.importer import codes, privacy
from data_access.importer.mapping import (
    DEFAULTS,
    START_COLUMN,
    ColumnSpec,
    Mapping,
    kind,
)
from data_access.schema import TABLES

# Normalised header forms (see ``header_key``) per table and canonical column, best first.
HEADERS: dict[str, dict[str, tuple[str, ...]]] = {
    "tickets": {
        "ticket_id": ("ticket id", "id", "ticket", "ticket number", "ticket no", "case id",
                      "case number", "conversation id", "display id", "interaction id",
                      "call id", "sr number", "request id", "incident id", "number", "contact id"),
        "customer_id": ("customer id", "requester id", "contact id", "requester external id",
                        "client id", "user id", "customer number", "account id", "customer",
                        "requester", "requester email", "customer email", "contact", "caller id",
                        "caller", "contact email", "email", "from"),
        "created_at": ("created at", "created", "created date", "created time", "creation date",
                       "date created", "opened at", "open date", "opened", "start time",
                       "started at", "received at", "submitted at", "call start", "timestamp",
                       "date", "queue entry", "vru entry"),
        "first_response_at": ("first response at", "first reply at", "initial response time",
                              "first reply created at", "first responded at", "answered at",
                              "first response date"),
        "resolved_at": ("resolved at", "solved at", "resolved time", "resolved date",
                        "resolution date", "closed at", "closed date", "closed time", "closed",
                        "end time", "ended at", "completed at"),
        "status": ("status", "ticket status", "state", "conversation status"),
        "channel": ("channel", "via", "source", "request source", "medium", "contact channel",
                    "inbox", "origin", "media type", "channel type"),
        "country": ("country", "requester country", "customer country", "country code",
                    "market", "contact country", "location country", "nation"),
        "language": ("language", "requester language", "customer language", "locale", "lang",
                     "language code", "requester locale", "contact language"),
        "priority": ("priority", "urgency", "severity"),
        "category": ("category", "contact reason", "reason", "ticket type", "request type",
                     "type", "topic", "issue type", "disposition", "subcategory"),
        "hub": ("hub", "group", "team", "owner", "queue", "department", "assigned group",
                "support group", "site", "skill"),
        "agent_id": ("agent id", "agent", "assignee", "assignee id", "assigned to", "owner id",
                     "server", "responder"),
        "agent_replies": ("agent replies", "replies", "agent interactions", "number of replies",
                          "reply count", "agent messages"),
        "reopens": ("reopens", "reopen count", "times reopened", "reopened"),
        "handle_seconds": ("handle time", "handle seconds", "handling time", "aht", "talk time",
                           "time tracked", "service time", "ser time", "work time"),
        "queue_wait_seconds": ("queue wait", "queue wait seconds", "wait time", "queue time",
                               "time in queue", "q time", "speed of answer"),
        "abandoned": ("abandoned", "is abandoned", "abandon"),
        "bot_resolved": ("bot resolved", "resolved by bot", "bot", "deflected", "automated"),
    },
    "surveys": {
        "survey_id": ("survey id", "response id", "review id", "respondent id", "feedback id",
                      "rating id", "id"),
        "ticket_id": ("ticket id", "ticket", "ticket number", "conversation id", "case id",
                      "order id", "interaction id", "related ticket"),
        "sent_at": ("sent at", "survey sent", "sent", "date sent", "invited at", "start date",
                    "review creation date", "created at", "created"),
        "responded_at": ("responded at", "response date", "answered at", "answered", "responded",
                         "submitted at", "submitted",
                         "end date", "recorded date", "review answer timestamp", "completed at",
                         "response time"),
        "csat": ("csat", "satisfaction score", "csat score", "satisfaction", "satisfaction rating",
                 "rating", "review score", "score"),
        "nps": ("nps", "nps score", "likelihood to recommend", "net promoter score", "recommend",
                "how likely are you to recommend us"),
        "ces": ("ces", "customer effort score", "customer effort", "effort", "effort score"),
        "comment": ("comment", "comments", "feedback", "feedback message", "message",
                    "review comment message", "review comment title", "verbatim", "free text",
                    "satisfaction comment", "rating comment"),
    },
    "agents": {
        "agent_id": ("agent id", "agent", "id", "user id", "employee id", "agent email"),
        "hub": ("hub", "team", "group", "site", "location", "department"),
        "languages": ("languages", "language", "spoken languages", "language skills", "locales"),
        "channels": ("channels", "channel", "skills", "media", "channel skills"),
    },
    "shifts": {
        "agent_id": ("agent id", "agent", "user id", "employee id"),
        "start_at": ("start at", "start", "start time", "shift start", "from", "begin", "starts"),
        "end_at": ("end at", "end", "end time", "shift end", "to", "until", "finish", "ends"),
    },
}  # fmt: skip
# Durations that can stand in for a timestamp (added to the table's start column).
DURATION_HEADERS: dict[str, dict[str, tuple[str, ...]]] = {
    "tickets": {
        "first_response_at": ("first reply time", "first response time", "time to first reply",
                              "time to first response", "frt", "first reply time calendar",
                              "first response duration"),
        "resolved_at": ("full resolution time", "resolution time", "first resolution time",
                        "time to resolution", "time to resolve"),
    },
    "surveys": {"responded_at": ("response delay", "time to respond")},
    "shifts": {"end_at": ("duration", "shift length", "length")},
}  # fmt: skip
UNIT_WORDS = {
    "minutes": ("in minutes", "minutes", "mins", "min", "in min"),
    "seconds": ("in seconds", "seconds", "secs", "sec", "in sec", "s"),
    "hours": ("in hours", "in hrs", "hours", "hrs", "hr", "h"),
    "days": ("in days", "days"),
}  # fmt: skip
# Tried in order: the first that reads every sample wins (day-first only when month-first fails).
DATE_FORMATS = (
    "%m/%d/%Y %I:%M:%S %p", "%m/%d/%Y %I:%M %p", "%m/%d/%Y %H:%M:%S", "%m/%d/%Y %H:%M",
    "%d/%m/%Y %H:%M:%S", "%d/%m/%Y %H:%M", "%d.%m.%Y %H:%M:%S", "%d.%m.%Y %H:%M",
    "%d-%m-%Y %H:%M:%S", "%d-%m-%Y %H:%M", "%Y/%m/%d %H:%M:%S", "%Y/%m/%d %H:%M",
    "%Y-%m-%d %H:%M:%S %z", "%Y-%m-%d %H:%M %z", "%b %d, %Y %I:%M %p", "%b %d, %Y %H:%M",
    "%d %b %Y %H:%M:%S", "%d %b %Y %H:%M", "%m/%d/%Y", "%d/%m/%Y", "%d.%m.%Y", "%Y/%m/%d",
    "%m/%d/%y %H:%M", "%d/%m/%y %H:%M", "%m/%d/%y", "%d/%m/%y",
)  # fmt: skip


@dataclass
class Suggestion:
    mapping: Mapping
    notes: list[str]  # what was guessed and why, for the person importing
    personal: dict[str, str]  # file column -> kind of personal data (never stored)


def header_key(header: str) -> str:
    """'CreatedDate' -> 'created date', 'First reply time (in minutes)' -> 'first reply time in
    minutes', 'SRNumber' -> 'sr number'."""
    spaced = re.sub(r"(?<=[a-z])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])", " ", header)
    return " ".join(re.sub(r"[^0-9a-z]+", " ", spaced.casefold()).split())


def duration_unit(header: str) -> tuple[str, str | None]:
    """The header without its unit words, and the unit they name."""
    key = header_key(header)
    for unit, words in UNIT_WORDS.items():
        for word in sorted(words, key=len, reverse=True):
            if key.endswith(f" {word}") or f" {word} " in f" {key} ":
                stripped = " ".join(f" {key} ".replace(f" {word} ", " ").split())
                return stripped, unit
    return key, None


def timestamp_format(values: list[str]) -> str | None:
    """The format that reads every sample: 'iso', 'epoch', 'epoch_ms' or a strptime pattern."""
    samples = [v.strip() for v in values if isinstance(v, str) and v.strip()][:200]
    if not samples:
        return None
    if all(_is_iso(v) for v in samples):
        return "iso"
    if all(re.fullmatch(r"\d{9,10}(\.\d+)?", v) for v in samples):
        return "epoch"
    if all(re.fullmatch(r"\d{12,13}", v) for v in samples):
        return "epoch_ms"
    for pattern in DATE_FORMATS:
        try:
            for value in samples:
                dt.datetime.strptime(value, pattern)
        except ValueError:
            continue
        return pattern
    return None


def _is_iso(value: str) -> bool:
    if not re.match(r"^\d{4}-\d{2}-\d{2}", value):
        return False
    try:
        dt.datetime.fromisoformat(value.replace(" UTC", "Z"))
    except ValueError:
        return False
    return True


def _numeric(values: list[str]) -> bool:
    samples = [v.strip() for v in values if isinstance(v, str) and v.strip()][:200]
    if not samples:
        return True
    try:
        [float(v.replace(",", ".")) if v.count(",") == 1 and "." not in v else float(v)
         for v in samples]  # fmt: skip
    except ValueError:
        return False
    return True


def _fits(table: str, column: str, values: list[str]) -> bool:
    """Whether sample values can fill ``column`` (empty samples never rule a column out)."""
    how = kind(table, column)
    present = [v for v in values if isinstance(v, str) and v.strip()]
    if not present:
        return True
    if how == "timestamp":
        return timestamp_format(present) is not None
    if how in ("duration", "count", "score"):
        return _numeric(present)
    if how == "code":
        resolver = codes.RESOLVERS[column]
        distinct = sorted(set(present))[:100]
        return sum(resolver(v) is not None for v in distinct) >= max(1, len(distinct) // 2)
    if how == "flag":
        return all(codes.yes_no(v) is not None for v in set(present[:200]))
    return True


def suggest(table: str, headers: list[str] | tuple[str, ...],
            sample: pd.DataFrame | None = None) -> Suggestion:  # fmt: skip
    """A mapping for ``table`` from ``headers`` (checked against ``sample`` rows when given)."""
    if table not in HEADERS:
        raise ValueError(f"cannot import into '{table}'")
    headers = list(headers)
    sample = sample if sample is not None else pd.DataFrame(columns=headers)

    def values(header: str) -> list[str]:
        return sample[header].dropna().astype(str).tolist() if header in sample else []

    personal = {h: k for h in headers if (k := privacy.personal_data_kind(h))}
    keys = {h: header_key(h) for h in headers}
    columns: dict[str, ColumnSpec] = {}
    notes: list[str] = []
    used: set[str] = set()

    for column, synonyms in HEADERS[table].items():
        if column in columns:
            continue
        best = None
        for rank, synonym in enumerate(synonyms):
            for header in headers:
                if header in used or (header in personal and column != "customer_id"):
                    continue
                if kind(table, column) == "timestamp" and duration_unit(header)[1] is not None:
                    continue  # "First reply time in minutes" is a duration, not a time
                key = keys[header]
                score = None
                if key == synonym:
                    score = (0, rank)
                elif re.search(rf"(^| ){re.escape(synonym)}( |$)", key) and len(synonym) > 3:
                    score = (1, rank + len(key.split()) - len(synonym.split()))
                if (
                    score is not None
                    and _fits(table, column, values(header))
                    and (best is None or score < best[0])
                ):
                    best = (score, header)
        if best is None:
            continue
        header = best[1]
        used.add(header)
        spec = ColumnSpec(column=header)
        how = kind(table, column)
        if how == "timestamp":
            pattern = timestamp_format(values(header))
            if pattern and pattern != "iso":
                spec = ColumnSpec(column=header, format=pattern)
                notes.append(f"{column}: dates in '{header}' read as {pattern}"
                             + (" (day and month could be swapped: check)"
                                if _ambiguous(pattern, values(header)) else "") + ".")  # fmt: skip
        elif how == "duration":
            _, unit = duration_unit(header)
            spec = ColumnSpec(column=header, unit=unit or "seconds")
            if unit is None:
                notes.append(f"{column}: '{header}' read as seconds (the header names no unit).")
        elif column == "comment":
            more = [h for h in headers if h not in used and h not in personal
                    and keys[h] in HEADERS[table]["comment"]]  # fmt: skip
            if more:
                used.update(more)
                spec = ColumnSpec(columns=tuple(sorted((header, *more), key=headers.index)))
                notes.append(f"comment: joins {', '.join(repr(h) for h in spec.columns)}.")
        columns[column] = spec

    for column, synonyms in DURATION_HEADERS.get(table, {}).items():
        if column in columns:
            continue
        start = START_COLUMN[table]
        for header in headers:
            if header in used or header in personal or start not in columns:
                continue
            stripped, unit = duration_unit(header)
            if stripped in synonyms and _numeric(values(header)):
                used.add(header)
                columns[column] = ColumnSpec(column=header, after=start, unit=unit or "minutes")
                notes.append(f"{column}: {start} + '{header}' ({unit or 'minutes, guessed'}).")
                break

    for col in TABLES[table].source_columns:
        if col.required and col.name not in columns and (table, col.name) not in DEFAULTS:
            if col.name == "priority":
                columns["priority"] = ColumnSpec(constant="normal")
                notes.append("priority: not in the file; every row gets 'normal'.")
            else:
                notes.append(
                    f"{col.name}: not found in the file. Choose a column or give a constant "
                    "(e.g. a country code for a single-market export)."
                )
    if table == "tickets" and "status" not in columns:
        notes.append("status: not in the file; derived from resolved_at (solved or open).")
    for header, what in personal.items():
        if all(header not in spec.sources for spec in columns.values()):
            notes.append(f"'{header}' holds personal data ({what}): ignored, never stored.")
    return Suggestion(Mapping(table, columns), notes, personal)


def _ambiguous(pattern: str, values: list[str]) -> bool:
    swapped = pattern.replace("%m", "%_").replace("%d", "%m").replace("%_", "%d")
    if swapped == pattern:
        return False
    try:
        for value in [v.strip() for v in values if v and v.strip()][:200]:
            dt.datetime.strptime(value, swapped)
    except ValueError:
        return False
    return True
