"""Twilio SMS transport: send, follow delivery, reconcile after a crash. No Qt, no database.

Everything goes through the ``twilio`` package with an HTTP client that (1) always applies
an explicit timeout, which the package does not by default, (2) never retries on its own,
since a transport-level retry of a POST could send a message twice and retries are the
dispatcher's decision, and (3) sends every request to ``api_base`` instead of Twilio's hosts
when it is set, so tests and proxies can stand in for Twilio.

Log lines carry masked phone numbers and message SIDs, never bodies or the auth token.
"""

from __future__ import annotations

import ipaddress
import logging
import re
from collections.abc import Callable, Collection
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from requests.adapters import HTTPAdapter
from requests.exceptions import RequestException
from twilio.base.exceptions import TwilioException
from twilio.http.http_client import TwilioHttpClient
from twilio.http.response import Response
from twilio.rest import Client

from desktop.core.privacy import mask_phone
from desktop.notify.twilio_errors import (
    DEFAULT_ERROR_TABLE,
    ErrorClass,
    ErrorInfo,
    ErrorTable,
    GatewayError,
    describe,
)

log = logging.getLogger(__name__)

DEFAULT_TIMEOUT_SECONDS = 10.0
#: Statuses after which a message never changes again (``read`` is WhatsApp's delivered+).
FINAL_STATUSES = frozenset({"delivered", "undelivered", "failed", "canceled", "read"})
_ACCOUNT_SID = re.compile(r"^AC[0-9a-fA-F]{32}$")
_SERVICE_SID = re.compile(r"^MG[0-9a-fA-F]{32}$")
# Exceptions a provider call can end with; anything else is a bug and should surface.
_CALL_ERRORS = (TwilioException, RequestException, ValueError)


@dataclass(frozen=True, repr=False)
class TwilioSettings:
    """Where and how to send. The auth token never appears in ``repr`` (or logs).

    Attributes:
        account_sid: ``AC`` + 32 hex digits.
        auth_token: from the OS keyring or ``PROXIMITY_TWILIO_AUTH_TOKEN``.
        from_number: sender number (E.164) or alphanumeric sender ID.
        messaging_service_sid: ``MG...``; used instead of ``from_number`` when set.
        api_base: e.g. ``http://127.0.0.1:4010``; None sends to Twilio's own hosts.
        timeout_seconds: connect and read timeout of every HTTP call.
    """

    account_sid: str
    auth_token: str
    from_number: str | None = None
    messaging_service_sid: str | None = None
    api_base: str | None = None
    timeout_seconds: float = DEFAULT_TIMEOUT_SECONDS

    def __post_init__(self) -> None:
        if not _ACCOUNT_SID.match(self.account_sid or ""):
            raise ValueError("Twilio account SID must be 'AC' followed by 32 hex digits")
        if not self.auth_token:
            raise ValueError("Twilio auth token is missing (keyring or environment)")
        if not self.from_number and not self.messaging_service_sid:
            raise ValueError("Twilio needs a From number or a Messaging Service SID")
        if self.messaging_service_sid and not _SERVICE_SID.match(self.messaging_service_sid):
            raise ValueError("Messaging Service SID must be 'MG' followed by 32 hex digits")
        if not self.timeout_seconds > 0:
            raise ValueError("Twilio timeout must be a positive number of seconds")
        if self.api_base is not None:
            object.__setattr__(self, "api_base", normalise_api_base(self.api_base))

    def __repr__(self) -> str:
        return (
            f"TwilioSettings(account_sid={self.account_sid!r}, auth_token='****', "
            f"from_number={mask_phone(self.from_number)!r}, "
            f"messaging_service_sid={self.messaging_service_sid!r}, "
            f"api_base={self.api_base!r}, timeout_seconds={self.timeout_seconds!r})"
        )


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


