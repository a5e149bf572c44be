"""Contacts and the agent state log, from a small discrete-event simulation.

Contacts are offered in arrival order (e-mail after a batching delay) to the skilled agent who
can take them soonest, preferring the one idle longest. Waiting comes from that assignment
alone: when the load beats the staffing, agents are busy and the caller waits, and a caller
whose patience runs out abandons. Each agent's busy-until time makes double-booking
impossible, and only logged-in windows count, so breaks and absences show up as waits.
"""

from __future__ import annotations

import heapq
from dataclasses import dataclass

import numpy as np

from desktop.core.domain import Channel
from desktop.sources.demo_clock import DAY, NULL, lognormal, rng_for
from desktop.sources.demo_demand import Demand, poisson_times
from desktop.sources.demo_people import Org, agent_capacity_share
from desktop.sources.demo_presets import CHANNELS, ScalePreset
from desktop.sources.demo_schedule import Schedule, weekday_productive_seconds

HOLD_SIGMA = 0.6
WRAP_SIGMA = 0.5
TARGET_OCCUPANCY = 0.75
INF = float("inf")


@dataclass(frozen=True)
class Contacts:
    """Contact columns in enqueue order (times in epoch seconds, ``NULL`` when missing)."""

    queue: np.ndarray
    enqueued: np.ndarray
    answered: np.ndarray
    abandoned: np.ndarray
    ended: np.ndarray
    wait: np.ndarray  # float seconds, NaN when still waiting
    talk: np.ndarray
    hold: np.ndarray
    wrap: np.ndarray
    agent: np.ndarray  # agent number, -1 when none

    def __len__(self) -> int:
        return len(self.queue)


@dataclass(frozen=True)
class StateLog:
    """Agent state rows: agent number, state, reason, start, end (``NULL`` = current)."""

    agent: np.ndarray
    state: list[str]
    reason: list[str | None]
    started: np.ndarray
    ended: np.ndarray


def mean_handle_seconds(channel: Channel) -> float:
    """Expected talk + hold + wrap + pick-up seconds of a channel's contacts.

    A log-normal's mean is its median times exp(sigma^2 / 2); the sigmas are the ones
    ``simulate_contacts`` draws with.
    """
    ch = CHANNELS[channel]
    talk = ch.talk_median * np.exp(ch.talk_sigma**2 / 2)
    hold = ch.hold_share * ch.hold_median * np.exp(HOLD_SIGMA**2 / 2)
    wrap = ch.wrap_median * np.exp(WRAP_SIGMA**2 / 2)
    return float(talk + hold + wrap + (ch.ring_min + ch.ring_max) / 2)


def daily_volumes(p: ScalePreset, org: Org) -> np.ndarray:
    """Weekday arrivals per queue that its skilled agents can just about carry.

    Volume follows staffing (the way a real centre is staffed to its forecast), times the
    queue's ``load``: above 1 the queue runs hot.
    """
    share = agent_capacity_share(p, org)
    productive = float(weekday_productive_seconds(org).mean())
    handle = np.array([mean_handle_seconds(q.channel) for q in p.queues])
    working = 0.78  # rotas, absences and holidays keep about a fifth of agents away
    loads = np.array([q.load for q in p.queues])
    return share * working * productive * TARGET_OCCUPANCY / handle * loads


def _arrivals(
    p: ScalePreset, org: Org, demand: Demand, seed: int, now_s: int
) -> tuple[np.ndarray, np.ndarray]:
    rng = rng_for(seed, "contact-arrivals")
    lo = now_s - p.contact_days * DAY
    volumes = daily_volumes(p, org)
    queues, times = [], []
    for q in range(len(p.queues)):
        t = poisson_times(rng, demand.interval_rates(p, q, volumes[q]), demand.clocks[q], lo, now_s)
        times.append(t)
        queues.append(np.full(len(t), q, dtype=np.int64))
    t_all = np.concatenate(times)
    q_all = np.concatenate(queues)
    order = np.lexsort((q_all, t_all))
    return q_all[order], t_all[order]


