"""Find a slot: shifts, staffing per interval, Erlang C figures equal to the what-if's."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest

from desktop.core.coaching_slots import (
    OFFICE_HOURS,
    Participant,
    QueueForecast,
    Shift,
    candidate_days,
    interval_impact,
    rank_slots,
)
from desktop.core.staffing import staffing_figures

MONDAY = date(2026, 11, 23)
NOW = datetime(2026, 11, 23, 7, 0, tzinfo=UTC)  # before the shifts start


def test_shift_windows_cover_day_and_overnight_shifts() -> None:
    day = Shift(time(9), time(17), "12345")
    assert day.covers(MONDAY, 9 * 60, 10 * 60)
    assert not day.covers(MONDAY, 16 * 60 + 45, 17 * 60 + 15)
    assert not day.covers(MONDAY + timedelta(days=5), 10 * 60, 11 * 60)  # Saturday
    night = Shift(time(22), time(6), "1")
    assert night.covers(MONDAY, 22 * 60, 23 * 60)
    assert night.covers(MONDAY + timedelta(days=1), 0, 60)  # Tuesday morning, Monday's shift
    assert not night.covers(MONDAY, 0, 60)  # Sunday's shift does not exist
    assert night.length_seconds == 8 * 3600
    assert day.scheduled_seconds(MONDAY) == 8 * 3600
    assert day.scheduled_seconds(MONDAY + timedelta(days=6)) == 0


def _queue(
    arrivals_by_interval: dict[int, float],
    members: int = 10,
    shrinkage: float = 0.0,
    queue_id: int = 1,
) -> QueueForecast:
    # Same curve every weekday.
    curve = {(wd, i): v for wd in range(1, 8) for i, v in arrivals_by_interval.items()}
    return QueueForecast(
        queue_id,
        f"Q{queue_id}",
        20.0,
        240.0,
        shrinkage,
        curve,
        tuple((100 + m, Shift(time(8), time(18), "1234567")) for m in range(members)),
    )


def test_agents_on_queue_counts_members_on_shift_less_shrinkage() -> None:
    q = _queue({}, members=10, shrinkage=0.3)
    assert q.agents_on_queue(MONDAY, 9 * 4) == 7
    assert q.agents_on_queue(MONDAY, 7 * 4) == 0  # before the shift


def test_interval_figures_are_the_what_if_figures_for_the_same_inputs() -> None:
    q = _queue({9 * 4: 20.0}, members=8)
    at = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
    impact = interval_impact(q, at, MONDAY, 9 * 4, removed=1)
    assert impact is not None
    assert impact.rate_per_hour == 80.0 and impact.agents_before == 8 and impact.agents_after == 7
    what_if_before = staffing_figures(80.0, 240.0, 8, 20.0)
    what_if_after = staffing_figures(80.0, 240.0, 7, 20.0)
    assert impact.sl_before == what_if_before.service_level
    assert impact.sl_after == what_if_after.service_level
    assert impact.sl_after < impact.sl_before


def test_the_quiet_afternoon_ranks_first_and_shows_the_cost() -> None:
    busy_morning = {i: 30.0 for i in range(9 * 4, 12 * 4)}
    busy_morning.update({i: 5.0 for i in range(12 * 4, 17 * 4)})
    q = _queue(busy_morning, members=10)
    agent = Participant(101, "Ana", Shift(time(9), time(17), "12345"), (1,))
    slots = rank_slots(agent, None, [q], 30, NOW, "UTC", working_days_ahead=1)
    best, worst = slots[0], slots[-1]
    assert best.start.hour >= 12 and best.cost <= worst.cost
    assert 9 <= worst.start.hour < 12
    assert best.label.startswith("SL ") and " -> " in best.label
    assert worst.sl_after < worst.sl_before
    # Every slot lies inside the agent's shift, today or the next working day.
    assert {s.start.date() for s in slots} == {MONDAY, MONDAY + timedelta(days=1)}
    assert all(s.start.hour >= 9 and s.end.hour * 60 + s.end.minute <= 17 * 60 for s in slots)
    # Two 15-minute intervals per 30-minute session, one queue.
    assert len(best.impacts) == 2


def test_a_coach_who_takes_contacts_leaves_the_queue_too() -> None:
    q = _queue({i: 30.0 for i in range(96)}, members=10)
    agent = Participant(101, "Ana", Shift(time(9), time(17), "12345"), (1,))
    coach = Participant(102, "Sam", Shift(time(9), time(17), "12345"), (1,), takes_contacts=True)
    alone = rank_slots(agent, None, [q], 30, NOW, "UTC", 0)[0]
    with_coach = rank_slots(agent, coach, [q], 30, NOW, "UTC", 0)[0]
    assert alone.impacts[0].agents_after == 9 and with_coach.impacts[0].agents_after == 8
    assert with_coach.cost > alone.cost
    desk_coach = Participant(103, "Lee", None, (1,), takes_contacts=False)
    assert rank_slots(agent, desk_coach, [q], 30, NOW, "UTC", 0)[0].impacts[0].agents_after == 9


def test_booked_times_and_the_past_are_not_offered() -> None:
    q = _queue({}, members=3)
    agent = Participant(101, "Ana", Shift(time(9), time(17), "12345"), (1,))
    now = datetime(2026, 11, 23, 13, 5, tzinfo=UTC)
    booked = [
        (datetime(2026, 11, 23, 14, 0, tzinfo=UTC), datetime(2026, 11, 23, 15, 0, tzinfo=UTC))
    ]
    slots = rank_slots(agent, None, [q], 30, now, "UTC", 0, busy=booked)
    starts = {s.start.time() for s in slots}
    assert time(13, 0) not in starts and time(13, 15) in starts
    assert not starts & {time(13, 45), time(14, 0), time(14, 30)}
    assert time(15, 0) in starts
    # No contacts expected: the session costs nothing.
    assert all(s.cost == 0 and s.contacts == 0 for s in slots)


def test_local_time_zone_shapes_the_slots() -> None:
    q = _queue({}, members=2)
    agent = Participant(101, "Ana", Shift(time(9), time(17), "12345"), (1,))
    slots = rank_slots(agent, None, [q], 60, NOW, "America/New_York", 0)
    assert slots and all(s.start.tzinfo is not None for s in slots)
    assert min(s.start.astimezone(UTC).hour for s in slots) == 14  # 09:00 in New York


def test_candidate_days_skip_days_off() -> None:
    agent = Participant(1, "Ana", Shift(time(9), time(17), "12345"), ())
    friday = date(2026, 11, 27)
    assert candidate_days(agent, friday, 5) == [
        friday,
        date(2026, 11, 30),
        date(2026, 12, 1),
        date(2026, 12, 2),
        date(2026, 12, 3),
        date(2026, 12, 4),
    ]
    saturday = date(2026, 11, 28)
    assert candidate_days(agent, saturday, 2) == [date(2026, 11, 30), date(2026, 12, 1)]
    nobody = Participant(2, "X", Shift(time(9), time(17), ""), ())
    assert candidate_days(nobody, friday, 5) == []


def test_people_without_a_shift_work_office_hours() -> None:
    assert Participant(1, "Sam", None, ()).working_shift == OFFICE_HOURS


@pytest.mark.parametrize("minutes", [0, 20, -15])
def test_session_length_must_be_whole_quarters(minutes: int) -> None:
    agent = Participant(1, "Ana", None, ())
    with pytest.raises(ValueError, match="multiple of 15"):
        rank_slots(agent, None, [], minutes, NOW, "UTC")
