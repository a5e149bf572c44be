"""The queues view's snapshot: per queue, per channel and in total, aggregated in SQL.

Definitions are METRICS.md's (Queues, Staffing). Per queue, "today" starts at the queue's own
daily reset in its own time zone; the service-level variant, threshold and short-abandon limit
are the queue's settings. Queues whose figures come from an external source (the TaskRouter
sync) are read from ``queue_source_stats`` instead of ``contacts``; both end up in the same
``QueueLine``.

Cost at the large scale (200 queues, 2,000 agents): one settings read, one partial-index read
for the waiting contacts, one contacts scan per distinct day start (usually one) over today's
rows through the covering ``ix_contacts_queue_figures``, and one read of the agent states.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, time
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from db import tables as t
from db.queries.queue_figures import (
    SourceAge,
    StaffingInputs,
    Volumes,
    source_ages,
    staffing_for,
)
from db.queries.queue_scan import Scanned, agent_states, scan_contacts, waiting_now
from desktop.core.domain import AgentState, Channel
from desktop.core.intraday import TimeWindow, day_start, window_start
from desktop.core.metrics import ServiceLevelVariant

if TYPE_CHECKING:
    from sqlalchemy import Row

    from db.engine import Reader

__all__ = [
    "CHANNEL_ORDER",
    "QueueLine",
    "QueueSettings",
    "QueuesSnapshot",
    "queue_settings",
    "queues_snapshot",
]

CHANNEL_ORDER = (Channel.VOICE, Channel.CHAT, Channel.SMS, Channel.EMAIL)
CHANNEL_LABELS = {"voice": "Voice", "chat": "Chat", "sms": "SMS", "email": "E-mail"}
AHT_MIN_CONTACTS = 3  # fewer completed contacts in the last hour: fall back to today's AHT


@dataclass(frozen=True)
class QueueSettings:
    """A queue's own settings, as the figures use them."""

    queue_id: int
    name: str
    channel: str
    timezone: str
    daily_reset: time
    sl_target: float
    sl_threshold_seconds: int
    sl_variant: str
    short_abandon_seconds: int
    warn_longest_wait_seconds: int | None
    warn_waiting_count: int | None
    shrinkage: float
    max_occupancy: float
    external_sid: str | None

    @property
    def variant(self) -> ServiceLevelVariant:
        """The SL variant; an unknown stored value falls back to the METRICS.md default."""
        try:
            return ServiceLevelVariant(self.sl_variant)
        except ValueError:
            return ServiceLevelVariant.ANSWERED_PLUS_ABANDONED

    def describe_sl(self) -> str:
        """E.g. "SL: answered within 20 s / (answered + abandoned after 5 s)"."""
        return self.variant.describe(self.sl_threshold_seconds, self.short_abandon_seconds)


@dataclass(frozen=True)
class QueueLine:
    """One row of the queues table: a queue, a channel subtotal or the grand total.

    Attributes:
        key: stable identity for diff updates ("q:12", "c:voice", "total").
        kind: "queue", "channel" or "total".
        name: what the first column shows.
        channel: the channel (None for the total).
        queue_ids: the queues the figures cover (for "show the contacts behind it").
        settings: the queue's settings (queue rows only).
        window_start: start of the window for a queue row (None for subtotals: it varies).
        waiting: contacts waiting now.
        longest_wait_s: now - enqueue time of the oldest waiting contact.
        volumes: offered/handled/abandoned/SL counts over the chosen window.
        today: the same counts over the queue's "today" (thresholds are judged on these).
        staffed / available / busy / away: agents skilled for the queue, by current state.
        staffing: Erlang C inputs and result (agents required, gap).
        source: "contacts" or the external source's name ("taskrouter").
    """

    key: str
    kind: str
    name: str
    channel: str | None
    queue_ids: tuple[int, ...]
    settings: QueueSettings | None
    window_start: datetime | None
    waiting: int
    longest_wait_s: float | None
    volumes: Volumes
    today: Volumes
    staffed: int
    available: int
    busy: int
    away: int
    staffing: StaffingInputs
    source: str = "contacts"


