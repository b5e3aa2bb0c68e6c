"""Small survey groups stay hidden however the results are combined: each attack that recovered a
hidden score, reproduced on a hand-built database, through the engine, the CLI, a CSV export and
the Voice of the customer comments.

Every survey below is answered inside MARCH; a group is hidden below 5 responses.
"""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from atlas.cli import main as atlas_cli
from data_access.database import Database
from data_access.filters import Filter
from metrics import voc
from metrics.engine import kpi_table
from metrics.registry import MIN_SURVEY_RESPONSES
from presentation import export
from tests.conftest import write_rows

T0 = dt.datetime(2025, 3, 3, 9, tzinfo=dt.UTC)
MARCH = Filter(start=dt.date(2025, 3, 3), end=dt.date(2025, 3, 16))
LANGUAGE = {"DE": "de", "FR": "fr", "US": "en", "AR": "es", "SA": "ar"}


def build(path: Path, answers: list[tuple]) -> Database:
    """One ticket and one answered survey per (country, channel, csat, ces[, comment])."""
    tickets, surveys = [], []
    for i, (country, channel, csat, ces, *comment) in enumerate(answers):
        created = T0 + dt.timedelta(hours=i)
        tickets.append({"ticket_id": f"t{i}", "customer_id": f"c{i}", "created_at": created,
                        "status": "closed", "channel": channel, "country": country,
                        "language": LANGUAGE[country], "priority": "normal",
                        "category": "shipping", "hub": "EMEA"})  # fmt: skip
        surveys.append({"survey_id": f"s{i}", "ticket_id": f"t{i}", "sent_at": created,
                        "responded_at": created + dt.timedelta(minutes=30), "csat": csat,
                        "ces": ces, "comment": comment[0] if comment else None})  # fmt: skip
    return Database(write_rows(path, tickets, surveys))


def group(country: str, channel: str, csat: list[int], ces: int | None = None) -> list[tuple]:
    return [(country, channel, score, ces) for score in csat]


def hidden(table: pd.DataFrame, *keys: str) -> set:
    rows = table[table["suppressed"]]
    return set(zip(*(rows[k] for k in keys), strict=True)) if len(keys) > 1 else set(rows[keys[0]])


# ---------------------------------------------------------------- total minus the shown siblings
# DE only. email: 6 answers, 4 satisfied; chat: 7, all satisfied; phone: 2, none satisfied.
ONE_COUNTRY = [
    *group("DE", "email", [5, 5, 5, 4, 2, 1], ces=6),
    *group("DE", "chat", [5, 5, 5, 5, 4, 4, 4], ces=7),
    *group("DE", "phone", [1, 2], ces=1),
]


@pytest.fixture(scope="module")
def one_country(tmp_path_factory: pytest.TempPathFactory) -> Database:
    return build(tmp_path_factory.mktemp("privacy") / "one.duckdb", ONE_COUNTRY)


def test_a_lone_hidden_group_takes_the_next_smallest_with_it(one_country):
    total = kpi_table(one_country, ["csat", "ces"], flt=MARCH, details=True).set_index("kpi")
    by_channel = kpi_table(one_country, ["csat", "ces"], by=["channel"], flt=MARCH, details=True)
    # The attack: 15 answers, 11 satisfied overall; email 4 of 6 and chat 7 of 7 shown, so
    # phone = 11 - 4 - 7 = 0 of 2. Hiding email too leaves 4 of 8 for phone and email together.
    assert total.loc["csat", "successes"] == 11
    for kpi in ("csat", "ces"):
        rows = by_channel[by_channel["kpi"] == kpi].set_index("channel")
        assert hidden(rows.reset_index(), "channel") == {"phone", "email"}
        assert rows.loc[["phone", "email"], ["value", "ci_low", "ci_high", "se"]].isna().all().all()
        assert rows["n"].to_dict() == {"chat": 7, "email": 6, "phone": 2}  # n stays shown
    csat = by_channel[by_channel["kpi"] == "csat"].set_index("channel")
    assert csat[["successes"]].isna().loc[["phone", "email"]].all().all()
    assert csat.loc["chat", "value"] == pytest.approx(1.0)
    ces = by_channel[by_channel["kpi"] == "ces"].set_index("channel")
    assert ces.loc[["phone", "email"], "sd"].isna().all() and ces.loc["chat", "value"] == 7