@dataclass(frozen=True)
class SendResult:
    """The outcome of one send attempt; failures are values, not exceptions.

    Attributes:
        ok: Twilio accepted the message (``sid`` is set).
        sid: the message SID (``SM...``) when accepted.
        status: Twilio's status at acceptance (``queued``, ``accepted``...).
        error_code: Twilio error code of a refusal, if any.
        error_message: Twilio's message (may contain the number: store it, do not log it).
        error_class: what the dispatcher should do; None when ``ok``.
        http_status: the HTTP status, None when no answer arrived.
        uncertain: no clear answer arrived (timeout, dropped connection, 5xx) after the
            request may have reached Twilio: call :meth:`TwilioGateway.find_sent` before
            any resend.
    """

    ok: bool
    sid: str | None = None
    status: str | None = None
    error_code: int | None = None
    error_message: str | None = None
    error_class: ErrorClass | None = None
    http_status: int | None = None
    uncertain: bool = False


@dataclass(frozen=True)
class DeliveryStatus:
    """A message's delivery state as last fetched; unknown future statuses are kept as-is.

    Attributes:
        error_class: classification of ``error_code`` (e.g. 30007 -> CARRIER_FILTERED).
    """

    sid: str
    status: str
    error_code: int | None = None
    error_message: str | None = None
    error_class: ErrorClass | None = None
    date_sent: datetime | None = None
    date_updated: datetime | None = None
    num_segments: int | None = None
    price: str | None = None
    price_unit: str | None = None

    @property
    def is_final(self) -> bool:
        """No further status change will come; stop polling."""
        return self.status in FINAL_STATUSES

    @property
    def is_delivered(self) -> bool:
        return self.status in ("delivered", "read")

    @property
    def is_failed(self) -> bool:
        return self.status in ("undelivered", "failed")


