"""TaskRouterClient against the loopback TaskRouter: paging, mapping, back-off, rate, errors."""

from __future__ import annotations

import socket
import time

import pytest

from desktop.sources.taskrouter_client import (
    TaskRouterClient,
    TaskRouterRejected,
    TaskRouterSettings,
    TaskRouterUnavailable,
    TokenBucket,
)
from tests.fakes.twilio_server import FakeTwilio


class Sleeps(list[float]):
    """Records back-off waits instead of waiting."""

    def __call__(self, seconds: float) -> None:
        self.append(seconds)


def fast_client(settings: TaskRouterSettings, **kwargs: object) -> TaskRouterClient:
    """A client whose limiter never waits, for tests about something other than the rate."""
    defaults: dict[str, object] = {
        "limiter": TokenBucket(rate_per_s=10_000, burst=10_000),
        "sleep": Sleeps(),
        "rand": lambda: 0.5,
    }
    return TaskRouterClient(settings, **{**defaults, **kwargs})  # type: ignore[arg-type]


@pytest.fixture
def support_queue(fake_twilio: FakeTwilio) -> str:
    tr = fake_twilio.taskrouter
    sid = tr.add_queue(
        "Support",
        pending=3,
        reserved=1,
        assigned=2,
        wrapping=1,
        longest_wait=95,
        task_waits=[(10, "accepted"), (30, "accepted"), (70, "canceled")],
    )
    tr.add_worker("Ann", "Available", [sid], attributes={"skills": ["billing"]})
    tr.add_worker("Bob", "Offline", [sid])
    return sid


def test_lists_read_every_page(
    fake_twilio: FakeTwilio, fake_taskrouter_settings: TaskRouterSettings
) -> None:
    fake_twilio.taskrouter.seed_demo(queues=3, workers_per_queue=4)
    client = fast_client(fake_taskrouter_settings, page_size=5)
    workers = client.workers()
    assert [w.sid for w in workers] == list(fake_twilio.taskrouter.workers)
    assert len(fake_twilio.requests("/Workers")) == 3  # 12 workers, 5 a page
    assert {w.activity_name for w in workers} == {"Available", "Unavailable", "Offline"}
    assert all(w.available == (w.activity_name == "Available") for w in workers)
    assert [q.friendly_name for q in client.task_queues()] == ["Queue 1", "Queue 2", "Queue 3"]
    activities = client.activities()
    assert {(a.friendly_name, a.available) for a in activities} == {
        ("Offline", False),
        ("Available", True),
        ("Unavailable", False),
    }


def test_follows_next_page_urls_on_twilio_hosts() -> None:
    with FakeTwilio(advertise_twilio_hosts=True) as fake:
        fake.taskrouter.seed_demo(queues=3)
        settings = TaskRouterSettings(
            fake.account_sid, fake.auth_token, fake.workspace_sid, fake.base_url, 0.5
        )
        queues = fast_client(settings, page_size=1).task_queues()
        assert len(queues) == 3 and len(fake.requests("/TaskQueues")) == 3


def test_bulk_statistics_are_mapped(
    fake_twilio: FakeTwilio, fake_taskrouter_settings: TaskRouterSettings, support_queue: str
) -> None:
    [stats] = fast_client(fake_taskrouter_settings).queue_statistics(
        minutes=60, split_by_wait_time=(60, 20)
    )
    assert stats.task_queue_sid == support_queue
    rt, cum = stats.realtime, stats.cumulative
    assert (rt.longest_task_waiting_age, rt.total_tasks) == (95, 7)
    assert (rt.tasks_pending, rt.tasks_reserved, rt.tasks_assigned, rt.tasks_wrapping) == (
        3,
        1,
        2,
        1,
    )
    assert (rt.total_available_workers, rt.total_eligible_workers) == (1, 2)
    assert {a.friendly_name: a.workers for a in rt.activity_statistics} == {
        "Offline": 1,
        "Available": 1,
        "Unavailable": 0,
    }
    assert (cum.tasks_entered, cum.tasks_canceled, cum.tasks_completed) == (3, 1, 2)
    assert cum.avg_task_acceptance_time == 20 and cum.reservations_accepted == 2
    assert cum.wait_duration_until_canceled is not None
    assert cum.wait_duration_until_canceled.max == 70
    assert cum.end_time is not None and (cum.end_time - cum.start_time).total_seconds() == 3600
    by_threshold = {s.threshold_seconds: s for s in cum.split_by_wait_time}
    assert list(by_threshold) == [20, 60]
    assert (
        by_threshold[20].reservations_accepted_above,
        by_threshold[20].tasks_canceled_above,
    ) == (
        1,
        1,
    )
    assert by_threshold[60].reservations_accepted_below == 2
    [request] = fake_twilio.requests("/TaskQueues/Statistics")
    assert request.query["SplitByWaitTime"] == "60,20" and request.query["Minutes"] == "60"


def test_single_queue_statistics_match_the_bulk_ones(
    fake_taskrouter_settings: TaskRouterSettings, support_queue: str
) -> None:
    client = fast_client(fake_taskrouter_settings)
    single = client.queue_statistics_for(support_queue, split_by_wait_time=(20,))
    [bulk] = client.queue_statistics(split_by_wait_time=(20,))
    assert single.realtime.longest_task_waiting_age == bulk.realtime.longest_task_waiting_age
    assert single.realtime.total_eligible_workers == bulk.realtime.total_eligible_workers
    assert single.cumulative.tasks_entered == bulk.cumulative.tasks_entered == 3
    assert single.cumulative.split_by_wait_time == bulk.cumulative.split_by_wait_time


