"""Delivery of a digest (``reports.digest``): written to disk, then e-mailed and/or posted to a
chat webhook, for cron.

The digest is always written first: ``out`` (HTML) with the plain text (.txt) and the webhook
JSON (.json) beside it, each atomically (a temporary file renamed over the old one), so a failed
send never loses it. Then it is sent to each destination given:

- ``smtp://host[:port]`` (default port 25; upgraded with STARTTLS when the server offers it) or
  ``smtps://host[:port]`` (TLS from the start, default port 465), with an optional
  ``user:password@`` (percent-encoded); a multipart/alternative message, plain text and HTML,
  UTF-8 throughout so a Korean subject arrives intact;
- each ``http://`` or ``https://`` webhook: the Slack/Teams payload as a JSON POST; only a 2xx
  answer counts.

Exit codes: ``SENT`` (0) everything given was sent, or there was nowhere to send;
``SMTP_FAILED`` (3) the e-mail was not sent; ``WEBHOOK_FAILED`` (4) a post failed;
``BOTH_FAILED`` (5). Each failure is one line on stderr naming the destination (scheme, host
and port only: a webhook's path and a password are secrets) and the reason. Anything else in a
destination, or an ``out`` that is not .html, is a ``ValueError`` raised before anything is
written or sent (``check_delivery``; the command line reports it as a usage error).
"""

from __future__ import annotations

import email.policy
import http.client
import json
import os
import smtplib
import ssl
import sys
import tempfile
import urllib.error
import urllib.request
from collections.abc import Sequence
from email.message import EmailMessage
from pathlib import Path
from urllib.parse import SplitResult, unquote, urlsplit

from reports.digest import Digest

SENT, SMTP_FAILED, WEBHOOK_FAILED, BOTH_FAILED = 0, 3, 4, 5
TIMEOUT_SECONDS = 30
SMTP_PORTS = {"smtp": 25, "smtps": 465}
WEBHOOK_SCHEMES = ("http", "https")
# 7-bit transfer encodings (quoted-printable or base64) for non-ASCII parts: no reliance on the
# server's 8BITMIME; CRLF line ends as SMTP wants.
_MAIL_POLICY = email.policy.SMTP.clone(cte_type="7bit")


def check_delivery(out: Path, smtp_url: str | None, webhooks: Sequence[str],
                   recipients: list[str]) -> None:  # fmt: skip
    """Raise ValueError with a message for the user when ``deliver`` could not be asked to do
    this; call it before the slow work of building a digest."""
    if out.suffix != ".html":
        raise ValueError(f"the digest's file must end in .html, not {out.name!r}")
    if smtp_url is not None:
        _checked(smtp_url, tuple(SMTP_PORTS), "an e-mail destination")
        if not recipients:
            raise ValueError("an e-mail destination needs at least one recipient")
    for url in webhooks:
        _checked(url, WEBHOOK_SCHEMES, "a webhook")


def deliver(digest: Digest, *, out: Path, smtp_url: str | None, webhooks: Sequence[str],
            sender: str, recipients: list[str]) -> int:  # fmt: skip
    """Write ``digest`` beside ``out`` and send it; the exit code (module docstring)."""
    check_delivery(out, smtp_url, webhooks, recipients)
    _write(out, digest.html)
    _write(out.with_suffix(".txt"), digest.text)
    _write(out.with_suffix(".json"), json.dumps(digest.payload, ensure_ascii=False, indent=2))
    code = SENT
    if smtp_url is not None:
        try:
            _send_mail(digest, urlsplit(smtp_url), sender, recipients)
        except (OSError, smtplib.SMTPException) as error:
            _report("e-mail", smtp_url, _reason(error), out)
            code = SMTP_FAILED
    for url in webhooks:
        try:
            _post(digest.payload, url)
        except (OSError, http.client.HTTPException) as error:  # URLError is an OSError
            _report("webhook", url, _reason(error), out)
            code = BOTH_FAILED if code in (SMTP_FAILED, BOTH_FAILED) else WEBHOOK_FAILED
    return code


def _checked(url: str, schemes: tuple[str, ...], what: str) -> None:
    parts = urlsplit(url)
    if parts.scheme not in schemes:
        allowed = " or ".join(f"{s}://" for s in schemes)
        raise ValueError(f"{what} must start with {allowed}, not {safe_address(url)!r}")
    try:
        host, _port = parts.hostname, parts.port  # a port that is not a number raises
    except ValueError:
        raise ValueError(f"{what} has a port that is not a number: {safe_address(url)!r}") from None
    if not host:
        raise ValueError(f"{what} names no host: {safe_address(url)!r}")


def safe_address(url: str) -> str:
    """A destination as it may be printed: scheme, host and port, no password and no path."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc.rpartition('@')[2]}"


def _write(path: Path, text: str) -> None:
    """``text`` at ``path`` as a whole or not at all: written beside it, then renamed over it."""
    with tempfile.NamedTemporaryFile("w", encoding="utf-8", dir=path.parent,
                                     prefix=f".{path.name}.", delete=False) as file:  # fmt: skip
        file.write(text)
    os.replace(file.name, path)


def _send_mail(digest: Digest, url: SplitResult, sender: str, recipients: list[str]) -> None:
    message = EmailMessage(policy=_MAIL_POLICY)
    message["Subject"] = digest.subject
    message["From"] = sender
    message["To"] = ", ".join(recipients)
    message.set_content(digest.text)
    message.add_alternative(digest.html, subtype="html")
    context = ssl.create_default_context()
    port = url.port or SMTP_PORTS[url.scheme]
    if url.scheme == "smtps":
        client = smtplib.SMTP_SSL(url.hostname, port, timeout=TIMEOUT_SECONDS, context=context)
    else:
        client = smtplib.SMTP(url.hostname, port, timeout=TIMEOUT_SECONDS)
    with client:
        client.ehlo()
        if url.scheme == "smtp" and client.has_extn("starttls"):
            client.starttls(context=context)
            client.ehlo()
        if url.username:
            client.login(unquote(url.username), unquote(url.password or ""))
        client.send_message(message, from_addr=sender, to_addrs=recipients)


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """A redirect is an answer other than 2xx, not a place to re-send the digest to."""

    def redirect_request(self, *args: object) -> None:
        return None


def _post(payload: dict, url: str) -> None:
    request = urllib.request.Request(url, method="POST",
                                     data=json.dumps(payload).encode("utf-8"),
                                     headers={"Content-Type": "application/json"})  # fmt: skip
    opener = urllib.request.build_opener(_NoRedirect)
    with opener.open(request, timeout=TIMEOUT_SECONDS) as response:  # non-2xx: HTTPError
        response.read()


def _reason(error: BaseException) -> str:
    """An exception in a few words on one line."""
    if isinstance(error, urllib.error.HTTPError):
        text = f"HTTP {error.code} {error.reason}"
    elif isinstance(error, urllib.error.URLError):
        text = str(error.reason)
    elif isinstance(error, smtplib.SMTPResponseException):
        detail = error.smtp_error
        detail = detail.decode("utf-8", "replace") if isinstance(detail, bytes) else detail
        text = f"{error.smtp_code} {detail}"
    elif isinstance(error, smtplib.SMTPRecipientsRefused):
        text = "every recipient was refused: " + ", ".join(error.recipients)
    else:
        text = str(error) or type(error).__name__
    return " ".join(text.split())


def _report(what: str, url: str, reason: str, out: Path) -> None:
    print(f"error: {what} to {safe_address(url)} failed: {reason} (the digest is in {out})",
          file=sys.stderr)  # fmt: skip
