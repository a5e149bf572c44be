"""Writes what the TaskRouter client read into the tables the views read.

TaskQueues become ``queues`` (by ``external_sid``), workers become ``employees`` with their
activity as the current ``agent_states`` row, and each queue's real-time and cumulative
statistics become its ``queue_source_stats`` rows per window. Figures follow METRICS.md:

- waiting = tasks pending + reserved; longest wait = ``longest_task_waiting_age``;
- offered = tasks entered - short abandons; abandoned = tasks canceled - short abandons,
  where a short abandon is a task canceled below the queue's short-abandon limit (from
  ``split_by_wait_time``);
- handled = reservations accepted; answered within T = accepted below the SL threshold T;
- agents: the queue's eligible workers by activity (available / busy / away / offline).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from db.models import AgentStateLog, Employee, Queue, QueueSourceStats
from desktop.core.domain import AgentState, Channel, Role
from desktop.sources.taskrouter_records import (
    ActivityCount,
    ActivityInfo,
    QueueStatistics,
    TaskQueueInfo,
    WaitSplit,
    WorkerInfo,
)

SOURCE = "taskrouter"
_BUSY = re.compile(r"busy|on[ -]?call|talking|wrap|in[ -]?progress|reserved", re.I)
_OFFLINE = re.compile(r"offline|logged[ -]?out|signed[ -]?out", re.I)


@dataclass(frozen=True)
class StoreReport:
    """How many rows one sync touched."""

    queues_added: int
    queues_retired: int
    workers_added: int
    state_changes: int
    stats_rows: int


def activity_state(name: str | None, available: bool) -> AgentState:
    """Proximity's state for a TaskRouter activity (available flag first, then the name)."""
    if available:
        return AgentState.AVAILABLE
    text = name or ""
    if _OFFLINE.search(text):
        return AgentState.OFFLINE
    if _BUSY.search(text):
        return AgentState.BUSY
    return AgentState.AWAY


def channel_of(name: str) -> Channel:
    """A queue's channel guessed from its name (TaskQueues have none); voice by default."""
    low = name.lower()
    if "chat" in low:
        return Channel.CHAT
    if "sms" in low or "text" in low or "whatsapp" in low:
        return Channel.SMS
    if "mail" in low:
        return Channel.EMAIL
    return Channel.VOICE


def _unique_name(session: Session, wanted: str, sid: str, taken: set[str]) -> str:
    name = wanted.strip()[:90] or sid
    if name in taken:
        name = f"{name[:80]} ({sid[-6:]})"
    taken.add(name)
    return name


def store_queues(
    session: Session, queues: Iterable[TaskQueueInfo]
) -> tuple[dict[str, int], int, int]:
    """Create or rename queues by SID; retire synced queues TaskRouter no longer has.

    Returns:
        (queue id by SID, queues added, queues retired).
    """
    existing = {
        q.external_sid: q
        for q in session.scalars(select(Queue).where(Queue.external_sid.is_not(None)))
    }
    taken = set(session.scalars(select(Queue.name)))
    ids: dict[str, int] = {}
    added = 0
    for info in queues:
        row = existing.get(info.sid)
        if row is None:
            row = Queue(
                name=_unique_name(session, info.friendly_name, info.sid, taken),
                channel=channel_of(info.friendly_name),
                external_sid=info.sid,
            )
            session.add(row)
            added += 1
        else:
            row.active = True
            if row.name != info.friendly_name and info.friendly_name.strip():
                taken.discard(row.name)
                row.name = _unique_name(session, info.friendly_name, info.sid, taken)
        session.flush()
        ids[info.sid] = row.id
    retired = 0
    for sid, row in existing.items():
        if sid not in ids and row.active:
            row.active = False
            retired += 1
    return ids, added, retired


