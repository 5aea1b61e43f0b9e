"""Servers the notification tests talk to, on 127.0.0.1 only: SMTP (aiosmtpd) and HTTP."""

from __future__ import annotations

import email
import email.policy
import json
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

LOOPBACK = "127.0.0.1"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((LOOPBACK, 0))
        return int(probe.getsockname()[1])


@dataclass
class Mailbox:
    """What the SMTP server received, and the logins it saw."""

    messages: list[EmailMessage] = field(default_factory=list)
    envelopes: list[tuple[str, list[str]]] = field(default_factory=list)
    logins: list[tuple[str, str]] = field(default_factory=list)
    raw: list[bytes] = field(default_factory=list)
    port: int = 0

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.raw.append(envelope.content)
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        assert isinstance(message, EmailMessage)
        self.messages.append(message)
        self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
        return "250 OK"


@contextmanager
def smtp_server(*, user: str | None = None, password: str | None = None) -> Iterator[Mailbox]:
    """A real SMTP server on loopback; with ``user``, AUTH is offered (without TLS) and
    only that user and password are accepted."""
    box = Mailbox(port=free_port())

    def authenticator(
        server: Any, session: Any, envelope: Any, mechanism: str, data: Any
    ) -> AuthResult:
        if not isinstance(data, LoginPassword):
            return AuthResult(success=False, handled=False)
        login, secret = data.login.decode(), data.password.decode()
        box.logins.append((login, secret))
        # handled=False: aiosmtpd answers a refusal with 535 itself
        return AuthResult(success=(login, secret) == (user, password), handled=False)

    options: dict[str, Any] = {}
    if user is not None:
        options = {"authenticator": authenticator, "auth_require_tls": False}
    controller = Controller(box, hostname=LOOPBACK, port=box.port, **options)
    controller.start()
    try:
        yield box
    finally:
        controller.stop()


@dataclass
class Inbox:
    """What the HTTP server received: (path, headers, parsed JSON body) per request."""

    requests: list[tuple[str, dict[str, str], Any]] = field(default_factory=list)
    status: int = 200
    url: str = ""


@contextmanager
def http_server(status: int = 200) -> Iterator[Inbox]:
    inbox = Inbox(status=status)

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            body = self.rfile.read(length)
            inbox.requests.append((self.path, dict(self.headers), json.loads(body)))
            self.send_response(inbox.status)
            self.end_headers()
            self.wfile.write(b"1" if inbox.status < 300 else b"no")

        def log_message(self, format: str, *args: Any) -> None:  # keep test output clean
            return

    server = ThreadingHTTPServer((LOOPBACK, 0), Handler)
    inbox.url = f"http://{LOOPBACK}:{server.server_address[1]}/hook/SECRET-TOKEN"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield inbox
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