def simulate_contacts(
    p: ScalePreset, org: Org, sched: Schedule, demand: Demand, seed: int, now_s: int
) -> tuple[Contacts, list[list[tuple[int, int]]]]:
    """Contacts of the contact history up to ``now_s`` and each agent's busy intervals.

    Returns:
        The contacts, and per agent the ``(start, end)`` busy intervals (reservation to end of
        wrap-up), in time order and never overlapping.
    """
    queue, arrival = _arrivals(p, org, demand, seed, now_s)
    n = len(queue)
    rng = rng_for(seed, "contact-handling")
    ch = [CHANNELS[q.channel] for q in p.queues]
    pick = np.array(
        [
            [
                c.talk_median,
                c.talk_sigma,
                c.hold_share,
                c.hold_median,
                c.wrap_median,
                c.patience_median,
                c.short_abandon_share,
                c.ring_min,
                c.ring_max,
                c.defer_median,
            ]
            for c in ch
        ]
    )[queue]
    talk = pick[:, 0] * np.exp(rng.normal(0, 1, n) * pick[:, 1])
    hold = np.where(rng.random(n) < pick[:, 2], lognormal(rng, pick[:, 3], HOLD_SIGMA, n), 0.0)
    wrap = lognormal(rng, pick[:, 4], WRAP_SIGMA, n)
    patience = np.where(pick[:, 5] > 0, lognormal(rng, np.maximum(pick[:, 5], 1), 0.9, n), INF)
    short = rng.random(n) < pick[:, 6]
    patience = np.where(short, rng.uniform(0.5, 5.0, n), patience)
    patience = np.where(patience < INF, np.maximum(1.0, np.floor(patience)), INF)
    ring = np.round(rng.uniform(pick[:, 7], pick[:, 8]))
    defer = np.where(pick[:, 9] > 0, lognormal(rng, np.maximum(pick[:, 9], 1), 1.0, n), 0.0)
    virtual = arrival + np.round(defer).astype(np.int64)
    order = np.argsort(virtual, kind="stable")

    agent_out = np.full(n, -1, dtype=np.int64)
    answered = np.full(n, NULL, dtype=np.int64)
    handled = np.zeros((n, 3))  # talk, hold, wrap as the chosen agent took them
    busy: list[list[tuple[int, int]]] = [[] for _ in range(org.n_agents)]
    _run(
        order,
        queue,
        virtual,
        arrival,
        patience,
        ring,
        np.stack([talk, hold, wrap], 1),
        org,
        sched,
        now_s,
        agent_out,
        answered,
        handled,
        busy,
    )

    is_answered = agent_out >= 0
    talk_s, hold_s, wrap_s = handled[:, 0], handled[:, 1], handled[:, 2]
    ended = np.where(is_answered, answered + (talk_s + hold_s).astype(np.int64), NULL)
    in_progress = is_answered & (ended > now_s)
    wrapping = is_answered & ~in_progress & (ended + wrap_s > now_s)
    ended = np.where(in_progress, NULL, ended)
    abandon_at = arrival + np.minimum(patience, 10 * DAY).astype(np.int64)
    abandoned = ~is_answered & (patience < INF) & (abandon_at <= now_s)
    wait = np.where(is_answered, (answered - arrival).astype(np.float64), np.nan)
    wait = np.where(abandoned, (abandon_at - arrival).astype(np.float64), wait)
    contacts = Contacts(
        queue=queue,
        enqueued=arrival,
        answered=answered,
        abandoned=np.where(abandoned, abandon_at, NULL),
        ended=ended,
        wait=wait,
        # Figures not known yet stay 0 until the contact (or its wrap-up) is over.
        talk=np.where(is_answered & ~in_progress, talk_s, 0.0),
        hold=np.where(is_answered & ~in_progress, hold_s, 0.0),
        wrap=np.where(is_answered & ~in_progress & ~wrapping, wrap_s, 0.0),
        agent=agent_out,
    )
    return contacts, busy


