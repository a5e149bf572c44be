"""What customers and employees say: CSAT surveys, pulse surveys, QA reviews, coaching.

The links the supervisor view draws are built in on purpose: CSAT falls with first-response
time and silence; eSat falls with the agent's occupancy over the week before the pulse; QA
follows the agent's skill, and new hires miss the critical item more often.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import numpy as np

from desktop.core.domain import CoachingStatus
from desktop.sources.demo_clock import DAY, HOUR, NULL, lognormal, rng_for, to_datetime
from desktop.sources.demo_contacts import StateLog
from desktop.sources.demo_people import Org
from desktop.sources.demo_presets import ScalePreset
from desktop.sources.demo_schedule import COACHING_MINUTES, PlannedSession, team_clocks
from desktop.sources.demo_tickets import SOLVED, Lifecycle, TicketPlan
from desktop.sources.demo_vocab import (
    COACHING_TOPICS,
    CSAT_BAD,
    CSAT_GOOD,
    PULSE_COMMENTS_BAD,
    PULSE_COMMENTS_GOOD,
    QA_ITEMS,
)

SURVEY_SHARE = 0.2
PULSE_SHARE = 0.7
QA_PER_30_DAYS = 2.0


def csat_surveys(
    lc: Lifecycle, plan: TicketPlan, org: Org, seed: int, now_s: int
) -> dict[str, np.ndarray]:
    """Survey answers for about a fifth of the solved tickets of ``lc``.

    CSAT, NPS and "resolved first time" all come from one latent satisfaction that drops with
    the hours to first response and the longest silence.
    """
    rng = rng_for(seed, f"csat-{lc.lo}")
    n = lc.hi - lc.lo
    created = plan.created[lc.lo : lc.hi]
    answered = lc.solved_at + lognormal(rng, 5 * HOUR, 1.0, n).astype(np.int64)
    take = (lc.solved_at != NULL) & (lc.status >= SOLVED) & (rng.random(n) < SURVEY_SHARE)
    take &= (answered <= now_s) & (lc.assignee >= 0)
    frt_h = np.where(lc.first_response != NULL, lc.first_response - created, 0) / HOUR
    silence_h = lc.longest_silence / HOUR
    latent = (
        5.05
        - 0.32 * np.log2(1 + frt_h)
        - 0.28 * np.log2(1 + silence_h / 6)
        + 0.18 * org.agent_quality[np.maximum(lc.assignee, 0)]
        - 0.25 * (lc.contact_count >= 3)
        + rng.normal(0, 0.6, n)
    )
    csat = np.clip(np.round(latent), 1, 5).astype(np.int64)
    csat = np.where(rng.random(n) < 0.06, NULL, csat)
    nps = np.clip(np.round(2.3 * latent - 1.3 + rng.normal(0, 1.1, n)), 0, 10).astype(np.int64)
    nps = np.where(rng.random(n) < 0.3, NULL, nps)
    first_time = (lc.contact_count == 1) ^ (rng.random(n) < 0.08)
    rft = np.where(rng.random(n) < 0.15, None, first_time).astype(object)
    good = np.array(CSAT_GOOD, dtype=object)[rng.integers(len(CSAT_GOOD), size=n)]
    bad = np.array(CSAT_BAD, dtype=object)[rng.integers(len(CSAT_BAD), size=n)]
    comment = np.where(rng.random(n) < 0.25, np.where(latent >= 3.5, good, bad), None)
    idx = np.flatnonzero(take)
    return {
        "ticket_id": lc.lo + idx + 1,
        "customer_id": plan.customer[lc.lo + idx] + 1,
        "agent_id": org.agent_ids[lc.assignee[idx]],
        "answered_at": answered[idx],
        "csat": csat[idx],
        "nps": nps[idx],
        "resolved_first_time": rft[idx],
        "comment": comment[idx],
    }


def daily_occupancy(org: Org, log: StateLog, first_s: int, days: int, now_s: int) -> np.ndarray:
    """Busy and available seconds per ``[agent, day]`` since ``first_s`` (by interval start)."""
    state = np.array(log.state)
    end = np.where(log.ended == NULL, now_s, log.ended)
    dur = (end - log.started).astype(np.float64)
    day = np.clip((log.started - first_s) // DAY, 0, days - 1)
    out = np.zeros((2, org.n_agents, days))
    np.add.at(out[0], (log.agent, day), np.where(state == "busy", dur, 0.0))
    np.add.at(out[1], (log.agent, day), np.where(state == "available", dur, 0.0))
    return out


def pulse_surveys(
    p: ScalePreset, org: Org, log: StateLog, seed: int, now_s: int
) -> dict[str, np.ndarray]:
    """Weekly pulse answers (Fridays, mid-afternoon local) from about 70 % of the agents.

    eSat falls with the agent's occupancy over the seven days before the answer; before the
    simulated contact history, the agent's own average occupancy stands in.
    """
    rng = rng_for(seed, "pulse")
    first_s = now_s - p.contact_days * DAY
    occ_days = daily_occupancy(org, log, first_s, p.contact_days + 1, now_s)
    busy, avail = occ_days[0], occ_days[1]
    mean_occ = busy.sum(1) / np.maximum(busy.sum(1) + avail.sum(1), 1)
    clocks = team_clocks(p, now_s - p.people_days * DAY, p.people_days + 2)
    takes_part = rng.random(org.n_agents) < PULSE_SHARE
    person = rng.normal(0, 0.35, org.n_agents)
    rows: dict[str, list[Any]] = {
        k: [] for k in ("employee_id", "answered_at", "esat", "enps", "occ")
    }
    for a in np.flatnonzero(takes_part).tolist():
        clock = clocks[int(org.agent_team[a])]
        for d in range(clock.days):
            if int(clock.iso_weekday(d)) != 5 or rng.random() > 0.85:
                continue
            at = int(clock.midnights[d]) + int((14.5 + 2.5 * rng.random()) * HOUR)
            if at > now_s or at < now_s - p.people_days * DAY or at < org.agent_hire_day[a]:
                continue
            day = (at - first_s) // DAY
            lo_d = max(0, day - 7)
            b, v = busy[a, lo_d : max(day, 0)].sum(), avail[a, lo_d : max(day, 0)].sum()
            occ = b / (b + v) if b + v > 3 * 3600 else mean_occ[a] + rng.normal(0, 0.03)
            rows["employee_id"].append(int(org.agent_ids[a]))
            rows["answered_at"].append(at)
            rows["occ"].append(occ)
    n = len(rows["employee_id"])
    occ = np.array(rows["occ"], dtype=np.float64)
    emp_idx = np.searchsorted(org.agent_ids, np.array(rows["employee_id"], dtype=np.int64))
    latent = 4.45 - 6.0 * np.maximum(occ - 0.55, 0) + person[emp_idx] + rng.normal(0, 0.5, n)
    esat = np.clip(np.round(latent), 1, 5).astype(np.int64)
    enps = np.clip(np.round(2.2 * latent - 1.0 + rng.normal(0, 1.2, n)), 0, 10).astype(np.int64)
    enps = np.where(rng.random(n) < 0.1, NULL, enps)
    good = np.array(PULSE_COMMENTS_GOOD, dtype=object)[
        rng.integers(len(PULSE_COMMENTS_GOOD), size=n)
    ]
    bad = np.array(PULSE_COMMENTS_BAD, dtype=object)[rng.integers(len(PULSE_COMMENTS_BAD), size=n)]
    comment = np.where(rng.random(n) < 0.15, np.where(latent >= 3.5, good, bad), None)
    order = np.lexsort((np.array(rows["employee_id"]), np.array(rows["answered_at"])))
    return {
        "employee_id": np.array(rows["employee_id"], dtype=np.int64)[order],
        "answered_at": np.array(rows["answered_at"], dtype=np.int64)[order],
        "esat": esat[order],
        "enps": enps[order],
        "comment": comment[order],
    }


def rubric_rows(now_s: int) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The QA rubric: five scored items and one critical yes/no item."""
    rubric = [{"id": 1, "name": "Standard QA", "active": True, "pass_mark": 0.8}]
    items = [
        {
            "id": i + 1,
            "rubric_id": 1,
            "position": i + 1,
            "label": label,
            "weight": w,
            "scale_min": lo,
            "scale_max": hi,
            "critical": crit,
        }
        for i, (label, w, lo, hi, crit) in enumerate(QA_ITEMS)
    ]
    return rubric, items


