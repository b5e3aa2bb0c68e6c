"""Who may see what: the access file, the scope of one signed-in user, and its tables.

An access file (``docs/access.md``) lists rules. Each rule matches users (by e-mail or subject),
identity-provider groups or other ID-token claims, and grants rows (countries, languages, hubs:
a row is visible when it is in all the lists the rule gives) and what may be done with them:
read the comments, list ticket-level rows, export, import. A user's rules add up; a signed-in user
whom no rule matches sees nothing (default deny).

The scope is enforced below every query: ``scope_schema`` creates views named like the data's
tables that hold only the rows the scope may see (comments emptied where no matching rule grants
them), and ``data_access.database`` runs a scoped user's every statement with that schema first on
the search path. No page, chart, export or command can reach a row outside it.
"""

from __future__ import annotations

import hashlib
import itertools
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import duckdb

from data_access.schema import LAST_IMPORT
from data_access.settings_file import (
    Fail,
    codes,
    parse_file_text,
    read_config_file,
    shown,
    suggest,
)

ENV_VAR = "SERVICE_ATLAS_ACCESS"
GRANTED_ROWS = {"countries": "country", "languages": "language", "hubs": "hub"}  # key -> column
MATCHERS = ("users", "groups", "claims")
PERMISSIONS = ("comments", "rows", "export", "import")
RULE_KEYS = ("name", *MATCHERS, *GRANTED_ROWS, *PERMISSIONS, "admin")
TOP_KEYS = ("contact", "groups_claim", "rule")


class AccessError(ValueError):
    """An access file that cannot be used; the message lists every problem by line."""


@dataclass(frozen=True)
class Grant:
    """Rows a rule lets its users see (an empty tuple: every value) and whether their comments
    and ticket-level rows may be read."""

    countries: tuple[str, ...] = ()
    languages: tuple[str, ...] = ()
    hubs: tuple[str, ...] = ()
    comments: bool = False
    rows: bool = False

    @property
    def everything(self) -> bool:
        return not (self.countries or self.languages or self.hubs) and self.comments and self.rows


@dataclass(frozen=True)
class Scope:
    """What one user may see and do. ``user`` names them in the audit log; ``rules`` are the
    names of the rules that matched."""

    user: str
    grants: tuple[Grant, ...] = ()
    export: bool = False
    imports: bool = False
    admin: bool = False
    rules: tuple[str, ...] = ()

    @property
    def unrestricted(self) -> bool:
        """Sees every row, comment and ticket: queries need no scoped views."""
        return self.admin or any(grant.everything for grant in self.grants)

    @property
    def sees_nothing(self) -> bool:
        return not (self.admin or self.grants)

    def may(self, permission: str) -> bool:
        """Whether any matching rule allows ``permission`` (one of ``PERMISSIONS``)."""
        if permission not in PERMISSIONS:
            raise ValueError(f"unknown permission {permission!r}")
        if self.admin:
            return True
        if permission in ("comments", "rows"):
            return any(getattr(grant, permission) for grant in self.grants)
        return self.export if permission == "export" else self.imports

    @property
    def key(self) -> str:
        """Identifies what the scope can see (not who holds it): two users with the same rows
        (and import history, shown to importers) share cached results; different scopes never
        do."""
        if self.unrestricted:
            return "all"
        text = repr((sorted(set(self.grants), key=repr), self.imports))
        return hashlib.sha256(text.encode()).hexdigest()[:16]


# Local mode (no sign-in configured) and command lines run without --as-user see everything.
EVERYTHING = Scope(user="local", grants=(Grant(comments=True, rows=True),), export=True,
                   imports=True, admin=True)  # fmt: skip


@dataclass(frozen=True)
class Rule:
    name: str
    users: frozenset[str]
    groups: frozenset[str]
    claims: tuple[tuple[str, frozenset[str]], ...]
    grant: Grant
    export: bool
    imports: bool
    admin: bool

    def matches(self, claims: Mapping[str, object], groups_claim: str) -> bool:
        """Any of the rule's users, any of its groups, or all of its claims."""
        verified = claims.get("email_verified") is not False
        email = str(claims.get("email", "")).casefold() if verified else ""
        if self.users & {email, str(claims.get("sub", "")).casefold()} - {""}:
            return True
        if self.groups & _values(claims.get(groups_claim)):
            return True
        return bool(self.claims) and all(
            wanted & _values(claims.get(name)) for name, wanted in self.claims
        )


def _values(claim: object) -> frozenset[str]:
    listed = claim if isinstance(claim, list | tuple) else [] if claim is None else [claim]
    return frozenset(str(value) for value in listed)


@dataclass(frozen=True)
class Access:
    """The rules of an access file; ``contact`` is whom a user without access should ask."""

    rules: tuple[Rule, ...]
    contact: str = ""
    groups_claim: str = "groups"

    def scope_for(self, claims: Mapping[str, object]) -> Scope:
        """The scope of the user whose ID-token ``claims`` are given (empty if no rule matches)."""
        matched = [rule for rule in self.rules if rule.matches(claims, self.groups_claim)]
        user = str(claims.get("email") or claims.get("sub") or "unknown")
        return Scope(
            user=user,
            grants=tuple(dict.fromkeys(rule.grant for rule in matched if not rule.admin)),
            export=any(rule.export for rule in matched),
            imports=any(rule.imports for rule in matched),
            admin=any(rule.admin for rule in matched),
            rules=tuple(rule.name for rule in matched),
        )


