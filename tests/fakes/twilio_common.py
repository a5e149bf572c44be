"""Pieces shared by the fake Messages and TaskRouter APIs: errors, SIDs, dates, paging.

Everything here mirrors what Twilio's OpenAPI specs describe (the fields are checked against
the schemas in tests/fakes/specs/), so the code under test meets the same shapes it will meet
in production.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import format_datetime
from typing import Any, TypeVar
from urllib.parse import urlencode

T = TypeVar("T")

#: Twilio's page size bounds for list endpoints (spec: PageSize minimum 1, maximum 1000).
DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 1000

#: Messages that go with the platform error codes the fake can answer with.
PLATFORM_MESSAGES: dict[int, str] = {
    20001: "Invalid parameter",
    20003: "Authenticate",
    20004: "Method not allowed",
    20404: "The requested resource was not found",
    20429: "Too Many Requests",
    20500: "Internal Server Error",
    20503: "Service Unavailable",
}


class ApiError(Exception):
    """An error answer with Twilio's error body ``{code, message, more_info, status}``.

    Args:
        status: HTTP status of the answer.
        code: Twilio error code (https://www.twilio.com/docs/errors/<code>).
        message: human-readable message; defaults to the platform message for ``code``.
    """

    def __init__(self, status: int, code: int, message: str | None = None) -> None:
        self.status = status
        self.code = code
        self.message = message or PLATFORM_MESSAGES.get(code, f"Error {code}")
        super().__init__(f"HTTP {status} code {code}: {self.message}")

    def body(self) -> dict[str, Any]:
        """The JSON error body exactly as Twilio sends it."""
        return {
            "code": self.code,
            "message": self.message,
            "more_info": f"https://www.twilio.com/docs/errors/{self.code}",
            "status": self.status,
        }


def default_code_for_status(status: int) -> int:
    """The Twilio code an infrastructure error of this HTTP status carries."""
    return {401: 20003, 404: 20404, 405: 20004, 429: 20429, 500: 20500, 503: 20503}.get(
        status, 20000 + status if 400 <= status < 600 else 20500
    )


def new_sid(prefix: str) -> str:
    """A SID as Twilio makes them: two letters then 32 lower-case hex digits."""
    return prefix + uuid.uuid4().hex


def rfc2822(moment: datetime | None) -> str | None:
    """RFC 2822 in GMT as the 2010-04-01 API writes dates: ``Fri, 24 May 2019 17:44:46 +0000``."""
    return None if moment is None else format_datetime(moment.astimezone(UTC))


def iso8601(moment: datetime | None) -> str | None:
    """ISO 8601 in UTC as TaskRouter writes dates: ``2015-08-04T01:31:41Z``."""
    return None if moment is None else moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_date_filter(raw: str) -> datetime | None:
    """Parse a date filter value; a bare ``YYYY-MM-DD`` returns midnight UTC.

    Returns:
        The aware datetime, or None when the value is a bare date (callers compare dates then).

    Raises:
        ApiError: 400 / 20001 on a value that is neither form.
    """
    text = raw.strip()
    try:
        if len(text) == 10:
            datetime.strptime(text, "%Y-%m-%d")
            return None
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError as exc:
        raise ApiError(400, 20001, f"Invalid date filter value: {raw}") from exc
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


@dataclass(frozen=True)
class PageSlice:
    """One page cut from an ordered collection, plus what the meta fields need."""

    items: Sequence[Any]
    page: int
    page_size: int
    start: int
    next_query: dict[str, str] | None
    previous_query: dict[str, str] | None
    first_query: dict[str, str]
    this_query: dict[str, str]


def _int_param(query: Mapping[str, str], name: str, default: int, low: int, high: int) -> int:
    raw = query.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError as exc:
        raise ApiError(400, 20001, f"{name} must be an integer") from exc
    if not low <= value <= high:
        raise ApiError(400, 20001, f"{name} must be between {low} and {high}")
    return value


def paginate(items: Sequence[T], query: Mapping[str, str], sid_of: Callable[[T], str]) -> PageSlice:
    """Cut one page the way Twilio does: PageSize, Page, and an opaque PageToken.

    Twilio's next-page links carry ``PageToken=PA<sid of the last record>`` (see the spec's
    examples), so paging stays stable while records are added ahead of the cursor; previous
    links use ``PB<sid of the first record>``. A bare ``Page`` without a token is an offset.
    """
    page_size = _int_param(query, "PageSize", DEFAULT_PAGE_SIZE, 1, MAX_PAGE_SIZE)
    page = _int_param(query, "Page", 0, 0, 10**9)
    token = query.get("PageToken") or ""
    sids = [sid_of(item) for item in items]
    start = page * page_size
    if token[:2] == "PA" and token[2:] in sids:
        start = sids.index(token[2:]) + 1
    elif token[:2] == "PB" and token[2:] in sids:
        start = max(0, sids.index(token[2:]) - page_size)
    chunk = list(items[start : start + page_size])
    filters = {k: v for k, v in query.items() if k not in ("PageSize", "Page", "PageToken")}

    def link(number: int, page_token: str | None = None) -> dict[str, str]:
        linked = {**filters, "PageSize": str(page_size), "Page": str(number)}
        if page_token:
            linked["PageToken"] = page_token
        return linked

    has_next = bool(chunk) and start + page_size < len(items)
    return PageSlice(
        items=chunk,
        page=page,
        page_size=page_size,
        start=start,
        next_query=link(page + 1, "PA" + sids[start + len(chunk) - 1]) if has_next else None,
        previous_query=link(page - 1, "PB" + sids[start]) if page > 0 and chunk else None,
        first_query=link(0),
        this_query=link(page, token or None),
    )


def with_query(path: str, query: Mapping[str, str] | None) -> str | None:
    """``path?query`` with Twilio's encoding (``DateSent>`` becomes ``DateSent%3E``)."""
    return None if query is None else f"{path}?{urlencode(list(query.items()))}"
