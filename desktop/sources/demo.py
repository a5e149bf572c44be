"""The demo data set: a contact centre with history, generated deterministically.

``generate_demo(db)`` fills an empty, upgraded database with teams, people, queues, 90 days of
contacts and agent states, tickets with their timelines, the notification outbox, customer
and pulse surveys, QA reviews, coaching sessions and a few audit rows. The same seed and
``now`` give the same rows, byte for byte. Scales are described in ``demo_presets``: for
``large``, contacts and agent states cover the last 14 days, ticket timelines (events) are
written only for open tickets and those created in the last 3 days, and the notification outbox
covers tickets created since the policy was switched on 3 days ago (21 days ago for ``small``).

Everything is one transaction: a failure leaves the database as it was.
"""

from __future__ import annotations

import dataclasses
import time as _time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select

from db.engine import Database
from db.models import (
    AgentStateLog,
    Base,
    Contact,
    Customer,
    CustomerSurvey,
    Employee,
    Notification,
    Queue,
    Team,
    Ticket,
    TicketEvent,
)
from desktop.sources import demo_store as store
from desktop.sources.demo_clock import epoch, truncate_to_minute
from desktop.sources.demo_contacts import build_state_log, simulate_contacts
from desktop.sources.demo_customers import build_customers
from desktop.sources.demo_demand import build_demand
from desktop.sources.demo_people import build_org
from desktop.sources.demo_presets import SCALES, preset
from desktop.sources.demo_schedule import build_schedule, plan_coaching
from desktop.sources.demo_tickets import plan_tickets
from desktop.sources.demo_writer import (
    BulkWriter,
    check_foreign_keys,
    full_indexes_dropped,
    sqlite_bulk_pragmas,
)

Progress = Callable[[str, float], None]
_BIG_TABLES = tuple(
    m.__table__
    for m in (Customer, Ticket, TicketEvent, Notification, Contact, AgentStateLog, CustomerSurvey)
)
# The foreign-key scan after the load costs a second on the small scale and half a minute on
# the large one; the large scale runs the same code paths, which the small one proves.
FK_CHECK_MAX_TICKETS = 100_000
_MUST_BE_EMPTY = (Ticket, Team, Employee, Queue, Customer, Contact)

__all__ = ["SCALES", "DemoSummary", "generate_demo"]


@dataclass(frozen=True)
class DemoSummary:
    """What ``generate_demo`` wrote, and how long it took."""

    scale: str
    seed: int
    now: datetime
    teams: int
    employees: int
    queues: int
    customers: int
    contacts: int
    agent_states: int
    tickets: int
    open_tickets: int
    ticket_events: int
    notifications: int
    customer_surveys: int
    pulse_surveys: int
    qa_reviews: int
    coaching_sessions: int
    audit_log: int
    elapsed_seconds: float

    def as_dict(self) -> dict[str, Any]:
        """The summary as plain JSON-friendly values."""
        out = dataclasses.asdict(self)
        out["now"] = self.now.isoformat()
        return out