# ---------------------------------------------------------------- a country x channel table
# DE: email 6, chat 7, phone 2      each row and each column adds up to a shown total
# FR: email 8, chat 9, social 1
# US: email 10, chat 12, phone 6
GRID = [
    *group("DE", "email", [5, 4, 3, 2, 1, 5]), *group("DE", "chat", [5] * 7),
    *group("DE", "phone", [1, 1]), *group("FR", "email", [4] * 8),
    *group("FR", "chat", [3] * 9), *group("FR", "social", [1]),
    *group("US", "email", [5] * 10), *group("US", "chat", [4] * 12), *group("US", "phone", [2] * 6),
]  # fmt: skip


def test_two_dimension_tables_protect_every_row_and_column(tmp_path):
    db = build(tmp_path / "grid.duckdb", GRID)
    table = kpi_table(db, ["csat"], by=["country", "channel"], flt=MARCH)
    # DE/phone (2) and FR/social (1) are too small. DE's row: phone alone could be read off
    # DE's total, so DE/email (6, smaller than chat) goes too; FR's row: FR/email (8). The phone
    # column: DE/phone alone could be read off the phone total, so US/phone (6) goes too; the
    # email column then hides DE and FR (14 answers together). FR/social is the only social
    # answer: the social total is hidden itself.
    expected = {("DE", "phone"), ("DE", "email"), ("FR", "social"), ("FR", "email"),
                ("US", "phone")}  # fmt: skip
    assert hidden(table, "country", "channel") == expected
    shown = table[~table["suppressed"]]
    assert shown["value"].notna().all() and table.loc[table["suppressed"], "value"].isna().all()
    by_channel = kpi_table(db, ["csat"], by=["channel"], flt=MARCH).set_index("channel")
    assert by_channel.loc["social", "suppressed"]


# ---------------------------------------------------------------- differencing two filters
# DE 6 e-mail answers, FR 6 by chat, AR 2 by e-mail: "every country but Argentina" is the
# total minus Argentina.
EXCEPT_ONE = [
    *group("DE", "email", [5, 5, 4, 4, 3, 2], ces=6),
    *group("FR", "chat", [5, 4, 4, 3, 2, 1], ces=5),
    *group("AR", "email", [1, 1], ces=1),
]


@pytest.fixture(scope="module")
def except_one(tmp_path_factory: pytest.TempPathFactory) -> Database:
    return build(tmp_path_factory.mktemp("privacy") / "except.duckdb", EXCEPT_ONE)


def test_a_filter_that_leaves_out_a_small_group_is_hidden(except_one):
    everyone = kpi_table(except_one, ["csat", "ces"], flt=MARCH).set_index("kpi")
    assert not everyone["suppressed"].any()
    # all but AR: total minus these would give AR's 0 of 2 satisfied and its mean effort of 1
    but_ar = kpi_table(except_one, ["csat", "ces"], flt=MARCH.narrowed(countries=("DE", "FR")))
    assert but_ar["suppressed"].all() and but_ar["value"].isna().all()
    assert but_ar["n"].tolist() == [12, 12]
    # DE alone leaves out FR and AR (8 answers): safe
    assert not kpi_table(except_one, ["csat", "ces"],
                         flt=MARCH.narrowed(countries=("DE",)))["suppressed"].any()  # fmt: skip
    # naming the small group: DE + AR minus DE alone would give AR
    with_ar = kpi_table(except_one, ["csat", "ces"], flt=MARCH.narrowed(countries=("AR", "DE")))
    assert with_ar["suppressed"].all()


def test_differencing_holds_for_every_group_of_a_table(except_one):
    but_ar = kpi_table(except_one, ["csat"], by=["channel"],
                       flt=MARCH.narrowed(countries=("DE", "FR"))).set_index("channel")  # fmt: skip
    # e-mail minus "all but AR" by e-mail would give AR's two answers; chat has none of AR's
    assert but_ar["suppressed"].to_dict() == {"chat": False, "email": True}
    assert np.isnan(but_ar.loc["email", "value"]) and but_ar.loc["email", "n"] == 6
    assert but_ar.loc["chat", "value"] == pytest.approx(3 / 6)


