"""The command line's front door (python -m atlas): one list of commands, one way to fail."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
from pathlib import Path

from atlas.cli import main as atlas_cli
from tests.cli import run_main
from tests.conftest import write_rows

ROOT = Path(__file__).resolve().parent.parent
COMMANDS = {
    "sample": "build the synthetic sample database",
    "import": "import a ticket, survey, agent or shift export file",
    "kpis": "KPIs grouped by dimensions, as a CSV or JSON table",
    "erlang": "required agents and queue performance for one interval",
    "pack": "the review pack (PDF or HTML) for the filters",
    "voc": "what customers say: comment topics or key drivers of low scores",
    "lake": "export a database's tables as a Parquet lake",
    "digest": "what needs attention, written and sent by e-mail or webhook",
    "access": "check an access file and show what a user may see",
}


def test_help_lists_every_command_with_one_line():
    shown = run_main(atlas_cli, "--help")
    assert shown.returncode == 0 and shown.stderr == ""
    listed = {
        line.split(maxsplit=1)[0]: line.split(maxsplit=1)[1]
        for line in shown.stdout.splitlines()
        if line.startswith("    ") and not line.startswith("     ")
    }
    assert listed == COMMANDS


def test_an_unknown_command_is_a_usage_error_naming_the_commands():
    typo = run_main(atlas_cli, "kpi", "--db", "x.duckdb")
    assert typo.returncode == 2 and typo.stdout == ""
    assert typo.stderr.startswith(
        "error: argument COMMAND: invalid choice: 'kpi' "
        "(choose from 'sample', 'import', 'kpis', 'erlang', 'voc', 'pack', 'lake', 'digest', "
        "'access')"
    )
    assert run_main(atlas_cli).stderr == (
        "error: the following arguments are required: COMMAND (see python -m atlas --help)\n"
    )


def test_commands_report_the_same_mistake_the_same_way(tmp_path):
    monday = dt.datetime(2025, 3, 3, 9, tzinfo=dt.UTC)
    db = write_rows(tmp_path / "two.duckdb", [
        {"ticket_id": f"t{country}", "customer_id": f"c{country}", "created_at": monday,
         "status": "open", "channel": "email", "country": country, "language": "en",
         "priority": "normal", "category": "shipping", "hub": "EMEA", "agent_replies": 0,
         "reopens": 0, "bot_resolved": False}
        for country in ("DE", "JP")
    ])  # fmt: skip
    where = ("--db", str(db), "--where", "country=ZZ")
    kpis = run_main(atlas_cli, "kpis", "--kpi", "volume", *where)
    pack = run_main(atlas_cli, "pack", "--out", str(tmp_path / "pack.html"), *where)
    expected = "error: --where country: unknown ZZ; valid values: DE, JP\n"
    assert (kpis.returncode, kpis.stderr) == (pack.returncode, pack.stderr) == (2, expected)
    assert not (tmp_path / "pack.html").exists()
    # argparse's own complaints take the same form, naming the command's help
    missing = run_main(atlas_cli, "lake", "--db", str(db))
    assert (missing.returncode, missing.stderr) == (
        2, "error: the following arguments are required: --out "
           "(see python -m atlas lake --help)\n",
    )  # fmt: skip


# Imports each command's module in a fresh interpreter and lists what got loaded, after the
# top-level --help and after every command module.
_IMPORTS = """
import contextlib, importlib, io, json, sys
from atlas import cli
with contextlib.redirect_stdout(io.StringIO()), contextlib.suppress(SystemExit):
    cli.main(["--help"])
at_help = sorted(sys.modules)
for command in cli.COMMANDS.values():
    importlib.import_module(f"atlas.commands.{command.module}")
print(json.dumps({"help": at_help, "commands": sorted(sys.modules)}))
"""


def test_the_command_line_loads_no_streamlit_and_help_loads_no_data_libraries():
    done = subprocess.run([sys.executable, "-c", _IMPORTS], cwd=ROOT, capture_output=True,
                          text=True, check=False)  # fmt: skip
    assert done.returncode == 0, done.stderr
    loaded = {key: {name.split(".")[0] for name in names}
              for key, names in json.loads(done.stdout).items()}  # fmt: skip
    assert "atlas" in loaded["help"] and "reports" in loaded["commands"]
    assert not {"streamlit", "ui", "pages"} & loaded["commands"]
    # --help answers at once: nothing of the data stack is imported for it
    assert not {"pandas", "duckdb", "numpy", "data_access", "metrics"} & loaded["help"]


def test_access_checks_a_file_and_shows_what_a_user_sees(tmp_path: Path):
    example = str(ROOT / "docs" / "access.example.toml")
    shown = run_main(atlas_cli, "access", "--access", example, "--as-user", "a@example.com",
                     "--as-group", "kr-support", "--as-group", "jp-support")  # fmt: skip
    assert shown.returncode == 0, shown.stderr
    assert shown.stdout.splitlines() == [
        f"{example}: 5 rules, all valid",
        "a@example.com: KR; ja · APAC — comments, ticket rows, export "
        "(rules: Korea team, Japanese-speaking team in the Manila hub)",
    ]
    nobody = run_main(atlas_cli, "access", "--access", example, "--as-user", "b@example.com")
    assert "b@example.com: no rule matches: sees nothing (ask: the Service Atlas admins" in (
        nobody.stdout)
    bad = tmp_path / "access.toml"
    bad.write_text('contact = "x"\n\n[[rule]]\ngroups = ["kr"]\ncountries = ["KO"]\n')
    refused = run_main(atlas_cli, "access", "--access", str(bad))
    assert refused.returncode == 2
    assert f"{bad}, line 5: unknown country code 'KO'" in refused.stderr
