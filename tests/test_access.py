"""Per-market access (data_access.access, Database.scoped, data_access.audit, ui.access): the
access file, whom its rules match, the rows each scope's views hold, the audit log, and the sign-in
gate as a user meets it.

Hand-built data for the scoped views (created 3-5 March 2025; one survey per ticket, its comment
"note <ticket>"):

| ticket | country | language | hub  |        | agent | hub  | languages |
| k1, k2 | KR      | ko       | APAC |        | a-ko  | APAC | ko        |
| k3     | KR      | en       | APAC |        | a-ja  | APAC | ja, en    |
| j1, j2 | JP      | ja       | APAC |        | a-en  | AMER | en, es    |
| j3     | JP      | en       | APAC |
| u1, u3, u4 | US  | en       | AMER |        one shift per agent; one import recorded
| u2     | US      | es       | AMER |
"""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from data_access import audit, store
from data_access.access import (
    EVERYTHING,
    AccessError,
    Grant,
    Scope,
    load_access,
    parse_access,
)
from data_access.catalog import read_catalog
from data_access.database import Database
from presentation import format as fmt
from tests.apptest import ROOT, open_as, open_page, rendered_text, signed_in
from tests.conftest import write_rows

UTC = dt.UTC
EXAMPLE = ROOT / "docs" / "access.example.toml"

# ---------------------------------------------------------------- the access file
VALID = """\
contact = "service-insights@example.com"
groups_claim = "roles"

[[rule]]
name = "Korea team"
users = ["Kim@Example.com", "auth0|lee"]
countries = ["KR"]
comments = true
rows = true
export = true

[[rule]]
name = "English-speaking hubs, counts only"
groups = ["english-leads"]
languages = ["en"]
hubs = ["APAC", "AMER"]

[[rule]]
name = "Finance"
claims = { department = "finance", level = ["senior", "director"] }
countries = ["US", "JP"]
export = true

[[rule]]
name = "Data team"
groups = ["atlas-admins"]
admin = true
"""


def test_a_valid_file_gives_every_rule_its_grant_and_permissions():
    access = parse_access(VALID, "access.toml")
    assert (access.contact, access.groups_claim) == ("service-insights@example.com", "roles")
    korea, english, finance, data_team = access.rules
    assert korea.name == "Korea team"
    assert korea.users == {"kim@example.com", "auth0|lee"}  # e-mails and subjects folded
    assert korea.grant == Grant(countries=("KR",), comments=True, rows=True)
    assert (korea.export, korea.imports, korea.admin) == (True, False, False)
    assert english.grant == Grant(languages=("en",), hubs=("APAC", "AMER"))
    assert (english.export, english.groups) == (False, {"english-leads"})
    assert finance.claims == (("department", frozenset({"finance"})),
                              ("level", frozenset({"senior", "director"})))  # fmt: skip
    assert data_team.admin and data_team.grant == Grant()


def test_the_documented_example_parses():
    # docs/access.example.toml once it is written; until then a file of the same kind
    text = EXAMPLE.read_text(encoding="utf-8") if EXAMPLE.exists() else VALID
    access = parse_access(text, str(EXAMPLE))
    assert access.rules
    assert all(rule.users or rule.groups or rule.claims for rule in access.rules)


RULE = '[[rule]]\nname = "Korea"\nusers = ["kim@example.com"]\n'  # lines 1-3
BAD_FILES = {
    "unknown key, with the near miss": (
        RULE + 'countrys = ["KR"]\n',
        "line 4: unknown key 'countrys'; did you mean 'countries' or 'comments'?"),
    "unknown top-level key": (
        'contacts = "x"\n' + RULE, "line 1: unknown key 'contacts'; did you mean 'contact'?"),
    "bad country codes": (
        RULE + 'countries = ["KOR", "kr"]\n',
        "line 4: unknown country codes 'KOR', 'kr' (ISO 3166-1 alpha-2 in capitals, e.g. 'DE')"),
    "bad language code": (
        RULE + 'languages = "KO"\n',
        "line 4: unknown language code 'KO' (ISO 639-1 in lower case, e.g. 'de')"),
    "bad bool": (RULE + 'export = "yes"\n', "line 4: export must be true or false, not 'yes'"),
    "a number for a bool": (RULE + "comments = 1\n",
                            "line 4: comments must be true or false, not 1"),
    "rule matching nobody": (
        'contact = "x"\n\n[[rule]]\nname = "Everyone in Korea"\ncountries = ["KR"]\n',
        "line 3: the rule matches nobody: give users, groups or claims"),
    "admin with rows": (
        RULE + "admin = true\ncountries = [\"KR\"]\n",
        "line 4: an admin sees and may do everything: leave out the rows and permissions"),
    "not TOML": ('contact = "x"\n[[rule]]\nusers = kim@example.com\n',
                 "line 3, column 9: not valid TOML: Invalid value"),
    "no rules": ('contact = "x"\n',
                 "file: no rules: add a [[rule]] table for each group of users (docs/access.md)"),
    "one bracket": ('[rule]\nusers = ["kim@example.com"]\n',
                    "line 1: write [[rule]] (two brackets) above each rule"),
    "empty claim": (RULE + "claims = { department = [] }\n",
                    "line 4: claim 'department' must be a value or a list of values"),
}  # fmt: skip


