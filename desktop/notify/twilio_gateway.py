"""Twilio SMS transport: send, follow delivery, reconcile after a crash. No Qt, no database.

Every call goes through the ``twilio`` package with the HTTP client of
:mod:`desktop.notify.twilio_http`: an explicit timeout, no transport-level retries (retries
are the dispatcher's decision) and, when set, ``api_base`` instead of Twilio's hosts.

Log lines carry masked phone numbers and message SIDs, never bodies or the auth token.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Collection
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from requests.exceptions import RequestException
from twilio.base.exceptions import TwilioException
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
from desktop.notify.twilio_http import DEFAULT_TIMEOUT_SECONDS, make_client, normalise_api_base

log = logging.getLogger(__name__)

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