def access_location() -> str:
    """The access file named by ``SERVICE_ATLAS_ACCESS`` ("" when none is configured)."""
    return os.environ.get(ENV_VAR, "").strip()


def load_access(path: Path | str) -> Access:
    """The access file at ``path``; ``AccessError`` names the file and every bad line."""
    try:
        text = read_config_file(Path(path))
    except ValueError as error:
        raise AccessError(str(error)) from None
    return parse_access(text, str(path))


def parse_access(text: str, source_name: str) -> Access:
    try:
        data, places, problems = parse_file_text(text, source_name)
    except ValueError as error:
        raise AccessError(str(error)) from None
    for key in [key for key in data if key not in TOP_KEYS]:
        problems.report(places.top.get(key), f"unknown key {shown(key)}{suggest(key, TOP_KEYS)}")
    for key in ("contact", "groups_claim"):
        if not isinstance(data.get(key, ""), str):
            problems.report(places.top.get(key), f"{key} must be text, not {shown(data[key])}")
    raw_rules = data.get("rule")
    if not isinstance(raw_rules, list):
        problem = (
            "write [[rule]] (two brackets) above each rule"
            if raw_rules is not None
            else "no rules: add a [[rule]] table for each group of users (docs/access.md)"
        )
        problems.report(places.top.get("rule"), problem)
        raw_rules = []
    rules = []
    for index, raw in enumerate(raw_rules):
        found: list[tuple[str | None, str]] = []
        rule = _rule(raw, index, lambda key, problem: found.append((key, problem)))  # noqa: B023
        for key, problem in found:
            problems.report(places.line(index, key), problem, index + 1)
        rules += [rule] if rule and not found else []
    if problems:
        raise AccessError(problems.message())
    groups_claim = data.get("groups_claim") or "groups"
    return Access(tuple(rules), str(data.get("contact", "")), groups_claim)


def _rule(raw: object, index: int, fail: Fail) -> Rule | None:
    if not isinstance(raw, dict):
        fail(None, f"a rule must be a table of keys, not {shown(raw)}")
        return None
    for key in [key for key in raw if key not in RULE_KEYS]:
        fail(key, f"unknown key {shown(key)}{suggest(key, RULE_KEYS)}")
    name = raw.get("name", f"rule {index + 1}")
    if not isinstance(name, str) or not name.strip() or not name.isprintable():
        fail("name", f"name must be a line of text, not {shown(name)}")
    users = _texts(raw, "users", fail, fold=True)
    groups = _texts(raw, "groups", fail)
    claims = _claims(raw.get("claims", {}), fail)
    if not (users or groups or claims):
        fail(None, "the rule matches nobody: give users, groups or claims")
    rows = {key: codes(column, raw[key], key, fail)
            for key, column in GRANTED_ROWS.items() if key in raw}  # fmt: skip
    flags = {key: raw.get(key, False) for key in (*PERMISSIONS, "admin")}
    for key, value in flags.items():
        if not isinstance(value, bool):
            fail(key, f"{key} must be true or false, not {shown(value)}")
    if flags["admin"] is True and (rows or any(flags[key] for key in PERMISSIONS)):
        fail("admin", "an admin sees and may do everything: leave out the rows and permissions")
    grant = Grant(**rows, comments=flags["comments"] is True, rows=flags["rows"] is True)
    return Rule(str(name), users, groups, claims, grant, flags["export"] is True,
                flags["import"] is True, flags["admin"] is True)  # fmt: skip


def _texts(raw: dict, key: str, fail: Fail, fold: bool = False) -> frozenset[str]:
    value = raw.get(key, [])
    listed = [value] if isinstance(value, str) else value
    if not isinstance(listed, list) or not all(
        isinstance(item, str) and item.strip() and item.isprintable() for item in listed
    ):
        fail(key, f"{key} must be a list of names, not {shown(value)}")
        return frozenset()
    return frozenset(item.strip().casefold() if fold else item.strip() for item in listed)


def _claims(value: object, fail: Fail) -> tuple[tuple[str, frozenset[str]], ...]:
    if not isinstance(value, dict):
        fail("claims", f"claims must be a table such as {{ department = 'apac' }}, "
                       f"not {shown(value)}")  # fmt: skip
        return ()
    found = []
    for name, wanted in value.items():
        listed = [wanted] if isinstance(wanted, str | int | bool) else wanted
        if not isinstance(listed, list) or not listed:
            fail(f"claims.{name}", f"claim {shown(name)} must be a value or a list of values")
            continue
        found.append((name, frozenset(str(item) for item in listed)))
    return tuple(sorted(found))


