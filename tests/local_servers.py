"""Local servers on 127.0.0.1: an SMTP server (aiosmtpd) and an HTTP server that keep what they
receive, for the digest's delivery tests, and nginx in front of one or more dashboard processes
as deploy/nginx.conf deploys them."""

from __future__ import annotations

import email
import email.policy
import re
import shutil
import socket
import subprocess
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult

from tests.browser import streamlit_process

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
NGINX_CONF = Path(__file__).resolve().parent.parent / "deploy" / "nginx.conf"
# the upstream's processes, one line each, as deploy/nginx.conf lists them
UPSTREAM_SERVER = re.compile(r"^ *server 127\.0\.0\.1:\d+;.*\n", re.MULTILINE)


def nginx_site(upstream_ports: Sequence[int], http_port: int, https_port: int) -> str:
    """deploy/nginx.conf as the README tells a user to adapt it: the marked lines (host,
    certificate, key, one upstream line per process) and, for a test, loopback ports instead of
    80, 443 and 8501, 8502."""
    site = NGINX_CONF.read_text()
    swaps = {
        "listen 80;": f"listen {HOST}:{http_port};",
        "listen 443 ssl;": f"listen {HOST}:{https_port} ssl;",
        "server_name atlas.example.com;": f"server_name {HOST};",
        "/etc/ssl/certs/atlas.example.com.pem": str(TLS / "cert.pem"),
        "/etc/ssl/private/atlas.example.com.key": str(TLS / "key.pem"),
    }
    for documented, local in swaps.items():
        assert documented in site, f"deploy/nginx.conf no longer has {documented!r}"
        site = site.replace(documented, local)
    listed = list(UPSTREAM_SERVER.finditer(site))
    assert listed, "deploy/nginx.conf lists no process in its upstream"
    first, last = listed[0].start(), listed[-1].end()
    assert "".join(line.group() for line in listed) == site[first:last], "one upstream block"
    servers = "".join(f"    server {HOST}:{port};\n" for port in upstream_ports)
    return site[:first] + servers + site[last:]


@contextmanager
def nginx_proxy(
    upstream_ports: Sequence[int], https_port: int, folder: Path
) -> Iterator[subprocess.Popen]:
    """Debian's nginx with deploy/nginx.conf serving ``https_port`` in front of the Streamlit
    processes on ``upstream_ports``; yields nginx's master process. Everything it writes (pid,
    logs, temp files) stays in ``folder``."""
    http_port = free_port()
    (folder / "site.conf").write_text(nginx_site(upstream_ports, http_port, https_port))
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
        yield process
    finally:
        process.terminate()
        process.wait(timeout=10)


@dataclass(frozen=True)
class Cluster:
    """A running ``dashboard_cluster``. ``url``: what a browser opens (nginx over HTTPS with the
    self-signed tests/tls certificate: Playwright contexts need ``ignore_https_errors=True``).
    ``backends``: each Streamlit process's own URL, e.g. for its ``/_stcore/metrics``.
    ``pids``: nginx's master process, then the Streamlit processes."""

    url: str
    backends: tuple[str, ...]
    pids: tuple[int, ...]


@contextmanager
def dashboard_cluster(processes: int, env: dict[str, str], folder: Path) -> Iterator[Cluster]:
    """``processes`` dashboard processes (Streamlit, each given ``env``: point SERVICE_ATLAS_DB
    at the data they all read) behind nginx with session affinity, configured by
    deploy/nginx.conf itself (host, certificate and ports swapped), all on 127.0.0.1. nginx
    keeps its pid, logs and temp files in ``folder``. ``bench/scale.py`` can compare one process
    with two: ``with dashboard_cluster(2, {"SERVICE_ATLAS_DB": path}, folder) as cluster:``
    then open ``cluster.url``."""
    with ExitStack() as running:
        started = [running.enter_context(streamlit_process(env)) for _ in range(processes)]
        backends = tuple(url for url, _ in started)
        https_port = free_port()
        ports = [urlsplit(url).port for url in backends]
        nginx = running.enter_context(nginx_proxy(ports, https_port, folder))
        yield Cluster(f"https://{HOST}:{https_port}", backends,
                      (nginx.pid, *(process.pid for _, process in started)))  # fmt: skip