@pytest.mark.parametrize("case", BAD_FILES)
def test_a_bad_file_is_refused_with_file_line_and_reason(tmp_path, case):
    text, problem = BAD_FILES[case]
    path = tmp_path / "access.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(AccessError) as refused:
        load_access(path)
    assert str(refused.value) == f"{path}, {problem}"


def test_every_problem_of_a_file_is_listed_in_line_order(tmp_path):
    path = tmp_path / "access.toml"
    path.write_text(RULE + 'export = "yes"\n[[rule]]\ncountries = ["XX"]\n', encoding="utf-8")
    with pytest.raises(AccessError) as refused:
        load_access(path)
    assert str(refused.value).splitlines() == [
        f"{path}, line 4: export must be true or false, not 'yes'",
        f"{path}, line 5: the rule matches nobody: give users, groups or claims",
        f"{path}, line 6: unknown country code 'XX' (ISO 3166-1 alpha-2 in capitals, e.g. 'DE')",
    ]


def test_a_missing_file_is_named():
    with pytest.raises(AccessError, match=r"^/nowhere/access\.toml: no such file$"):
        load_access("/nowhere/access.toml")


# ---------------------------------------------------------------- whom the rules match
ACCESS = parse_access(VALID, "access.toml")
KOREA = Grant(countries=("KR",), comments=True, rows=True)
ENGLISH = Grant(languages=("en",), hubs=("APAC", "AMER"))
FINANCE = Grant(countries=("US", "JP"))


@pytest.mark.parametrize(
    "claims, grants, rules",
    [
        ({"email": "kim@example.com"}, (KOREA,), ("Korea team",)),
        ({"email": "KIM@EXAMPLE.COM", "email_verified": True}, (KOREA,), ("Korea team",)),
        ({"sub": "auth0|lee", "email": "lee@other.example"}, (KOREA,), ("Korea team",)),
        ({"email": "kim@example.com", "email_verified": False}, (), ()),  # anyone can type it
        ({"email": "x@example.com", "roles": ["english-leads"]}, (ENGLISH,),
         ("English-speaking hubs, counts only",)),
        ({"email": "x@example.com", "groups": ["english-leads"]}, (), ()),  # not the claim named
        ({"email": "x@example.com", "department": "finance", "level": "senior"}, (FINANCE,),
         ("Finance",)),
        ({"email": "x@example.com", "department": "finance"}, (), ()),  # all claims must match
        ({"email": "x@example.com", "department": "sales", "level": "director"}, (), ()),
        ({"email": "kim@example.com", "roles": "english-leads"}, (KOREA, ENGLISH),
         ("Korea team", "English-speaking hubs, counts only")),  # rules add up
        ({"email": "nobody@example.com"}, (), ()),
        ({}, (), ()),
    ],
)  # fmt: skip
def test_rules_match_by_email_subject_group_or_all_claims(claims, grants, rules):
    scope = ACCESS.scope_for(claims)
    assert (scope.grants, scope.rules) == (grants, rules)
    assert scope.sees_nothing == (not grants)


def test_permissions_add_up_across_matching_rules():
    both = ACCESS.scope_for({"email": "kim@example.com", "roles": ["english-leads"]})
    assert (both.may("comments"), both.may("rows"), both.may("export"), both.may("import")) == (
        True, True, True, False)  # fmt: skip
    counts_only = ACCESS.scope_for({"email": "x@example.com", "roles": ["english-leads"]})
    assert [counts_only.may(p) for p in ("comments", "rows", "export", "import")] == [False] * 4
    admin = ACCESS.scope_for({"email": "x@example.com", "roles": ["atlas-admins"]})
    assert admin.admin and admin.unrestricted and admin.grants == ()
    assert all(admin.may(p) for p in ("comments", "rows", "export", "import"))
    with pytest.raises(ValueError, match="unknown permission"):
        admin.may("delete")


