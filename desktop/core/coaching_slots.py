"""Find a slot for a coaching session that costs the queues the least service level.

For each candidate start (every 15 minutes of the agent's shift, today and the next working
days), each 15-minute interval of the session and each queue the agent (and the coach, when
they take contacts) works: the expected arrivals are the mean of the same interval on the last
4 same weekdays; the agents on the queue are the members on shift, less the queue's shrinkage;
Erlang C (``desktop.core.staffing.staffing_figures``, the function the Queues view's what-if
uses) gives the service level with them and without the people in the session. A slot's cost
is the contact-weighted service level lost over the session: "SL 84 % -> 81 %".
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from desktop.core.staffing import staffing_figures

INTERVAL_MINUTES = 15
INTERVALS_PER_DAY = 24 * 60 // INTERVAL_MINUTES
MINUTES_PER_DAY = 24 * 60


def _minutes(at: time) -> int:
    return at.hour * 60 + at.minute


@dataclass(frozen=True)
class Shift:
    """A weekly shift in local time; ``end <= start`` means it ends the next day.

    Attributes:
        start / end: local start and end.
        days: ISO weekdays on which the shift starts, e.g. "12345".
    """

    start: time
    end: time
    days: str = "12345"

    def windows(self, day: date) -> list[tuple[int, int]]:
        """The minutes ``[from, to)`` of local ``day`` this shift covers (0 to 1440)."""
        start, end = _minutes(self.start), _minutes(self.end)
        out = []
        if str(day.isoweekday()) in self.days:
            out.append((start, end if end > start else MINUTES_PER_DAY))
        yesterday = day - timedelta(days=1)
        if end <= start and end > 0 and str(yesterday.isoweekday()) in self.days:
            out.append((0, end))
        return out

    def covers(self, day: date, first_minute: int, last_minute: int) -> bool:
        """True when ``[first_minute, last_minute)`` of ``day`` lies inside one shift window."""
        return any(a <= first_minute and last_minute <= b for a, b in self.windows(day))

    def works_on(self, day: date) -> bool:
        """True when a shift starts on ``day``."""
        return str(day.isoweekday()) in self.days

    @property
    def length_seconds(self) -> float:
        """Scheduled length of one shift (an overnight shift ends the next day)."""
        minutes = (_minutes(self.end) - _minutes(self.start)) % MINUTES_PER_DAY
        return float((minutes or MINUTES_PER_DAY) * 60)

    def scheduled_seconds(self, day: date) -> float:
        """Time scheduled for the shift starting on ``day``: its length, or 0 on a day off."""
        return self.length_seconds if self.works_on(day) else 0.0


# Used for people with no recorded shift (a supervisor, say): office hours on weekdays.
OFFICE_HOURS = Shift(time(9), time(17), "12345")


@dataclass(frozen=True)
class Participant:
    """The agent or the coach.

    Attributes:
        shift: their shift; None means office hours.
        queue_ids: queues they take contacts from (ignored when ``takes_contacts`` is False).
    """

    employee_id: int
    name: str
    shift: Shift | None
    queue_ids: tuple[int, ...]
    takes_contacts: bool = True

    @property
    def working_shift(self) -> Shift:
        return self.shift or OFFICE_HOURS


@dataclass(frozen=True)
class QueueForecast:
    """What a queue expects, from its history.

    Attributes:
        arrivals: (ISO weekday, interval of the day 0..95) -> mean contacts in that 15-minute
            interval over the last 4 same weekdays (local time).
        aht_seconds: mean handle time over the same weeks; None with no handled contact.
        member_shifts: (employee id, shift) of every member who takes contacts.
        shrinkage: share of scheduled time not on the queue (breaks, training, absence).
    """

    queue_id: int
    name: str
    threshold_seconds: float
    aht_seconds: float | None
    shrinkage: float
    arrivals: Mapping[tuple[int, int], float]
    member_shifts: tuple[tuple[int, Shift | None], ...]
    sl_target: float | None = None

    def agents_on_queue(self, day: date, interval: int) -> int:
        """Members on shift for the whole interval, less shrinkage, rounded to the nearest."""
        first = interval * INTERVAL_MINUTES
        on_shift = sum(
            1
            for _, shift in self.member_shifts
            if (shift or OFFICE_HOURS).covers(day, first, first + INTERVAL_MINUTES)
        )
        return math.floor(on_shift * (1.0 - self.shrinkage) + 0.5)


@dataclass(frozen=True)
class IntervalImpact:
    """One queue in one 15-minute interval of a slot: the Erlang C inputs and results.

    Typing ``rate_per_hour``, ``aht_seconds``, ``agents_before`` and ``threshold_seconds``
    into the Queues view's what-if gives ``sl_before`` (and with ``agents_after``,
    ``sl_after``): both call ``staffing_figures``.
    """

    queue_id: int
    queue: str
    start: datetime
    contacts: float
    rate_per_hour: float
    aht_seconds: float
    threshold_seconds: float
    agents_before: int
    agents_after: int
    sl_before: float
    sl_after: float
    stable_after: bool = True
    sl_target: float | None = None

    @property
    def over_capacity(self) -> bool:
        """Without the people in the session the queue cannot keep up (N <= traffic): its
        service level is 0 either way, so the SL difference hides the harm."""
        return not self.stable_after


@dataclass(frozen=True)
class SlotOption:
    """A candidate session slot and what it costs the queues.

    Attributes:
        start / end: the session (timezone-aware).
        sl_before / sl_after: contact-weighted service level over the session's intervals
            and queues, with and without the people in the session (fractions).
        contacts: contacts expected on those queues during the session.
        impacts: the per-queue, per-interval figures behind them.
    """

    start: datetime
    end: datetime
    sl_before: float
    sl_after: float
    contacts: float
    impacts: tuple[IntervalImpact, ...]

    @property
    def cost(self) -> float:
        """Service level lost, as a fraction (0.03 is 3 points)."""
        return max(0.0, self.sl_before - self.sl_after)

    @property
    def over_capacity(self) -> int:
        """Intervals in which a queue could not keep up without the people in the session."""
        return sum(1 for i in self.impacts if i.over_capacity)

    @property
    def below_target(self) -> int:
        """Intervals in which a queue's service level would end below its target."""
        return sum(
            1
            for i in self.impacts
            if i.sl_target is not None and i.contacts > 0 and i.sl_after < i.sl_target
        )

    @property
    def note(self) -> str:
        """Why a slot is risky, in words; empty when it is not."""
        if self.over_capacity:
            return "a queue cannot keep up without them"
        if self.below_target:
            return "a queue drops below its SL target"
        return ""

    @property
    def label(self) -> str:
        """ "SL 84 % -> 81 %"."""
        return f"SL {self.sl_before * 100:.0f} % -> {self.sl_after * 100:.0f} %"