def _run(
    order: np.ndarray,
    queue: np.ndarray,
    virtual: np.ndarray,
    arrival: np.ndarray,
    patience: np.ndarray,
    ring: np.ndarray,
    work: np.ndarray,
    org: Org,
    sched: Schedule,
    now_s: int,
    agent_out: np.ndarray,
    answered: np.ndarray,
    handled: np.ndarray,
    busy: list[list[tuple[int, int]]],
) -> None:
    """The event loop (plain Python lists: per-item numpy access would be slower here).

    Each queue keeps a heap of (earliest free time, version, agent). An agent's entries go
    stale when they take a contact (version bump) and are dropped lazily; an entry whose agent
    turns out to be on a break is pushed back with the window's start, so keys only grow.
    """
    starts, ends = sched.starts, sched.ends
    n_agents = org.n_agents
    ptr = [0] * n_agents
    version = [0] * n_agents
    speed = org.agent_speed.tolist()
    skills = org.agent_skills
    heaps: list[list[tuple[int, int, int]]] = []
    for agents in org.queue_agents:
        h = [(starts[a][0], 0, a) for a in agents if starts[a]]
        heapq.heapify(h)
        heaps.append(h)
    q_l, v_l, a_l = queue.tolist(), virtual.tolist(), arrival.tolist()
    pat_l, ring_l = patience.tolist(), ring.tolist()
    work_l = work.tolist()
    heappop, heapreplace, heappush = heapq.heappop, heapq.heapreplace, heapq.heappush
    for i in order.tolist():
        h = heaps[q_l[i]]
        t = v_l[i]
        chosen = -1
        x = 0
        while h:
            key, ver, a = h[0]
            if ver != version[a]:
                heappop(h)
                continue
            x = key if key > t else t
            ws, we = starts[a], ends[a]
            k = ptr[a]
            nw = len(ws)
            while k < nw and we[k] <= x:
                k += 1
            ptr[a] = k
            if k == nw:
                heappop(h)
                continue
            if ws[k] > x:
                heapreplace(h, (ws[k], ver, a))
                continue
            chosen = a
            break
        if chosen < 0:
            continue
        answer = x + int(ring_l[i])
        if answer - a_l[i] > pat_l[i] or answer >= now_s:
            continue  # abandoned, or still waiting now: the agent stays free
        s = speed[chosen]
        tk, hd, wp = work_l[i]
        tk, hd, wp = round(tk * s), round(hd * s), round(wp * s)
        end = answer + tk + hd + wp
        agent_out[i] = chosen
        answered[i] = answer
        handled[i] = (tk, hd, wp)
        busy[chosen].append((x, end))
        version[chosen] += 1
        vv = version[chosen]
        for q in skills[chosen]:
            heappush(heaps[q], (end, vv, chosen))


def build_state_log(
    org: Org, sched: Schedule, busy: list[list[tuple[int, int]]], now_s: int
) -> StateLog:
    """Available/busy/away/offline intervals per agent, cut at ``now_s``.

    Back-to-back contacts merge into one busy interval. A contact that runs into a break
    delays it; one that runs past the end of the shift is overtime. The interval containing
    ``now_s`` is left open (``ended`` NULL): at most one per agent, and none of an agent's
    intervals overlap.
    """
    ag: list[int] = []
    st: list[str] = []
    rs: list[str | None] = []
    t0: list[int] = []
    t1: list[int] = []
    for a in range(org.n_agents):
        ws, we, after = sched.starts[a], sched.ends[a], sched.after[a]
        bl = busy[a]
        rows: list[tuple[str, str | None, int, int]] = []
        bi = 0
        cur = -1
        for w in range(len(ws)):
            t = ws[w] if ws[w] > cur else cur
            if t >= now_s:
                break
            while bi < len(bl) and bl[bi][0] < we[w]:
                bs, be = bl[bi]
                if bs > t:
                    rows.append(("available", None, t, bs))
                if rows and rows[-1][0] == "busy" and rows[-1][3] == bs:
                    rows[-1] = ("busy", None, rows[-1][2], be)
                else:
                    rows.append(("busy", None, bs, be))
                t = be
                bi += 1
            if t < we[w]:
                rows.append(("available", None, t, we[w]))
                t = we[w]
            reason = after[w]
            nxt = ws[w + 1] if w + 1 < len(ws) else None
            if reason == "offline":
                rows.append(("offline", None, t, nxt if nxt is not None else -1))
            elif nxt is not None and t < nxt:
                rows.append(("away", reason, t, nxt))
            cur = t
        for state, reason, s, e in rows:
            if s >= now_s:
                break
            ag.append(a)
            st.append(state)
            rs.append(reason)
            t0.append(s)
            t1.append(NULL if e == -1 or e > now_s else e)
        # The last kept row is the agent's current state (a break can end exactly at now).
        if t1 and ag[-1] == a and t1[-1] == now_s:
            t1[-1] = NULL
    return StateLog(
        np.array(ag, dtype=np.int64),
        st,
        rs,
        np.array(t0, dtype=np.int64),
        np.array(t1, dtype=np.int64),
    )