def test_no_rule_means_nothing_to_see():
    scope = ACCESS.scope_for({"email": "stranger@example.com"})
    assert scope.sees_nothing and not scope.unrestricted
    assert scope.user == "stranger@example.com"
    assert not any(scope.may(p) for p in ("comments", "rows", "export", "import"))


def test_the_scope_key_names_what_is_seen_not_who_sees_it():
    kim = ACCESS.scope_for({"email": "kim@example.com"})
    lee = ACCESS.scope_for({"sub": "auth0|lee"})
    assert kim.user != lee.user and kim.key == lee.key
    assert Scope("a", (KOREA, ENGLISH)).key == Scope("b", (ENGLISH, KOREA)).key  # order aside
    keys = {
        Scope("a", (KOREA,)).key,
        Scope("a", (ENGLISH,)).key,
        Scope("a", (KOREA, ENGLISH)).key,
        Scope("a", (KOREA,), imports=True).key,  # importers also see the import history
        Scope("a", (Grant(countries=("KR",), comments=True),)).key,
        EVERYTHING.key,
    }
    assert len(keys) == 6
    assert Scope("a", (Grant(comments=True, rows=True),)).key == EVERYTHING.key == "all"
    assert Scope("a", (KOREA,), export=True).key == Scope("a", (KOREA,)).key  # rows unchanged


# ---------------------------------------------------------------- the scoped views
def _ticket(tid: str, country: str, language: str, hub: str, day: int) -> dict:
    created = dt.datetime(2025, 3, day, 9, tzinfo=UTC)
    return {"ticket_id": tid, "customer_id": f"c-{tid}", "created_at": created,
            "first_response_at": created + dt.timedelta(minutes=5),
            "resolved_at": created + dt.timedelta(hours=2), "status": "closed",
            "channel": "email", "country": country, "language": language, "priority": "normal",
            "category": "shipping", "hub": hub, "agent_id": "a-en", "agent_replies": 1,
            "reopens": 0, "bot_resolved": False}  # fmt: skip


TICKETS = [_ticket("k1", "KR", "ko", "APAC", 3), _ticket("k2", "KR", "ko", "APAC", 4),
           _ticket("k3", "KR", "en", "APAC", 5), _ticket("j1", "JP", "ja", "APAC", 3),
           _ticket("j2", "JP", "ja", "APAC", 4), _ticket("j3", "JP", "en", "APAC", 5),
           _ticket("u1", "US", "en", "AMER", 3), _ticket("u2", "US", "es", "AMER", 4),
           _ticket("u3", "US", "en", "AMER", 5), _ticket("u4", "US", "en", "AMER", 5)]  # fmt: skip
SURVEYS = [{"survey_id": f"s-{t['ticket_id']}", "ticket_id": t["ticket_id"],
            "sent_at": t["resolved_at"], "responded_at": t["resolved_at"], "csat": 4,
            "comment": f"note {t['ticket_id']}"} for t in TICKETS]  # fmt: skip
AGENTS = [("a-ko", "APAC", ["ko"], ["email"]), ("a-ja", "APAC", ["ja", "en"], ["email"]),
          ("a-en", "AMER", ["en", "es"], ["email", "chat"])]  # fmt: skip
ALL_AGENTS = {"a-ko", "a-ja", "a-en"}


@pytest.fixture(scope="module")
def markets(tmp_path_factory: pytest.TempPathFactory) -> Database:
    path = write_rows(tmp_path_factory.mktemp("access") / "markets.duckdb", TICKETS, SURVEYS)
    with store.rewrite(path, None) as con:
        con.executemany("INSERT INTO agents VALUES (?, ?, ?, ?)", AGENTS)
        shift = (dt.datetime(2025, 3, 3, 8, tzinfo=UTC), dt.datetime(2025, 3, 3, 16, tzinfo=UTC))
        con.executemany("INSERT INTO shifts VALUES (?, ?, ?)", [(a, *shift) for a, *_ in AGENTS])
        con.execute("INSERT INTO hubs VALUES ('APAC', 'Asia-Pacific', 'Asia/Manila'), "
                    "('AMER', 'Americas', 'America/Bogota')")  # fmt: skip
        store.record_import(con, "tickets", "jp_tickets_march.csv", "csv",
                            {"rows_read": 3, "rows_loaded": 3}, {})  # fmt: skip
        con.execute("UPDATE atlas_meta SET value = ? WHERE key = 'source'",
                    ["test fixture; last import: tickets from jp_tickets_march.csv"])  # fmt: skip
    return Database(path)


