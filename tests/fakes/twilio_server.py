"""FakeTwilio: a real HTTP server on 127.0.0.1 that answers as Twilio's REST APIs do.

Serves the Messages API (``/2010-04-01/Accounts/{AccountSid}/Messages...``, see
:mod:`tests.fakes.twilio_messages`) and TaskRouter (``/v1/Workspaces/{WorkspaceSid}/...``,
see :mod:`tests.fakes.twilio_taskrouter`) from one port, with HTTP Basic auth, Twilio's error
bodies, a thread-safe request log, a per-second rate counter and one-shot fault injection.

Use it as a context manager (``with FakeTwilio() as fake:``), through the ``fake_twilio``
fixture (tests/fakes/fixtures.py), or standalone for benchmarks and manual runs::

    python -m tests.fakes.twilio_server --port 4010
"""

from __future__ import annotations

import argparse
import contextlib
import json
import re
import signal
import socket
import threading
import time
from collections import deque
from types import TracebackType
from typing import Any

from tests.fakes.twilio_common import ApiError, default_code_for_status
from tests.fakes.twilio_http import (
    Fault,
    FaultKind,
    Handler,
    LoggedRequest,
    LoopbackServer,
    ParsedRequest,
    basic_auth_ok,
    drop_connection,
    parse_request,
    respond,
)
from tests.fakes.twilio_messages import FakeMessage, MessagesApi
from tests.fakes.twilio_taskrouter import TASKROUTER_HOST, TaskRouterApi

DEFAULT_ACCOUNT_SID = "AC" + "a" * 32
DEFAULT_AUTH_TOKEN = "fake-twilio-auth-token"
DEFAULT_WORKSPACE_SID = "WS" + "a" * 32

_MESSAGES = re.compile(r"^/2010-04-01/Accounts/(\w+)/Messages\.json$")
_MESSAGE = re.compile(r"^/2010-04-01/Accounts/(\w+)/Messages/(\w+)\.json$")
_WORKSPACE = re.compile(r"^/v1/Workspaces/(\w+)/(.+)$")