@dataclass(frozen=True)
class QueuesSnapshot:
    """Everything the queues view shows at one moment."""

    at: datetime
    window: TimeWindow
    queues: tuple[QueueLine, ...]
    channels: tuple[QueueLine, ...]
    total: QueueLine
    sources: tuple[SourceAge, ...]

    @property
    def lines(self) -> tuple[QueueLine, ...]:
        return (*self.queues, *self.channels, self.total)


def queue_settings(session: Reader) -> list[QueueSettings]:
    """Settings of every active queue, by channel then name."""
    rows = session.execute(
        select(t.queues).where(t.queues.c.active.is_(True)).order_by(t.queues.c.name)
    )
    return [
        QueueSettings(
            q.id,
            q.name,
            str(q.channel),
            q.timezone or "UTC",
            q.daily_reset or time(0, 0),
            float(q.sl_target),
            int(q.sl_threshold_seconds),
            q.sl_variant,
            int(q.short_abandon_seconds),
            q.warn_longest_wait_seconds,
            q.warn_waiting_count,
            float(q.shrinkage),
            float(q.max_occupancy),
            q.external_sid,
        )
        for q in rows
    ]


def _source_rows(session: Reader, window: TimeWindow) -> dict[int, tuple[Row[Any], ...]]:
    """External figures per queue: the chosen window's, today's and the last hour's rows."""
    wanted = {window.value, TimeWindow.TODAY.value, TimeWindow.LAST_HOUR.value}
    out: dict[int, list[Row[Any]]] = defaultdict(list)
    for row in session.execute(
        select(t.queue_source_stats).where(t.queue_source_stats.c.window.in_(wanted))
    ):
        out[row.queue_id].append(row)
    return {k: tuple(v) for k, v in out.items()}


def _from_source(
    settings: QueueSettings, rows: tuple[Row[Any], ...], window: TimeWindow, now: datetime
) -> QueueLine:
    by_window = {r.window: r for r in rows}
    today_row = by_window.get(TimeWindow.TODAY.value)
    row = by_window.get(window.value) or today_row
    assert row is not None

    def volumes(r: Row[Any] | None) -> Volumes:
        if r is None:
            return Volumes.empty()
        return Volumes.of(
            settings.variant,
            r.offered,
            r.handled,
            r.abandoned,
            r.answered_within,
            r.answer_wait_total_seconds,
            0,
            0.0,
        )

    hour = by_window.get(TimeWindow.LAST_HOUR.value)
    staffing = staffing_for(
        settings,
        hour_offered=hour.offered if hour is not None else None,
        aht_s=None,
        on_queue=row.agents_available + row.agents_busy,
    )
    return QueueLine(
        key=f"q:{settings.queue_id}",
        kind="queue",
        name=settings.name,
        channel=settings.channel,
        queue_ids=(settings.queue_id,),
        settings=settings,
        window_start=row.window_start,
        waiting=row.waiting,
        longest_wait_s=row.longest_wait_seconds,
        volumes=volumes(row),
        today=volumes(today_row),
        staffed=row.agents_staffed,
        available=row.agents_available,
        busy=row.agents_busy,
        away=row.agents_away,
        staffing=staffing,
        source=row.source,
    )


def _subtotal(
    key: str,
    kind: str,
    name: str,
    channel: str | None,
    lines: Iterable[QueueLine],
    heads: dict[str, int],
) -> QueueLine:
    """Summed figures of ``lines``; agents are the distinct heads of the member queues, plus
    the counts of source-fed queues (whose agents are not queue members here)."""
    lines = list(lines)
    fed = [ln for ln in lines if ln.source != "contacts"]
    waits = [ln.longest_wait_s for ln in lines if ln.longest_wait_s is not None]
    available = heads.get(AgentState.AVAILABLE, 0) + sum(ln.available for ln in fed)
    busy = heads.get(AgentState.BUSY, 0) + sum(ln.busy for ln in fed)
    away = heads.get(AgentState.AWAY, 0) + sum(ln.away for ln in fed)
    return QueueLine(
        key=key,
        kind=kind,
        name=name,
        channel=channel,
        queue_ids=tuple(i for ln in lines for i in ln.queue_ids),
        settings=None,
        window_start=None,
        waiting=sum(ln.waiting for ln in lines),
        longest_wait_s=max(waits) if waits else None,
        volumes=Volumes.total(ln.volumes for ln in lines),
        today=Volumes.total(ln.today for ln in lines),
        staffed=available + busy + away,
        available=available,
        busy=busy,
        away=away,
        staffing=StaffingInputs.total(ln.staffing for ln in lines),
    )