def qa_score_pct(selected: np.ndarray) -> np.ndarray:
    """Review score per METRICS.md: weighted mean of items scaled to 0-1, zero on a failed
    critical item, in per cent. ``selected`` is ``[review, item]`` in rubric order."""
    w = np.array([i[1] for i in QA_ITEMS])
    lo = np.array([i[2] for i in QA_ITEMS])
    hi = np.array([i[3] for i in QA_ITEMS])
    crit = np.array([i[4] for i in QA_ITEMS])
    scaled = (selected - lo) / (hi - lo)
    score = (scaled * w).sum(1) / w.sum() * 100.0
    failed = ((selected == lo) & crit).any(1)
    return np.where(failed, 0.0, np.round(score, 2))


@dataclass(frozen=True)
class QaReviews:
    """QA reviews and their item answers."""

    reviews: dict[str, np.ndarray]
    items: dict[str, np.ndarray]


def qa_reviews(
    p: ScalePreset, org: Org, assignee: np.ndarray, solved_at: np.ndarray, seed: int, now_s: int
) -> QaReviews:
    """About two reviews per agent per month, each of a ticket the agent solved before."""
    rng = rng_for(seed, "qa")
    lo_s = now_s - p.people_days * DAY
    start = np.maximum(org.agent_hire_day, lo_s)
    counts = rng.poisson(QA_PER_30_DAYS * np.maximum(now_s - start, 0) / (30 * DAY))
    agent = np.repeat(np.arange(org.n_agents), counts)
    n = len(agent)
    at = start[agent] + (rng.random(n) * (now_s - start[agent])).astype(np.int64)
    by_time = np.argsort(at, kind="stable")  # review ids in time order
    agent, at = agent[by_time], at[by_time]
    team = org.agent_team[agent]
    reviewer = np.where(
        rng.random(n) < 0.8,
        np.array(org.lead_of_team)[team],
        np.array(org.supervisor_of_team)[team],
    )
    # The latest ticket the agent solved before the review (searchsorted per agent).
    solved_mask = (solved_at != NULL) & (assignee >= 0)
    t_ids = np.flatnonzero(solved_mask)
    key = assignee[t_ids].astype(np.float64) * 1e10 + (solved_at[t_ids] - lo_s + 1e9)
    order = np.argsort(key, kind="stable")
    sorted_key, sorted_ids = key[order], t_ids[order]
    look = agent.astype(np.float64) * 1e10 + (at - lo_s + 1e9)
    pos = np.searchsorted(sorted_key, look, side="right") - 1
    ok = (pos >= 0) & (np.floor(sorted_key[np.maximum(pos, 0)] / 1e10) == agent)
    ticket = np.where(ok, sorted_ids[np.maximum(pos, 0)] + 1, NULL)
    skill = org.agent_quality[agent]
    new_hire = org.agent_hire_day[agent] > now_s - 60 * DAY
    k = len(QA_ITEMS)
    bias = rng.normal(0, 0.3, k)
    sel = np.clip(
        np.round(2.9 + 0.45 * skill[:, None] + bias[None, :] + rng.normal(0, 0.7, (n, k))), 0, 4
    )
    crit = np.array([i[4] for i in QA_ITEMS])
    fail = rng.random(n) < np.where(new_hire, 0.12, 0.035)
    sel[:, crit] = np.where(fail, 0, 1)[:, None]
    sel = sel.astype(np.int64)
    comment = np.where(
        sel[:, 2] <= 1,
        "Solution was not accurate; see knowledge base article.",
        np.where(fail, "Identity not checked before account change.", None),
    )
    ids = np.arange(1, n + 1)
    reviews = {
        "id": ids,
        "employee_id": org.agent_ids[agent],
        "reviewer_id": reviewer,
        "rubric_id": np.ones(n, dtype=np.int64),
        "ticket_id": ticket,
        "reviewed_at": at,
        "score_pct": qa_score_pct(sel),
        "comment": comment.astype(object),
    }
    items = {
        "review_id": np.repeat(ids, k),
        "item_id": np.tile(np.arange(1, k + 1), n),
        "selected": sel.ravel(),
    }
    return QaReviews(reviews, items)


