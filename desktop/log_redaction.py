"""What never reaches a log: phone numbers (masked) and secrets (removed). No Qt here.

:class:`RedactingFilter` sits on the logging handler every record passes through (see
``desktop.logging_setup``), so whatever a module or a library logs, message, arguments and
traceback alike, is cleaned once, whichever logger it came from: E.164 numbers are masked as
``desktop.core.privacy.mask_phone`` does (``+4479******56``), and Twilio auth tokens,
``Authorization`` headers, passwords and URL credentials become ``****``.
"""

from __future__ import annotations

import logging
import re
import threading

from desktop.core.privacy import mask_phone

MASK = "****"

# An E.164 number, optionally URL-encoded (``To=%2B1555...``) or written with separators.
# The digit count (7-15) is checked in code, so dates, times and ids do not match.
_PHONE = re.compile(r"(?<![\w+%])(\+|%2B)(\d[\d ().-]{5,22}\d)(?![\d])", re.IGNORECASE)
# ``phone=0207 946 0958``-style fields: the value is personal data whatever its shape.
_PHONE_FIELD = re.compile(
    r"(?i)\b(phone(?:_number)?|mobile|msisdn|to|from)(['\"]?\s*[:=]\s*['\"]?)"
    r"((?:%2B|\+)?[\d][\d ().-]{4,22}\d)"
)
_AUTH_HEADER = re.compile(
    r"(?i)(authorization['\"]?\s*[:=]\s*['\"]?)(?:(basic|bearer|token|digest)\s+)?"
    r"([^\s'\",}]+)"
)
_SECRET_FIELD = re.compile(
    r"(?i)\b(auth[_-]?token|authtoken|twilio[_-]?auth[_-]?token|password|passwd|secret|"
    r"api[_-]?key|api[_-]?secret|x-twilio-signature)(['\"]?\s*[:=]\s*['\"]?)([^\s'\"&,;}]+)"
)
_URL_PASSWORD = re.compile(r"(\b[a-zA-Z][a-zA-Z0-9+.-]*://[^:/@\s]+:)([^@\s/]+)(@)")
# A Twilio auth token is 32 hex digits standing alone (a SID is "AC"/"SM"... + 32 hex, and
# keeps its prefix attached, so it does not match and stays readable for support).
_HEX_TOKEN = re.compile(r"(?<![0-9A-Za-z])[0-9a-fA-F]{32}(?![0-9A-Za-z])")

# Replaced whole (never mutated) so redact() reads it without a lock: it may run inside a
# signal handler that interrupted register_secret().
_secrets: tuple[str, ...] = ()
_secrets_lock = threading.Lock()


def register_secret(value: str | None) -> None:
    """Never log ``value`` verbatim from now on (e.g. a token read from the keyring).

    Short values are ignored: masking every "1234" in every log line would hide real
    information and protect nothing.
    """
    global _secrets
    if value and len(value) >= 8:
        with _secrets_lock:
            _secrets = tuple(sorted({*_secrets, value}, key=len, reverse=True))


def _mask_phone_match(match: re.Match[str]) -> str:
    prefix, body = match.group(1), match.group(2)
    digits = re.sub(r"\D", "", body)
    if not 7 <= len(digits) <= 15:
        return match.group(0)
    masked = mask_phone("+" + digits)[1:]
    return prefix + masked


def _mask_phone_field(match: re.Match[str]) -> str:
    value = match.group(3)
    prefix = ""
    for marker in ("+", "%2B", "%2b"):
        if value.startswith(marker):
            prefix, value = marker, value[len(marker) :]
    digits = re.sub(r"\D", "", value)
    if len(digits) < 6:
        return match.group(0)
    masked = mask_phone("+" + digits)[1:] if prefix else mask_phone(digits)
    return f"{match.group(1)}{match.group(2)}{prefix}{masked}"


def redact(text: str) -> str:
    """Mask phone numbers and remove secrets from one piece of log text.

    Args:
        text: a formatted message or traceback.

    Returns:
        The text with E.164 numbers masked as by ``mask_phone`` (``+4479******12``) and
        tokens, ``Authorization`` values, passwords and URL credentials replaced by ``****``.
    """
    if not text:
        return text
    for secret in _secrets:  # longest first
        text = text.replace(secret, MASK)
    text = _AUTH_HEADER.sub(
        lambda m: f"{m.group(1)}{m.group(2) + ' ' if m.group(2) else ''}{MASK}", text
    )
    text = _SECRET_FIELD.sub(lambda m: f"{m.group(1)}{m.group(2)}{MASK}", text)
    text = _URL_PASSWORD.sub(lambda m: f"{m.group(1)}{MASK}{m.group(3)}", text)
    text = _HEX_TOKEN.sub(MASK, text)
    text = _PHONE_FIELD.sub(_mask_phone_field, text)
    return _PHONE.sub(_mask_phone_match, text)


class RedactingFilter(logging.Filter):
    """Rewrites each record so no handler ever sees a phone number or a secret.

    The message is formatted here (arguments merged in) and the traceback rendered, both
    redacted; formatting a record twice gives the same text, so several handlers may share it.
    """

    _formatter = logging.Formatter()

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # noqa: BLE001 - a bad format string must not lose the record
            message = f"{record.msg!r} % {record.args!r}"
        record.msg = redact(message)
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = self._formatter.formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return True