class FakeTwilio:
    """A loopback Twilio: Messages + TaskRouter, auth, faults, logs, rate counter.

    Args:
        account_sid: the only account SID accepted (path and Basic auth user).
        auth_token: the Basic auth password.
        workspace_sid: the TaskRouter workspace served.
        host: interface to bind; loopback by default.
        port: 0 picks a free ephemeral port.
        advance: message status advance, ``"fetch"`` (a step per fetch) or ``"clock"``.
        step_seconds: clock step for ``advance="clock"``.
        rate_limit_per_s: answer 429/20429 to TaskRouter requests above this many in any
            1 s window (None = never; the counter works either way).
        advertise_twilio_hosts: write ``https://taskrouter.twilio.com`` in TaskRouter URLs
            (``meta.next_page_url``, ``url``, ``links``) as real Twilio does, instead of this
            server's own address, to prove a client rewrites them.
    """

    def __init__(
        self,
        account_sid: str = DEFAULT_ACCOUNT_SID,
        auth_token: str = DEFAULT_AUTH_TOKEN,
        workspace_sid: str = DEFAULT_WORKSPACE_SID,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        advance: str = "fetch",
        step_seconds: float = 0.5,
        rate_limit_per_s: float | None = None,
        advertise_twilio_hosts: bool = False,
    ) -> None:
        self.account_sid = account_sid
        self.auth_token = auth_token
        self.workspace_sid = workspace_sid
        self.rate_limit_per_s = rate_limit_per_s
        self.advertise_twilio_hosts = advertise_twilio_hosts
        self.messages = MessagesApi(advance=advance, step_seconds=step_seconds)
        self.taskrouter = TaskRouterApi(account_sid, workspace_sid)
        self._lock = threading.RLock()
        self._faults: list[Fault] = []
        self._log: list[LoggedRequest] = []
        self._internal_errors: list[str] = []
        self._taskrouter_arrivals: deque[float] = deque()
        self._connections: set[socket.socket] = set()
        self._stopping = threading.Event()
        self._started_at = time.monotonic()
        self._server = LoopbackServer((host, port), Handler, bind_and_activate=True)
        self._server.sink = self
        self._thread: threading.Thread | None = None

    # ----------------------------------------------------------------- lifecycle
    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:<port>``: what ``api_base`` settings point at."""
        return f"http://{self._server.server_address[0]}:{self.port}"

    def start(self) -> FakeTwilio:
        """Serve on a daemon thread; returns self."""
        if self._thread is None:
            self._thread = threading.Thread(
                target=self._server.serve_forever,
                args=(0.05,),  # poll interval: stop() returns in 50 ms, not the default 500
                name=f"fake-twilio-{self.port}",
                daemon=True,
            )
            self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving, wake delayed handlers and close every open connection."""
        self._stopping.set()
        if self._thread is not None:
            self._server.shutdown()
            self._thread.join(5)
            self._thread = None
        self._server.server_close()
        with self._lock:
            connections = list(self._connections)
        for conn in connections:  # idle keep-alive connections would pin handler threads
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)

    def __enter__(self) -> FakeTwilio:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    # ----------------------------------------------------------------- fault injection
    def inject(self, fault: Fault, times: int = 1) -> None:
        """Queue ``fault`` for the next ``times`` requests it matches."""
        with self._lock:
            self._faults.extend([fault] * times)

    def fail_next(
        self,
        status: int = 500,
        code: int | None = None,
        times: int = 1,
        *,
        message: str | None = None,
        path_contains: str | None = None,
        method: str | None = None,
    ) -> None:
        """Answer the next ``times`` matching requests with HTTP ``status`` (429, 500, 503...)."""
        self.inject(
            Fault(FaultKind.ERROR, status, code, message, 0.0, path_contains, method), times
        )

    def delay_next(
        self,
        seconds: float,
        times: int = 1,
        *,
        path_contains: str | None = None,
        method: str | None = None,
    ) -> None:
        """Hold the next matching requests ``seconds`` before handling them normally."""
        self.inject(
            Fault(FaultKind.DELAY, seconds=seconds, path_contains=path_contains, method=method),
            times,
        )

    def drop_next(
        self, times: int = 1, *, path_contains: str | None = None, method: str | None = None
    ) -> None:
        """Close the connection of the next matching requests without answering."""
        self.inject(Fault(FaultKind.DROP, path_contains=path_contains, method=method), times)

    def accept_then_drop_next(
        self,
        times: int = 1,
        *,
        path_contains: str | None = "/Messages",
        method: str | None = "POST",
    ) -> None:
        """Create the message, then drop the connection: a crash between accept and commit."""
        self.inject(
            Fault(FaultKind.ACCEPT_THEN_DROP, path_contains=path_contains, method=method), times
        )

    def reject_to(
        self,
        to: str,
        code: int,
        status: int = 400,
        message: str | None = None,
        times: int | None = None,
    ) -> None:
        """Fail sends to ``to`` with a Twilio ``code`` (21610, 21614, 21408, 63038...)."""
        with self._lock:
            self.messages.reject(to, code, status, message, times)

    def set_delivery(
        self,
        to: str,
        final: str = "delivered",
        error_code: int | None = None,
        sequence: list[str] | None = None,
    ) -> None:
        """How messages to ``to`` end, e.g. ``final="undelivered", error_code=30005``."""
        with self._lock:
            self.messages.set_delivery(to, final, error_code, sequence)

    def pending_faults(self) -> int:
        with self._lock:
            return len(self._faults)

    def clear_faults(self) -> None:
        with self._lock:
            self._faults.clear()

    # ----------------------------------------------------------------- observation
    def requests(self, path_contains: str | None = None) -> list[LoggedRequest]:
        """The request log in arrival order, optionally only paths containing a string."""
        with self._lock:
            log = sorted(self._log, key=lambda r: r.at)
        return [r for r in log if path_contains is None or path_contains in r.path]

    def sent_messages(self) -> list[dict[str, Any]]:
        """Every message the fake accepted, oldest first, as the API renders them now."""
        with self._lock:
            return [self.messages.render(m) for m in self.messages.all()]

    def message(self, sid: str) -> FakeMessage | None:
        with self._lock:
            return self.messages.get(sid)

    def internal_errors(self) -> list[str]:
        """Unexpected exceptions inside the fake (a test should expect none)."""
        with self._lock:
            return list(self._internal_errors)

    def requests_per_second(self, path_prefix: str = "/v1/") -> dict[int, int]:
        """Requests per whole second since the fake started, for paths with this prefix."""
        counts: dict[int, int] = {}
        for r in self.requests():
            if r.path.startswith(path_prefix):
                second = int(r.at - self._started_at)
                counts[second] = counts.get(second, 0) + 1
        return counts

    def max_requests_in_window(self, path_prefix: str = "/v1/", window: float = 1.0) -> int:
        """The most requests seen in any sliding ``window`` seconds (TaskRouter: <= 5 in 1 s)."""
        times = [r.at for r in self.requests() if r.path.startswith(path_prefix)]
        best, lo = 0, 0
        for hi, t in enumerate(times):
            while t - times[lo] >= window:
                lo += 1
            best = max(best, hi - lo + 1)
        return best

    # ----------------------------------------------------------------- internals
    def track_connection(self, conn: socket.socket, add: bool) -> None:
        with self._lock:
            (self._connections.add if add else self._connections.discard)(conn)

    def _take_fault(self, method: str, target: str) -> Fault | None:
        with self._lock:
            for i, fault in enumerate(self._faults):
                if fault.matches(method, target):
                    return self._faults.pop(i)
        return None

    def handle_request(self, handler: Handler) -> None:
        """Apply any matching fault, answer, and log the request before answering.

        Logging first matters: a test that asserts on the log right after its client call
        returns must find the request there.
        """
        arrived = time.monotonic()
        req = parse_request(handler)
        fault = self._take_fault(req.method, req.target)
        kind = fault.kind if fault is not None else None
        if fault is not None and kind is FaultKind.DELAY:
            self._stopping.wait(fault.seconds)
        status: int | None = None
        body: dict[str, Any] = {}
        if fault is not None and kind is FaultKind.ERROR:
            code = fault.code or default_code_for_status(fault.status)
            status, body = fault.status, ApiError(fault.status, code, fault.message).body()
        elif kind is not FaultKind.DROP:
            status, body = self._answer(req, handler, arrived)
        dropped = kind in (FaultKind.DROP, FaultKind.ACCEPT_THEN_DROP)
        entry = LoggedRequest(
            arrived, req.method, req.path, req.query, req.form, None if dropped else status, kind
        )
        with self._lock:
            self._log.append(entry)
        if dropped or status is None:
            drop_connection(handler)
        else:
            respond(handler, status, body)

    def _answer(
        self, req: ParsedRequest, handler: Handler, arrived: float
    ) -> tuple[int, dict[str, Any]]:
        try:
            if not basic_auth_ok(
                handler.headers.get("Authorization", ""), self.account_sid, self.auth_token
            ):
                raise ApiError(401, 20003)
            with self._lock:
                return self._route(req, arrived)
        except ApiError as err:
            return err.status, err.body()
        except Exception as exc:  # a bug in the fake: answer like Twilio would, and record it
            with self._lock:
                self._internal_errors.append(f"{req.method} {req.path}: {exc!r}")
            return 500, ApiError(500, 20500).body()

    def _route(self, req: ParsedRequest, arrived: float) -> tuple[int, dict[str, Any]]:
        not_found = ApiError(404, 20404, f"The requested resource {req.path} was not found")
        if (m := _MESSAGES.match(req.path)) is not None:
            if m.group(1) != self.account_sid:
                raise not_found
            if req.method == "POST":
                return 201, self.messages.create(self.account_sid, req.form)
            if req.method == "GET":
                return 200, self.messages.list(self.account_sid, req.query, req.path)
            raise ApiError(405, 20004)
        if (m := _MESSAGE.match(req.path)) is not None:
            if m.group(1) != self.account_sid:
                raise not_found
            if req.method == "GET":
                return 200, self.messages.fetch(self.account_sid, m.group(2), req.path)
            raise ApiError(405, 20004)  # update/redact/delete: not needed by Proximity
        if (m := _WORKSPACE.match(req.path)) is not None:
            self._count_taskrouter(arrived)
            if m.group(1) != self.workspace_sid:
                raise not_found
            if req.method != "GET":
                raise ApiError(405, 20004)
            base = TASKROUTER_HOST if self.advertise_twilio_hosts else self.base_url
            return 200, self.taskrouter.handle(m.group(2), req.query, base, req.path)
        raise not_found

    def _count_taskrouter(self, arrived: float) -> None:
        """Sliding 1 s window; every request counts, rejected ones too, as at Twilio."""
        window = self._taskrouter_arrivals
        window.append(arrived)
        while window and arrived - window[0] >= 1.0:
            window.popleft()
        if self.rate_limit_per_s is not None and len(window) > self.rate_limit_per_s:
            raise ApiError(429, 20429, "Too many requests")