def generate_demo(
    db: Database,
    scale: str = "small",
    seed: int = 7,
    now: datetime | None = None,
    progress: Progress | None = None,
) -> DemoSummary:
    """Fill an empty database with the demo data set.

    Args:
        db: an upgraded (``db.migrate.upgrade``) and empty database.
        scale: "small" (the embedded default), "large" (benchmarks) or "tiny" (tests).
        seed: the random seed; the same seed and ``now`` give identical data.
        now: the moment the history ends (timezone-aware; truncated to the minute);
            defaults to the current time.
        progress: called with (stage, fraction done) as the work advances.

    Returns:
        Counts of the rows written and the elapsed seconds.

    Raises:
        ValueError: for an unknown scale, a naive ``now``, or a database that already holds
            tickets, people, queues, customers or contacts.
    """
    started = _time.perf_counter()
    p = preset(scale)
    now_dt = truncate_to_minute(now)
    now_s = epoch(now_dt)
    report = progress or (lambda _stage, _fraction: None)
    _check_empty(db)

    report("Planning teams, people and shifts", 0.01)
    org = build_org(p, seed, now_s)
    sessions = plan_coaching(p, org, seed, now_s)
    sched = build_schedule(p, org, seed, now_s, sessions)
    demand = build_demand(p, seed, now_s, max(p.contact_days, p.ticket_days))
    report("Simulating contacts and agent states", 0.04)
    contacts, busy = simulate_contacts(p, org, sched, demand, seed, now_s)
    states = build_state_log(org, sched, busy, now_s)
    report("Creating customers and planning tickets", 0.12)
    cust = build_customers(p, seed, now_s)
    plan = plan_tickets(p, org, demand, cust, seed, now_s)
    cust, cust_created = store.customer_dates(cust, plan, seed, now_s, p.ticket_days)
    contact_ticket, contact_customer = store.link_contacts(p, contacts, plan, cust, seed)

    with db.engine.connect() as conn:
        conn = conn.execution_options(sqlite_begin="IMMEDIATE")
        if db.is_sqlite:
            # About 1.2 kB per ticket, everything included: the cache grows towards that.
            sqlite_bulk_pragmas(conn, True, expected_mb=p.tickets * 12 // 10_000)
        try:
            with conn.begin():
                w = BulkWriter(conn)
                with full_indexes_dropped(conn, _BIG_TABLES):
                    report("Writing people and customers", 0.16)
                    store.write_org(w, org, now_s)
                    store.write_customers(w, cust, cust_created)
                    open_count, assignee, solved_at, reassigns = store.write_tickets(
                        w, p, org, demand, plan, cust, seed, now_s, report
                    )
                    report("Writing contacts and agent states", 0.86)
                    store.write_contacts(w, contacts, contact_ticket, contact_customer, org)
                    store.write_states(w, org, states)
                    report("Writing surveys, QA and coaching", 0.92)
                    store.write_people_feedback(
                        w, p, org, states, sessions, assignee, solved_at, seed, now_s
                    )
                    store.write_audit(w, p, org, reassigns, seed, now_s)
                    store.write_meta(conn, w, p, seed, now_dt)
                    report("Building indexes", 0.95)
                report("Committing", 0.97)
                if p.tickets <= FK_CHECK_MAX_TICKETS:
                    check_foreign_keys(conn)
                w.reset_sequences(list(Base.metadata.sorted_tables))
        finally:
            if db.is_sqlite:
                sqlite_bulk_pragmas(conn, False)
        if not db.is_sqlite:
            with conn.begin():
                conn.exec_driver_sql("ANALYZE")
    report("Done", 1.0)
    c = w.counts
    return DemoSummary(
        scale=p.name,
        seed=seed,
        now=now_dt,
        teams=c.get("teams", 0),
        employees=c.get("employees", 0),
        queues=c.get("queues", 0),
        customers=c.get("customers", 0),
        contacts=c.get("contacts", 0),
        agent_states=c.get("agent_states", 0),
        tickets=c.get("tickets", 0),
        open_tickets=open_count,
        ticket_events=c.get("ticket_events", 0),
        notifications=c.get("notifications", 0),
        customer_surveys=c.get("customer_surveys", 0),
        pulse_surveys=c.get("pulse_surveys", 0),
        qa_reviews=c.get("qa_reviews", 0),
        coaching_sessions=c.get("coaching_sessions", 0),
        audit_log=c.get("audit_log", 0),
        elapsed_seconds=round(_time.perf_counter() - started, 3),
    )


def _check_empty(db: Database) -> None:
    with db.read() as session:
        for model in _MUST_BE_EMPTY:
            n = session.scalar(select(func.count()).select_from(model)) or 0
            if n:
                raise ValueError(
                    f"the database {db.display_name} already holds data ({n} rows in "
                    f"{model.__table__.name}); the demo data set is only generated into an "
                    "empty database"
                )
