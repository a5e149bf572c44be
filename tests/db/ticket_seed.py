"""Hand-made ticket data for the ticket tests: small, known, every clock state represented."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from db.engine import Database
from db.models import (
    Customer,
    Employee,
    Notification,
    Queue,
    Team,
    Ticket,
    TicketEvent,
)
from desktop.core.domain import (
    Channel,
    NotificationState,
    Priority,
    Role,
    TicketEventKind,
    TicketStatus,
)
from desktop.core.identity import Actor

NOW = datetime.fromisoformat("2026-11-23T15:00:00+00:00")
H = timedelta(hours=1)
M = timedelta(minutes=1)


@dataclass(frozen=True)
class Seed:
    """Ids of what ``seed_tickets`` created."""

    lead: Actor
    agent_a: int
    agent_b: int
    other_agent: int
    team: int
    other_team: int
    billing: int
    tech: int
    tickets: dict[str, int]
    customers: dict[str, int]


def seed_tickets(db: Database, now: datetime = NOW) -> Seed:
    """Two teams, a lead, three agents, two queues and seven tickets in every clock state.

    Tickets (by key): ``ok`` (fresh, FRT running), ``risk`` (FRT at 85 % of its target),
    ``breached`` (FRT past due), ``answered`` (FRT met, resolution running), ``unassigned``,
    ``other_team`` (held by the other team's agent), ``solved`` (not on the board).
    """
    with db.write() as s:
        team = Team(name="Care", timezone="Europe/London", created_at=now - 400 * H)
        other = Team(name="Tech", timezone="UTC", created_at=now - 400 * H)
        s.add_all([team, other])
        s.flush()
        lead = Employee(
            username="lena", full_name="Lena Lead", role=Role.TEAM_LEAD, team_id=team.id
        )
        a = Employee(username="ann", full_name="Ann Agent", role=Role.AGENT, team_id=team.id)
        b = Employee(username="bob", full_name="Bob Agent", role=Role.AGENT, team_id=team.id)
        o = Employee(username="otto", full_name="Otto Other", role=Role.AGENT, team_id=other.id)
        s.add_all([lead, a, b, o])
        billing = Queue(name="Billing", channel=Channel.EMAIL, team_id=team.id)
        tech = Queue(name="Tech support", channel=Channel.CHAT, team_id=other.id)
        s.add_all([billing, tech])
        s.flush()
        customers = {
            "alice": Customer(
                name="Alice Martin",
                phone_e164="+447911123456",
                email="alice@example.com",
                timezone="Europe/London",
                language="en",
                created_at=now - 300 * H,
            ),
            "bruno": Customer(
                name="Bruno Costa",
                phone_e164="+351912345678",
                timezone="Europe/Lisbon",
                language="pt",
                created_at=now - 300 * H,
            ),
            "chloe": Customer(
                name="Chloé Dubois",
                phone_e164="+33612345678",
                timezone="Europe/Paris",
                language="fr",
                sms_opt_out=True,
                sms_opt_out_at=now - 100 * H,
                created_at=now - 300 * H,
            ),
            "dan": Customer(name="Dan Nophone", created_at=now - 300 * H),
        }
        s.add_all(customers.values())
        s.flush()

        def ticket(key: str, **kw: object) -> Ticket:
            base: dict[str, object] = dict(
                external_id=f"T-{key}",
                queue_id=billing.id,
                subject=f"{key} subject",
                priority=Priority.NORMAL,
                status=TicketStatus.OPEN,
                frt_target_minutes=60,
                resolution_target_minutes=24 * 60,
                updated_at=now - 10 * M,
            )
            base.update(kw)
            return Ticket(**base)

        tickets = {
            "ok": ticket(
                "ok",
                customer_id=customers["alice"].id,
                subject="Refund for order 1042",
                status=TicketStatus.NEW,
                assignee_id=a.id,
                created_at=now - 10 * M,
            ),
            "risk": ticket(
                "risk",
                customer_id=customers["bruno"].id,
                subject="Cannot log in",
                priority=Priority.HIGH,
                assignee_id=b.id,
                created_at=now - 51 * M,
            ),
            "breached": ticket(
                "breached",
                customer_id=customers["chloe"].id,
                subject="Parcel never arrived",
                priority=Priority.URGENT,
                assignee_id=a.id,
                created_at=now - 3 * H,
            ),
            "answered": ticket(
                "answered",
                customer_id=customers["alice"].id,
                subject="Change of address",
                status=TicketStatus.PENDING,
                assignee_id=a.id,
                created_at=now - 5 * H,
                first_response_at=now - 4 * H - 30 * M,
                last_heard_at=now - 2 * H,
                longest_silence_seconds=9000.0,
            ),
            "unassigned": ticket(
                "unassigned",
                customer_id=customers["dan"].id,
                subject="Invoice copy",
                priority=Priority.LOW,
                created_at=now - 20 * M,
                frt_target_minutes=None,
                resolution_target_minutes=None,
            ),
            "other_team": ticket(
                "other_team",
                customer_id=customers["bruno"].id,
                queue_id=tech.id,
                subject="Router keeps rebooting",
                status=TicketStatus.ON_HOLD,
                assignee_id=o.id,
                created_at=now - 30 * H,
                first_response_at=now - 29 * H,
                last_heard_at=now - 29 * H,
            ),
            "solved": ticket(
                "solved",
                customer_id=customers["alice"].id,
                subject="Old question",
                status=TicketStatus.SOLVED,
                assignee_id=a.id,
                created_at=now - 50 * H,
                first_response_at=now - 49 * H,
                solved_at=now - 40 * H,
            ),
        }
        s.add_all(tickets.values())
        s.flush()
        answered = tickets["answered"]
        s.add_all(
            [
                TicketEvent(ticket_id=answered.id, kind=TicketEventKind.CREATED, at=now - 5 * H),
                TicketEvent(
                    ticket_id=answered.id,
                    kind=TicketEventKind.PUBLIC_REPLY,
                    actor_id=a.id,
                    at=now - 4 * H - 30 * M,
                    body="We are looking into it.",
                ),
                TicketEvent(
                    ticket_id=answered.id,
                    kind=TicketEventKind.STATUS_CHANGE,
                    actor_id=a.id,
                    at=now - 4 * H,
                    old_value="open",
                    new_value="pending",
                ),
            ]
        )
        sent = Notification(
            ticket_id=answered.id,
            customer_id=customers["alice"].id,
            kind="still_working",
            dedupe_key=f"{answered.id}:still_working:1",
            to_address="+447911123456",
            body="We are still working on your request.",
            due_at=now - 2 * H,
            original_due_at=now - 2 * H,
            state=NotificationState.DELIVERED,
            created_at=now - 2 * H - M,
            sent_at=now - 2 * H,
            delivered_at=now - 2 * H + M,
            updated_at=now - 2 * H + M,
        )
        failed = Notification(
            ticket_id=answered.id,
            customer_id=customers["alice"].id,
            kind="status_change",
            dedupe_key=f"{answered.id}:status_change:1",
            to_address="+447911123456",
            due_at=now - 3 * H,
            original_due_at=now - 3 * H,
            state=NotificationState.FAILED,
            error_code="30003",
            error_message="Unreachable destination handset",
            created_at=now - 3 * H,
            sent_at=now - 3 * H,
            updated_at=now - 3 * H,
        )
        scheduled = Notification(
            ticket_id=answered.id,
            customer_id=customers["alice"].id,
            kind="still_working",
            dedupe_key=f"{answered.id}:still_working:2",
            to_address="+447911123456",
            due_at=now + 45 * M,
            original_due_at=now + 45 * M,
            state=NotificationState.SCHEDULED,
            created_at=now - M,
            updated_at=now - M,
        )
        later = Notification(
            ticket_id=answered.id,
            customer_id=customers["alice"].id,
            kind="still_working",
            dedupe_key=f"{answered.id}:still_working:3",
            due_at=now + 5 * H,
            original_due_at=now + 5 * H,
            state=NotificationState.DEFERRED,
            created_at=now - M,
            updated_at=now - M,
        )
        s.add_all([sent, failed, scheduled, later])
        s.flush()
        s.add(
            TicketEvent(
                ticket_id=answered.id,
                kind=TicketEventKind.NOTIFICATION,
                at=now - 2 * H,
                notification_id=sent.id,
                body="still working",
            )
        )
        ids = {k: t.id for k, t in tickets.items()}
        actor = Actor(lead.id, "lena", "Lena Lead", Role.TEAM_LEAD, (team.id,))
        return Seed(
            lead=actor,
            agent_a=a.id,
            agent_b=b.id,
            other_agent=o.id,
            team=team.id,
            other_team=other.id,
            billing=billing.id,
            tech=tech.id,
            tickets=ids,
            customers={k: c.id for k, c in customers.items()},
        )
