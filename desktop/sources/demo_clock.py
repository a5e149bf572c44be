"""Time helpers for the demo generator: epoch seconds, local days and seeded random streams.

The generator works in integer epoch seconds (UTC) held in numpy ``int64`` arrays, which keeps
every computation vectorised and exact. ``NULL`` marks a missing time or id.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import numpy as np

NULL = np.iinfo(np.int64).min
"""Sentinel for a missing time or id in an int64 column (written as SQL NULL)."""

MINUTE = 60
HOUR = 3600
DAY = 86400
FAR = np.iinfo(np.int64).max // 4
"""A time later than anything the generator produces (for "never")."""


def rng_for(seed: int, stream: str) -> np.random.Generator:
    """A PCG64 generator for one named part of the data set.

    Each part draws from its own stream, so changing how many numbers one part uses never
    shifts another part's data. ``crc32`` (not ``hash``) keeps the key stable across runs.
    """
    key = zlib.crc32(stream.encode("utf-8"))
    sequence = np.random.SeedSequence(entropy=seed, spawn_key=(key,))
    return np.random.Generator(np.random.PCG64(sequence))


def epoch(moment: datetime) -> int:
    """Whole epoch seconds of an aware datetime."""
    return int(moment.timestamp())


def to_datetime(seconds: int) -> datetime:
    """The aware UTC datetime of ``seconds`` since the epoch."""
    return datetime.fromtimestamp(int(seconds), tz=UTC)


def truncate_to_minute(moment: datetime | None) -> datetime:
    """``moment`` (default: the current time) in UTC, with seconds and microseconds cleared."""
    moment = moment or datetime.now(UTC)
    if moment.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    return moment.astimezone(UTC).replace(second=0, microsecond=0)


@dataclass(frozen=True)
class LocalClock:
    """Local calendar days of one time zone, from ``first`` for ``len(midnights) - 1`` days.

    ``midnights[d]`` is the epoch second of local midnight on day ``d``; DST is exact at
    midnight, and a local time of day is added to it in plain seconds (off by an hour only
    after 02:00 on the two switch days a year, which the demo can live with).
    """

    tz: str
    first: date
    midnights: np.ndarray

    @classmethod
    def build(cls, tz: str, first: date, days: int) -> LocalClock:
        """A clock for ``days`` local days starting on ``first``."""
        zone = ZoneInfo(tz)
        mids = [
            epoch(datetime.combine(first + timedelta(days=d), datetime.min.time(), tzinfo=zone))
            for d in range(days + 1)
        ]
        return cls(tz, first, np.array(mids, dtype=np.int64))

    @property
    def days(self) -> int:
        """Number of whole local days covered."""
        return len(self.midnights) - 1

    def day_index(self, t: np.ndarray) -> np.ndarray:
        """Local day index of each epoch second (clipped to the clock's range)."""
        d = np.searchsorted(self.midnights, t, side="right") - 1
        return np.clip(d, 0, self.days - 1)

    def iso_weekday(self, day: np.ndarray | int) -> np.ndarray:
        """ISO weekday (1 = Monday) of local day indexes."""
        return (self.first.isoweekday() - 1 + np.asarray(day)) % 7 + 1

    def local_seconds(self, t: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(day index, seconds since local midnight) of each epoch second."""
        d = self.day_index(t)
        return d, t - self.midnights[d]

    def next_open(
        self, t: np.ndarray, open_s: int, close_s: int, jitter: np.ndarray | None = None
    ) -> np.ndarray:
        """Move times outside the daily opening hours to the next opening (plus ``jitter``).

        Agents reply to tickets in office hours: work that falls due at night waits for the
        morning, which is what makes overnight tickets breach their first-response target.
        """
        d, sec = self.local_seconds(t)
        nxt = np.minimum(d + 1, self.days)
        early = sec < open_s
        late = sec >= close_s
        jit = jitter if jitter is not None else 0
        out = np.where(early, self.midnights[d] + open_s + jit, t)
        return np.where(late, self.midnights[nxt] + open_s + jit, out)

    def quiet_adjust(self, t: int, start_s: int, end_s: int) -> int:
        """The first allowed time at or after ``t`` for messages (allowed from start to end)."""
        d = int(np.searchsorted(self.midnights, t, side="right")) - 1
        d = min(max(d, 0), self.days - 1)
        sec = t - int(self.midnights[d])
        if sec < start_s:
            return int(self.midnights[d]) + start_s
        if sec >= end_s:
            return int(self.midnights[min(d + 1, self.days)]) + start_s
        return t


@dataclass(frozen=True)
class ZoneGrid:
    """Local midnights of several zones over the same dates, for lookups row by row.

    Rows of a ticket table live in different zones; this turns "local day and time of each
    row" into a few fancy-indexing operations instead of a loop over zones.
    """

    zones: tuple[str, ...]
    first: date
    midnights: np.ndarray  # [zone, day]

    @classmethod
    def build(cls, zones: list[str] | tuple[str, ...], first: date, days: int) -> ZoneGrid:
        """A grid of ``days`` days from ``first`` for ``zones`` (in that order)."""
        rows = [LocalClock.build(z, first, days).midnights for z in zones]
        return cls(tuple(zones), first, np.vstack(rows))

    @property
    def days(self) -> int:
        """Number of whole local days covered."""
        return self.midnights.shape[1] - 1

    def local(self, t: np.ndarray, zone: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(day index, seconds since local midnight) of times ``t`` in zones ``zone``."""
        mids = self.midnights
        d = np.clip((t - mids[zone, 0]) // DAY, 0, self.days - 1)
        d = np.where(t < mids[zone, d], d - 1, d)
        d = np.where(t >= mids[zone, np.minimum(d + 1, self.days)], d + 1, d)
        d = np.clip(d, 0, self.days - 1)
        return d, t - mids[zone, d]

    def next_open(
        self, t: np.ndarray, zone: np.ndarray, open_s: int, close_s: int, jitter: np.ndarray
    ) -> np.ndarray:
        """Move times outside daily opening hours to the next opening plus ``jitter``.

        Agents answer tickets in office hours: work that falls due at night waits for the
        morning, which is what makes overnight tickets breach their first-response target.
        """
        d, sec = self.local(t, zone)
        nxt = np.minimum(d + 1, self.days)
        out = np.where(sec < open_s, self.midnights[zone, d] + open_s + jitter, t)
        return np.where(sec >= close_s, self.midnights[zone, nxt] + open_s + jitter, out)


def clocks_for(zones: list[str], first: date, days: int) -> dict[str, LocalClock]:
    """One ``LocalClock`` per distinct zone, in first-seen order."""
    out: dict[str, LocalClock] = {}
    for tz in zones:
        if tz not in out:
            out[tz] = LocalClock.build(tz, first, days)
    return out


def groups(keys: np.ndarray, n_groups: int) -> list[np.ndarray]:
    """Row indexes of each key ``0..n_groups-1`` (ascending within a group).

    One stable sort instead of a boolean mask per group: with 200 queues and 5 million
    tickets, masks would scan a billion values.
    """
    order = np.argsort(keys, kind="stable")
    bounds = np.searchsorted(keys[order], np.arange(n_groups + 1))
    return [order[bounds[g] : bounds[g + 1]] for g in range(n_groups)]


def lognormal(
    rng: np.random.Generator, median: float | np.ndarray, sigma: float, size: int
) -> np.ndarray:
    """Log-normal draws by median (the natural way to state a typical duration)."""
    return np.asarray(median) * np.exp(rng.normal(0.0, sigma, size))