# ---------------------------------------------------------------- every output: CLI and CSV
def test_the_command_line_prints_the_suppressed_table(one_country, except_one, capsys):
    path = one_country.path
    assert atlas_cli(["kpis", "--db", str(path), "--kpi", "csat", "--by", "channel",
                        "--from", "2025-03-03", "--to", "2025-03-16"]) == 0  # fmt: skip
    printed = pd.read_csv(io.StringIO(capsys.readouterr().out)).set_index("channel")
    assert printed.loc[["phone", "email"], "value"].isna().all()
    assert printed["suppressed"].to_dict() == {"chat": False, "email": True, "phone": True}
    assert atlas_cli(["kpis", "--db", str(except_one.path), "--kpi", "csat,ces",
                        "--where", "country=DE,FR"]) == 0  # fmt: skip
    printed = pd.read_csv(io.StringIO(capsys.readouterr().out))
    assert printed["suppressed"].all() and printed["value"].isna().all()


def test_a_csv_export_carries_the_suppressed_table(one_country):
    table = kpi_table(one_country, ["csat"], by=["channel"], flt=MARCH)
    ctx = export.Context(title="CSAT by channel", filters="all", kpis=("csat",))
    written = pd.read_csv(io.BytesIO(export.csv_bytes(table, ctx)))
    written = written.set_index("channel")
    assert written.loc[["phone", "email"], "value"].isna().all()
    assert written.loc["chat", "value"] == pytest.approx(1.0)


# ---------------------------------------------------------------- Voice of the customer
# US: 6 e-mail answers with comments, one of them with an effort score; SA: 2 with comments.
COMMENTED = [
    *[("US", "email", score, None, f"US comment {score}") for score in (5, 4, 4, 3, 2)],
    ("US", "email", 5, 7, "US comment with effort"),
    ("SA", "email", 1, None, "SA comment one"),
    ("SA", "email", 2, None, "SA comment two"),
]


@pytest.fixture(scope="module")
def commented(tmp_path_factory: pytest.TempPathFactory) -> Database:
    return build(tmp_path_factory.mktemp("privacy") / "voc.duckdb", COMMENTED)


def test_comments_of_a_small_group_stay_hidden_in_a_wider_view(commented):
    saudi = MARCH.narrowed(countries=("SA",))
    assert voc.comments(commented, saudi).suppressed  # 2 responses: nothing listed
    for flt in (MARCH.narrowed(countries=("SA", "US")), MARCH):
        found = voc.comments(commented, flt)
        # 8 responses; the two Saudi ones share their country with no one else: withheld
        assert found.responses == 8 and not found.suppressed
        assert set(found.rows["country"]) == {"US"} and found.matched == 6
        assert found.withheld == 2
        assert not found.rows["comment"].str.startswith("SA").any()


def test_a_score_only_one_of_the_group_gave_is_hidden(commented):
    found = voc.comments(commented, MARCH).rows.set_index("comment")
    # one US e-mail answer of six has an effort score: it is that group's whole CES
    assert pd.isna(found.loc["US comment with effort", "ces"])
    assert found.loc["US comment with effort", "hidden"] == "ces"
    assert found.loc["US comment with effort", "csat"] == 5  # six answered CSAT
    # a bound on the hidden question would reveal it: the comment is left out
    assert voc.comments(commented, MARCH, min_score=7, question_id="ces").matched == 0


def test_a_distribution_that_differs_from_another_by_a_small_group_is_hidden(commented):
    both = voc.score_distribution(commented, MARCH.narrowed(countries=("SA", "US")), "csat")
    assert both["suppressed"].all() and both["responses"].isna().all()
    assert (both["n"] == 8).all() and MIN_SURVEY_RESPONSES == 5
    # US alone: everyone minus the US would give SA's too; everyone is shown
    us = voc.score_distribution(commented, MARCH.narrowed(countries=("US",)), "csat")
    assert us["suppressed"].all()
    everyone = voc.score_distribution(commented, MARCH, "csat")
    assert not everyone["suppressed"].any() and everyone["responses"].sum() == 8