class TwilioGateway:
    """Sends SMS and reads message state through Twilio's Messages API.

    Not meant to be shared between threads: give each worker thread its own gateway.

    Args:
        settings: account, sender, base URL and timeout.
        error_table: classification rules (defaults plus any overrides from settings).
        client: an already built ``twilio.rest.Client`` (tests, benchmarks); built from
            ``settings`` otherwise.
    """

    def __init__(
        self,
        settings: TwilioSettings,
        error_table: ErrorTable = DEFAULT_ERROR_TABLE,
        client: Client | None = None,
    ) -> None:
        self.settings = settings
        self.error_table = error_table
        self.client = client or make_client(
            settings.account_sid,
            settings.auth_token,
            settings.api_base,
            settings.timeout_seconds,
        )

    def send_sms(self, to: str, body: str, status_callback: str | None = None) -> SendResult:
        """Ask Twilio to send ``body`` to ``to``; never raises for provider or network errors."""
        kwargs: dict[str, Any] = {"to": to, "body": body}
        if self.settings.messaging_service_sid:
            kwargs["messaging_service_sid"] = self.settings.messaging_service_sid
        else:
            kwargs["from_"] = self.settings.from_number
        if status_callback:
            kwargs["status_callback"] = status_callback
        try:
            message = self.client.messages.create(**kwargs)
        except _CALL_ERRORS as exc:
            info = describe(exc)
            error_class = self.error_table.classify(info)
            no_clear_answer = info.http_status is None or info.http_status >= 500
            uncertain = info.reached_provider and no_clear_answer
            log.warning(
                "SMS to %s not accepted: %s (code %s, HTTP %s)%s",
                mask_phone(to),
                error_class.value,
                info.code,
                info.http_status,
                "; it may have been sent, reconcile before resending" if uncertain else "",
            )
            return SendResult(
                ok=False,
                error_code=info.code,
                error_message=info.message,
                error_class=error_class,
                http_status=info.http_status,
                uncertain=uncertain,
            )
        log.info("SMS to %s accepted as %s (%s)", mask_phone(to), message.sid, message.status)
        return SendResult(ok=True, sid=message.sid, status=message.status, http_status=201)

    def fetch_status(self, sid: str) -> DeliveryStatus:
        """The message's current status and error fields.

        Raises:
            GatewayError: Twilio could not be asked or refused (e.g. 404 for a wrong SID).
        """
        try:
            message = self.client.messages(sid).fetch()
        except _CALL_ERRORS as exc:
            raise self._error(f"fetching {sid}", exc) from exc
        code = message.error_code
        return DeliveryStatus(
            sid=message.sid or sid,
            status=str(message.status or "unknown"),
            error_code=code,
            error_message=message.error_message,
            error_class=self.error_table.classify(code) if code else None,
            date_sent=message.date_sent,
            date_updated=message.date_updated,
            num_segments=_to_int(message.num_segments),
            price=message.price,
            price_unit=message.price_unit,
        )

    def find_sent(
        self,
        to: str,
        from_: str | None,
        body: str,
        sent_after: datetime,
        known_sids: Collection[str] = (),
        clock_skew: timedelta = timedelta(minutes=5),
        max_scan: int = 500,
    ) -> str | None:
        """The SID of a message Twilio already has for this send, if any (crash recovery).

        Used for an outbox row left "sending" without a SID: it was claimed at
        ``sent_after``, so a message to ``to`` with the same body created since then (less
        ``clock_skew`` between our clock and Twilio's) is that send. Two passes: the list
        filtered by To, From and ``DateSent>``, then, because a message still queued has no
        ``date_sent`` yet and matches no date filter, the unfiltered list for To/From
        scanned newest first until records are a day older than the claim.

        Args:
            to: recipient as sent.
            from_: sender as sent; None with a Messaging Service (matched by service SID).
            body: text as sent; compared exactly, ignoring surrounding whitespace.
            sent_after: when the row was claimed (aware datetime).
            known_sids: SIDs already recorded for other rows, never a match.
            clock_skew: tolerance for clock differences.
            max_scan: most records the second pass reads before giving up.

        Returns:
            The matching SID, or None when Twilio certainly has no such message.

        Raises:
            GatewayError: the answer is not certain (provider or network failure, or the
                scan limit was reached): do not resend yet.
        """
        if sent_after.tzinfo is None:
            raise ValueError("sent_after must be timezone-aware (UTC)")
        cutoff = sent_after.astimezone(UTC) - clock_skew
        service = None if from_ else self.settings.messaging_service_sid
        messages = self.client.messages

        def matches(m: Any) -> bool:
            created = m.date_created or m.date_sent
            return (
                m.sid not in known_sids
                and (m.body or "").strip() == body.strip()
                and (created is None or created >= cutoff)
                and (service is None or m.messaging_service_sid == service)
            )

        filters: dict[str, Any] = {"to": to, "page_size": 100}
        if from_:
            filters["from_"] = from_
        try:
            for m in messages.stream(date_sent_after=cutoff, **filters):
                if matches(m):
                    return _found(m.sid, to)
            for scanned, m in enumerate(messages.stream(**filters)):
                if scanned >= max_scan:
                    info = ErrorInfo(None, None, f"scan limit of {max_scan} messages reached")
                    raise GatewayError("reconciling", info, ErrorClass.UNKNOWN)
                if matches(m):
                    return _found(m.sid, to)
                if m.date_created is not None and m.date_created < cutoff - timedelta(days=1):
                    break  # newest first: everything further is older still
        except _CALL_ERRORS as exc:
            raise self._error(f"reconciling a send to {mask_phone(to)}", exc) from exc
        log.info("No message to %s since %s at Twilio", mask_phone(to), cutoff.isoformat())
        return None

    def _error(self, what: str, exc: BaseException) -> GatewayError:
        info = describe(exc)
        error = GatewayError(what, info, self.error_table.classify(info))
        log.warning("Twilio failed %s", error)
        return error


def _found(sid: str, to: str) -> str:
    log.info("Reconciled a send to %s: Twilio has it as %s", mask_phone(to), sid)
    return sid


def _to_int(value: object) -> int | None:
    try:
        return int(value)  # type: ignore[call-overload]
    except (TypeError, ValueError):
        return None