def main(argv: list[str] | None = None) -> int:
    """Run the fake until SIGINT/SIGTERM; prints one JSON line with where and how to connect."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=4010)
    parser.add_argument("--account-sid", default=DEFAULT_ACCOUNT_SID)
    parser.add_argument("--auth-token", default=DEFAULT_AUTH_TOKEN)
    parser.add_argument("--workspace-sid", default=DEFAULT_WORKSPACE_SID)
    parser.add_argument("--advance", choices=("fetch", "clock"), default="clock")
    parser.add_argument("--step-seconds", type=float, default=2.0)
    parser.add_argument(
        "--rate-limit",
        type=float,
        default=None,
        help="answer 429 above this many TaskRouter requests per second",
    )
    parser.add_argument("--no-seed", action="store_true", help="no demo TaskRouter data")
    args = parser.parse_args(argv)
    fake = FakeTwilio(
        args.account_sid,
        args.auth_token,
        args.workspace_sid,
        args.host,
        args.port,
        advance=args.advance,
        step_seconds=args.step_seconds,
        rate_limit_per_s=args.rate_limit,
    )
    if not args.no_seed:
        fake.taskrouter.seed_demo()
    done = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: done.set())
    with fake:
        print(
            json.dumps(
                {
                    "api_base": fake.base_url,
                    "account_sid": fake.account_sid,
                    "auth_token": fake.auth_token,
                    "workspace_sid": fake.workspace_sid,
                }
            ),
            flush=True,
        )
        while not done.wait(0.5):
            pass
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
