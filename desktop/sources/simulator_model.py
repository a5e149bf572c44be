"""What the live demo simulator knows about each queue and agent, read from the database.

A queue's arrival curve is its own history: the mean offered per 15-minute interval of the
same weekday over the previous four weeks (the figure the intraday chart shows as the
average), else of the last seven days, else a generic double-peaked day. Handle times come
from the queue's completed contacts of the last week, patience and pick-up delays from the
demo's channel models. Nothing here writes.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from db.models import Contact, Employee, Queue, QueueMember, Team
from db.queries.queue_intraday import history_profile
from desktop.core.domain import Channel, Role
from desktop.core.intraday import (
    INTERVAL_SECONDS,
    day_start,
    interval_count,
    interval_index,
    same_weekday_starts,
    zone,
)
from desktop.sources.demo_presets import CHANNELS, ChannelModel

MIDNIGHT = time(0, 0)
GENERIC_DAILY_PER_AGENT = 25.0  # arrivals per skilled agent on a day with no history at all


@dataclass(frozen=True)
class QueueProfile:
    """One queue as the simulator drives it.

    Attributes:
        queue_id / channel / team_id / timezone: the queue.
        local_day_start: UTC instant of the local midnight the ``rates`` are counted from.
        rates: expected arrivals per 15-minute interval of that local day.
        talk_s / hold_s / wrap_s: mean handle-time parts of the queue's recent contacts.
        model: the channel's patience, pick-up and variability figures.
        members: agents skilled for the queue.
        short_abandon_s: the queue's short-abandon limit.
    """

    queue_id: int
    channel: Channel
    team_id: int | None
    timezone: str
    local_day_start: datetime
    rates: tuple[float, ...]
    talk_s: float
    hold_s: float
    wrap_s: float
    model: ChannelModel
    members: tuple[int, ...]
    short_abandon_s: int

    def rate_per_second(self, now: datetime) -> float:
        """Expected arrivals per second at ``now`` (0 outside the profile's day)."""
        i = interval_index(now, self.local_day_start)
        if not 0 <= i < len(self.rates):
            return 0.0
        return self.rates[i] / INTERVAL_SECONDS


@dataclass(frozen=True)
class AgentProfile:
    """One agent: shift in their team's time zone and the queues they can take."""

    employee_id: int
    timezone: str
    shift_start: time | None
    shift_end: time | None
    shift_days: str
    queues: tuple[int, ...]

    def _bounds(self, day: date) -> tuple[datetime, datetime] | None:
        """UTC start and end of the shift that starts on local ``day`` (None: no shift)."""
        if self.shift_start is None or self.shift_end is None:
            return None
        if str(day.isoweekday()) not in self.shift_days:
            return None
        tz = zone(self.timezone)
        start = datetime.combine(day, self.shift_start, tzinfo=tz)
        end = datetime.combine(day, self.shift_end, tzinfo=tz)
        if end <= start:
            end += timedelta(days=1)
        return start.astimezone(UTC), end.astimezone(UTC)

    def last_shift_end(self, now: datetime) -> datetime | None:
        """When the agent's most recent finished shift ended (within a week)."""
        today = now.astimezone(zone(self.timezone)).date()
        for k in range(8):
            bounds = self._bounds(today - timedelta(days=k))
            if bounds is not None and bounds[1] <= now:
                return bounds[1]
        return None

    def current_shift_start(self, now: datetime) -> datetime | None:
        """When the shift running at ``now`` started (None: off shift)."""
        today = now.astimezone(zone(self.timezone)).date()
        for k in (0, 1):
            bounds = self._bounds(today - timedelta(days=k))
            if bounds is not None and bounds[0] <= now < bounds[1]:
                return bounds[0]
        return None

    def on_shift(self, now: datetime) -> bool:
        """Whether ``now`` falls inside the agent's scheduled shift (overnight shifts too)."""
        if self.shift_start is None or self.shift_end is None:
            return False
        local = now.astimezone(zone(self.timezone))
        t = local.time()
        if self.shift_start < self.shift_end:
            return str(local.isoweekday()) in self.shift_days and (
                self.shift_start <= t < self.shift_end
            )
        # Overnight: the evening part belongs to today's shift, the early part to yesterday's.
        if t >= self.shift_start:
            return str(local.isoweekday()) in self.shift_days
        yesterday = (local - timedelta(days=1)).isoweekday()
        return t < self.shift_end and str(yesterday) in self.shift_days


def _generic_curve(intervals: int, daily: float) -> tuple[float, ...]:
    """A weekday double peak (10:30 and 14:45) with a night trickle, summing to ``daily``."""
    hours = [(i + 0.5) / 4 for i in range(intervals)]
    shape = [
        math.exp(-0.5 * ((h - 10.5) / 1.9) ** 2)
        + 0.85 * math.exp(-0.5 * ((h - 14.75) / 2.1) ** 2)
        + 0.02
        for h in hours
    ]
    total = sum(shape)
    return tuple(daily * v / total for v in shape)


def _smoothed(rates: tuple[float, ...]) -> tuple[float, ...]:
    """A few weeks of history are lumpy (a quiet 10:30 by chance): average each interval
    with its neighbours and blend in a little of the generic day, same daily volume."""
    n = len(rates)
    window = [
        sum(rates[max(0, i - 2) : i + 3]) / len(rates[max(0, i - 2) : i + 3]) for i in range(n)
    ]
    generic = _generic_curve(n, sum(rates))
    return tuple(0.8 * w + 0.2 * g for w, g in zip(window, generic, strict=True))


def _handle_means(session: Session, since: datetime) -> dict[int, tuple[float, float, float]]:
    stmt = (
        select(
            Contact.queue_id,
            func.avg(Contact.talk_seconds),
            func.avg(Contact.hold_seconds),
            func.avg(Contact.wrap_seconds),
        )
        .where(
            Contact.enqueued_at >= since,
            Contact.ended_at.is_not(None),
            Contact.answered_at.is_not(None),
        )
        .group_by(Contact.queue_id)
    )
    return {
        q: (float(t or 0), float(h or 0), float(w or 0)) for q, t, h, w in session.execute(stmt)
    }


def load_queues(session: Session, now: datetime) -> list[QueueProfile]:
    """Profiles of every active queue that has no external source (TaskRouter owns those)."""
    members: dict[int, list[int]] = {}
    for queue_id, employee_id in session.execute(
        select(QueueMember.queue_id, QueueMember.employee_id)
        .join(Employee, Employee.id == QueueMember.employee_id)
        .where(Employee.active.is_(True))
        .order_by(QueueMember.queue_id, QueueMember.employee_id)
    ):
        members.setdefault(queue_id, []).append(employee_id)
    handle = _handle_means(session, now - timedelta(days=7))
    profiles = []
    for q in session.scalars(
        select(Queue).where(Queue.active.is_(True), Queue.external_sid.is_(None)).order_by(Queue.id)
    ):
        tz = q.timezone or "UTC"
        start = day_start(now, tz, MIDNIGHT)
        n = interval_count(start, tz, MIDNIGHT)
        rates, _handled, used = history_profile(
            session, q.id, same_weekday_starts(start, tz, MIDNIGHT), tz, MIDNIGHT, n
        )
        if not used:
            recent = [day_start(start - timedelta(hours=12 + 24 * k), tz) for k in range(7)]
            rates, _handled, used = history_profile(session, q.id, recent, tz, MIDNIGHT, n)
        if not used:
            daily = GENERIC_DAILY_PER_AGENT * max(1, len(members.get(q.id, [])))
            rates = _generic_curve(n, daily)
        else:
            rates = _smoothed(rates)
        channel = Channel(q.channel)
        model = CHANNELS[channel]
        talk, hold, wrap = handle.get(q.id) or (
            model.talk_median,
            model.hold_share * model.hold_median,
            model.wrap_median,
        )
        profiles.append(
            QueueProfile(
                q.id,
                channel,
                q.team_id,
                tz,
                start,
                tuple(rates),
                talk,
                hold,
                wrap,
                model,
                tuple(members.get(q.id, [])),
                q.short_abandon_seconds,
            )
        )
    return profiles


def load_agents(session: Session) -> list[AgentProfile]:
    """Every active agent who takes contacts, with shift and skills."""
    skills: dict[int, list[int]] = {}
    for queue_id, employee_id in session.execute(
        select(QueueMember.queue_id, QueueMember.employee_id).order_by(QueueMember.queue_id)
    ):
        skills.setdefault(employee_id, []).append(queue_id)
    stmt = (
        select(Employee, Team.timezone)
        .outerjoin(Team, Team.id == Employee.team_id)
        .where(
            Employee.active.is_(True),
            Employee.role == Role.AGENT,
            Employee.takes_contacts.is_(True),
        )
        .order_by(Employee.id)
    )
    return [
        AgentProfile(
            e.id,
            tz or "UTC",
            e.shift_start,
            e.shift_end,
            e.shift_days or "",
            tuple(skills.get(e.id, ())),
        )
        for e, tz in session.execute(stmt)
    ]


# Random draws --------------------------------------------------------------------------------
def poisson(rng: random.Random, mean: float) -> int:
    """A Poisson draw (Knuth for small means, a rounded normal for large ones)."""
    if mean <= 0:
        return 0
    if mean > 50:
        return max(0, round(rng.gauss(mean, math.sqrt(mean))))
    limit, k, p = math.exp(-mean), 0, 1.0
    while True:
        p *= rng.random()
        if p <= limit:
            return k
        k += 1


def lognormal_around(rng: random.Random, mean: float, sigma: float = 0.5) -> float:
    """A log-normal draw whose mean is ``mean`` (0 stays 0)."""
    if mean <= 0:
        return 0.0
    return mean * math.exp(rng.gauss(0.0, sigma) - sigma * sigma / 2)


def chance(rng: random.Random, dt_s: float, mean_interval_s: float) -> bool:
    """Whether an event with the given mean interval happens within ``dt_s`` seconds."""
    return rng.random() < 1.0 - math.exp(-dt_s / mean_interval_s)


def patience_seconds(rng: random.Random, profile: QueueProfile) -> float | None:
    """How long a new contact will wait before giving up (None: never, as for e-mail)."""
    model = profile.model
    if model.patience_median <= 0:
        return None
    if rng.random() < model.short_abandon_share:
        return rng.uniform(0.5, max(1.0, profile.short_abandon_s - 0.5))
    return lognormal_around(rng, model.patience_median, 0.6)


def pickup_delay_seconds(rng: random.Random, profile: QueueProfile) -> float:
    """Seconds before an agent can pick a new contact up (ringing, e-mail batching)."""
    model = profile.model
    delay = rng.uniform(model.ring_min, model.ring_max) if model.ring_max else 0.0
    if model.defer_median > 0:
        delay += lognormal_around(rng, model.defer_median, 0.7)
    return delay