# ---------------------------------------------------------------- the scoped tables
def _grant_rows(grants: tuple[Grant, ...]) -> list[tuple]:
    """One row per combination of a grant's values (None: any value)."""
    return [
        (country, language, hub, grant.comments, grant.rows)
        for grant in grants
        for country, language, hub in itertools.product(
            grant.countries or [None], grant.languages or [None], grant.hubs or [None]
        )
    ]


# The SQL below is put together from this module's own names (columns, flags, a hash-derived
# schema name); the granted values are rows of the ``grants`` table, inserted as bound parameters
# (pyproject.toml exempts this module from ruff's S608 for that reason).
_COLUMNS = tuple(GRANTED_ROWS.values())
_MATCH = " AND ".join(f"(g.{c} IS NULL OR g.{c} = d.{c})" for c in _COLUMNS)
_DISTINCT = ", ".join(_COLUMNS)
# Every (country, language, hub) the data holds that some grant covers, with whether a covering
# grant shows its comments and lists its rows: a few hundred rows, computed once per scope and
# data version, so the views below are hash joins (a correlated test per row costs 10x more).
COVERED = (
    f"SELECT {', '.join(f'd.{c}' for c in _COLUMNS)}, bool_or(g.comments) AS comments, "
    f"bool_or(g.rows) AS rows FROM (SELECT DISTINCT {_DISTINCT} FROM main.tickets UNION "
    f"SELECT DISTINCT {_DISTINCT} FROM main.surveys) d JOIN {{grants}} g ON {_MATCH} GROUP BY ALL"
)


def _covered(alias: str) -> str:
    """A join of ``alias`` to its row of ``covered`` (no row: outside the scope)."""
    on = " AND ".join(f"c.{c} IS NOT DISTINCT FROM {alias}.{c}" for c in _COLUMNS)
    return f"JOIN covered c ON {on}"


AGENT_IN_GRANTS = (  # the schedule is not customer data: narrowed by hub and language only
    "EXISTS (SELECT 1 FROM grants g WHERE (g.hub IS NULL OR g.hub = a.hub) AND "
    "(g.language IS NULL OR list_contains(a.languages, g.language)))"
)
SCOPED_VIEWS = {
    "tickets": f"SELECT t.* FROM main.tickets t {_covered('t')}",
    "surveys": "SELECT s.* REPLACE (CASE WHEN c.comments THEN s.comment END AS comment) "
    f"FROM main.surveys s {_covered('s')}",
    "agents": f"SELECT a.* FROM main.agents a WHERE {AGENT_IN_GRANTS}",
    "shifts": "SELECT * FROM main.shifts WHERE agent_id IN (SELECT agent_id FROM agents)",
    "listable_tickets": f"SELECT t.* FROM main.tickets t {_covered('t')} WHERE c.rows",
    "listable_surveys": f"SELECT s.* FROM surveys s {_covered('s')} WHERE c.rows",
    "countries": "SELECT * FROM main.countries WHERE country IN (SELECT country FROM covered)",
}
# The catalog a writer stores lists every market's values: a scope computes its own. The data's
# source line ends with the last import's file (data_access.importer.loader appends it), which
# is as much import history as atlas_imports: both are shown to importers only.
META = "SELECT * FROM main.atlas_meta WHERE key <> 'catalog'"
META_WITHOUT_IMPORTS = (
    "SELECT key, CASE WHEN key = 'source' THEN split_part(value, '" + LAST_IMPORT + "', 1) "
    "ELSE value END AS value FROM main.atlas_meta WHERE key <> 'catalog'"
)
IMPORT_HISTORY = "SELECT * FROM main.atlas_imports WHERE {}"  # every market's files and counts


def schema_name(scope: Scope) -> str:
    return f"scope_{scope.key}"


def create_scope_schema(con: duckdb.DuckDBPyConnection, scope: Scope) -> str:
    """Create the scope's schema in ``con`` (a database whose ``main`` holds the data's views):
    ``SCOPED_VIEWS``, named like the tables they restrict, over the scope's ``grants``, and the
    bookkeeping tables with the import history for importers only."""
    schema = schema_name(scope)
    con.execute(f"CREATE SCHEMA {schema}")
    con.execute(f"CREATE TABLE {schema}.grants (country VARCHAR, language VARCHAR, hub VARCHAR, "
                "comments BOOLEAN, rows BOOLEAN)")  # fmt: skip
    rows = _grant_rows(scope.grants)
    if rows:
        con.executemany(f"INSERT INTO {schema}.grants VALUES (?, ?, ?, ?, ?)", rows)
    con.execute(f"CREATE TABLE {schema}.covered AS {COVERED.format(grants=f'{schema}.grants')}")
    for name, select in SCOPED_VIEWS.items():
        con.execute(f"CREATE VIEW {schema}.{name} AS {select}")
    shown = "true" if scope.imports else "false"
    con.execute(f"CREATE VIEW {schema}.atlas_imports AS {IMPORT_HISTORY.format(shown)}")
    con.execute(f"CREATE VIEW {schema}.atlas_meta AS "
                f"{META if scope.imports else META_WITHOUT_IMPORTS}")  # fmt: skip
    return schema