def ids(db: Database, sql: str, column: str = "ticket_id") -> set[str]:
    return set(db.query(sql)[column])


KR, EN = ("KR",), ("en",)
SCOPES = {  # grants -> (tickets, tickets whose comment shows, listable tickets, agents)
    "country only": (
        (Grant(countries=KR, comments=True, rows=True),),
        {"k1", "k2", "k3"}, {"k1", "k2", "k3"}, {"k1", "k2", "k3"}, ALL_AGENTS),
    "language only": (
        (Grant(languages=EN, rows=True),),
        {"k3", "j3", "u1", "u3", "u4"}, set(), {"k3", "j3", "u1", "u3", "u4"}, {"a-ja", "a-en"}),
    "country x language": (
        (Grant(countries=KR, languages=EN, comments=True),),
        {"k3"}, {"k3"}, set(), {"a-ja", "a-en"}),
    "two countries x language": (
        (Grant(countries=("KR", "JP"), languages=EN, rows=True),),
        {"k3", "j3"}, set(), {"k3", "j3"}, {"a-ja", "a-en"}),
    "hub only": ((Grant(hubs=("AMER",), comments=True),),
                 {"u1", "u2", "u3", "u4"}, {"u1", "u2", "u3", "u4"}, set(), {"a-en"}),
    "two grants OR-ed": (
        (Grant(countries=KR, comments=True), Grant(languages=("es",), rows=True)),
        {"k1", "k2", "k3", "u2"}, {"k1", "k2", "k3"}, {"u2"}, ALL_AGENTS),
    "overlapping grants": (  # k3 is in both: its comment shows, granted by the first
        (Grant(countries=KR, comments=True), Grant(languages=EN, rows=True)),
        {"k1", "k2", "k3", "j3", "u1", "u3", "u4"}, {"k1", "k2", "k3"},
        {"k3", "j3", "u1", "u3", "u4"}, ALL_AGENTS),
    "hub x language": ((Grant(hubs=("APAC",), languages=("ko",)),),
                       {"k1", "k2"}, set(), set(), {"a-ko"}),
    "nothing": ((), set(), set(), set(), set()),
}  # fmt: skip


@pytest.mark.parametrize("case", SCOPES)
def test_each_scope_sees_exactly_its_rows(markets, case):
    grants, tickets, with_comment, listable, agents = SCOPES[case]
    db = markets.scoped(Scope("someone", grants))
    assert ids(db, "SELECT ticket_id FROM tickets") == tickets
    assert ids(db, "SELECT ticket_id FROM surveys") == tickets  # one survey per ticket
    shown = db.query("SELECT ticket_id, comment FROM surveys WHERE comment IS NOT NULL")
    assert set(shown["ticket_id"]) == with_comment
    assert all(shown["comment"] == "note " + shown["ticket_id"])
    assert ids(db, "SELECT ticket_id FROM listable_tickets") == listable
    assert ids(db, "SELECT ticket_id FROM listable_surveys") == listable
    assert ids(db, "SELECT agent_id FROM agents", "agent_id") == agents
    assert ids(db, "SELECT agent_id FROM shifts", "agent_id") == agents  # one shift each
    countries = {t["country"] for t in TICKETS if t["ticket_id"] in tickets}
    assert ids(db, "SELECT country FROM countries", "country") == countries


def test_an_unrestricted_scope_reads_the_data_itself(markets):
    assert markets.scoped(EVERYTHING) is markets
    everyone = Scope("x", (Grant(comments=True, rows=True),))
    assert markets.scoped(everyone) is markets
    assert len(markets.query("SELECT * FROM surveys WHERE comment IS NOT NULL")) == 10


