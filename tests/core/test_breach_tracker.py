"""Thresholds colour cells; the tracker rings once per crossing into breach."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from desktop.core.breach_tracker import (
    BreachTracker,
    Metric,
    QueueThresholds,
    Severity,
    assess,
)

T0 = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
LIMITS = QueueThresholds(sl_target=0.8, longest_wait_seconds=120, waiting_count=8)


@pytest.mark.parametrize(
    ("metric", "value", "contacts", "expected"),
    [
        (Metric.LONGEST_WAIT, 30, 0, Severity.OK),
        (Metric.LONGEST_WAIT, 90, 0, Severity.WARN),  # 75 % of the limit
        (Metric.LONGEST_WAIT, 120, 0, Severity.BREACH),  # at the limit is a breach
        (Metric.LONGEST_WAIT, None, 0, Severity.OK),  # nobody waiting
        (Metric.WAITING, 5, 0, Severity.OK),
        (Metric.WAITING, 6, 0, Severity.WARN),
        (Metric.WAITING, 8, 0, Severity.BREACH),
        (Metric.SERVICE_LEVEL, 0.80, 50, Severity.OK),
        (Metric.SERVICE_LEVEL, 0.76, 50, Severity.WARN),  # within 5 points of the target
        (Metric.SERVICE_LEVEL, 0.74, 50, Severity.BREACH),
        (Metric.SERVICE_LEVEL, 0.10, 9, Severity.OK),  # too few contacts to judge
        (Metric.SERVICE_LEVEL, None, 0, Severity.OK),
    ],
)
def test_assess(metric: Metric, value: float | None, contacts: int, expected: Severity) -> None:
    assert assess(metric, value, LIMITS, contacts).severity is expected


def test_assessment_texts_name_the_limit() -> None:
    assert assess(Metric.LONGEST_WAIT, 190, LIMITS).text == "longest wait 3 m 10 s (limit 2 m 00 s)"
    assert assess(Metric.WAITING, 9, LIMITS).text == "9 waiting (limit 8)"
    assert assess(Metric.SERVICE_LEVEL, 0.724, LIMITS, 40).text == (
        "service level 72.4 % (target 80 %)"
    )


def test_unwatched_figures_are_always_ok() -> None:
    none = QueueThresholds(sl_target=None)
    assert assess(Metric.LONGEST_WAIT, 10_000, none).severity is Severity.OK
    assert assess(Metric.WAITING, 500, none).severity is Severity.OK
    assert assess(Metric.SERVICE_LEVEL, 0.0, none, 100).severity is Severity.OK


def wait(seconds: float) -> tuple[str, str, object]:
    return ("q1", "Voice", assess(Metric.LONGEST_WAIT, seconds, LIMITS))


def test_one_notification_per_crossing_not_per_refresh() -> None:
    tracker = BreachTracker(clear_after=timedelta(minutes=2))
    assert tracker.update([wait(30)], T0) == []
    events = tracker.update([wait(130)], T0 + timedelta(seconds=2))
    assert [e.message for e in events] == ["Voice: longest wait 2 m 10 s (limit 2 m 00 s)"]
    for i in range(2, 30):  # still in breach on every later refresh: silence
        assert tracker.update([wait(130 + i)], T0 + timedelta(seconds=2 * i)) == []
    assert tracker.in_breach("q1", Metric.LONGEST_WAIT)


def test_hysteresis_before_a_new_crossing_counts() -> None:
    tracker = BreachTracker(clear_after=timedelta(minutes=2))
    tracker.update([wait(30)], T0)
    assert len(tracker.update([wait(130)], T0 + timedelta(seconds=10))) == 1
    # Dips under the limit for 30 s, then back over: the same breach, no new notification.
    assert tracker.update([wait(100)], T0 + timedelta(seconds=20)) == []
    assert tracker.update([wait(125)], T0 + timedelta(seconds=50)) == []
    # Out of breach for more than two minutes: the next crossing rings again.
    assert tracker.update([wait(20)], T0 + timedelta(seconds=60)) == []
    assert tracker.update([wait(20)], T0 + timedelta(seconds=200)) == []
    assert not tracker.in_breach("q1", Metric.LONGEST_WAIT)
    assert len(tracker.update([wait(140)], T0 + timedelta(seconds=210))) == 1


def test_existing_breaches_at_start_and_separate_metrics() -> None:
    quiet = BreachTracker(notify_existing=False)
    assert quiet.update([wait(500)], T0) == []
    loud = BreachTracker()
    sl = ("q1", "Voice", assess(Metric.SERVICE_LEVEL, 0.5, LIMITS, 30))
    other = ("q2", "Chat", assess(Metric.WAITING, 9, LIMITS))
    events = loud.update([wait(500), sl, other], T0)
    assert [(e.key, e.assessment.metric) for e in events] == [
        ("q1", Metric.LONGEST_WAIT),
        ("q1", Metric.SERVICE_LEVEL),
        ("q2", Metric.WAITING),
    ]
    # A queue that disappears is forgotten; if it comes back in breach, that is a crossing.
    assert loud.update([wait(500), sl], T0 + timedelta(seconds=2)) == []
    assert len(loud.update([wait(500), sl, other], T0 + timedelta(seconds=4))) == 1
