"""``python -m atlas digest`` end to end on the session sample, to a local mail server and a
local webhook receiver (``tests.local_servers``).

The sample plants a payment outage in Germany (``profile.INCIDENTS``): three days from
``days_before_end`` days before the sample's last day, 9–11 June 2026 for the session sample.
The digest watches Germany (``--where country=DE``, which keeps the scan to a few seconds) from a
week before the outage to three weeks after it, under one rule: volume anomalies, addressed to
an e-mail address and a webhook. The three outage days (UTC) hold 174 contacts, 120 of them
about payment; the three days before hold 37, 7 about payment: payment +113 of +137 = 82 % of
the change.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

import pytest

from atlas.cli import main as atlas_cli
from data_access.catalog import read_catalog
from data_access.database import Database
from data_access.sample import profile
from tests.cli import Ran, run_main
from tests.local_servers import (
    HOST,
    PROXY_VARIABLES,
    Inbox,
    free_port,
    mail_server,
    webhook_receiver,
)

OUTAGE = next(incident for incident in profile.INCIDENTS if incident.country == "DE")
SENDER, LEAD, DE_OPS = "atlas@example.org", "lead@example.org", "de-ops@example.org"


def rules_file(folder: Path, *to: str) -> Path:
    """One rule: volume anomalies, for ``to``."""
    path = folder / "alerts.toml"
    path.write_text(f'[[rule]]\nkpi = "volume"\nwhen = "anomaly"\nto = {json.dumps(to)}\n',
                    encoding="utf-8")  # fmt: skip
    return path


@pytest.fixture(scope="module")
def outage_days(sample_path: Path) -> tuple[dt.date, dt.date]:
    last = read_catalog(Database(sample_path)).last_day
    first = last - dt.timedelta(days=OUTAGE.days_before_end)
    return first, first + dt.timedelta(days=OUTAGE.days - 1)


@pytest.fixture(scope="module")
def germany(sample_path: Path, outage_days: tuple[dt.date, dt.date]) -> list[str]:
    """The command's data arguments: Germany from a week before the outage to three weeks
    after it (the expectation needs days after an episode to tell it from a new level)."""
    first, _last = outage_days
    return ["--db", str(sample_path), "--where", "country=DE",
            "--from", str(first - dt.timedelta(days=7)),
            "--to", str(first + dt.timedelta(days=21))]  # fmt: skip


@pytest.fixture(scope="module")
def sent(germany: list[str], tmp_path_factory: pytest.TempPathFactory) -> dict:
    """The digest in English and in Korean, each e-mailed and posted once."""
    folder = tmp_path_factory.mktemp("digest")
    inbox = Inbox()
    with (pytest.MonkeyPatch.context() as patch, mail_server(inbox) as port,
          webhook_receiver(200) as hook):  # fmt: skip
        for name in PROXY_VARIABLES:
            patch.delenv(name, raising=False)
        webhook = f"http://{HOST}:{hook.server_port}/hook/de-ops"
        rules = rules_file(folder, DE_OPS, webhook)
        runs = {
            lang: run_main(atlas_cli, "digest", *germany, "--rules", str(rules), "--lang", lang,
                           "--smtp", f"smtp://{HOST}:{port}", "--sender", SENDER,
                           "--recipient", LEAD, "--out", str(folder / f"{lang}.html"))
            for lang in ("en", "ko")
        }  # fmt: skip
    return {"runs": runs, "mail": inbox, "posts": hook.posts, "port": port,
            "hook_port": hook.server_port, "folder": folder}  # fmt: skip


def german_volume_line(text: str) -> str:
    (line,) = [line for line in text.splitlines() if "Volume · Germany:" in line
               and "Payment" in line]  # fmt: skip
    return line


def test_the_mail_and_the_webhook_name_the_outage_its_first_day_and_payment(
        sent: dict, outage_days: tuple[dt.date, dt.date]):  # fmt: skip
    first, last = outage_days
    run: Ran = sent["runs"]["en"]
    assert run.returncode == 0, run.stderr
    envelope = sent["mail"].envelopes[0]
    assert envelope.mail_from == SENDER
    assert envelope.rcpt_tos == [LEAD, DE_OPS]  # --recipient, then the rule's address
    mail = sent["mail"].messages()[0]
    text = mail.get_body(("plain",)).get_content()
    days = f"{first:%d %b %Y} – {last:%d %b %Y}"
    assert re.fullmatch(
        rf"\d+\. Volume · Germany: \d+ a day against \d+ – \d+ expected \(×\d\.\d\d\), {days}"
        r" — almost certain\. Mostly Payment contacts: \+113 against the days before "
        r"\(82 % of the change\)\. Also seen in German, EMEA and all markets",
        german_volume_line(text).strip(),
    ), text  # fmt: skip
    # the rule's webhook got the same finding in the chat payload
    (path, content_type, body), _korean = sent["posts"]
    assert (path, content_type) == ("/hook/de-ops", "application/json")
    chat = json.loads(body)["text"].replace("\u2060", "")  # joiners that keep Slack from links
    assert german_volume_line(chat).endswith(
        f"{days} — almost certain. Mostly Payment contacts: +113 against the days before "
        "(82 % of the change). Also seen in German, EMEA and all markets")  # fmt: skip
    findings = len(re.findall(r"^\d+\. ", text, flags=re.M))
    assert run.stderr == (
        f"wrote {sent['folder'] / 'en.html'}: {findings} finding{'s' * (findings != 1)}; "
        f"e-mailed to {LEAD}, {DE_OPS}"
        f" via smtp://{HOST}:{sent['port']}; posted to http://{HOST}:{sent['hook_port']}\n"
    )


def test_in_korean_the_subject_and_the_finding_are_korean(sent: dict):
    assert sent["runs"]["ko"].returncode == 0, sent["runs"]["ko"].stderr
    mail = sent["mail"].messages()[1]
    assert re.search(r"확인 필요: \d+건 · 데이터 기준일 2026년 6월 30일$", mail["Subject"])
    assert mail["Subject"].startswith("Service Atlas · 2026년 6월 2일 – 2026년 6월 30일")
    text = mail.get_body(("plain",)).get_content()
    assert "문의량 · 독일: 하루 " in text
    assert "주로 결제 문의: 이전 기간 대비 +113건 (변화의 82%)" in text


def test_a_bad_rules_file_is_a_usage_error_naming_its_line(germany: list[str], tmp_path: Path):
    rules = tmp_path / "alerts.toml"
    rules.write_text('[[rule]]\nkpi = "volume"\nwhen = "anomaly"\n\n[[rule]]\nkpi = "slaa"\n'
                     'when = "target"\n', encoding="utf-8")  # fmt: skip
    out = tmp_path / "digest.html"
    ran = run_main(atlas_cli, "digest", *germany, "--rules", str(rules), "--out", str(out))
    assert ran.returncode == 2
    assert ran.stderr == f"error: {rules}, line 6: unknown KPI 'slaa'; did you mean 'sla'?\n"
    assert not out.exists()


def test_an_unreachable_mail_server_exits_3_with_the_digest_on_disk(
        germany: list[str], tmp_path: Path):  # fmt: skip
    out = tmp_path / "digest.html"
    port = free_port()
    ran = run_main(atlas_cli, "digest", *germany, "--rules", str(rules_file(tmp_path)),
                   "--smtp", f"smtp://{HOST}:{port}", "--sender", SENDER, "--recipient", LEAD,
                   "--out", str(out))  # fmt: skip
    assert ran.returncode == 3
    error, summary = ran.stderr.splitlines()
    assert error.startswith(f"error: e-mail to smtp://{HOST}:{port} failed: ")
    assert error.endswith(f"(the digest is in {out})")
    assert re.fullmatch(rf"wrote {re.escape(str(out))}: \d+ findings?; e-mail not sent "
                        r"\(see above\)", summary)  # fmt: skip
    assert "<strong>Volume · Germany</strong>: " in out.read_text(encoding="utf-8")
    assert "Volume · Germany:" in out.with_suffix(".txt").read_text(encoding="utf-8")