def test_the_stored_catalog_is_hidden_and_each_scope_gets_its_own(markets):
    assert set(markets.meta()) == {"data_version", "updated_at", "source", "catalog"}
    korea = markets.scoped(Scope("kim", (Grant(countries=KR),)))
    assert set(korea.meta()) == {"data_version", "updated_at", "source"}
    values = read_catalog(korea).values
    assert (values["countries"], values["languages"], values["hubs"]) == (
        ["KR"], ["en", "ko"], ["APAC"])  # fmt: skip
    english = read_catalog(markets.scoped(Scope("x", (Grant(languages=EN),)))).values
    assert (english["countries"], english["languages"], english["hubs"]) == (
        ["JP", "KR", "US"], ["en"], ["AMER", "APAC"])  # fmt: skip
    assert read_catalog(markets).values["countries"] == ["JP", "KR", "US"]


def test_the_import_history_and_last_import_show_only_to_importers(markets):
    history = "SELECT source_file FROM atlas_imports"
    assert markets.query(history)["source_file"].tolist() == ["jp_tickets_march.csv"]
    importer = markets.scoped(Scope("x", (Grant(countries=KR),), imports=True))
    assert importer.query(history)["source_file"].tolist() == ["jp_tickets_march.csv"]
    viewer = markets.scoped(Scope("x", (Grant(countries=KR),)))
    assert viewer.query(history).empty
    assert importer.cache_key != viewer.cache_key
    # the source line names the last import's file too
    imported = "test fixture; last import: tickets from jp_tickets_march.csv"
    assert markets.meta()["source"] == importer.meta()["source"] == imported
    assert viewer.meta()["source"] == "test fixture"


def test_scopes_share_one_schema_per_key_and_cache_apart(markets):
    korea = Grant(countries=KR, rows=True)
    kim, lee = (markets.scoped(Scope(user, (korea,))) for user in ("kim", "lee"))
    other = markets.scoped(Scope("x", (Grant(countries=("JP",), rows=True),)))
    assert kim.cache_key == lee.cache_key != other.cache_key != markets.cache_key
    assert kim.version == markets.version  # same file, same data version
    assert ids(kim, "SELECT ticket_id FROM tickets") == {"k1", "k2", "k3"}
    assert ids(other, "SELECT ticket_id FROM tickets") == {"j1", "j2", "j3"}
    assert ids(lee, "SELECT ticket_id FROM tickets") == {"k1", "k2", "k3"}


# ---------------------------------------------------------------- the audit log
def test_an_entry_comes_back_as_written(tmp_path):
    path = tmp_path / "audit.duckdb"
    assert audit.entries(path=path).empty  # no file yet
    hostile = "x'); DROP TABLE audit; --\u202e\n<script>"
    audit.record("export", "kim@example.com", "CSV: Volume", hostile, path=path)
    audit.record("sign-in", hostile, "Korea team", path=path)
    rows = audit.entries(path=path)
    assert list(rows.columns) == list(audit.COLUMNS)
    assert rows[["user_name", "event", "what", "filters"]].values.tolist() == [
        [hostile, "sign-in", "Korea team", ""],  # newest first
        ["kim@example.com", "export", "CSV: Volume", hostile],
    ]
    assert (dt.datetime.now(UTC) - rows["happened_at"].iloc[0]).total_seconds() < 60
    assert len(audit.entries(limit=1, path=path)) == 1


def test_an_unknown_event_is_refused(tmp_path):
    with pytest.raises(ValueError, match="unknown audit event 'deleted'"):
        audit.record("deleted", "kim@example.com", path=tmp_path / "audit.duckdb")
    assert not (tmp_path / "audit.duckdb").exists()


WRITER = textwrap.dedent("""
    import sys
    from pathlib import Path
    from data_access import audit
    for i in range(int(sys.argv[3])):
        audit.record("export", sys.argv[2], f"entry {i}", path=Path(sys.argv[1]))
""")


def test_two_processes_writing_at_once_both_land(tmp_path):
    path, entries = tmp_path / "audit.duckdb", 25
    writers = [subprocess.Popen([sys.executable, "-c", WRITER, str(path), who, str(entries)],
                                cwd=ROOT, stderr=subprocess.PIPE, text=True)
               for who in ("dashboard", "cron")]  # fmt: skip
    for writer in writers:
        _, errors = writer.communicate(timeout=120)
        assert writer.returncode == 0, errors
    counts = audit.entries(path=path)["user_name"].value_counts().to_dict()
    assert counts == {"dashboard": entries, "cron": entries}


