"""Writing the demo data set: each table's rows, in foreign-key order, through ``BulkWriter``.

``generate_demo`` (in ``demo``) plans the data and calls these in one transaction.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from datetime import datetime
from typing import Any

import numpy as np
from sqlalchemy import Connection, delete

from db.models import (
    AgentStateLog,
    AppMeta,
    AuditLog,
    CoachingSession,
    Contact,
    Customer,
    CustomerSurvey,
    Employee,
    Notification,
    PulseSurvey,
    QaReview,
    QaReviewItem,
    QaRubric,
    QaRubricItem,
    Queue,
    QueueMember,
    Team,
    TeamManager,
    Ticket,
    TicketEvent,
)
from desktop.sources.demo_clock import DAY, FAR, NULL, groups, rng_for, to_datetime
from desktop.sources.demo_contacts import Contacts, StateLog
from desktop.sources.demo_customers import Customers, pick_customers
from desktop.sources.demo_events import SUBJECT_TEXT, build_events, kind_names
from desktop.sources.demo_feedback import (
    coaching_rows,
    csat_surveys,
    pulse_surveys,
    qa_reviews,
    rubric_rows,
)
from desktop.sources.demo_notify import replay
from desktop.sources.demo_outbox import Outbox, customer_grid
from desktop.sources.demo_tickets import (
    FRT_TARGET_MIN,
    PRIORITIES,
    RESOLUTION_TARGET_MIN,
    SOLVED,
    TicketPlan,
    lifecycle,
    status_names,
    ticket_grid,
)
from desktop.sources.demo_writer import BulkWriter

TICKET_CHUNK = 250_000
Progress = Callable[[str, float], None]


def customer_dates(
    cust: Customers, plan: TicketPlan, seed: int, now_s: int, history_days: int
) -> tuple[Customers, np.ndarray]:
    """Customers join before their first ticket; opt-outs happen after joining."""
    rng = rng_for(seed, "customer-dates")
    first = np.full(len(cust), FAR, dtype=np.int64)
    np.minimum.at(first, plan.customer, plan.created)
    n = len(cust)
    joined = np.where(
        first < FAR,
        first - rng.integers(3600, 700 * DAY, size=n),
        now_s - rng.integers(3600, (history_days + 700) * DAY, size=n),
    )
    opt = np.where(
        cust.opt_out_at != NULL, np.clip(cust.opt_out_at, joined + DAY, now_s - 60), NULL
    )
    until = np.where(
        cust.smsable_until == NULL, NULL, np.where(opt != NULL, opt, cust.smsable_until)
    )
    return dataclasses.replace(cust, opt_out_at=opt, smsable_until=until), joined


def link_contacts(
    p: Any, contacts: Contacts, plan: TicketPlan, cust: Customers, seed: int
) -> tuple[np.ndarray, np.ndarray]:
    """Tie each ticket to the answered contact it was opened during (same queue, within 30
    minutes before), and give every other contact a customer of the queue's region."""
    rng = rng_for(seed, "contact-links")
    ticket = np.full(len(contacts), NULL, dtype=np.int64)
    customer = pick_customers(rng, p, cust, contacts.queue) + 1
    answered = contacts.agent >= 0
    by_queue = groups(plan.queue, len(p.queues))
    for q, c_idx in enumerate(groups(contacts.queue, len(p.queues))):
        c_idx = c_idx[answered[c_idx]]
        if len(c_idx) == 0:
            continue
        c_idx = c_idx[np.argsort(contacts.answered[c_idx], kind="stable")]
        c_at = contacts.answered[c_idx]
        t_idx = by_queue[q]
        t_at = plan.created[t_idx]
        pos = np.searchsorted(c_at, t_at, side="right") - 1
        ok = (pos >= 0) & (t_at - c_at[np.maximum(pos, 0)] <= 1800)
        linked_c = c_idx[pos[ok]]
        linked_t = t_idx[ok]
        linked_c, first = np.unique(linked_c, return_index=True)
        ticket[linked_c] = linked_t[first] + 1
        customer[linked_c] = plan.customer[linked_t[first]] + 1
    return ticket, customer


def write_org(w: BulkWriter, org: Any, now_s: int) -> None:
    w.rows(Team.__table__, org.team_rows)
    w.rows(Employee.__table__, org.employee_rows)
    w.rows(TeamManager.__table__, org.manager_rows)
    w.rows(Queue.__table__, org.queue_rows)
    w.rows(QueueMember.__table__, org.member_rows)
    rubric, items = rubric_rows(now_s)
    w.rows(QaRubric.__table__, rubric)
    w.rows(QaRubricItem.__table__, items)


