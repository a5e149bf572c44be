"""Tickets: who wrote in when, and each ticket's life from creation to close.

All tickets are planned up front (creation time, queue, customer, priority, owner), cheaply,
so customers can be written first. Lifecycles are then worked out chunk by chunk: a fixed
grid of exchanges per ticket (first reply, then up to four rounds of customer message and
reply), office hours for agents, an occasional long hold, and a solve. Everything after
``now`` is cut off, which is what leaves about 4 % of tickets open.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from desktop.core.domain import Priority, TicketStatus
from desktop.sources.demo_clock import (
    DAY,
    FAR,
    HOUR,
    MINUTE,
    NULL,
    ZoneGrid,
    groups,
    lognormal,
    rng_for,
)
from desktop.sources.demo_customers import Customers, pick_customers
from desktop.sources.demo_demand import Demand, poisson_times
from desktop.sources.demo_people import Org
from desktop.sources.demo_presets import ScalePreset

PRIORITIES = (Priority.LOW, Priority.NORMAL, Priority.HIGH, Priority.URGENT)
PRIORITY_SHARE = (0.17, 0.65, 0.15, 0.03)
FRT_TARGET_MIN = np.array([1440, 480, 240, 60])
RESOLUTION_TARGET_MIN = np.array([10080, 4320, 1440, 480])
FRT_MEDIAN_H = np.array([3.5, 1.2, 0.5, 0.18])
# Urgent and high tickets move faster at every step, not only to the first reply.
PACE = np.array([1.3, 1.0, 0.3, 0.12])
ROUNDS = np.arange(5)
ROUND_SHARE = (0.45, 0.3, 0.14, 0.08, 0.03)
RMAX = 4
OFFICE_OPEN, OFFICE_CLOSE = 7 * HOUR, 20 * HOUR
CLOSE_AFTER = 4 * DAY
# Status codes in the order of TicketStatus: new, open, pending, on_hold, solved, closed.
STATUSES = tuple(TicketStatus)
NEW, OPEN, PENDING, ON_HOLD, SOLVED, CLOSED = range(6)


@dataclass(frozen=True)
class TicketPlan:
    """Every ticket, in creation order (index = id - 1)."""

    created: np.ndarray
    queue: np.ndarray
    customer: np.ndarray
    priority: np.ndarray
    agent: np.ndarray
    agent2: np.ndarray  # who it is handed to if reassigned, -1 if nobody
    subject: np.ndarray

    def __len__(self) -> int:
        return len(self.created)


def plan_tickets(
    p: ScalePreset, org: Org, demand: Demand, cust: Customers, seed: int, now_s: int
) -> TicketPlan:
    """Creation times from the queues' arrival curves, then queue, customer, priority, owner."""
    rng = rng_for(seed, "ticket-plan")
    lo = now_s - p.ticket_days * DAY
    weights = np.array([q.ticket_weight for q in p.queues])
    weights = weights / weights.sum()
    times, queues = [], []
    for q in range(len(p.queues)):
        clock = demand.clocks[q]
        unit = demand.interval_rates(p, q, 1.0)
        starts = clock.midnights[:-1, None] + np.arange(unit.shape[1])[None, :] * 900
        expected = unit[(starts >= lo) & (starts < now_s)].sum()
        daily = p.tickets * weights[q] / max(expected, 1e-9)
        t = poisson_times(rng, demand.interval_rates(p, q, daily), clock, lo, now_s)
        times.append(t)
        queues.append(np.full(len(t), q, dtype=np.int64))
    created = np.concatenate(times)
    queue = np.concatenate(queues)
    order = np.lexsort((queue, created))
    created, queue = created[order], queue[order]
    n = len(created)
    customer = pick_customers(rng, p, cust, queue)
    priority = rng.choice(4, size=n, p=PRIORITY_SHARE)
    agent, agent2 = _owners(rng, org, queue, created, n)
    kinds = ("billing", "tech", "onboarding")
    offset = np.array([12 * kinds.index(p.teams[q.team].kind) for q in p.queues])
    subject = rng.integers(0, 12, size=n) + offset[queue]
    return TicketPlan(created, queue, customer, priority, agent, agent2, subject)


