"""HTTP plumbing of the fake Twilio: server, handler, faults, request records.

:class:`tests.fakes.twilio_server.FakeTwilio` decides what to answer; this module reads
requests, writes Twilio-shaped JSON answers, and misbehaves on purpose when told to.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import hmac
import json
import socket
import sys
import uuid
from dataclasses import dataclass, field
from enum import StrEnum
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Protocol
from urllib.parse import parse_qsl, urlsplit


class FaultKind(StrEnum):
    ERROR = "error"  # answer an HTTP error with a Twilio error body
    DELAY = "delay"  # wait, then handle the request normally
    DROP = "drop"  # close the socket without answering
    ACCEPT_THEN_DROP = "accept_then_drop"  # handle (e.g. create the message), then drop


@dataclass(frozen=True)
class Fault:
    """One injected misbehaviour, used up by the first request it matches.

    Attributes:
        kind: what happens.
        status: HTTP status for ERROR.
        code: Twilio error code for ERROR (default from the status: 429 -> 20429...).
        message: error message for ERROR.
        seconds: how long DELAY waits.
        path_contains: only requests whose target (path and query string, e.g.
            ``/Workers?PageSize=2&Page=1&PageToken=...``) contains this match (None = any).
        method: only requests with this method match (None = any).
    """

    kind: FaultKind
    status: int = 500
    code: int | None = None
    message: str | None = None
    seconds: float = 0.0
    path_contains: str | None = None
    method: str | None = None

    def matches(self, method: str, target: str) -> bool:
        return (self.method is None or self.method == method) and (
            self.path_contains is None or self.path_contains in target
        )


@dataclass(frozen=True)
class LoggedRequest:
    """One request as the fake saw it (``status`` None when the connection was dropped).

    ``at`` is ``time.monotonic()`` at arrival.
    """

    at: float
    method: str
    path: str
    query: dict[str, str]
    form: dict[str, str]
    status: int | None
    fault: str | None = None


@dataclass
class ParsedRequest:
    method: str
    target: str  # as on the request line: path and query string
    path: str
    query: dict[str, str]
    form: dict[str, str] = field(default_factory=dict)
    json_body: Any = None


class RequestSink(Protocol):
    """What the server hands each request and connection to (FakeTwilio)."""

    def handle_request(self, handler: Handler) -> None: ...

    def track_connection(self, conn: socket.socket, add: bool) -> None: ...


class LoopbackServer(ThreadingHTTPServer):
    """Threaded server whose handler threads never keep the process alive."""

    daemon_threads = True
    sink: RequestSink

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A client that timed out leaves a broken pipe behind: expected, not a fake bug.
        if not isinstance(sys.exc_info()[1], OSError):
            super().handle_error(request, client_address)


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as Twilio's edge does; matters for benchmarks
    server: LoopbackServer

    def setup(self) -> None:
        super().setup()
        # Headers and body go out in two writes; without NODELAY, Nagle plus the client's
        # delayed ACK stall every keep-alive answer by ~40 ms and skew throughput figures.
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.server.sink.track_connection(self.connection, True)

    def finish(self) -> None:
        try:
            super().finish()
        finally:
            self.server.sink.track_connection(self.connection, False)

    def do_GET(self) -> None:
        self.server.sink.handle_request(self)

    do_POST = do_DELETE = do_PUT = do_GET

    def log_message(self, format: str, *args: Any) -> None:
        pass  # the fake keeps its own request log


def parse_request(handler: Handler) -> ParsedRequest:
    """Path, query (last value wins) and a form or JSON body."""
    split = urlsplit(handler.path)
    req = ParsedRequest(
        handler.command, handler.path, split.path, dict(parse_qsl(split.query, True))
    )
    length = int(handler.headers.get("Content-Length") or 0)
    raw = handler.rfile.read(length) if length else b""
    if raw and "json" in (handler.headers.get("Content-Type") or ""):
        try:
            req.json_body = json.loads(raw)
        except ValueError:
            req.json_body = None
    elif raw:
        req.form = dict(parse_qsl(raw.decode("utf-8", "replace"), True))
    return req


def basic_auth_ok(header: str, user: str, password: str) -> bool:
    """Check an ``Authorization: Basic`` header in constant time."""
    scheme, _, encoded = header.partition(" ")
    if scheme.lower() != "basic":
        return False
    try:
        got_user, _, got_password = base64.b64decode(encoded).decode().partition(":")
    except (binascii.Error, UnicodeDecodeError):
        return False
    return hmac.compare_digest(got_user, user) & hmac.compare_digest(got_password, password)


def respond(handler: Handler, status: int, body: dict[str, Any]) -> None:
    """Write a JSON answer with the headers Twilio sends."""
    data = json.dumps(body).encode()
    try:
        handler.send_response(status)
        handler.send_header("Content-Type", "application/json; charset=utf-8")
        handler.send_header("Content-Length", str(len(data)))
        handler.send_header("Twilio-Request-Id", "RQ" + uuid.uuid4().hex)
        if status == 401:
            handler.send_header("WWW-Authenticate", 'Basic realm="Twilio API"')
        handler.end_headers()
        handler.wfile.write(data)
    except OSError:
        handler.close_connection = True  # the client gave up (timeout): nothing to tell it


def drop_connection(handler: Handler) -> None:
    """Close the socket without a byte of answer: the client sees the connection end."""
    handler.close_connection = True
    with contextlib.suppress(OSError):
        handler.connection.shutdown(socket.SHUT_RDWR)
