"""Queue figures on hand-built rows, each expected value worked out by hand (SQLite and PG).

The clock is Monday 2026-11-23 15:00 UTC. Queue "Voice A" is in Berlin (UTC+1) with its day
reset at 06:00 local, so its "today" starts at 05:00 UTC; "Chat B" is in New York (UTC-5)
with a reset at 08:00 local: 13:00 UTC. Comments give each contact's part in each figure.
"""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import pytest

from db.engine import Database
from db.models import (
    AgentStateLog,
    Contact,
    Employee,
    Queue,
    QueueMember,
    QueueSourceStats,
    SourceStatus,
)
from db.queries.queue_intraday import queue_intraday
from db.queries.queue_trace import Figure, trace_figure
from db.queries.queues import queues_snapshot
from desktop.core.domain import AgentState, Channel, Role
from desktop.core.intraday import TimeWindow

NOW = datetime(2026, 11, 23, 15, 0, tzinfo=UTC)


def at(hh: int, mm: int = 0, day: int = 23) -> datetime:
    return datetime(2026, 11, day, hh, mm, tzinfo=UTC)


def contact(queue: int, enq: datetime, **kw) -> Contact:  # type: ignore[no-untyped-def]
    wait = kw.pop("wait", None)
    outcome = kw.pop("outcome", None)
    c = Contact(queue_id=queue, enqueued_at=enq, wait_seconds=wait, **kw)
    if outcome == "answered":
        c.answered_at = enq + timedelta(seconds=wait)
    elif outcome == "abandoned":
        c.abandoned_at = enq + timedelta(seconds=wait)
    return c


def ended(c: Contact, talk: float, hold: float, wrap: float) -> Contact:
    c.talk_seconds, c.hold_seconds, c.wrap_seconds = talk, hold, wrap
    c.ended_at = (c.answered_at or c.enqueued_at) + timedelta(seconds=talk + hold + wrap)
    return c


@pytest.fixture
def queues_db(any_db: Database) -> Database:
    with any_db.write() as s:
        a = Queue(
            name="Voice A",
            channel=Channel.VOICE,
            timezone="Europe/Berlin",
            daily_reset=time(6, 0),
            sl_threshold_seconds=20,
            short_abandon_seconds=5,
            warn_longest_wait_seconds=60,
            warn_waiting_count=3,
        )
        b = Queue(
            name="Chat B",
            channel=Channel.CHAT,
            timezone="America/New_York",
            daily_reset=time(8, 0),
            sl_threshold_seconds=60,
            sl_variant="offered",
            short_abandon_seconds=10,
        )
        c = Queue(name="Voice C", channel=Channel.VOICE, sl_variant="answered")
        d = Queue(name="Old queue", channel=Channel.VOICE, active=False)
        s.add_all([a, b, c, d])
        s.flush()
        people = [
            Employee(username=f"e{i}", full_name=f"Agent {i}", role=Role.AGENT) for i in range(1, 6)
        ]
        s.add_all(people)
        s.flush()
        e1, e2, e3, e4, e5 = (p.id for p in people)
        for emp in (e1, e2, e3, e4, e5):
            s.add(QueueMember(queue_id=a.id, employee_id=emp))
        s.add(QueueMember(queue_id=b.id, employee_id=e1))
        s.add(QueueMember(queue_id=b.id, employee_id=e2))
        for emp, state in (
            (e1, AgentState.AVAILABLE),
            (e2, AgentState.BUSY),
            (e3, AgentState.AWAY),
            (e4, AgentState.OFFLINE),
        ):  # e5 has never logged in: no state row at all
            s.add(AgentStateLog(employee_id=emp, state=state, started_at=at(14)))
        # An ended state row is history, not the current state.
        s.add(
            AgentStateLog(employee_id=e4, state=AgentState.BUSY, started_at=at(9), ended_at=at(14))
        )
        s.add_all(
            [
                # Voice A -------------------------------------------------------------
                contact(a.id, at(4, 30), wait=5, outcome="answered"),  # yesterday for A
                ended(contact(a.id, at(6), wait=10, outcome="answered", agent_id=e1), 100, 20, 30),
                ended(contact(a.id, at(10), wait=30, outcome="answered", agent_id=e2), 200, 0, 40),
                contact(a.id, at(14, 20), wait=3, outcome="abandoned"),  # short abandon
                contact(a.id, at(14, 30), wait=40, outcome="abandoned"),
                ended(contact(a.id, at(14, 40), wait=15, outcome="answered"), 300, 0, 60),
                contact(a.id, at(14, 55)),  # waiting for 5 minutes
                contact(a.id, at(14, 58), wait=20, outcome="answered"),  # in progress
                # Chat B --------------------------------------------------------------
                contact(b.id, at(12), wait=5, outcome="answered"),  # before B's reset
                ended(contact(b.id, at(13, 30), wait=50, outcome="answered"), 400, 0, 20),
                contact(b.id, at(14, 10), wait=8, outcome="abandoned"),  # short (< 10 s)
                contact(b.id, at(14, 15), wait=70, outcome="abandoned"),
                ended(contact(b.id, at(14, 45), wait=90, outcome="answered"), 500, 0, 10),
                # Old queue: inactive, never shown.
                contact(d.id, at(14, 50)),
            ]
        )
    return any_db