def _owners(
    rng: np.random.Generator, org: Org, queue: np.ndarray, created: np.ndarray, n: int
) -> tuple[np.ndarray, np.ndarray]:
    """Owner of each ticket among the queue's agents: some carry more than others.

    Uneven weights give the workload view's imbalance figure something to show; an agent
    never owns a ticket created before they were hired.
    """
    weight = rng.gamma(2.0, 0.5, size=org.n_agents) * np.where(
        org.agent_hire_day > created.min() + 30 * DAY, 0.5, 1.0
    )
    agent = np.full(n, -1, dtype=np.int64)
    agent2 = np.full(n, -1, dtype=np.int64)
    for q, sel in enumerate(groups(queue, len(org.queue_agents))):
        members = org.queue_agents[q]
        if len(sel) == 0 or not members:
            continue
        m = np.array(members)
        cdf = np.cumsum(weight[m])
        pick = m[
            np.minimum(np.searchsorted(cdf, rng.random(len(sel)) * cdf[-1], "right"), len(m) - 1)
        ]
        veteran = m[np.argmin(org.agent_hire_day[m])]
        pick = np.where(org.agent_hire_day[pick] > created[sel], veteran, pick)
        agent[sel] = pick
        other = m[rng.integers(len(m), size=len(sel))]
        ok = (other != pick) & (org.agent_hire_day[other] <= created[sel])
        agent2[sel] = np.where(ok & (rng.random(len(sel)) < 0.08), other, -1)
    return agent, agent2


@dataclass
class Lifecycle:
    """Tickets ``lo..hi-1`` of the plan: every planned moment, and the state at ``now``.

    Times are epoch seconds; a moment that never happens (or not yet) is ``NULL`` in the
    derived columns. ``reply``/``cust`` hold the planned exchanges, ``cust[:, 0]`` unused.
    """

    lo: int
    hi: int
    rounds: np.ndarray
    assigned: np.ndarray
    reply: np.ndarray
    cust: np.ndarray
    hold_round: np.ndarray
    hold_end: np.ndarray
    solve: np.ndarray
    quick_solve: np.ndarray
    note_at: np.ndarray
    reassign_at: np.ndarray
    unassigned_at: np.ndarray
    # At now:
    status: np.ndarray = field(default_factory=lambda: np.empty(0))
    assignee: np.ndarray = field(default_factory=lambda: np.empty(0))
    first_response: np.ndarray = field(default_factory=lambda: np.empty(0))
    solved_at: np.ndarray = field(default_factory=lambda: np.empty(0))
    last_heard: np.ndarray = field(default_factory=lambda: np.empty(0))
    last_customer: np.ndarray = field(default_factory=lambda: np.empty(0))
    longest_silence: np.ndarray = field(default_factory=lambda: np.empty(0))
    updated: np.ndarray = field(default_factory=lambda: np.empty(0))
    contact_count: np.ndarray = field(default_factory=lambda: np.empty(0))
    version: np.ndarray = field(default_factory=lambda: np.empty(0))


def ticket_grid(p: ScalePreset, demand: Demand, extra_days: int = 90) -> ZoneGrid:
    """Team zones on the demand calendar, long enough for replies planned after now."""
    zones = list(dict.fromkeys(t.timezone for t in p.teams))
    return ZoneGrid.build(zones, demand.clocks[0].first, demand.clocks[0].days + extra_days)