def test_workers_statistics_and_snapshot(
    fake_taskrouter_settings: TaskRouterSettings, support_queue: str
) -> None:
    client = fast_client(fake_taskrouter_settings)
    stats = client.workers_statistics(minutes=30)
    assert stats.total_workers == 2
    assert {d.friendly_name: d.total for d in stats.activity_durations}["Available"] == 1800
    snap = client.snapshot()
    assert [q.sid for q in snap.queues] == [support_queue]
    assert len(snap.workers) == 2 and len(snap.activities) == 3
    assert snap.queue_statistics[0].realtime.total_tasks == 7
    assert '"billing"' in next(w for w in snap.workers if w.friendly_name == "Ann").attributes_json


def test_429_is_retried_with_backoff(
    fake_twilio: FakeTwilio, fake_taskrouter_settings: TaskRouterSettings, support_queue: str
) -> None:
    sleeps = Sleeps()
    fake_twilio.fail_next(429, times=2, path_contains="/TaskQueues")
    queues = fast_client(fake_taskrouter_settings, sleep=sleeps).task_queues()
    assert [q.sid for q in queues] == [support_queue]
    assert sleeps == [0.25, 0.5]  # full jitter at 0.5 of ceilings 0.5 s and 1 s
    assert [r.status for r in fake_twilio.requests("/TaskQueues")] == [429, 429, 200]


def test_a_failing_later_page_is_retried_alone(
    fake_twilio: FakeTwilio, fake_taskrouter_settings: TaskRouterSettings
) -> None:
    fake_twilio.taskrouter.seed_demo(queues=1, workers_per_queue=4)
    fake_twilio.fail_next(503, path_contains="/Workers?PageSize=2&Page=1&")
    workers = fast_client(fake_taskrouter_settings, page_size=2).workers()
    assert len(workers) == 4
    pages = [(r.query.get("Page"), r.status) for r in fake_twilio.requests("/Workers")]
    assert pages == [(None, 200), ("1", 503), ("1", 200)]  # page one was not read again


def test_persistent_429_gives_up_as_unavailable(
    fake_twilio: FakeTwilio, fake_taskrouter_settings: TaskRouterSettings
) -> None:
    fake_twilio.fail_next(429, times=10)
    with pytest.raises(TaskRouterUnavailable, match="still failing after 3 attempts"):
        fast_client(fake_taskrouter_settings, max_retries=2).activities()


def test_timeout_raises_unavailable(
    fake_twilio: FakeTwilio, fake_taskrouter_settings: TaskRouterSettings
) -> None:
    fake_twilio.delay_next(1.0)
    started = time.monotonic()
    with pytest.raises(TaskRouterUnavailable, match="unreachable while listing task queues"):
        fast_client(fake_taskrouter_settings).task_queues()
    assert time.monotonic() - started < 0.9  # gave up at the 0.5 s timeout, did not retry


def test_refused_connection_raises_unavailable(fake_twilio: FakeTwilio) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    settings = TaskRouterSettings(
        fake_twilio.account_sid, "t", fake_twilio.workspace_sid, f"http://127.0.0.1:{port}", 0.5
    )
    with pytest.raises(TaskRouterUnavailable, match=f"127.0.0.1:{port}"):
        fast_client(settings).activities()


def test_bad_credentials_and_workspace_are_rejected(fake_twilio: FakeTwilio) -> None:
    wrong_token = TaskRouterSettings(
        fake_twilio.account_sid, "nope", fake_twilio.workspace_sid, fake_twilio.base_url, 0.5
    )
    with pytest.raises(TaskRouterRejected) as caught:
        fast_client(wrong_token).activities()
    assert (caught.value.http_status, caught.value.code) == (401, 20003)
    wrong_ws = TaskRouterSettings(
        fake_twilio.account_sid, fake_twilio.auth_token, "WS" + "b" * 32, fake_twilio.base_url
    )
    with pytest.raises(TaskRouterRejected, match="check the account and workspace"):
        fast_client(wrong_ws).activities()


def test_stays_under_five_requests_per_second(
    fake_twilio: FakeTwilio, fake_taskrouter_settings: TaskRouterSettings
) -> None:
    fake_twilio.rate_limit_per_s = 5  # the fake answers 429 above TaskRouter's limit
    fake_twilio.taskrouter.seed_demo(queues=3, workers_per_queue=1)
    client = TaskRouterClient(fake_taskrouter_settings, page_size=2)  # default limiter
    client.snapshot()  # 2 + 2 + 2 + 2 + 1 requests
    log = fake_twilio.requests("/v1/")
    assert len(log) == 9 and all(r.status == 200 for r in log)
    assert fake_twilio.max_requests_in_window() <= 5
    assert max(fake_twilio.requests_per_second().values()) <= 5


def test_token_bucket_paces_requests() -> None:
    now = [0.0]
    stamps: list[float] = []

    def sleep(seconds: float) -> None:
        now[0] += seconds

    bucket = TokenBucket(rate_per_s=4.0, burst=1, clock=lambda: now[0], sleep=sleep)
    for _ in range(10):
        bucket.acquire()
        stamps.append(now[0])
    assert stamps[0] == 0.0 and stamps[-1] == pytest.approx(9 * 0.25)
    assert all(sum(1 for t in stamps if s <= t < s + 1.0) <= 5 for s in stamps)
    now[0] += 10  # after a pause, the burst is capped at one
    assert bucket.acquire() == 0.0 and bucket.acquire() == pytest.approx(0.25)


def test_settings_mask_the_token() -> None:
    settings = TaskRouterSettings("AC" + "a" * 32, "s3cret", "WS" + "a" * 32)
    assert "s3cret" not in repr(settings)
    with pytest.raises(ValueError, match="workspace SID"):
        TaskRouterSettings("AC" + "a" * 32, "s3cret", "WSnope")