def coaching_rows(
    sessions: list[PlannedSession],
    org: Org,
    assignee: np.ndarray,
    solved_at: np.ndarray,
    seed: int,
    now_s: int,
) -> list[dict[str, Any]]:
    """Coaching sessions: notes, goals and a follow-up date for the held ones.

    Three in four follow-ups that fell due were marked done within a few days; the rest are
    overdue, for the coach's reminders.
    """
    rng = rng_for(seed, "coaching")
    last_solved: dict[int, int] = {}
    recent = np.flatnonzero((solved_at != NULL) & (solved_at > now_s - 30 * DAY) & (assignee >= 0))
    for t in recent.tolist():
        last_solved[int(assignee[t])] = t + 1
    out = []
    for i, s in enumerate(sorted(sessions, key=lambda x: (x.at, x.agent))):
        topic, flag, notes, goals = COACHING_TOPICS[s.topic]
        when = to_datetime(s.at)
        held = s.status == CoachingStatus.HELD
        ticket = last_solved.get(s.agent)
        follow_up = s.at + 14 * DAY
        done_at = follow_up + int(3 * DAY * rng.random())
        done = held and done_at <= now_s and rng.random() < 0.75
        out.append(
            {
                "id": i + 1,
                "employee_id": int(org.agent_ids[s.agent]),
                "coach_id": s.coach_id,
                "scheduled_at": when,
                "duration_minutes": COACHING_MINUTES,
                "status": s.status,
                "topic": topic,
                "notes": notes
                if held
                else (
                    "Cancelled: the queue was too busy."
                    if s.status == CoachingStatus.CANCELLED
                    else None
                ),
                "goals": goals if s.status != CoachingStatus.CANCELLED else None,
                "follow_up_date": (when + timedelta(days=14)).date()
                if s.status != CoachingStatus.CANCELLED
                else None,
                "linked_flags": [flag] if flag else [],
                "linked_ticket_ids": [ticket] if held and ticket and flag else [],
                "follow_up_done_at": to_datetime(done_at) if done else None,
                "created_at": to_datetime(
                    min(s.at - int((1 + 4 * rng.random()) * DAY), now_s - int(rng.random() * DAY))
                ),
            }
        )
    return out