def queues_snapshot(
    session: Reader, now: datetime, window: TimeWindow = TimeWindow.TODAY
) -> QueuesSnapshot:
    """Per queue, per channel and in total: the live figures of the queues view.

    Args:
        session: a read session.
        now: the current time (aware).
        window: the period the volume figures cover.

    Returns:
        The snapshot; queues in ``CHANNEL_ORDER`` then by name.
    """
    settings = queue_settings(session)
    starts = {s.queue_id: day_start(now, s.timezone, s.daily_reset) for s in settings}
    external = _source_rows(session, window)
    native = [s for s in settings if s.queue_id not in external]
    groups: dict[datetime, dict[int, ServiceLevelVariant]] = defaultdict(dict)
    for s in native:
        groups[starts[s.queue_id]][s.queue_id] = s.variant
    scanned: dict[int, Scanned] = {}
    for today_start, variants in groups.items():
        since = window_start(window, now, today_start)
        scanned.update(scan_contacts(session, variants, now, today_start, since))
    waiting = waiting_now(session, now)
    per_queue, per_channel = agent_states(session)

    lines: list[QueueLine] = []
    for s in settings:
        if s.queue_id in external:
            lines.append(_from_source(s, external[s.queue_id], window, now))
            continue
        scan = scanned.get(s.queue_id)
        window_vol = scan.window if scan else Volumes.empty()
        today_vol = scan.today if scan else Volumes.empty()
        states = per_queue.get(s.queue_id, {})
        available = states.get(AgentState.AVAILABLE, 0)
        busy = states.get(AgentState.BUSY, 0)
        away = states.get(AgentState.AWAY, 0)
        if scan and scan.hour_completed >= AHT_MIN_CONTACTS:
            aht = scan.hour_handle_total / scan.hour_completed
        else:
            aht = today_vol.aht_s
        n_wait, longest = waiting.get(s.queue_id, (0, None))
        lines.append(
            QueueLine(
                key=f"q:{s.queue_id}",
                kind="queue",
                name=s.name,
                channel=s.channel,
                queue_ids=(s.queue_id,),
                settings=s,
                window_start=window_start(window, now, starts[s.queue_id]),
                waiting=n_wait,
                longest_wait_s=longest,
                volumes=window_vol,
                today=today_vol,
                staffed=available + busy + away,
                available=available,
                busy=busy,
                away=away,
                staffing=staffing_for(
                    s,
                    hour_offered=scan.hour_offered if scan else 0,
                    aht_s=aht,
                    on_queue=available + busy,
                ),
            )
        )
    order = {c.value: i for i, c in enumerate(CHANNEL_ORDER)}
    lines.sort(key=lambda ln: (order.get(ln.channel or "", 99), ln.name.lower()))
    channels: list[QueueLine] = []
    for channel in sorted({ln.channel for ln in lines}, key=lambda c: order.get(c or "", 99)):
        members = [ln for ln in lines if ln.channel == channel]
        label = CHANNEL_LABELS.get(str(channel), str(channel))
        channels.append(
            _subtotal(
                f"c:{channel}",
                "channel",
                label,
                channel,
                members,
                per_channel.get(str(channel), {}),
            )
        )
    total = _subtotal("total", "total", "All queues", None, lines, per_channel.get("*", {}))
    return QueuesSnapshot(now, window, tuple(lines), tuple(channels), total, source_ages(session))
