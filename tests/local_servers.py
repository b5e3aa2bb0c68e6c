"""Local servers on 127.0.0.1 that keep what they receive: an SMTP server (aiosmtpd) and an
HTTP server that records each POST, for the digest's delivery tests."""

from __future__ import annotations

import email
import email.policy
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult

HOST = "127.0.0.1"
# clear these so requests go to 127.0.0.1 directly, never through a proxy from the environment
PROXY_VARIABLES = ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY", "all_proxy",
                   "ALL_PROXY")  # fmt: skip


def free_port() -> int:
    """A port nothing listens on (bound, then released)."""
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


class Inbox:
    """An aiosmtpd handler that keeps every message; ``refuse`` rejects each recipient."""

    def __init__(self, refuse: bool = False) -> None:
        self.envelopes: list = []
        self.logins: list[tuple[bytes, bytes]] = []
        self.refuse = refuse

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.refuse:
            return "550 5.1.1 no such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.envelopes.append(envelope)
        return "250 OK"

    def authenticate(self, server, session, envelope, mechanism, auth_data) -> AuthResult:
        self.logins.append((auth_data.login, auth_data.password))
        ok = auth_data.password == b"p@ss:word"
        return AuthResult(success=ok, handled=False)  # handled=False: aiosmtpd answers 535

    def received(self) -> email.message.EmailMessage:
        (message,) = self.messages()
        return message

    def messages(self) -> list[email.message.EmailMessage]:
        return [email.message_from_bytes(envelope.content, policy=email.policy.default)
                for envelope in self.envelopes]  # fmt: skip


@contextmanager
def mail_server(inbox: Inbox, **options: object) -> Iterator[int]:
    port = free_port()
    controller = Controller(inbox, hostname=HOST, port=port, **options)
    controller.start()
    try:
        yield port
    finally:
        controller.stop()


class _Recorder(BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.server.posts.append((self.path, self.headers["Content-Type"], body))
        self.send_response(self.server.status)
        self.end_headers()

    def log_message(self, *args: object) -> None:  # quiet test output
        pass


@contextmanager
def webhook_receiver(status: int) -> Iterator[ThreadingHTTPServer]:
    """An HTTP server on 127.0.0.1 that records each POST and answers ``status``."""
    server = ThreadingHTTPServer((HOST, 0), _Recorder)
    server.posts, server.status = [], status
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