def external_ids(prefix: str, ids: np.ndarray) -> list[str]:
    """Ids as a ticket system shows them, from 1,000,001 up: same digit count, so their text
    sorts like the numbers and the unique index only ever appends."""
    return [f"{prefix}{i}" for i in (ids + 1_000_000).tolist()]


def write_customers(w: BulkWriter, cust: Customers, created: np.ndarray) -> None:
    ids = np.arange(1, len(cust) + 1)
    w.columns(
        Customer.__table__,
        {
            "id": ids,
            "external_id": external_ids("CUST-", ids),
            "name": cust.name,
            "phone_e164": cust.phone,
            "email": cust.email,
            "timezone": cust.zone,
            "language": cust.language,
            "preferred_channel": cust.preferred,
            "sms_opt_out": cust.opt_out_at != NULL,
            "sms_opt_out_at": cust.opt_out_at,
            "created_at": created,
        },
    )


def write_tickets(
    w: BulkWriter,
    p: Any,
    org: Any,
    demand: Any,
    plan: TicketPlan,
    cust: Customers,
    seed: int,
    now_s: int,
    report: Progress,
) -> tuple[int, np.ndarray, np.ndarray, list[tuple[int, int, int, int]]]:
    """Lifecycles, outbox, timelines and surveys, chunk by chunk, so memory stays flat."""
    n = len(plan)
    grid = ticket_grid(p, demand)
    cgrid = customer_grid(grid.first, grid.days)
    box_id, event_id, survey_id = 1, 1, 1
    assignee = np.full(n, -1, dtype=np.int64)
    solved_at = np.full(n, NULL, dtype=np.int64)
    open_count = 0
    reassigns: list[tuple[int, int, int, int]] = []
    since = now_s - p.notify_days * DAY
    scope_from = now_s - (p.timeline_days or 10**5) * DAY
    for lo in range(0, n, TICKET_CHUNK):
        hi = min(n, lo + TICKET_CHUNK)
        report(f"Writing tickets {lo + 1:,}-{hi:,} of {n:,}", 0.2 + 0.65 * lo / max(n, 1))
        lc = lifecycle(p, org, demand, plan, grid, lo, hi, seed, now_s)
        box = Outbox(box_id)
        replay(lc, plan, cust, cgrid, box, since, now_s, seed)
        box_id = box.next_id
        created = plan.created[lo:hi]
        in_scope = (lc.status < SOLVED) | (created >= scope_from)
        ev = build_events(lc, plan, org, box, in_scope, seed, now_s)
        ids = np.arange(lo + 1, hi + 1)
        pr = plan.priority[lo:hi]
        w.columns(
            Ticket.__table__,
            {
                "id": ids,
                "external_id": external_ids("ZD-", ids),
                "customer_id": plan.customer[lo:hi] + 1,
                "queue_id": plan.queue[lo:hi] + 1,
                "subject": SUBJECT_TEXT[plan.subject[lo:hi]],
                "priority": np.array([x.value for x in PRIORITIES])[pr],
                "status": status_names(lc.status),
                "assignee_id": np.where(
                    lc.assignee >= 0, org.agent_ids[np.maximum(lc.assignee, 0)], NULL
                ),
                "created_at": created,
                "updated_at": lc.updated,
                "first_response_at": lc.first_response,
                "solved_at": np.where(lc.status >= SOLVED, lc.solved_at, NULL),
                "last_heard_at": lc.last_heard,
                "last_customer_message_at": lc.last_customer,
                "longest_silence_seconds": lc.longest_silence,
                "frt_target_minutes": FRT_TARGET_MIN[pr],
                "resolution_target_minutes": RESOLUTION_TARGET_MIN[pr],
                "contact_count": lc.contact_count,
                "version": lc.version,
            },
        )
        if len(box):
            w.columns(Notification.__table__, box.columns())
        w.columns(
            TicketEvent.__table__,
            {
                "id": np.arange(event_id, event_id + len(ev)),
                "ticket_id": ev.ticket + 1,
                "kind": kind_names(ev.kind),
                "actor_id": ev.actor,
                "at": ev.at,
                "body": ev.body,
                "old_value": ev.old,
                "new_value": ev.new,
                "notification_id": ev.notification,
            },
        )
        event_id += len(ev)
        surveys = csat_surveys(lc, plan, org, seed, now_s)
        k = len(surveys["ticket_id"])
        w.columns(CustomerSurvey.__table__, {"id": np.arange(survey_id, survey_id + k), **surveys})
        survey_id += k
        assignee[lo:hi] = lc.assignee
        solved_at[lo:hi] = np.where(lc.status >= SOLVED, lc.solved_at, NULL)
        open_count += int((lc.status < SOLVED).sum())
        recent = np.flatnonzero(
            (lc.reassign_at != NULL)
            & (lc.reassign_at <= now_s)
            & (lc.reassign_at > now_s - 7 * DAY)
        )
        reassigns += [
            (int(lc.reassign_at[i]), lo + i + 1, int(plan.agent[lo + i]), int(plan.agent2[lo + i]))
            for i in recent.tolist()
        ]
    return open_count, assignee, solved_at, reassigns