def lifecycle(
    p: ScalePreset,
    org: Org,
    demand: Demand,
    plan: TicketPlan,
    grid: ZoneGrid,
    lo: int,
    hi: int,
    seed: int,
    now_s: int,
) -> Lifecycle:
    """Plan the life of tickets ``lo..hi-1`` (then cut at now by ``derive_at_now``)."""
    rng = rng_for(seed, f"ticket-life-{lo}")
    n = hi - lo
    c = plan.created[lo:hi]
    q = plan.queue[lo:hi]
    pr = plan.priority[lo:hi]
    ag = plan.agent[lo:hi]
    zone = np.array([grid.zones.index(p.teams[s.team].timezone) for s in p.queues])[q]
    day, _ = grid.local(c, zone)
    pressure = demand.pressure[q, np.minimum(day, demand.pressure.shape[1] - 1)]
    quality = org.agent_quality[np.maximum(ag, 0)]
    urgent = pr == 3

    def office(t: np.ndarray) -> np.ndarray:
        # Urgent tickets are worked around the clock; the rest wait for office hours.
        jitter = rng.integers(0, 90 * MINUTE, size=n)
        return np.where(urgent, t, grid.next_open(t, zone, OFFICE_OPEN, OFFICE_CLOSE, jitter))

    triage = np.where(
        rng.random(n) < 0.08, lognormal(rng, 20 * HOUR, 0.8, n), lognormal(rng, 15 * MINUTE, 1.0, n)
    )
    assigned = office(c + triage.astype(np.int64))
    median = FRT_MEDIAN_H[pr] * HOUR * pressure * np.exp(-0.15 * quality)
    pace = PACE[pr]
    reply = np.full((n, RMAX + 1), NULL, dtype=np.int64)
    cust = np.full((n, RMAX + 1), NULL, dtype=np.int64)
    reply[:, 0] = office(assigned + lognormal(rng, median, 0.9, n).astype(np.int64))
    rounds = rng.choice(ROUNDS, size=n, p=ROUND_SHARE)
    for k in range(1, RMAX + 1):
        gap_c = lognormal(rng, 3 * HOUR * pace, 1.1, n).astype(np.int64)
        gap_r = lognormal(rng, 4 * HOUR * pace * pressure, 1.0, n).astype(np.int64)
        cust[:, k] = reply[:, k - 1] + gap_c
        reply[:, k] = office(cust[:, k] + gap_r)
    live = ROUNDS[None, :] <= rounds[:, None]
    reply = np.where(live, reply, NULL)
    cust = np.where(live & (ROUNDS[None, :] > 0), cust, NULL)
    # Some tickets are forgotten for days before a reply, mostly by a few overloaded agents:
    # long silences and breaches that the coaching rules pin on one person.
    stall_rate = np.where(np.arange(org.n_agents) % 12 == 5, 0.10, 0.02)[np.maximum(ag, 0)]
    stall_round = np.where(
        rng.random(n) < stall_rate, rng.integers(0, RMAX + 1, size=n) % (rounds + 1), -1
    )
    stall_len = lognormal(rng, 6 * DAY, 0.6, n).astype(np.int64)
    late = (stall_round[:, None] >= 0) & (ROUNDS[None, :] >= stall_round[:, None]) & live
    reply = np.where(late, reply + stall_len[:, None], reply)
    cust = np.where(
        late & (ROUNDS[None, :] > stall_round[:, None]), cust + stall_len[:, None], cust
    )
    # A few tickets wait days for a third party (on hold); everything after shifts.
    hold_round = np.where(
        rng.random(n) < 0.035, rng.integers(0, RMAX + 1, size=n) % (rounds + 1), -1
    )
    hold_len = lognormal(rng, 16 * DAY * pace, 0.6, n).astype(np.int64)
    shift = (hold_round[:, None] >= 0) & (ROUNDS[None, :] > hold_round[:, None]) & live
    reply = np.where(shift, reply + hold_len[:, None], reply)
    cust = np.where(shift & (cust != NULL), cust + hold_len[:, None], cust)
    last_reply = reply[np.arange(n), rounds]
    hold_end = np.where(
        hold_round >= 0, reply[np.arange(n), np.maximum(hold_round, 0)] + hold_len, NULL
    )
    quick = (rng.random(n) < 0.5 + 0.4 * (pr == 3)) & (hold_round != rounds)
    # Waiting for the customer to confirm; some customers take a week or more to answer.
    slow = np.where(rng.random(n) < 0.1, 6.0, 1.0)
    confirm = lognormal(rng, 52 * HOUR * pace * slow, 0.6, n).astype(np.int64)
    wait_confirm = office(last_reply + confirm)
    solve = np.where(quick, last_reply + rng.integers(5, 60, size=n), wait_confirm)
    solve = np.where(hold_round == rounds, np.maximum(solve, hold_end + 60), solve)
    note_at = np.where(
        rng.random(n) < 0.3,
        assigned + ((reply[:, 0] - assigned) * rng.random(n)).astype(np.int64),
        NULL,
    )
    reassign = (plan.agent2[lo:hi] >= 0) & (rounds >= 1)
    reassign_at = np.where(
        reassign,
        cust[:, 1] + ((reply[:, 1] - cust[:, 1]) * rng.uniform(0.1, 0.5, n)).astype(np.int64),
        NULL,
    )
    lc = Lifecycle(
        lo,
        hi,
        rounds,
        assigned,
        reply,
        cust,
        hold_round,
        hold_end,
        solve,
        quick,
        note_at,
        reassign_at,
        np.full(n, NULL, dtype=np.int64),
    )
    derive_at_now(lc, plan, now_s)
    # A few open tickets went back to the queue (their agent moved on): unassigned backlog.
    last_act = np.maximum.reduce(
        [lc.assigned, np.where(lc.reassign_at <= now_s, lc.reassign_at, NULL), lc.last_heard]
    )
    idle = now_s - last_act
    back = (lc.status > NEW) & (lc.status < SOLVED) & (idle > DAY) & (rng.random(n) < 0.08)
    lc.unassigned_at = np.where(
        back, last_act + (idle * rng.uniform(0.2, 0.8, n)).astype(np.int64), NULL
    )
    lc.assignee = np.where(back, -1, lc.assignee)
    return lc