def interval_impact(
    queue: QueueForecast, start: datetime, day: date, interval: int, removed: int
) -> IntervalImpact | None:
    """Figures for ``queue`` in one interval with ``removed`` people taken off it.

    Returns:
        None when the queue has no handle-time history (nothing to compute with).
    """
    if queue.aht_seconds is None or queue.aht_seconds <= 0:
        return None
    contacts = float(queue.arrivals.get((day.isoweekday(), interval), 0.0))
    rate = contacts * (60 / INTERVAL_MINUTES)
    before = queue.agents_on_queue(day, interval)
    after = max(0, before - removed)
    fig_before = staffing_figures(rate, queue.aht_seconds, before, queue.threshold_seconds)
    fig_after = staffing_figures(rate, queue.aht_seconds, after, queue.threshold_seconds)
    return IntervalImpact(
        queue.queue_id,
        queue.name,
        start,
        contacts,
        rate,
        queue.aht_seconds,
        queue.threshold_seconds,
        before,
        after,
        fig_before.service_level,
        fig_after.service_level,
        fig_after.stable,
        queue.sl_target,
    )


def candidate_days(agent: Participant, today: date, working_days_ahead: int) -> list[date]:
    """Today (when the agent works) and the agent's next ``working_days_ahead`` working days."""
    shift = agent.working_shift
    days = [today] if shift.works_on(today) else []
    day = today
    # A shift pattern with no days at all would loop forever; give up after two weeks.
    for _ in range(14):
        if len(days) >= working_days_ahead + (1 if shift.works_on(today) else 0):
            break
        day += timedelta(days=1)
        if shift.works_on(day):
            days.append(day)
    return days