def store_workers(
    session: Session, workers: Iterable[WorkerInfo], now: datetime
) -> tuple[int, int]:
    """Create employees for new workers and move each worker's current state.

    Returns:
        (workers added, state rows changed).
    """
    people = {
        e.external_sid: e
        for e in session.scalars(select(Employee).where(Employee.external_sid.is_not(None)))
    }
    current = {
        row.employee_id: row
        for row in session.scalars(select(AgentStateLog).where(AgentStateLog.ended_at.is_(None)))
    }
    taken = set(session.scalars(select(Employee.username)))
    added = changes = 0
    for w in workers:
        emp = people.get(w.sid)
        if emp is None:
            username = "tr-" + re.sub(r"[^a-z0-9]+", ".", w.friendly_name.lower()).strip(".")
            if not username or username in taken:
                username = f"tr-{w.sid[-10:].lower()}"
            taken.add(username)
            emp = Employee(
                username=username[:100],
                full_name=w.friendly_name or w.sid,
                role=Role.AGENT,
                external_sid=w.sid,
            )
            session.add(emp)
            session.flush()
            added += 1
        elif w.friendly_name and emp.full_name != w.friendly_name:
            emp.full_name = w.friendly_name
        state = activity_state(w.activity_name, w.available)
        row = current.get(emp.id)
        if row is not None and row.state == state:
            continue
        since = min(w.date_status_changed or now, now)
        if row is not None:
            since = max(since, row.started_at)
            session.execute(
                update(AgentStateLog).where(AgentStateLog.id == row.id).values(ended_at=since)
            )
        elif state == AgentState.OFFLINE:
            continue  # never seen and offline: no row needed
        session.add(
            AgentStateLog(
                employee_id=emp.id,
                state=state,
                reason=(w.activity_name or "")[:40],
                started_at=since,
            )
        )
        changes += 1
    return added, changes


def _split(splits: tuple[WaitSplit, ...], threshold: int) -> WaitSplit | None:
    return next((s for s in splits if s.threshold_seconds == threshold), None)


def _agents(
    counts: tuple[ActivityCount, ...], activities: Mapping[str, ActivityInfo]
) -> dict[AgentState, int]:
    out = dict.fromkeys(AgentState, 0)
    for c in counts:
        info = activities.get(c.sid)
        state = activity_state(
            info.friendly_name if info else c.friendly_name, bool(info and info.available)
        )
        out[state] += c.workers
    return out


def store_statistics(
    session: Session,
    window: str,
    window_start: datetime | None,
    stats: Iterable[QueueStatistics],
    queue_ids: Mapping[str, int],
    activities: Mapping[str, ActivityInfo],
    now: datetime,
) -> int:
    """Upsert one window's ``queue_source_stats`` rows; returns how many were written."""
    settings = {
        q.id: (q.sl_threshold_seconds, q.short_abandon_seconds)
        for q in session.scalars(select(Queue).where(Queue.id.in_(list(queue_ids.values()))))
    }
    written = 0
    for st in stats:
        queue_id = queue_ids.get(st.task_queue_sid)
        if queue_id is None:
            continue
        threshold, short_limit = settings[queue_id]
        rt, cu = st.realtime, st.cumulative
        short = _split(cu.split_by_wait_time, short_limit)
        within = _split(cu.split_by_wait_time, threshold)
        short_abandons = short.tasks_canceled_below if short else 0
        agents = _agents(rt.activity_statistics, activities)
        row = session.get(QueueSourceStats, (queue_id, window)) or QueueSourceStats(
            queue_id=queue_id, window=window
        )
        waiting = rt.tasks_pending + rt.tasks_reserved
        row.source = SOURCE
        row.at = now
        row.window_start = cu.start_time or window_start
        row.waiting = waiting
        row.longest_wait_seconds = float(rt.longest_task_waiting_age) if waiting else None
        row.offered = max(0, cu.tasks_entered - short_abandons)
        row.abandoned = max(0, cu.tasks_canceled - short_abandons)
        row.handled = cu.reservations_accepted
        row.answered_within = within.reservations_accepted_below if within else 0
        wait = cu.wait_duration_until_accepted
        row.answer_wait_total_seconds = float(wait.total) if wait else 0.0
        row.agents_available = agents[AgentState.AVAILABLE]
        row.agents_busy = agents[AgentState.BUSY]
        row.agents_away = agents[AgentState.AWAY]
        row.agents_staffed = row.agents_available + row.agents_busy + row.agents_away
        session.add(row)
        written += 1
    return written


def split_thresholds(session: Session, queue_sids: Iterable[str]) -> tuple[int, ...]:
    """The SL thresholds and short-abandon limits to ask ``split_by_wait_time`` for."""
    sids = list(queue_sids)
    rows = session.execute(
        select(Queue.sl_threshold_seconds, Queue.short_abandon_seconds).where(
            Queue.external_sid.in_(sids)
        )
    ).all()
    values = {int(v) for row in rows for v in row} or {5, 20}
    defaults = Queue.__table__.c
    values.add(int(defaults.sl_threshold_seconds.default.arg))  # type: ignore[union-attr]
    values.add(int(defaults.short_abandon_seconds.default.arg))  # type: ignore[union-attr]
    return tuple(sorted(v for v in values if v > 0))
