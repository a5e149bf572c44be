"""Quiet hours: when a customer may receive an SMS, judged by their own wall clock.

A customer's zone comes from the customer record, else from the phone number (phonenumbers'
time-zone data, which may name several zones for one number), else from the queue. When
several zones apply, a minute is allowed only if it lies inside the send window in every one
of them, so nobody covered by the number is woken up.

Everything here is pure: instants are timezone-aware ``datetime`` values passed in by the
caller, results are UTC. The search is exact across DST changes: in a single zone the allowed
set can only start at ``at`` itself, at a moment the wall clock reads the window start or end
(first or second pass of a repeated hour), or at a UTC-offset transition (a window start
inside a spring-forward gap opens at the transition). Everything else is a cache of that rule.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from desktop.core.notification_policy_phone import UNKNOWN_ZONE as _UNKNOWN_ZONE
from desktop.core.notification_policy_phone import lookup_phone

_DAY = timedelta(days=1)
# Common windows are precomputed per UTC day over this span, so any instant of that day sees
# at least two whole days ahead; no intersection in that span counts as "empty".
_INTERVAL_SPAN = timedelta(days=3)
# Hard bound of every search ("never loop forever").
_SEARCH_SPAN = timedelta(days=8)
_UTC_ZONE = ZoneInfo("UTC")


@dataclass(frozen=True, slots=True)
class SendWindow:
    """Local wall-clock window in which sending is allowed: ``start <= wall < end``.

    ``end`` is exclusive: with the default 08:00-21:00 the last allowed minute is 20:59. A
    window with ``start > end`` wraps past midnight (22:00-06:00). ``start == end`` means no
    quiet hours at all (allowed around the clock).
    """

    start: time = time(8, 0)
    end: time = time(21, 0)

    def __post_init__(self) -> None:
        if self.start.tzinfo is not None or self.end.tzinfo is not None:
            raise ValueError("SendWindow times are local wall-clock times: pass naive times")

    @property
    def always_open(self) -> bool:
        """True when the window covers the whole day (start == end)."""
        return self.start == self.end

    def contains(self, wall: time) -> bool:
        """Whether a local wall-clock time lies inside the window."""
        if self.start < self.end:
            return self.start <= wall < self.end
        if self.start > self.end:
            return wall >= self.start or wall < self.end
        return True


DEFAULT_WINDOW = SendWindow()


# ------------------------------------------------------------------------ zone resolution


@functools.lru_cache(maxsize=4096)
def _zone(name: str | None) -> ZoneInfo | None:
    """ZoneInfo for a name, or None when it is missing or not a valid zone key."""
    if not name or not name.strip():
        return None
    try:
        return ZoneInfo(name.strip())
    except (ZoneInfoNotFoundError, ValueError, OSError):
        # OSError: a key naming a directory ("America"); ValueError: malformed or absolute keys.
        return None


@functools.lru_cache(maxsize=1024)
def _zones_named(names: tuple[str, ...]) -> tuple[ZoneInfo, ...]:
    """Valid, distinct zones of a phonenumbers zone list, in its order ("Etc/Unknown" and
    unknown names dropped). Few distinct lists exist, so this cache never thrashes."""
    zones: list[ZoneInfo] = []
    for name in names:
        zone = None if name == _UNKNOWN_ZONE else _zone(name)
        if zone is not None and zone not in zones:
            zones.append(zone)
    return tuple(zones)


def _phone_zones(phone_e164: str | None) -> tuple[ZoneInfo, ...]:
    """Zones phonenumbers associates with a number, in its (alphabetical) order."""
    return _zones_named(lookup_phone(phone_e164).zone_names)


def resolve_zones(
    customer_tz: str | None,
    phone_e164: str | None,
    queue_tz: str | None,
    default_tz: str = "UTC",
) -> tuple[ZoneInfo, ...]:
    """The zones whose quiet hours apply to a customer, most specific source first.

    Args:
        customer_tz: IANA zone from the customer record, if any.
        phone_e164: the customer's number in E.164 form; it may map to several zones
            (a mobile number often names every zone of its country).
        queue_tz: the queue's zone, used when nothing about the customer is known.
        default_tz: last resort; UTC when it is invalid too.

    Returns:
        A non-empty tuple. An invalid zone name (or a number phonenumbers cannot place,
        "Etc/Unknown") falls through to the next source. Results are cached.
    """
    # Cached by part (zone names and number prefixes are few), not by the whole tuple: a
    # pass sees 100,000 distinct customers, which would thrash any cache of those.
    customer_zone = _zone(customer_tz)
    if customer_zone is not None:
        return (customer_zone,)
    phone_zones = _phone_zones(phone_e164)
    if phone_zones:
        return phone_zones
    for name in (queue_tz, default_tz):
        zone = _zone(name)
        if zone is not None:
            return (zone,)
    return (_UTC_ZONE,)


# ------------------------------------------------------------------------ single zone search


def _require_aware(at: datetime) -> datetime:
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValueError(f"expected a timezone-aware datetime, got naive {at!r}")
    return at.astimezone(UTC)


def _offset_at(instant: int, zone: ZoneInfo) -> timedelta | None:
    return datetime.fromtimestamp(instant, zone).utcoffset()


def _transition_between(a: datetime, b: datetime, zone: ZoneInfo) -> datetime:
    """First whole second in (a, b] with the UTC offset of b (offsets of a and b differ)."""
    before = a.astimezone(zone).utcoffset()
    low, high = int(a.timestamp()), -int(-b.timestamp() // 1)
    while high - low > 1:
        middle = (low + high) // 2
        if _offset_at(middle, zone) == before:
            low = middle
        else:
            high = middle
    return datetime.fromtimestamp(high, UTC)


def _scan_zone(t: datetime, zone: ZoneInfo, window: SendWindow, limit: datetime) -> datetime | None:
    """Exact search for the first allowed instant in [t, limit) of one zone (slow path)."""
    points = {t}
    day = t.astimezone(zone).date() - _DAY
    last_day = limit.astimezone(zone).date() + _DAY
    while day <= last_day:
        for wall in (window.start, window.end):
            for fold in (0, 1):  # both passes of a repeated (fall-back) hour
                local = datetime.combine(day, wall.replace(fold=fold), tzinfo=zone)
                instant = local.astimezone(UTC)
                if t < instant < limit:
                    points.add(instant)
        day += _DAY
    ordered = sorted(points)
    # A jump of the wall clock can enter the window without it ever reading `start`; the
    # offset transitions are found where neighbouring candidates disagree on the offset.
    for a, b in zip(ordered, [*ordered[1:], limit], strict=True):
        if a.astimezone(zone).utcoffset() != b.astimezone(zone).utcoffset():
            transition = _transition_between(a, b, zone)
            if transition < limit:
                points.add(transition)
    for instant in sorted(points):
        if window.contains(instant.astimezone(zone).time()):
            return instant
    return None


def _next_in_zone(
    t: datetime, zone: ZoneInfo, window: SendWindow, limit: datetime
) -> datetime | None:
    """First instant >= t allowed in one zone; None when none lies before ``limit``.

    The fast path (the next wall-clock ``start``) may return an instant past ``limit``;
    callers treat that like None.
    """
    local = t.astimezone(zone)
    wall = local.time()
    if window.contains(wall):
        return t
    day = local.date()
    if window.start < window.end and wall >= window.start:
        day += _DAY  # after today's window: tomorrow's start
    candidate = datetime.combine(day, window.start, tzinfo=zone)
    instant = candidate.astimezone(UTC)
    # Same offset at both ends means no transition in between (zones never change offset
    # twice within a day), and the round trip proves `start` is not in a spring-forward gap.
    if (
        instant > t
        and local.utcoffset() == candidate.utcoffset()
        and instant.astimezone(zone).replace(tzinfo=None) == candidate.replace(tzinfo=None)
    ):
        return instant
    return _scan_zone(t, zone, window, max(limit, t + 2 * _DAY))


# ------------------------------------------------------------------------ all zones


def _common_next(
    t: datetime, zones: tuple[ZoneInfo, ...], window: SendWindow, limit: datetime
) -> datetime | None:
    """First instant >= t allowed in every zone, before ``limit``.

    Fixed point: each zone pushes t to its own next allowed instant. t never passes the true
    answer (that instant is allowed in every zone), and it stops once no zone pushes.
    """
    while t < limit:
        moved = False
        for zone in zones:
            found = _next_in_zone(t, zone, window, limit)
            if found is None:
                return None
            if found > t:
                t, moved = found, True
        if not moved:
            return t
    return None


@functools.lru_cache(maxsize=8192)
def _common_intervals(
    zones: tuple[ZoneInfo, ...], window: SendWindow, day: date
) -> tuple[tuple[datetime, datetime], ...]:
    """Intervals [start, end) allowed in every zone, from ``day`` 00:00 UTC for three days.

    Cached per UTC day: a batch of tickets deferred on the same day costs one computation per
    distinct zone set, then a short scan of this tuple.
    """
    t = datetime.combine(day, time(0), tzinfo=UTC)
    limit = t + _INTERVAL_SPAN
    closed = SendWindow(start=window.end, end=window.start)  # the complement: quiet hours
    intervals: list[tuple[datetime, datetime]] = []
    while t < limit:
        start = _common_next(t, zones, window, limit)
        if start is None:
            break
        end = limit
        for zone in zones:
            quiet = _next_in_zone(start, zone, closed, limit)
            if quiet is not None and quiet < end:
                end = quiet
        intervals.append((start, end))
        t = end
    return tuple(intervals)


def next_allowed(
    at_utc: datetime, zones: Sequence[ZoneInfo], window: SendWindow = DEFAULT_WINDOW
) -> datetime:
    """The first instant >= ``at_utc`` inside the send window in all ``zones``, in UTC.

    Returns ``at_utc`` itself when it is allowed; otherwise the instant the window opens
    (08:00:00 local by default; the transition instant when 08:00 falls in a skipped hour).
    Correct across spring-forward gaps and fall-back repeats.

    When the zones are too far apart for their windows to overlap (a +1 800 number spans
    Guam to American Samoa), the intersection is empty and the window of the FIRST zone alone
    applies; ``resolve_zones`` lists the customer's own zone first when it is known. The
    search is bounded (8 days), so it always returns.

    Args:
        at_utc: timezone-aware instant (any zone; UTC by convention).
        zones: non-empty, usually from ``resolve_zones``.
        window: the local send window.

    Raises:
        ValueError: for a naive datetime or an empty ``zones``.
    """
    at = _require_aware(at_utc)
    zones = zones if isinstance(zones, tuple) else tuple(zones)
    if not zones:
        raise ValueError("next_allowed needs at least one zone")
    if window.always_open:
        return at
    for zone in zones:
        if not window.contains(at.astimezone(zone).time()):
            break
    else:
        return at
    # The common windows of a zone set are computed once per UTC day and cached, so a batch
    # deferring thousands of tickets on one night (even a DST night) costs a short scan each.
    for start, end in _common_intervals(zones, window, at.date()):
        if end > at:
            return max(start, at)
    # No common window (zones too far apart): the first zone's own window decides.
    found = _next_in_zone(at, zones[0], window, at + _SEARCH_SPAN)
    # None only with a zone that skips more than a week of wall-clock time; send rather than
    # hold a message forever.
    return at if found is None else found


def is_allowed(
    at_utc: datetime, zones: Sequence[ZoneInfo], window: SendWindow = DEFAULT_WINDOW
) -> bool:
    """Whether sending at ``at_utc`` respects quiet hours in every zone.

    Consistent with ``next_allowed`` by construction (``is_allowed(t)`` iff
    ``next_allowed(t) == t``), including its first-zone fallback when the zones have no
    common window, so a dispatcher checking at send time never holds a message forever.

    Args:
        at_utc: timezone-aware instant.
        zones: non-empty, usually from ``resolve_zones``.
        window: the local send window.

    Raises:
        ValueError: for a naive datetime or an empty ``zones``.
    """
    at = _require_aware(at_utc)
    zones = tuple(zones)
    if not zones:
        raise ValueError("is_allowed needs at least one zone")
    if window.always_open or all(window.contains(at.astimezone(z).time()) for z in zones):
        return True
    if len(zones) == 1:
        return False
    return next_allowed(at, zones, window) == at