def _overlaps(start: datetime, end: datetime, busy: Iterable[tuple[datetime, datetime]]) -> bool:
    return any(start < b_end and b_start < end for b_start, b_end in busy)


def rank_slots(
    agent: Participant,
    coach: Participant | None,
    queues: Iterable[QueueForecast],
    duration_minutes: int,
    now: datetime,
    tz: str,
    working_days_ahead: int = 5,
    busy: Iterable[tuple[datetime, datetime]] = (),
) -> list[SlotOption]:
    """Every possible slot, safest and cheapest first.

    Order: slots that leave no queue over capacity, then none below its target, then by
    service level lost, contacts affected and start. (A queue over capacity has a service
    level of 0 with or without the agent, so "SL lost" alone would call it free.)

    Args:
        agent: who is coached; slots lie inside their shift.
        coach: who coaches; slots also lie inside their shift (office hours if none). When
            they take contacts, they leave their queues too.
        queues: forecasts of the agent's and the coach's queues.
        duration_minutes: session length, a multiple of 15.
        now: the current instant; slots start after it.
        tz: IANA zone of the team (shifts and curves are local).
        working_days_ahead: working days after today to consider.
        busy: intervals already booked for the agent or the coach.

    Raises:
        ValueError: a duration that is not a positive multiple of 15 minutes.
    """
    if duration_minutes <= 0 or duration_minutes % INTERVAL_MINUTES:
        raise ValueError(f"session length must be a multiple of 15 minutes, got {duration_minutes}")
    zone = ZoneInfo(tz)
    busy = list(busy)
    forecasts = {q.queue_id: q for q in queues}
    leaving: dict[int, int] = {}
    for person in (agent, coach):
        if person is not None and person.takes_contacts:
            for queue_id in person.queue_ids:
                leaving[queue_id] = leaving.get(queue_id, 0) + 1
    steps = duration_minutes // INTERVAL_MINUTES
    options: list[SlotOption] = []
    for day in candidate_days(agent, now.astimezone(zone).date(), working_days_ahead):
        for first in range(0, INTERVALS_PER_DAY - steps + 1):
            start_minute = first * INTERVAL_MINUTES
            end_minute = start_minute + duration_minutes
            if not agent.working_shift.covers(day, start_minute, end_minute):
                continue
            if coach is not None and not coach.working_shift.covers(day, start_minute, end_minute):
                continue
            start = datetime.combine(day, time(0), zone) + timedelta(minutes=start_minute)
            end = start + timedelta(minutes=duration_minutes)
            if start <= now or _overlaps(start, end, busy):
                continue
            impacts = []
            for step in range(steps):
                at = start + timedelta(minutes=step * INTERVAL_MINUTES)
                for queue_id, removed in sorted(leaving.items()):
                    forecast = forecasts.get(queue_id)
                    if forecast is None:
                        continue
                    impact = interval_impact(forecast, at, day, first + step, removed)
                    if impact is not None:
                        impacts.append(impact)
            options.append(_option(start, end, impacts))
    return sorted(
        options,
        key=lambda o: (o.over_capacity, o.below_target, round(o.cost, 9), o.contacts, o.start),
    )


def _option(start: datetime, end: datetime, impacts: list[IntervalImpact]) -> SlotOption:
    contacts = sum(i.contacts for i in impacts)
    if contacts <= 0:
        return SlotOption(start, end, 1.0, 1.0, 0.0, tuple(impacts))
    before = sum(i.contacts * i.sl_before for i in impacts) / contacts
    after = sum(i.contacts * i.sl_after for i in impacts) / contacts
    return SlotOption(start, end, before, after, contacts, tuple(impacts))
