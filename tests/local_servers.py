"""Local servers on 127.0.0.1: an SMTP server (aiosmtpd) and an HTTP server that keep what they
receive, for the digest's delivery tests, and nginx in front of the app as deploy/nginx.conf
deploys it."""

from __future__ import annotations

import email
import email.policy
import shutil
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

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


TLS = Path(__file__).parent / "tls"  # a self-signed certificate for 127.0.0.1 (100 years)
NGINX_CONF = Path(__file__).resolve().parent.parent / "docs" / "nginx.conf"


def nginx_site(upstream_port: int, http_port: int, https_port: int) -> str:
    """deploy/nginx.conf as the README tells a user to adapt it: the four marked lines (host,
    certificate, key) and, for a test, loopback ports instead of 80, 443 and 8501."""
    site = NGINX_CONF.read_text()
    swaps = {
        "listen 80;": f"listen {HOST}:{http_port};",
        "listen 443 ssl;": f"listen {HOST}:{https_port} ssl;",
        "server_name atlas.example.com;": f"server_name {HOST};",
        "/etc/ssl/certs/atlas.example.com.pem": str(TLS / "cert.pem"),
        "/etc/ssl/private/atlas.example.com.key": str(TLS / "key.pem"),
        "http://127.0.0.1:8501;": f"http://{HOST}:{upstream_port};",
    }
    for documented, local in swaps.items():
        assert documented in site, f"deploy/nginx.conf no longer has {documented!r}"
        site = site.replace(documented, local)
    return site


@contextmanager
def nginx_proxy(upstream_port: int, https_port: int, folder: Path) -> Iterator[None]:
    """Debian's nginx with deploy/nginx.conf serving ``https_port`` in front of ``upstream_port``.
    Everything it writes (pid, logs, temp files) stays in ``folder``."""
    http_port = free_port()
    (folder / "site.conf").write_text(nginx_site(upstream_port, http_port, https_port))
    temp = "".join(f"{kind}_temp_path {folder}/{kind};\n"
                   for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))  # fmt: skip
    (folder / "nginx.conf").write_text(
        f"pid {folder}/nginx.pid;\nerror_log {folder}/error.log;\nevents {{}}\n"
        f"http {{\naccess_log {folder}/access.log;\n{temp}include {folder}/site.conf;\n}}\n"
    )
    process = subprocess.Popen([shutil.which("nginx") or "/usr/sbin/nginx", "-p", str(folder),
                                "-c", str(folder / "nginx.conf"), "-g", "daemon off;"],
                               stderr=subprocess.PIPE)  # fmt: skip
    try:
        deadline = time.monotonic() + 10
        while True:
            with socket.socket() as probe:
                if probe.connect_ex((HOST, https_port)) == 0:
                    break
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"nginx did not start: {process.stderr.read().decode()}")
            time.sleep(0.05)
        yield
    finally:
        process.terminate()
        process.wait(timeout=10)