# ---------------------------------------------------------------- the gate, as a user meets it
ACCESS_FILE = """\
contact = "service-insights@example.com"

[[rule]]
name = "Korea team"
users = ["kim@example.com"]
countries = ["KR"]
comments = true
rows = true
export = true

[[rule]]
name = "Korea viewers"
users = ["park@example.com"]
countries = ["KR"]

[[rule]]
name = "Importers"
users = ["importer@example.com"]
countries = ["KR"]
import = true

[[rule]]
name = "Data team"
users = ["admin@example.com"]
admin = true
"""


@pytest.fixture(scope="module")
def app_env(small_sample: Path, tmp_path_factory: pytest.TempPathFactory):
    """The app on the small sample, with sign-in configured by each test, this access file and
    an audit log of its own."""
    folder = tmp_path_factory.mktemp("gate")
    (folder / "access.toml").write_text(ACCESS_FILE, encoding="utf-8")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SERVICE_ATLAS_DB", str(small_sample))
        patch.setenv("SERVICE_ATLAS_ACCESS", str(folder / "access.toml"))
        patch.setenv(audit.ENV_VAR, str(folder / "audit.duckdb"))
        yield folder


def volume_in_last_28_days(path: Path, country: str | None = None) -> str:
    """The Volume tile of the default period: the 28 UTC days up to the last ticket's day of
    what the user sees."""
    import duckdb

    where, params = ("WHERE country = ?", [country]) if country else ("", [])
    with duckdb.connect(str(path), read_only=True) as con:
        con.execute("SET TimeZone = 'UTC'")
        (n,) = con.execute(
            f"WITH t AS (SELECT created_at FROM tickets {where}) SELECT count(*) FROM t WHERE "
            "created_at::DATE > (SELECT max(created_at)::DATE - 28 FROM t)",
            params,
        ).fetchone()
    return fmt.kpi_value("volume", n)


def tile(at, label: str) -> str:
    return next(m.value for m in at.metric if m.label == label)


def shows_no_data(at) -> bool:
    return not (at.metric or at.dataframe or at.get("plotly_chart") or at.sidebar.multiselect)


def test_signed_out_gets_the_sign_in_screen_and_no_data(app_env):
    at = open_as(None)
    assert not at.exception
    assert [i.value for i in at.info] == ["Sign in to see the service dashboards."]
    assert [b.label for b in at.button] == ["Sign in"]
    assert shows_no_data(at)


def test_an_expired_sign_in_must_sign_in_again(app_env):
    at = open_as(signed_in("kim@example.com", valid_for=-60))
    assert [i.value for i in at.info] == ["Your sign-in has expired. Sign in again to go on."]
    assert shows_no_data(at)


def test_a_user_no_rule_includes_is_told_whom_to_ask(app_env):
    at = open_as(signed_in("stranger@example.com"))
    assert [rendered_text(w.value) for w in at.warning] == [
        "You are signed in as stranger@example.com, but no access rule includes you, so there "
        "is nothing to show."]  # fmt: skip
    assert [rendered_text(i.value) for i in at.info] == [
        "Ask service-insights@example.com for access."]  # fmt: skip
    assert [b.label for b in at.button] == ["Sign out"]
    assert shows_no_data(at)
    log = audit.entries(path=app_env / "audit.duckdb")
    assert ["stranger@example.com", "sign-in refused", ""] in (
        log[["user_name", "event", "what"]].values.tolist())  # fmt: skip


def test_an_unverified_email_is_not_the_user_it_names(app_env):
    at = open_as(signed_in("admin@example.com", email_verified=False))
    assert "no access rule includes you" in at.warning[0].value
    assert shows_no_data(at)


def test_a_korea_user_is_offered_korea_only(app_env, small_sample):
    at = open_as(signed_in("kim@example.com"))
    assert not at.exception
    country = next(w for w in at.sidebar.multiselect if w.label == "Country")
    assert country.options == ["South Korea (KR)"]
    languages = next(w for w in at.sidebar.multiselect if w.label == "Language").options
    assert languages == ["Korean (ko)"]  # every Korean ticket of the sample is in Korean
    assert tile(at, "Volume") == volume_in_last_28_days(small_sample, "KR")
    caption = " ".join(c.value for c in at.sidebar.caption)
    assert "Signed in as kim@example.com" in rendered_text(caption)
    assert "KR — comments, ticket rows, export" in rendered_text(caption)
    assert at.caption[0].value.split(" · ")[1].startswith("all your markets — ")


