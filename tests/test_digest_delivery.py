"""The attention digest, and its delivery to real servers the tests start on 127.0.0.1.

Two hand-built findings: Germany's volume at 287 contacts a day against an expected 82 (band
70–95) since 16 Jun 2026, still going on (287 / 82 = ×3.50, q = 0.03: "very likely"), and
South Korea's CSAT at 72 % over June against its 85 % target. Mail goes to an aiosmtpd server
that keeps what it receives, webhooks to an ``http.server`` that records each POST and answers
with a chosen status. TLS: ``tests/tls`` holds a self-signed certificate for 127.0.0.1 (100
years; ``openssl req -x509 -newkey rsa:2048 -nodes -days 36500 -subj /CN=127.0.0.1 -addext
subjectAltName=IP:127.0.0.1``) that the client trusts through ``SSL_CERT_FILE``.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import ssl
from html.parser import HTMLParser
from pathlib import Path

import pytest

from metrics.attention import AttentionItem, Driver
from presentation import i18n
from reports.delivery import (
    BOTH_FAILED,
    SENT,
    SMTP_FAILED,
    WEBHOOK_FAILED,
    deliver,
)
from reports.digest import LIMIT, Digest, build_digest
from tests.local_servers import (
    HOST,
    PROXY_VARIABLES,
    Inbox,
    free_port,
    mail_server,
    webhook_receiver,
)

BASE = "http://127.0.0.1:8501"
THROUGH = dt.date(2026, 6, 30)
TLS = Path(__file__).parent / "tls"
NBSP = "\u00a0"
GERMANY = AttentionItem(
    kind="anomaly", kpi="volume", dimension="country", member="DE",
    start=dt.date(2026, 6, 16), end=THROUGH, ongoing=True, actual=287.0, expected=82.0,
    low=70.0, high=95.0, size=287 / 82 - 1, confidence=0.97,
    driver=Driver("category", "payment", delta=2676.0, share=0.87),
)  # fmt: skip
KOREA = AttentionItem(
    kind="target", kpi="csat", dimension="country", member="KR",
    start=dt.date(2026, 6, 1), end=THROUGH, ongoing=False, actual=0.72, expected=0.85,
    low=0.85, high=0.85, size=0.72 / 0.85 - 1, confidence=1.0,
)  # fmt: skip
HOSTILE = ('<a href="https://evil.example">Refunds</a> [log in](https://evil.example) '
           "<!channel> <@U024BE7LH> & www.evil.example")  # fmt: skip


def digest(lang: str = "en", items: list[AttentionItem] | None = None) -> Digest:
    with i18n.using(lang):
        return build_digest([GERMANY, KOREA] if items is None else items,
                            title_context="Weekly digest", data_through=THROUGH,
                            base_url=BASE + "/")  # fmt: skip


# ------------------------------------------------------------------ the digest
def test_digest_text_names_each_finding_on_one_line_with_its_link():
    d = digest()
    assert d.subject == "Weekly digest · Needs attention: 2 · data through 30 Jun 2026"
    assert d.text == (
        "Weekly digest · data through 30 Jun 2026\n"
        "Needs attention: 2\n"
        "\n"
        "1. Volume · Germany: 287 a day against 70 – 95 expected (×3.50), since 16 Jun 2026, "
        "ongoing — very likely. Mostly Payment contacts: +2,676 against the days before "
        "(87 % of the change)\n"
        f"   {BASE}/Attention?country=DE&period=custom&dates=2026-06-16..2026-06-30&lang=en\n"
        f"2. CSAT · South Korea: 72.0 % against the target ≥{NBSP}85.0{NBSP}%, "
        "01 Jun 2026 – 30 Jun 2026.\n"
        f"   {BASE}/Attention?country=KR&period=custom&dates=2026-06-01..2026-06-30&lang=en\n"
    )


def test_digest_in_korean():
    d = digest("ko")
    assert d.subject == "Weekly digest · 확인 필요: 2건 · 데이터 기준일 2026년 6월 30일"
    assert ("1. 문의량 · 독일: 하루 287건, 예상 70 – 95건 대비 (×3.50), 2026년 6월 16일부터 "
            "계속 중 — 가능성 매우 높음. 주로 결제 문의: 이전 기간 대비 +2,676건 (변화의 87%)"
            ) in d.text  # fmt: skip
    assert f"2. CSAT · 대한민국: 72.0%, 목표 ≥{NBSP}85.0%, 2026년 6월 1일 – 2026년 6월 30일." in (
        d.text
    )
    assert "&amp;lang=ko" in d.html and '<html lang="ko">' in d.html


@pytest.mark.parametrize(("confidence", "words"), [
    (0.995, "almost certain"), (0.95, "very likely"), (0.9, "likely"), (0.5, "possible"),
])  # fmt: skip
def test_how_sure_reads_from_the_confidence(confidence: float, words: str):
    # CSAT 78 % against 83–89 % expected (86 %): 8 points below, on one day, over
    item = AttentionItem("anomaly", "csat", "language", "ko", dt.date(2026, 6, 20),
                         dt.date(2026, 6, 20), False, 0.78, 0.86, 0.83, 0.89, 0.78 / 0.86 - 1,
                         confidence)  # fmt: skip
    line = digest(items=[item]).text.splitlines()[3]
    assert line == (f"1. CSAT · Korean: 78.0 % against 83.0 % – 89.0 % expected (-8.0 pts), "
                    f"on 20 Jun 2026 — {words}.")  # fmt: skip


def test_an_empty_list_says_nothing_needs_attention():
    d = digest(items=[])
    message = "Nothing needs attention: no anomalies and no targets missed"
    assert d.subject == f"Weekly digest · {message} · data through 30 Jun 2026"
    assert d.text == f"Weekly digest · data through 30 Jun 2026\n{message}\n"
    assert message in d.html and "<li" not in d.html
    assert [b["text"]["text"] for b in d.payload["blocks"]] == [
        f"*Weekly digest · data through 30 Jun 2026*\n{message}"]  # fmt: skip


def test_only_the_biggest_ten_are_listed():
    items = [GERMANY] * (LIMIT + 2)
    d = digest(items=items)
    numbered = [line for line in d.text.splitlines() if re.match(r"\d+\. ", line)]
    assert len(numbered) == LIMIT
    assert d.text.rstrip().endswith(f"2 more on the Attention page. {BASE}/Attention")
    assert len(d.payload["blocks"]) == 1 + LIMIT + 1  # heading, findings, "2 more"


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: set[str] = set()
        self.hrefs: list[str] = []
        self.attributes: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.add(tag)
        self.attributes |= {name for name, _value in attrs}
        self.hrefs += [value for name, value in attrs if name == "href"]


def test_a_hostile_member_name_stays_text_in_every_format():
    hub = AttentionItem("anomaly", "volume", "hub", HOSTILE, dt.date(2026, 6, 20), THROUGH,
                        True, 30.0, 10.0, 8.0, 12.0, 2.0, 0.99,
                        driver=Driver("category", HOSTILE, delta=20.0, share=1.5))  # fmt: skip
    d = digest(items=[hub])
    # plain text: exactly as written
    assert f"1. Volume · {HOSTILE}: 30 a day" in d.text
    # HTML: our own tags and links only, the name shown as text
    tags = _Tags()
    tags.feed(d.html)
    assert tags.tags == {"html", "head", "meta", "title", "body", "h1", "p", "ol", "li",
                         "strong", "a"}  # fmt: skip
    assert len(tags.hrefs) == 1 and tags.hrefs[0].startswith(f"{BASE}/Attention?hub=%3Ca")
    assert tags.attributes <= {"lang", "charset", "style", "href"}  # no src, no script
    assert "&lt;a href=&quot;https://evil.example&quot;&gt;Refunds&lt;/a&gt;" in d.html
    # chat: every <…> is our link; no Markdown link, no mention, no bare address
    texts = [d.payload["text"]] + [b["text"]["text"] for b in d.payload["blocks"]]
    for text in texts:
        assert all(link.startswith(BASE) for link in re.findall(r"<([^>]*)>", text)), text
        shown = re.sub(rf"<{BASE}[^>]*>|{BASE}\S*", "", text)  # without our own links
        assert "](" not in shown
        assert "www.evil.example" not in shown
    chat = texts[2]
    assert "&lt;!channel&gt; &lt;@U024BE7LH&gt; &amp; www\u2060.evil" in chat


# ------------------------------------------------------------------ delivery: local servers
@pytest.fixture(autouse=True)
def no_proxy(monkeypatch: pytest.MonkeyPatch) -> None:
    """Requests go to 127.0.0.1 directly, never through a proxy from the environment."""
    for name in PROXY_VARIABLES:
        monkeypatch.delenv(name, raising=False)


def server_tls() -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(TLS / "cert.pem", TLS / "key.pem")
    return context


def send(d: Digest, out: Path, smtp_url: str | None = None, webhook_url: str | None = None) -> int:
    return deliver(d, out=out, smtp_url=smtp_url, webhooks=[webhook_url] if webhook_url else [],
                   sender="atlas@example.org",
                   recipients=["ops@example.org", "kr@example.org"])  # fmt: skip


def assert_on_disk(d: Digest, out: Path) -> None:
    assert out.read_text(encoding="utf-8") == d.html
    assert out.with_suffix(".txt").read_text(encoding="utf-8") == d.text
    assert json.loads(out.with_suffix(".json").read_text(encoding="utf-8")) == d.payload
    assert sorted(p.name for p in out.parent.iterdir()) == [
        "digest.html", "digest.json", "digest.txt"]  # no temporary file left  # fmt: skip


def test_the_email_arrives_with_a_korean_subject_and_both_parts(tmp_path: Path):
    d = digest("ko")
    inbox = Inbox()
    with mail_server(inbox) as port:
        code = send(d, tmp_path / "digest.html", smtp_url=f"smtp://{HOST}:{port}")
    assert code == SENT
    (envelope,) = inbox.envelopes
    assert envelope.mail_from == "atlas@example.org"
    assert envelope.rcpt_tos == ["ops@example.org", "kr@example.org"]
    message = inbox.received()
    assert message["Subject"] == "Weekly digest · 확인 필요: 2건 · 데이터 기준일 2026년 6월 30일"
    assert message["To"] == "ops@example.org, kr@example.org"
    assert message.get_content_type() == "multipart/alternative"
    text, html = message.iter_parts()
    assert (text.get_content_type(), html.get_content_type()) == ("text/plain", "text/html")
    assert text.get_content().replace("\r\n", "\n") == d.text
    assert html.get_content().replace("\r\n", "\n") == d.html
    assert "문의량 · 독일: 하루 287건" in text.get_content()
    assert_on_disk(d, tmp_path / "digest.html")


def test_the_mail_server_login_comes_from_the_url(tmp_path: Path, capsys: pytest.CaptureFixture):
    inbox = Inbox()
    with mail_server(inbox, authenticator=inbox.authenticate, auth_require_tls=False) as port:
        good = send(digest(), tmp_path / "digest.html",
                    smtp_url=f"smtp://atlas%40example.org:p%40ss%3Aword@{HOST}:{port}")  # fmt: skip
        bad = send(digest(), tmp_path / "digest.html",
                   smtp_url=f"smtp://atlas%40example.org:wrong@{HOST}:{port}")  # fmt: skip
    assert good == SENT and bad == SMTP_FAILED
    assert inbox.logins[0] == (b"atlas@example.org", b"p@ss:word")
    assert len(inbox.envelopes) == 1
    error = capsys.readouterr().err
    assert error.startswith(f"error: e-mail to smtp://{HOST}:{port} failed: 535 ")
    assert "wrong" not in error and "atlas%40" not in error  # no credentials on stderr


@pytest.mark.parametrize("scheme", ["smtps", "smtp"])
def test_tls_implicit_for_smtps_and_starttls_when_offered(
        tmp_path: Path, scheme: str, monkeypatch: pytest.MonkeyPatch):  # fmt: skip
    monkeypatch.setenv("SSL_CERT_FILE", str(TLS / "cert.pem"))  # trust the test certificate
    inbox = Inbox()
    options = ({"ssl_context": server_tls()} if scheme == "smtps" else
               {"tls_context": server_tls(), "require_starttls": True})  # fmt: skip
    with mail_server(inbox, **options) as port:
        code = send(digest(), tmp_path / "digest.html", smtp_url=f"{scheme}://{HOST}:{port}")
    assert code == SENT
    assert inbox.received()["Subject"].startswith("Weekly digest · Needs attention: 2")


def test_a_refused_recipient_is_an_smtp_failure(tmp_path: Path, capsys: pytest.CaptureFixture):
    with mail_server(Inbox(refuse=True)) as port:
        code = send(digest(), tmp_path / "digest.html", smtp_url=f"smtp://{HOST}:{port}")
    assert code == SMTP_FAILED
    assert capsys.readouterr().err == (
        f"error: e-mail to smtp://{HOST}:{port} failed: every recipient was refused: "
        "ops@example.org, kr@example.org "
        f"(the digest is in {tmp_path / 'digest.html'})\n")  # fmt: skip


def test_a_closed_mail_port_fails_with_the_digest_kept(
        tmp_path: Path, capsys: pytest.CaptureFixture):  # fmt: skip
    d = digest()
    port = free_port()
    code = send(d, tmp_path / "digest.html", smtp_url=f"smtp://{HOST}:{port}")
    assert code == SMTP_FAILED
    error = capsys.readouterr().err
    assert error.count("\n") == 1
    assert error.startswith(f"error: e-mail to smtp://{HOST}:{port} failed: ")
    assert "Connection refused" in error
    assert_on_disk(d, tmp_path / "digest.html")


def test_the_webhook_receives_the_slack_payload(tmp_path: Path):
    d = digest()
    with webhook_receiver(200) as receiver:
        url = f"http://{HOST}:{receiver.server_port}/services/T0/B0/secret"
        code = send(d, tmp_path / "digest.html", webhook_url=url)
    assert code == SENT
    ((path, content_type, body),) = receiver.posts
    assert (path, content_type) == ("/services/T0/B0/secret", "application/json")
    payload = json.loads(body)
    assert payload == d.payload
    assert [b["type"] for b in payload["blocks"]] == ["section"] * 3
    assert {b["text"]["type"] for b in payload["blocks"]} == {"mrkdwn"}
    first = payload["blocks"][1]["text"]["text"]
    assert first.startswith("1. *Volume · Germany*: 287 a day against 70 – 95 expected (×3.50)")
    assert first.endswith(
        f"<{BASE}/Attention?country=DE&amp;period=custom&amp;"
        "dates=2026-06-16..2026-06-30&amp;lang=en|Open in the dashboard>")  # fmt: skip
    assert payload["text"].startswith("Weekly digest · data through 30 Jun 2026\n\nNeeds")
    assert "2. CSAT · South Korea: 72.0 %" in payload["text"]


def test_a_webhook_answering_500_fails_with_its_own_code(
        tmp_path: Path, capsys: pytest.CaptureFixture):  # fmt: skip
    with webhook_receiver(500) as receiver:
        url = f"http://{HOST}:{receiver.server_port}/hook/secret-token"
        code = send(digest(), tmp_path / "digest.html", webhook_url=url)
    assert code == WEBHOOK_FAILED
    assert len(receiver.posts) == 1
    assert capsys.readouterr().err == (
        f"error: webhook to http://{HOST}:{receiver.server_port} failed: HTTP 500 Internal "
        f"Server Error (the digest is in {tmp_path / 'digest.html'})\n")  # fmt: skip


def test_each_webhook_is_posted_to_even_after_one_fails(
        tmp_path: Path, capsys: pytest.CaptureFixture):  # fmt: skip
    d = digest()
    with webhook_receiver(500) as broken, webhook_receiver(200) as working:
        urls = [f"http://{HOST}:{broken.server_port}/a", f"http://{HOST}:{working.server_port}/b"]
        code = deliver(d, out=tmp_path / "digest.html", smtp_url=None, webhooks=urls,
                       sender="atlas@example.org", recipients=[])  # fmt: skip
    assert code == WEBHOOK_FAILED
    assert [path for path, _type, _body in broken.posts + working.posts] == ["/a", "/b"]
    assert json.loads(working.posts[0][2]) == d.payload
    assert capsys.readouterr().err.startswith(
        f"error: webhook to http://{HOST}:{broken.server_port} failed: HTTP 500"
    )


def test_both_failing_has_its_own_code(tmp_path: Path, capsys: pytest.CaptureFixture):
    d = digest()
    smtp_port, webhook_port = free_port(), free_port()
    code = send(d, tmp_path / "digest.html", smtp_url=f"smtp://{HOST}:{smtp_port}",
                webhook_url=f"http://{HOST}:{webhook_port}/hook")  # fmt: skip
    assert code == BOTH_FAILED
    lines = capsys.readouterr().err.splitlines()
    assert [line.split(" failed: ")[0] for line in lines] == [
        f"error: e-mail to smtp://{HOST}:{smtp_port}",
        f"error: webhook to http://{HOST}:{webhook_port}"]  # fmt: skip
    assert all("Connection refused" in line for line in lines)
    assert_on_disk(d, tmp_path / "digest.html")


def test_no_destination_only_writes_and_replaces_the_old_digest(tmp_path: Path):
    out = tmp_path / "digest.html"
    out.write_text("yesterday's digest", encoding="utf-8")
    d = digest()
    assert send(d, out) == SENT
    assert_on_disk(d, out)


@pytest.mark.parametrize(("smtp_url", "webhook_url", "message"), [
    ("ftp://mail.example", None, "an e-mail destination must start with smtp:// or smtps://, "
                                 "not 'ftp://mail.example'"),
    ("mail.example:25", None, "an e-mail destination must start with smtp:// or smtps://"),
    ("smtp://:25", None, "an e-mail destination names no host: 'smtp://:25'"),
    ("smtp://mail.example:twenty-five", None, "an e-mail destination has a port that is not a "
                                              "number"),
    (None, "file:///etc/passwd", "a webhook must start with http:// or https://, not 'file://'"),
    (None, "javascript:alert(1)", "a webhook must start with http:// or https://"),
])  # fmt: skip
def test_another_scheme_is_a_usage_error_before_anything_happens(
        tmp_path: Path, smtp_url: str | None, webhook_url: str | None, message: str):  # fmt: skip
    with pytest.raises(ValueError, match=re.escape(message)):
        send(digest(), tmp_path / "digest.html", smtp_url=smtp_url, webhook_url=webhook_url)
    assert list(tmp_path.iterdir()) == []


def test_mail_without_recipients_or_a_file_not_html_is_a_usage_error(tmp_path: Path):
    with pytest.raises(ValueError, match="an e-mail destination needs at least one recipient"):
        deliver(digest(), out=tmp_path / "digest.html", smtp_url=f"smtp://{HOST}:25",
                webhooks=[], sender="atlas@example.org", recipients=[])  # fmt: skip
    with pytest.raises(ValueError, match=re.escape("must end in .html, not 'digest.txt'")):
        send(digest(), tmp_path / "digest.txt")
    assert list(tmp_path.iterdir()) == []