def snapshot(db: Database, window: TimeWindow = TimeWindow.TODAY):  # type: ignore[no-untyped-def]
    with db.read() as s:
        return queues_snapshot(s, NOW, window)


def line(snap, name):  # type: ignore[no-untyped-def]
    return next(ln for ln in snap.lines if ln.name == name)


def test_today_per_queue_reset_and_variant(queues_db: Database) -> None:
    snap = snapshot(queues_db)
    assert [ln.name for ln in snap.queues] == ["Voice A", "Voice C", "Chat B"]
    a = line(snap, "Voice A")
    assert a.window_start == at(5)  # 06:00 in Berlin
    v = a.volumes
    # offered: 06:00, 10:00, 14:30, 14:40, 14:55, 14:58 (04:30 is yesterday, 14:20 is short)
    assert (v.offered, v.handled, v.abandoned, v.within) == (6, 4, 1, 3)
    assert v.service_level == pytest.approx(3 / 5)  # within / (answered + abandoned)
    assert v.asa_s == pytest.approx((10 + 30 + 15 + 20) / 4)
    assert v.aht_s == pytest.approx((150 + 240 + 360) / 3)  # completed contacts only
    assert v.abandonment_rate == pytest.approx(1 / 6)
    assert a.waiting == 1 and a.longest_wait_s == pytest.approx(300, abs=0.01)
    assert (a.staffed, a.available, a.busy, a.away) == (3, 1, 1, 1)

    b = line(snap, "Chat B")
    assert b.window_start == at(13)  # 08:00 in New York
    vb = b.volumes
    assert (vb.offered, vb.handled, vb.abandoned, vb.within) == (3, 2, 1, 1)
    assert vb.service_level == pytest.approx(1 / 3)  # variant "offered"
    assert b.waiting == 0 and b.longest_wait_s is None

    c = line(snap, "Voice C")
    assert c.volumes.offered == 0 and c.volumes.service_level is None
    assert (c.staffed, c.staffing.required, c.staffing.gap) == (0, 0, 0)


def test_channel_and_total_rows(queues_db: Database) -> None:
    snap = snapshot(queues_db)
    assert [ln.name for ln in snap.channels] == ["Voice", "Chat"]
    voice = line(snap, "Voice")
    assert voice.volumes.offered == 6 and voice.volumes.service_level == pytest.approx(3 / 5)
    total = snap.total
    # SL of the total: summed "within" over each queue's own denominator: (3 + 1) / (5 + 3).
    assert total.volumes.service_level == pytest.approx(4 / 8)
    assert total.waiting == 1 and total.longest_wait_s == pytest.approx(300, abs=0.01)
    # Heads, not sums: agent 1 and 2 are skilled for both queues but count once.
    assert (total.staffed, total.available, total.busy, total.away) == (3, 1, 1, 1)
    assert line(snap, "Chat").available == 1 and line(snap, "Chat").busy == 1
    assert set(total.queue_ids) == {ln.queue_ids[0] for ln in snap.queues}


def test_rolling_windows(queues_db: Database) -> None:
    snap = snapshot(queues_db, TimeWindow.LAST_30_MIN)
    a = line(snap, "Voice A")
    assert a.window_start == at(14, 30)
    # 14:30 (abandoned), 14:40, 14:55 (waiting), 14:58
    assert (a.volumes.offered, a.volumes.handled, a.volumes.abandoned) == (4, 2, 1)
    assert a.volumes.service_level == pytest.approx(2 / 3)
    # Thresholds are still judged on today.
    assert a.today.service_level == pytest.approx(3 / 5)
    hour = line(snapshot(queues_db, TimeWindow.LAST_HOUR), "Chat B")
    assert (hour.volumes.offered, hour.volumes.abandoned) == (2, 1)  # 14:15 and 14:45


def test_erlang_c_at_last_hours_rate(queues_db: Database) -> None:
    a = line(snapshot(queues_db), "Voice A").staffing
    # Last hour: 14:30, 14:40, 14:55, 14:58 offered (14:20 is short) = 4 per hour. Only one
    # contact completed in the last hour, so AHT falls back to today's 250 s.
    assert a.rate_per_hour == 4 and a.aht_s == pytest.approx(250)
    # A = 4 x 250 / 3600 = 0.278 Erlang. One agent: SL(20 s) = 1 - 0.278 e^-0.0578 = 0.74 <
    # 0.80; two agents: P(wait) = 0.034, SL = 0.97. So 2 are needed; 1 available + 1 busy.
    assert a.required == 2 and a.on_queue == 2 and a.gap == 0
    assert a.scheduled == 3  # 2 / (1 - 0.3) = 2.86 -> 3