def test_a_korea_user_s_totals_are_named_as_theirs(app_env, small_sample):
    """Beside one market, the region and all-markets figures are the totals of the user's
    markets (Korea only here), so they are named so, not 'Eastern Asia' and 'All markets'."""
    kim = open_as(signed_in("kim@example.com"), query={"country": "KR"})
    (peers,) = [f.value for f in kim.dataframe if "KPI" in f.value.columns]
    assert list(peers.columns) == ["KPI", "South Korea", "Eastern Asia (your markets)",
                                   "All your markets"]  # fmt: skip
    assert peers["South Korea"].tolist() == peers["All your markets"].tolist()
    admin = open_as(signed_in("admin@example.com"), query={"country": "KR"})
    (peers,) = [f.value for f in admin.dataframe if "KPI" in f.value.columns]
    assert list(peers.columns) == ["KPI", "South Korea", "Eastern Asia", "All markets"]
    everyone = open_as(signed_in("admin@example.com"))
    assert everyone.caption[0].value.split(" · ")[1].startswith("all markets — ")


def _downloads(at) -> list[str]:
    menus = [p.proto.popover.label for p in at.get("popover")]
    return [
        *menus,
        *(b.label for b in at.get("download_button")),
        *(e.label for e in at.sidebar.expander if e.label == "Review pack"),
    ]


def test_without_export_there_is_no_download_menu_or_review_pack(app_env):
    assert _downloads(open_as(signed_in("kim@example.com")))  # exporters have them
    viewer = open_as(signed_in("park@example.com"))
    assert not viewer.exception and viewer.metric  # the data is there...
    assert _downloads(viewer) == []  # ...but nothing to take away


def _links(at) -> list[str]:
    return [link.label for link in at.get("page_link")]


def test_without_import_the_import_page_refuses_and_is_not_linked(app_env):
    viewer = open_as(signed_in("kim@example.com"), "pages/7_Import_data.py")
    assert [rendered_text(w.value) for w in viewer.warning] == [
        "Your access does not include this. Ask service-insights@example.com if you need it."
    ]
    assert not viewer.get("file_uploader")
    assert "Import data" not in _links(viewer)
    data_page = open_as(signed_in("kim@example.com"), "pages/9_Data.py")
    assert not [link for link in _links(data_page) if "Import" in link]
    importer = open_as(signed_in("importer@example.com"), "pages/7_Import_data.py")
    assert not importer.warning and importer.get("file_uploader")
    assert "Import data" in _links(importer)


def test_the_audit_log_is_on_the_data_page_for_admins_only(app_env):
    # new sign-ins (a token of their own: a process logs each token's sign-in once)
    open_as(signed_in("kim@example.com", iat=time.time_ns()))
    admin = open_as(signed_in("admin@example.com", iat=time.time_ns()), "pages/9_Data.py")
    assert not admin.exception
    assert "Audit log" in [h.value for h in admin.subheader]
    (logged,) = [f.value for f in admin.dataframe if "user_name" in f.value.columns]
    assert {"admin@example.com", "kim@example.com"} <= set(logged["user_name"])
    kim = open_as(signed_in("kim@example.com"), "pages/9_Data.py")
    assert not kim.exception
    assert "Audit log" not in [h.value for h in kim.subheader]
    assert not [f for f in kim.dataframe if "user_name" in f.value.columns]


def test_a_broken_access_file_shows_its_line_and_no_data(app_env, tmp_path, monkeypatch):
    broken = tmp_path / "access.toml"
    broken.write_text(ACCESS_FILE.replace("export = true", 'export = "yes"'), encoding="utf-8")
    monkeypatch.setenv("SERVICE_ATLAS_ACCESS", str(broken))
    at = open_as(signed_in("admin@example.com"))
    assert [e.value for e in at.error] == [
        "The access file cannot be used, so no data is shown:\n\n```\n"
        f"{broken}, line 9: export must be true or false, not 'yes'\n```"]  # fmt: skip
    assert shows_no_data(at)


def test_local_mode_says_so_and_shows_all_data(app_env, small_sample):
    at = open_page("dashboard.py")  # no [auth] secrets: no sign-in
    assert not at.exception
    captions = [c.value for c in at.sidebar.caption]
    assert any(c.startswith(":material/lock_open: Local mode: no sign-in is configured")
               for c in captions)  # fmt: skip
    assert tile(at, "Volume") == volume_in_last_28_days(small_sample)
    country = next(w for w in at.sidebar.multiselect if w.label == "Country")
    assert len(country.options) > 40
