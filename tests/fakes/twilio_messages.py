"""The fake Programmable Messaging API (2010-04-01 Messages resource), built from the spec.

Covers ``POST/GET /2010-04-01/Accounts/{AccountSid}/Messages.json`` and
``GET .../Messages/{Sid}.json``. A message walks its status sequence one step per fetch
(default) or on a clock, so a delivery poller can be tested without waiting for a carrier.
Not thread-safe by itself: :class:`tests.fakes.twilio_server.FakeTwilio` holds its lock
around every call.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from tests.fakes.twilio_common import ApiError, iso8601, paginate, parse_date_filter, rfc2822
from tests.fakes.twilio_common import new_sid as _new_sid
from tests.fakes.twilio_common import with_query as _with_query

API_VERSION = "2010-04-01"
E164 = re.compile(r"^\+[1-9]\d{6,14}$")
DEFAULT_SEQUENCE = ("queued", "sending", "sent", "delivered")
SERVICE_SEQUENCE_HEAD = ("accepted",)  # Messaging Service sends start as "accepted"

#: Error messages for the codes a destination can be set up to fail with.
ERROR_MESSAGES: dict[int, str] = {
    21211: "The 'To' number {to} is not a valid phone number.",
    21408: "Permission to send an SMS has not been enabled for the region indicated by the "
    "'To' number: {to}.",
    21602: "Message body is required.",
    21603: "A 'From' phone number is required.",
    21604: "A 'To' phone number is required.",
    21610: "Attempt to send to unsubscribed recipient",
    21611: "This 'From' number has exceeded the maximum number of queued messages",
    21614: "'To' number is not a valid mobile number",
    21617: "The concatenated message body exceeds the 1600 character limit.",
    30003: "Unreachable destination handset",
    30005: "Unknown destination handset",
    30006: "Landline or unreachable carrier",
    30007: "Message filtered",
    30008: "Unknown error",
    63038: "Account exceeded the daily messages limit",
}

# GSM 03.38: the basic set costs one septet, the extension table two (escape + char).
_GSM_BASIC = set(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    "ÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
_GSM_EXTENDED = set("^{}\\[~]|€\f")


def count_segments(body: str) -> int:
    """SMS segments for ``body``: GSM-7 160/153 septets, else UCS-2 70/67 UTF-16 units."""
    if all(ch in _GSM_BASIC or ch in _GSM_EXTENDED for ch in body):
        units = sum(2 if ch in _GSM_EXTENDED else 1 for ch in body)
        single, multi = 160, 153
    else:
        units = len(body.encode("utf-16-le")) // 2
        single, multi = 70, 67
    if units <= single:
        return 1
    return -(-units // multi)


@dataclass
class Delivery:
    """How messages to one destination progress: the status walk and the final error."""

    sequence: tuple[str, ...] = DEFAULT_SEQUENCE
    error_code: int | None = None
    error_message: str | None = None


@dataclass
class Rejection:
    """An error the create call answers for one ``To`` number; ``times`` None = always."""

    status: int
    code: int
    message: str | None
    times: int | None


@dataclass
class FakeMessage:
    """One stored message and where it is in its status walk."""

    sid: str
    account_sid: str
    to: str
    from_: str | None
    body: str
    messaging_service_sid: str | None
    status_callback: str | None
    created: datetime
    delivery: Delivery
    step: int = 0
    date_sent: datetime | None = None
    date_updated: datetime = field(default_factory=lambda: datetime.now(UTC))

    @property
    def status(self) -> str:
        return self.delivery.sequence[self.step]

    @property
    def is_last_step(self) -> bool:
        return self.step >= len(self.delivery.sequence) - 1


class MessagesApi:
    """State and behaviour of the Messages resource.

    Args:
        advance: ``"fetch"`` moves a message one status step each time it is fetched;
            ``"clock"`` moves it one step every ``step_seconds`` of wall time.
        step_seconds: the clock step.
        now: the clock (injectable for tests of the fake itself).
    """

    def __init__(
        self,
        advance: str = "fetch",
        step_seconds: float = 0.5,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        if advance not in ("fetch", "clock"):
            raise ValueError("advance must be 'fetch' or 'clock'")
        self.advance = advance
        self.step_seconds = step_seconds
        self._now = now
        self._messages: dict[str, FakeMessage] = {}
        self._order: list[str] = []  # creation order; lists show newest first
        self._deliveries: dict[str, Delivery] = {}
        self._rejections: dict[str, Rejection] = {}

    # ----------------------------------------------------------------- configuration
    def set_delivery(
        self,
        to: str,
        final: str = "delivered",
        error_code: int | None = None,
        sequence: Sequence[str] | None = None,
    ) -> None:
        """Decide how messages to ``to`` end: e.g. ``final="undelivered", error_code=30005``.

        ``failed`` skips ``sent`` (Twilio fails before handing over to the carrier). A
        custom ``sequence`` replaces the whole walk, e.g. to return an unknown status.
        """
        if sequence is None:
            sequence = (
                ("queued", "sending", "failed")
                if final == "failed"
                else (*DEFAULT_SEQUENCE[:-1], final)
            )
        message = ERROR_MESSAGES.get(error_code) if error_code else None
        self._deliveries[to] = Delivery(tuple(sequence), error_code, message)

    def reject(
        self,
        to: str,
        code: int,
        status: int = 400,
        message: str | None = None,
        times: int | None = None,
    ) -> None:
        """Make creates to ``to`` fail with ``code`` (e.g. 21610), always or ``times`` times."""
        self._rejections[to] = Rejection(status, code, message, times)

    # ----------------------------------------------------------------- accessors
    def all(self) -> list[FakeMessage]:
        """Every message in creation order (oldest first)."""
        return [self._messages[sid] for sid in self._order]

    def get(self, sid: str) -> FakeMessage | None:
        return self._messages.get(sid)

    def render(self, msg: FakeMessage) -> dict[str, Any]:
        """The message resource as the spec's ``api.v2010.account.message`` schema."""
        final_error = msg.is_last_step and msg.status in ("undelivered", "failed")
        base = f"/{API_VERSION}/Accounts/{msg.account_sid}/Messages/{msg.sid}"
        sent = msg.date_sent is not None
        return {
            "account_sid": msg.account_sid,
            "api_version": API_VERSION,
            "body": msg.body,
            "date_created": rfc2822(msg.created),
            "date_sent": rfc2822(msg.date_sent),
            "date_updated": rfc2822(msg.date_updated),
            "direction": "outbound-api",
            "error_code": msg.delivery.error_code if final_error else None,
            "error_message": msg.delivery.error_message if final_error else None,
            "from": msg.from_,
            "messaging_service_sid": msg.messaging_service_sid,
            "num_media": "0",
            "num_segments": str(count_segments(msg.body)),
            "price": f"-{0.0079 * count_segments(msg.body):.5f}" if sent else None,
            "price_unit": "USD",
            "sid": msg.sid,
            "status": msg.status,
            "subresource_uris": {"media": f"{base}/Media.json"},
            "to": msg.to,
            "uri": f"{base}.json",
        }

    # ----------------------------------------------------------------- endpoints
    def create(self, account_sid: str, form: Mapping[str, str]) -> dict[str, Any]:
        """``POST .../Messages.json``: validate like Twilio, store, answer the 201 body."""
        to = form.get("To", "").strip()
        from_ = form.get("From") or None
        service = form.get("MessagingServiceSid") or None
        body = form.get("Body", "")
        if not to:
            raise ApiError(400, 21604, ERROR_MESSAGES[21604])
        if not from_ and not service:
            raise ApiError(400, 21603, ERROR_MESSAGES[21603])
        if not body and not form.get("MediaUrl") and not form.get("ContentSid"):
            raise ApiError(400, 21602, ERROR_MESSAGES[21602])
        if len(body) > 1600:
            raise ApiError(400, 21617, ERROR_MESSAGES[21617])
        if not E164.match(to.removeprefix("whatsapp:")):
            raise ApiError(400, 21211, ERROR_MESSAGES[21211].format(to=to))
        rejection = self._rejections.get(to)
        if rejection is not None:
            if rejection.times is not None:
                rejection.times -= 1
                if rejection.times <= 0:
                    del self._rejections[to]
            text = rejection.message or ERROR_MESSAGES.get(rejection.code, "").format(to=to)
            raise ApiError(rejection.status, rejection.code, text or None)
        delivery = self._deliveries.get(to, Delivery())
        if service and delivery.sequence[0] != "accepted":
            delivery = Delivery(
                SERVICE_SEQUENCE_HEAD + delivery.sequence,
                delivery.error_code,
                delivery.error_message,
            )
        now = self._now()
        msg = FakeMessage(
            sid=_new_sid("SM"),
            account_sid=account_sid,
            to=to,
            from_=from_,
            body=body,
            messaging_service_sid=service or "MG" + "0" * 32,
            status_callback=form.get("StatusCallback"),
            created=now,
            delivery=delivery,
            date_updated=now,
        )
        self._messages[msg.sid] = msg
        self._order.append(msg.sid)
        return self.render(msg)

    def fetch(self, account_sid: str, sid: str, path: str) -> dict[str, Any]:
        """``GET .../Messages/{Sid}.json``; each fetch advances the status in fetch mode."""
        msg = self._messages.get(sid)
        if msg is None or msg.account_sid != account_sid:
            raise ApiError(404, 20404, f"The requested resource {path} was not found")
        if self.advance == "fetch":
            self._step(msg, self._now())
        else:
            self._catch_up(msg)
        return self.render(msg)

    def list(self, account_sid: str, query: Mapping[str, str], path: str) -> dict[str, Any]:
        """``GET .../Messages.json`` with To, From, DateSent, DateSent<, DateSent> and paging."""
        selected = [m for m in reversed(self.all()) if m.account_sid == account_sid]
        for msg in selected:
            self._catch_up(msg)
        if query.get("To"):
            selected = [m for m in selected if m.to == query["To"]]
        if query.get("From"):
            selected = [m for m in selected if m.from_ == query["From"]]
        for name, keep in (
            ("DateSent", _same),
            ("DateSent<", _on_or_before),
            ("DateSent>", _on_or_after),
        ):
            if query.get(name):
                bound = query[name]
                moment = parse_date_filter(bound)
                # A message not sent yet has no date_sent and matches no date filter.
                selected = [
                    m
                    for m in selected
                    if m.date_sent is not None and keep(m.date_sent, bound, moment)
                ]
        cut = paginate(selected, query, lambda m: m.sid)
        return {
            "end": cut.start + len(cut.items) - 1 if cut.items else 0,
            "first_page_uri": _with_query(path, cut.first_query),
            "messages": [self.render(m) for m in cut.items],
            "next_page_uri": _with_query(path, cut.next_query),
            "page": cut.page,
            "page_size": cut.page_size,
            "previous_page_uri": _with_query(path, cut.previous_query),
            "start": cut.start,
            "uri": _with_query(path, cut.this_query),
        }

    # ----------------------------------------------------------------- status walk
    def _step(self, msg: FakeMessage, now: datetime) -> None:
        if msg.is_last_step:
            return
        msg.step += 1
        msg.date_updated = now
        if msg.date_sent is None and msg.status not in ("accepted", "queued", "scheduled"):
            msg.date_sent = now

    def _catch_up(self, msg: FakeMessage) -> None:
        """In clock mode, take every step whose time has come."""
        if self.advance != "clock" or self.step_seconds <= 0:
            return
        elapsed = (self._now() - msg.created).total_seconds()
        while not msg.is_last_step and elapsed >= (msg.step + 1) * self.step_seconds:
            self._step(msg, self._now())


def _same(sent: datetime, raw: str, moment: datetime | None) -> bool:
    return iso8601(sent)[:10] == raw.strip()[:10] if moment is None else sent == moment


def _on_or_before(sent: datetime, raw: str, moment: datetime | None) -> bool:
    return iso8601(sent)[:10] <= raw.strip()[:10] if moment is None else sent <= moment


def _on_or_after(sent: datetime, raw: str, moment: datetime | None) -> bool:
    return iso8601(sent)[:10] >= raw.strip()[:10] if moment is None else sent >= moment