def write_contacts(
    w: BulkWriter, c: Contacts, ticket: np.ndarray, customer: np.ndarray, org: Any
) -> None:
    w.columns(
        Contact.__table__,
        {
            "id": np.arange(1, len(c) + 1),
            "queue_id": c.queue + 1,
            "customer_id": customer,
            "ticket_id": ticket,
            "agent_id": np.where(c.agent >= 0, org.agent_ids[np.maximum(c.agent, 0)], NULL),
            "enqueued_at": c.enqueued,
            "answered_at": c.answered,
            "abandoned_at": c.abandoned,
            "ended_at": c.ended,
            "wait_seconds": c.wait,
            "talk_seconds": c.talk,
            "hold_seconds": c.hold,
            "wrap_seconds": c.wrap,
        },
    )


def write_states(w: BulkWriter, org: Any, states: StateLog) -> None:
    """The agent state log."""
    w.columns(
        AgentStateLog.__table__,
        {
            "id": np.arange(1, len(states.agent) + 1),
            "employee_id": org.agent_ids[states.agent],
            "state": states.state,
            "reason": states.reason,
            "started_at": states.started,
            "ended_at": states.ended,
        },
    )


def write_people_feedback(
    w: BulkWriter,
    p: Any,
    org: Any,
    states: StateLog,
    sessions: list[Any],
    assignee: np.ndarray,
    solved_at: np.ndarray,
    seed: int,
    now_s: int,
) -> None:
    """Pulse surveys, QA reviews with their items, and coaching sessions."""
    pulses = pulse_surveys(p, org, states, seed, now_s)
    w.columns(PulseSurvey.__table__, {"id": np.arange(1, len(pulses["employee_id"]) + 1), **pulses})
    qa = qa_reviews(p, org, assignee, solved_at, seed, now_s)
    w.columns(QaReview.__table__, qa.reviews)
    w.columns(QaReviewItem.__table__, qa.items)
    w.rows(
        CoachingSession.__table__, coaching_rows(sessions, org, assignee, solved_at, seed, now_s)
    )


def write_audit(
    w: BulkWriter,
    p: Any,
    org: Any,
    reassigns: list[tuple[int, int, int, int]],
    seed: int,
    now_s: int,
) -> None:
    """A few audit rows of the kind the app writes: rubric set-up and recent reassignments."""
    rows: list[dict[str, Any]] = [
        {
            "at": to_datetime(now_s - p.people_days * DAY),
            "actor_id": org.admin_id,
            "workstation": "ADMIN-PC",
            "action": "qa_rubric.create",
            "entity": "qa_rubric",
            "entity_id": 1,
            "before": None,
            "after": {"name": "Standard QA", "items": 6},
        }
    ]
    for at, ticket_id, a1, a2 in sorted(reassigns)[-12:]:
        lead = org.lead_of_team[int(org.agent_team[a1])]
        rows.append(
            {
                "at": to_datetime(at),
                "actor_id": lead,
                "workstation": f"TL-PC-{lead:02d}",
                "action": "ticket.reassign",
                "entity": "ticket",
                "entity_id": ticket_id,
                "before": {"assignee_id": int(org.agent_ids[a1])},
                "after": {"assignee_id": int(org.agent_ids[a2])},
            }
        )
    rows.append(
        {
            "at": to_datetime(now_s),
            "actor_id": org.admin_id,
            "workstation": None,
            "action": "demo.generate",
            "entity": "database",
            "entity_id": None,
            "before": None,
            "after": {"scale": p.name, "seed": seed},
        }
    )
    rows.sort(key=lambda r: r["at"])
    for i, r in enumerate(rows):
        r["id"] = i + 1
    w.rows(AuditLog.__table__, rows)


def write_meta(conn: Connection, w: BulkWriter, p: Any, seed: int, now_dt: datetime) -> None:
    meta = {
        "demo": "1",
        "demo_seed": str(seed),
        "demo_scale": p.name,
        "demo_generated_at": now_dt.isoformat(),
    }
    conn.execute(delete(AppMeta).where(AppMeta.key.in_(list(meta))))
    w.rows(AppMeta.__table__, [{"key": k, "value": v} for k, v in meta.items()])