def status_points(lc: Lifecycle) -> tuple[np.ndarray, np.ndarray]:
    """Planned status changes as ``[ticket, slot]`` times and codes, in time order per row.

    Slots: assigned (open); per round: reply (pending, or on hold), hold end (open), the next
    customer message (open); solve; close. Absent slots have time ``FAR``.
    """
    n = lc.hi - lc.lo
    cols_t: list[np.ndarray] = [lc.assigned]
    cols_c: list[np.ndarray] = [np.full(n, OPEN)]
    for k in range(RMAX + 1):
        last = k == lc.rounds
        after_reply = np.where(lc.hold_round == k, ON_HOLD, PENDING)
        present = (k <= lc.rounds) & ~(last & lc.quick_solve)
        cols_t.append(np.where(present, lc.reply[:, k], FAR))
        cols_c.append(after_reply)
        cols_t.append(np.where(lc.hold_round == k, lc.hold_end, FAR))
        cols_c.append(np.where(last, PENDING, OPEN))  # after a last hold: confirm, then solve
        if k < RMAX:
            cols_t.append(np.where(k + 1 <= lc.rounds, lc.cust[:, k + 1], FAR))
            cols_c.append(np.full(n, OPEN))
    cols_t += [lc.solve, lc.solve + CLOSE_AFTER]
    cols_c += [np.full(n, SOLVED), np.full(n, CLOSED)]
    return np.stack(cols_t, 1), np.stack(cols_c, 1).astype(np.int8)


def derive_at_now(lc: Lifecycle, plan: TicketPlan, now_s: int) -> None:
    """Status, owner and clocks of each ticket as they stand at ``now_s``."""
    n = lc.hi - lc.lo
    rows = np.arange(n)
    created = plan.created[lc.lo : lc.hi]
    times, codes = status_points(lc)
    happened = times <= now_s
    any_ = happened.any(1)
    last = times.shape[1] - 1 - np.argmax(happened[:, ::-1], axis=1)
    lc.status = np.where(any_, codes[rows, last], NEW).astype(np.int8)
    ag = plan.agent[lc.lo : lc.hi]
    ag2 = plan.agent2[lc.lo : lc.hi]
    owner = np.where((lc.reassign_at != NULL) & (lc.reassign_at <= now_s), ag2, ag)
    lc.assignee = np.where(lc.assigned <= now_s, owner, -1)
    heard = np.where((lc.reply != NULL) & (lc.reply <= now_s), lc.reply, NULL)
    lc.first_response = heard[:, 0]
    solved = lc.solve <= now_s
    lc.solved_at = np.where(solved, lc.solve, NULL)
    lc.last_heard = heard.max(1)
    msgs = np.where((lc.cust != NULL) & (lc.cust <= now_s), lc.cust, NULL)
    lc.last_customer = np.maximum(msgs.max(1), created)
    end = np.where(solved, lc.solve, now_s)
    lc.longest_silence = silence(created, heard, end)
    events = np.where(happened, times, NULL).max(1)
    lc.updated = np.maximum.reduce(
        [
            created,
            events,
            lc.last_customer,
            lc.last_heard,
            np.where(lc.note_at <= now_s, lc.note_at, NULL),
        ]
    )
    lc.contact_count = 1 + (msgs != NULL).sum(1)
    lc.version = 1 + happened.sum(1) + ((lc.reassign_at != NULL) & (lc.reassign_at <= now_s))


def silence(created: np.ndarray, heard: np.ndarray, end: np.ndarray) -> np.ndarray:
    """Longest gap without news: from creation through each heard time to ``end``.

    ``heard`` is ``[ticket, k]`` in time order with ``NULL`` for none; gaps after ``end``
    (a reply planned after the solve, say) do not count.
    """
    pts = np.where(heard == NULL, end[:, None], np.minimum(heard, end[:, None]))
    seq = np.concatenate([created[:, None], pts, end[:, None]], axis=1)
    seq = np.maximum.accumulate(seq, axis=1)
    return np.diff(seq, axis=1).max(1).astype(np.float64)


def status_names(codes: np.ndarray) -> np.ndarray:
    """Status strings of status codes."""
    return np.array([s.value for s in STATUSES])[codes]