def test_source_fed_queue_reads_its_stats(queues_db: Database) -> None:
    with queues_db.write() as s:
        q = Queue(name="Twilio support", channel=Channel.VOICE, external_sid="WQ" + "1" * 32)
        s.add(q)
        s.flush()
        for window, offered in (("today", 40), ("60m", 12)):
            s.add(
                QueueSourceStats(
                    queue_id=q.id,
                    window=window,
                    source="taskrouter",
                    at=NOW,
                    waiting=4,
                    longest_wait_seconds=95,
                    offered=offered,
                    handled=offered - 4,
                    abandoned=4,
                    answered_within=offered - 10,
                    answer_wait_total_seconds=10.0 * (offered - 4),
                    agents_staffed=6,
                    agents_available=2,
                    agents_busy=3,
                    agents_away=1,
                )
            )
        s.add(
            SourceStatus(
                name="taskrouter",
                last_attempt_at=NOW,
                last_success_at=NOW - timedelta(minutes=3),
                last_error="unreachable",
            )
        )
    snap = snapshot(queues_db)
    tw = line(snap, "Twilio support")
    assert tw.source == "taskrouter" and tw.waiting == 4 and tw.longest_wait_s == 95
    assert tw.volumes.service_level == pytest.approx(30 / 40)  # answered + abandoned = 40
    assert tw.volumes.asa_s == pytest.approx(10.0)
    assert tw.staffing.rate_per_hour == 12 and tw.staffing.required is None  # AHT unknown
    assert snap.total.available == 1 + 2  # member heads + the source's own counts
    (age,) = snap.sources
    assert age.failing and age.age_s(NOW) == pytest.approx(180)
    hour = line(snapshot(queues_db, TimeWindow.LAST_HOUR), "Twilio support")
    assert hour.volumes.offered == 12 and hour.today.offered == 40


def test_intraday_buckets_today_and_four_week_average(queues_db: Database) -> None:
    with queues_db.write() as s:
        qid = s.query(Queue.id).filter_by(name="Voice A").scalar()
        # Same weekday one and two weeks ago: 3 and 1 contacts in the 09:00 UTC interval (=
        # 10:00 Berlin, the 16th interval after the 06:00 reset); three and four weeks ago
        # had no contacts at all, so the average is over 2 weeks.
        for day, n in ((16, 3), (9, 1)):
            for i in range(n):
                s.add(contact(qid, at(9, 5 * i, day=day), wait=1, outcome="answered"))
    with queues_db.read() as s:
        series = queue_intraday(s, qid, NOW)
    assert series is not None
    assert series.day_start == at(5) and series.intervals == 96
    assert series.now_index == 40  # 15:00 UTC is 10 hours after 05:00
    assert series.offered[4] == 1 and series.handled[4] == 1  # the 06:00 UTC contact
    assert series.offered[20] == 1  # 10:00 UTC
    assert series.offered[38] == 2 and series.offered[39] == 2  # 14:30/14:40, 14:55/14:58
    assert series.service_level[38] == pytest.approx(1 / 2)  # 14:40 in SL; 14:30 abandoned
    assert series.weeks_used == 2 and series.avg_offered[16] == pytest.approx(2.0)
    assert sum(series.offered) == 6


def test_trace_lists_the_contacts_behind_each_figure(queues_db: Database) -> None:
    with queues_db.read() as s:
        qid = s.query(Queue.id).filter_by(name="Voice A").scalar()
        starts = {qid: at(5)}
        sl = trace_figure(s, Figure.SERVICE_LEVEL, starts, NOW)
        offered = trace_figure(s, Figure.OFFERED, starts, NOW)
        waiting = trace_figure(s, Figure.WAITING, starts, NOW)
        aht = trace_figure(s, Figure.AHT, starts, NOW)
        agents = trace_figure(s, Figure.AGENTS, starts, NOW)
        limited = trace_figure(s, Figure.OFFERED, starts, NOW, limit=2)
    assert sl.total == 5 and sum(r.counted_as.startswith("counts in SL") for r in sl.rows) == 3
    assert offered.total == 6 and len(offered.rows) == 6
    assert [r.enqueued_at for r in waiting.rows] == [at(14, 55)]
    assert waiting.rows[0].wait_s == pytest.approx(300)
    assert sorted(r.handle_s for r in aht.rows) == [150, 240, 360]
    assert sorted(r.state for r in agents.rows) == [
        "available",
        "away",
        "busy",
        "offline",
        "offline",
    ]
    assert limited.truncated and len(limited.rows) == 2 and limited.total == 6
