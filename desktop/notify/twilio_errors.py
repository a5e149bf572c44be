"""What a Twilio failure means for the dispatcher: retry, pause, give up, or opt out.

The classification is data (:class:`ErrorTable`), so an operator can move a code from one
class to another in the settings without a release. Codes win over HTTP statuses: a 400 with
code 21610 is an opt-out, a 503 without a known code is retryable.

The ``twilio`` package raises three sibling exception types: :class:`TwilioRestException`
(legacy error bodies), :class:`TwilioServiceException` (RFC 9457 bodies) and a plain
:class:`TwilioException` carrying the raw response when a list page fails to load. Transport
failures come from ``requests``. :func:`describe` reads all of them the same way.
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from types import MappingProxyType

from requests.exceptions import ConnectionError as RequestsConnectionError
from requests.exceptions import ConnectTimeout, RequestException, Timeout
from twilio.base.exceptions import TwilioException, TwilioRestException, TwilioServiceException
from urllib3.exceptions import NewConnectionError

#: Twilio error codes have five digits; the package fills ``code`` with the HTTP status when
#: an error body has none, and such a "code" must not be looked up as a Twilio code.
_MIN_TWILIO_CODE = 10000


class ErrorClass(StrEnum):
    """What to do about a failed send or fetch."""

    RETRYABLE = "retryable"  # back off and try again, up to the attempt limit
    DAILY_LIMIT_PAUSE = "daily_limit_pause"  # stop all sending until the window resets
    PERMANENT = "permanent"  # never retry this message
    OPTED_OUT = "opted_out"  # permanent, and the customer must be marked opted out
    CARRIER_FILTERED = "carrier_filtered"  # not retried blindly: needs a changed message
    CONFIGURATION = "configuration"  # our credentials or account are wrong: pause, tell the user
    UNKNOWN = "unknown"  # no rule matched; the caller decides (e.g. a few retries)


#: The default table from the notifications issue. Callers extend it from settings.
DEFAULT_CODE_CLASSES: Mapping[int, ErrorClass] = MappingProxyType(
    {
        20429: ErrorClass.RETRYABLE,  # too many requests
        21611: ErrorClass.RETRYABLE,  # From number's queue is full
        63038: ErrorClass.DAILY_LIMIT_PAUSE,  # account daily message limit reached
        21211: ErrorClass.PERMANENT,  # invalid To number
        21614: ErrorClass.PERMANENT,  # To is not a mobile number
        21408: ErrorClass.PERMANENT,  # region not enabled
        30005: ErrorClass.PERMANENT,  # unknown destination handset
        30006: ErrorClass.PERMANENT,  # landline or unreachable carrier
        21610: ErrorClass.OPTED_OUT,  # recipient replied STOP
        30007: ErrorClass.CARRIER_FILTERED,  # carrier filtering
        20003: ErrorClass.CONFIGURATION,  # authentication failed (wrong SID or token)
    }
)


@dataclass(frozen=True)
class StatusRule:
    """HTTP statuses ``low..high`` (inclusive) map to ``error_class`` when no code matched."""

    low: int
    high: int
    error_class: ErrorClass

    def matches(self, status: int) -> bool:
        return self.low <= status <= self.high


DEFAULT_STATUS_RULES: tuple[StatusRule, ...] = (
    StatusRule(401, 401, ErrorClass.CONFIGURATION),
    StatusRule(429, 429, ErrorClass.RETRYABLE),
    StatusRule(500, 599, ErrorClass.RETRYABLE),
)


@dataclass(frozen=True)
class ErrorInfo:
    """A failure reduced to what classification and logging need.

    Attributes:
        code: Twilio error code, or None (transport errors, bodies without a code).
        http_status: HTTP status, or None when no answer arrived.
        message: the provider's message or the transport error's text; it may contain the
            phone number (21211 does), so log the code, not this.
        network: a timeout or connection error rather than an answer.
        reached_provider: the request may have arrived at Twilio (False only when the
            connection was never made), which matters for a send that got no answer.
    """

    code: int | None
    http_status: int | None
    message: str
    network: bool = False
    reached_provider: bool = True


@dataclass(frozen=True)
class ErrorTable:
    """Error code and HTTP status rules; ``network`` classifies timeouts and resets."""

    codes: Mapping[int, ErrorClass] = field(default_factory=lambda: DEFAULT_CODE_CLASSES)
    status_rules: tuple[StatusRule, ...] = DEFAULT_STATUS_RULES
    network: ErrorClass = ErrorClass.RETRYABLE

    def with_overrides(self, overrides: Mapping[int | str, ErrorClass | str]) -> ErrorTable:
        """A copy with some codes reclassified, e.g. from settings ``{"30007": "retryable"}``.

        Raises:
            ValueError: on a code that is not a number or a class name that does not exist,
                naming the offending entry.
        """
        merged = dict(self.codes)
        for raw_code, raw_class in overrides.items():
            try:
                code = int(raw_code)
                merged[code] = ErrorClass(str(raw_class).strip().lower())
            except ValueError as exc:
                choices = ", ".join(c.value for c in ErrorClass)
                raise ValueError(
                    f"error class override {raw_code!r}: {raw_class!r} is not valid "
                    f"(a Twilio error code mapped to one of: {choices})"
                ) from exc
        return ErrorTable(MappingProxyType(merged), self.status_rules, self.network)

    def classify(self, error: int | ErrorInfo) -> ErrorClass:
        """Class of an error code or of a described failure."""
        if isinstance(error, int):
            return self.codes.get(error, ErrorClass.UNKNOWN)
        if error.code is not None and error.code in self.codes:
            return self.codes[error.code]
        if error.network:
            return self.network
        if error.http_status is not None:
            for rule in self.status_rules:
                if rule.matches(error.http_status):
                    return rule.error_class
        return ErrorClass.UNKNOWN


DEFAULT_ERROR_TABLE = ErrorTable()


def describe(exc: BaseException) -> ErrorInfo:
    """Reduce any exception the ``twilio`` package or ``requests`` raises to an ErrorInfo."""
    if isinstance(exc, TwilioRestException):
        return ErrorInfo(_twilio_code(exc.code), exc.status, _strip_prefix(str(exc.msg)))
    if isinstance(exc, TwilioServiceException):
        text = f"{exc.title}: {exc.detail}" if exc.detail else exc.title
        return ErrorInfo(_twilio_code(exc.code), exc.status, text)
    if isinstance(exc, TwilioException):
        return _describe_page_failure(exc)
    if isinstance(exc, Timeout | RequestsConnectionError):
        return ErrorInfo(None, None, _transport_text(exc), True, _may_have_arrived(exc))
    if isinstance(exc, RequestException):
        return ErrorInfo(None, None, _transport_text(exc), True, True)
    # e.g. a 2xx answer whose body is not JSON: Twilio may well have acted on the request.
    return ErrorInfo(None, None, f"{type(exc).__name__}: {exc}")


def classify(
    exc_or_code: BaseException | int | ErrorInfo, table: ErrorTable = DEFAULT_ERROR_TABLE
) -> ErrorClass:
    """Class of an exception, an ErrorInfo or a bare Twilio error code."""
    if isinstance(exc_or_code, BaseException):
        exc_or_code = describe(exc_or_code)
    return table.classify(exc_or_code)


class GatewayError(Exception):
    """A fetch or reconciliation that could not get an answer; ``info`` says why.

    Attributes:
        error_class: how to treat it (retry later, etc.).
        info: code, HTTP status, message, and whether the failure was at the network level.
    """

    def __init__(self, what: str, info: ErrorInfo, error_class: ErrorClass) -> None:
        self.info = info
        self.error_class = error_class
        detail = f"code {info.code}" if info.code else f"HTTP {info.http_status or '-'}"
        super().__init__(f"{what}: {error_class.value} ({detail})")


def retry_delay(
    attempt: int,
    base: float = 30.0,
    cap: float = 3600.0,
    jitter: bool = True,
    rand: Callable[[], float] = random.random,
) -> float:
    """Seconds to wait before retry number ``attempt`` (1 = first retry): full-jitter back-off.

    The ceiling doubles per attempt from ``base`` up to ``cap``; with ``jitter`` the delay is
    uniform in ``[0, ceiling)`` so that many failed messages do not retry in lock-step.

    Args:
        attempt: how many attempts have failed so far (>= 1).
        base: ceiling after the first failure.
        cap: largest ceiling.
        jitter: False gives the ceiling itself (for display or tests).
        rand: source of uniform numbers in ``[0, 1)``; inject one for determinism.
    """
    if attempt < 1:
        raise ValueError("attempt counts failed attempts and starts at 1")
    ceiling = min(cap, base * 2.0 ** min(attempt - 1, 60))
    return ceiling * rand() if jitter else ceiling


def _twilio_code(code: object) -> int | None:
    try:
        number = int(code)  # type: ignore[call-overload]
    except (TypeError, ValueError):
        return None
    return number if number >= _MIN_TWILIO_CODE else None


def _strip_prefix(message: str) -> str:
    # The package prepends "Unable to create record: " and the like; the rest is Twilio's.
    head, sep, rest = message.partition(": ")
    return rest if sep and head.startswith("Unable to ") else message


def _describe_page_failure(exc: TwilioException) -> ErrorInfo:
    """``Page`` raises ``TwilioException("Unable to fetch page", response)`` on non-200."""
    response = exc.args[1] if len(exc.args) > 1 else None
    status = getattr(response, "status_code", None)
    code: int | None = None
    message = str(exc.args[0]) if exc.args else type(exc).__name__
    try:
        payload = json.loads(getattr(response, "text", "") or "{}")
    except ValueError:
        payload = {}
    if isinstance(payload, dict):
        code = _twilio_code(payload.get("code"))
        message = str(payload.get("message") or message)
    return ErrorInfo(code, status if isinstance(status, int) else None, message)


def _transport_text(exc: RequestException) -> str:
    # Not str(exc): urllib3 puts the URL in it, and a list URL carries To=<phone number>.
    kind = "timed out" if isinstance(exc, Timeout) else "connection failed"
    return f"{kind}: {type(exc).__name__}"


def _may_have_arrived(exc: RequestException) -> bool:
    """False only when the TCP connection was never made, so Twilio cannot have the request."""
    if isinstance(exc, ConnectTimeout):
        return False
    reason = exc.args[0] if exc.args else None
    reason = getattr(reason, "reason", reason)  # urllib3 MaxRetryError wraps the cause
    return not isinstance(reason, NewConnectionError)
