"""The HTTP client under the ``twilio`` package: base-URL rewriting, a timeout, no retries.

The ``twilio`` package sends every request through an HTTP client object; the one built here
(1) always applies an explicit timeout, which the package does not by default, (2) never
retries on its own, since a transport-level retry of a POST could send a message twice and
retries are the caller's decision, and (3) sends every request to ``api_base`` instead of
Twilio's hosts when it is set, so tests and proxies can stand in for Twilio. The SMS gateway
and the TaskRouter client both build their ``twilio.rest.Client`` with :func:`make_client`.

Importing this module also masks phone numbers in urllib3's request log lines.
"""

from __future__ import annotations

import ipaddress
import logging
import re
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from requests.adapters import HTTPAdapter
from twilio.http.http_client import TwilioHttpClient
from twilio.http.response import Response
from twilio.rest import Client

from desktop.core.privacy import mask_phone

log = logging.getLogger(__name__)

DEFAULT_TIMEOUT_SECONDS = 10.0


def normalise_api_base(api_base: str) -> str:
    """Validate an API base URL and drop its trailing slash.

    Raises:
        ValueError: when it is not an absolute http(s) URL.
    """
    parts = urlsplit(api_base.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError(f"Twilio API base must be an http(s) URL, got {api_base!r}")
    return urlunsplit((parts.scheme, parts.netloc, parts.path.rstrip("/"), "", ""))


def rewrite_url(url: str, api_base: str | None) -> str:
    """Point a Twilio URL (any ``*.twilio.com`` host) at ``api_base``; others are unchanged.

    ``https://taskrouter.twilio.com/v1/Workspaces?Page=1`` with ``http://127.0.0.1:4010``
    gives ``http://127.0.0.1:4010/v1/Workspaces?Page=1``; a path in ``api_base`` (a proxy
    prefix) is kept in front of Twilio's path.
    """
    if not api_base:
        return url
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    if host != "twilio.com" and not host.endswith(".twilio.com"):
        return url
    base = urlsplit(api_base)
    return urlunsplit((base.scheme, base.netloc, base.path + parts.path, parts.query, ""))


class RewritingHttpClient(TwilioHttpClient):
    """The package's HTTP client with base-URL rewriting, a timeout, no retries, quiet logs.

    Args:
        api_base: where requests go instead of Twilio's hosts (None = Twilio).
        timeout: seconds for connect and for read; always applied.
        throttle: called before every request (e.g. a rate limiter's ``acquire``).
    """

    def __init__(
        self,
        api_base: str | None = None,
        timeout: float = DEFAULT_TIMEOUT_SECONDS,
        throttle: Callable[[], object] | None = None,
    ) -> None:
        super().__init__(timeout=timeout, logger=log)
        self.api_base = normalise_api_base(api_base) if api_base else None
        self._throttle = throttle
        assert self.session is not None  # pool_connections=True always makes one
        for prefix in ("https://", "http://"):
            # max_retries=0: urllib3 must never replay a POST whose answer was lost.
            self.session.mount(prefix, HTTPAdapter(max_retries=0))
        if self.api_base and _is_loopback(self.api_base):
            # A local fake must not be reached through an HTTP(S)_PROXY from the environment.
            self.session.trust_env = False

    def request(
        self,
        method: str,
        url: str,
        params: dict[str, object] | None = None,
        data: dict[str, object] | None = None,
        headers: dict[str, str] | None = None,
        auth: tuple[str, str] | None = None,
        timeout: float | None = None,
        allow_redirects: bool = False,
    ) -> Response:
        """Send one request to the rewritten URL, after the throttle allows it."""
        if self._throttle is not None:
            self._throttle()
        return super().request(
            method,
            rewrite_url(url, self.api_base),
            params=params,
            data=data,
            headers=headers,
            auth=auth,
            timeout=timeout,
            allow_redirects=allow_redirects,
        )

    def log_request(self, kwargs: dict[str, Any]) -> None:
        # The package logs query strings at INFO, and a message list query holds To=<phone>.
        log.debug("Twilio %s %s", kwargs["method"], urlsplit(kwargs["url"]).path)

    def log_response(self, status_code: int, response: Any) -> None:
        log.debug("Twilio answered HTTP %s", status_code)


class RedactPhoneQuery(logging.Filter):
    """Mask ``To=``/``From=`` numbers in log records (urllib3 logs full URLs at DEBUG)."""

    _NUMBER = re.compile(r"\b(To|From)=(%2B|\+)?(\d{4,15})")

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if "To=" in message or "From=" in message:
            record.msg = self._NUMBER.sub(
                lambda m: f"{m[1]}={m[2] or ''}{mask_phone(m[3])}", message
            )
            record.args = ()
        return True


def _install_log_redaction() -> None:
    # On the urllib3 logger itself, so no logging configuration can let numbers through.
    transport_log = logging.getLogger("urllib3.connectionpool")
    if not any(isinstance(f, RedactPhoneQuery) for f in transport_log.filters):
        transport_log.addFilter(RedactPhoneQuery())


_install_log_redaction()


def _is_loopback(url: str) -> bool:
    host = urlsplit(url).hostname or ""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def make_client(
    account_sid: str,
    auth_token: str,
    api_base: str | None = None,
    timeout_seconds: float = DEFAULT_TIMEOUT_SECONDS,
    throttle: Callable[[], object] | None = None,
) -> Client:
    """A ``twilio.rest.Client`` whose every request honours ``api_base`` and the timeout."""
    http_client = RewritingHttpClient(api_base, timeout_seconds, throttle)
    return Client(account_sid, auth_token, account_sid=account_sid, http_client=http_client)
