"""Workload figures on hand-built rows, each expected value worked out by hand (SQLite and PG).

The clock is Monday 2026-11-23 15:00 UTC. Team "Alpha" works in Berlin (UTC+1), so its day
started at 2026-11-22 23:00 UTC; team "Beta" works in UTC.
"""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import pytest

from db.engine import Database
from db.models import AgentStateLog, Contact, Customer, Employee, Queue, Team, Ticket
from db.queries.workload import team_choices, workload_snapshot
from desktop.core.domain import AgentState, Channel, Priority, Role, TicketStatus

NOW = datetime(2026, 11, 23, 15, 0, tzinfo=UTC)


def at(hh: int, mm: int = 0, day: int = 23) -> datetime:
    return datetime(2026, 11, day, hh, mm, tzinfo=UTC)


@pytest.fixture
def workload_db(any_db: Database) -> tuple[Database, dict[str, int]]:
    ids: dict[str, int] = {}
    with any_db.write() as s:
        alpha = Team(name="Alpha", timezone="Europe/Berlin", created_at=at(0, day=1))
        beta = Team(name="Beta", timezone="UTC", created_at=at(0, day=1))
        s.add_all([alpha, beta])
        s.flush()
        queue = Queue(name="Voice", channel=Channel.VOICE)
        customer = Customer(name="Customer", created_at=at(0, day=1))
        s.add_all([queue, customer])
        s.flush()

        def person(key: str, team: Team, role: Role = Role.AGENT, **kw) -> int:  # type: ignore[no-untyped-def]
            emp = Employee(username=key, full_name=key.title(), role=role, team_id=team.id, **kw)
            s.add(emp)
            s.flush()
            ids[key] = emp.id
            return emp.id

        a1 = person("ann", alpha, shift_start=time(8), shift_end=time(16), shift_days="12345")
        a2 = person("bob", alpha)
        a4 = person("dan", alpha)
        a3 = person("cid", beta, shift_start=time(22), shift_end=time(6), shift_days="7")
        lead = person("lea", alpha, Role.TEAM_LEAD)
        person("old", alpha, active=False)

        def state(emp: int, st: AgentState, start: datetime, end: datetime | None) -> None:
            s.add(AgentStateLog(employee_id=emp, state=st, started_at=start, ended_at=end))

        state(a1, AgentState.AVAILABLE, at(22, day=22), at(23, 30, day=22))  # 30 min today
        state(a1, AgentState.OFFLINE, at(23, 30, day=22), at(7))
        state(a1, AgentState.AVAILABLE, at(7), at(9))  # 2 h
        state(a1, AgentState.BUSY, at(9), at(13))  # 4 h
        state(a1, AgentState.AWAY, at(13), at(13, 30))  # 30 min
        state(a1, AgentState.BUSY, at(13, 30), None)  # 1 h 30 until now
        state(a4, AgentState.AVAILABLE, at(12), None)  # 3 h
        state(a3, AgentState.AVAILABLE, at(14), None)  # 1 h (Beta: day started 00:00 UTC)
        state(a3, AgentState.BUSY, at(23, day=22), at(23, 30, day=22))  # yesterday for Beta

        def ticket(owner: int | None, priority: Priority, created: datetime, **kw) -> int:  # type: ignore[no-untyped-def]
            t = Ticket(
                customer_id=customer.id,
                queue_id=queue.id,
                subject=kw.pop("subject", f"{priority} ticket"),
                priority=priority,
                status=kw.pop("status", TicketStatus.OPEN),
                assignee_id=owner,
                created_at=created,
                updated_at=created,
                **kw,
            )
            s.add(t)
            s.flush()
            return t.id

        ticket(a1, Priority.URGENT, at(10, day=20), last_heard_at=at(9))
        ticket(a1, Priority.HIGH, at(10, day=21))
        ticket(a1, Priority.HIGH, at(10, day=22), status=TicketStatus.PENDING)
        ticket(a1, Priority.NORMAL, at(10, day=22), status=TicketStatus.NEW)
        ids["oldest"] = ticket(a1, Priority.LOW, at(8, day=19), subject="Oldest")
        ticket(a1, Priority.LOW, at(8, day=21), status=TicketStatus.ON_HOLD)
        ticket(a1, Priority.URGENT, at(8, day=18), status=TicketStatus.SOLVED)  # not open
        for d in (20, 21, 22):
            ticket(a2, Priority.NORMAL, at(12, day=d), last_heard_at=at(14, day=22))
        ticket(a4, Priority.HIGH, at(11))
        ticket(lead, Priority.URGENT, at(11))  # a team lead: not an agent row
        ticket(None, Priority.URGENT, at(11))  # unassigned

        def handled(agent: int, answered: datetime, handle: float | None) -> None:
            c = Contact(
                queue_id=queue.id,
                agent_id=agent,
                enqueued_at=answered - timedelta(seconds=20),
                answered_at=answered,
                wait_seconds=20,
            )
            if handle is not None:
                c.talk_seconds = handle
                c.ended_at = answered + timedelta(seconds=handle)
            s.add(c)

        handled(a1, at(22, 30, day=22), 100)  # before Alpha's midnight
        handled(a1, at(9, 5), 300)
        handled(a1, at(10), 200)
        handled(a1, at(14, 59), None)  # still talking
    return any_db, ids


def test_agent_rows(workload_db: tuple[Database, dict[str, int]]) -> None:
    db, ids = workload_db
    with db.read() as s:
        teams = team_choices(s)
        snap = workload_snapshot(s, NOW, [t.team_id for t in teams])
    assert [t.name for t in teams] == ["Alpha", "Beta"] and [t.agents for t in teams] == [3, 1]
    rows = {r.name: r for r in snap.agents}
    assert sorted(rows) == ["Ann", "Bob", "Cid", "Dan"]

    ann = rows["Ann"]
    assert (ann.state, ann.state_since) == ("busy", at(13, 30))
    assert (ann.urgent, ann.high, ann.normal, ann.low) == (1, 2, 1, 2)
    assert ann.weighted_load == pytest.approx(4 + 2 * 2 + 1 + 2 * 0.5)
    assert ann.handled_today == 3 and ann.aht_today_s == pytest.approx(250)
    assert ann.available_s == pytest.approx(1800 + 7200, abs=0.01)
    assert ann.busy_s == pytest.approx(14400 + 5400, abs=0.01)
    assert ann.away_s == pytest.approx(1800, abs=0.01)
    assert ann.occupancy_today == pytest.approx(19800 / (19800 + 9000), abs=1e-6)
    assert ann.logged_in_s == pytest.approx(30600, abs=0.01)
    assert ann.scheduled_s == 8 * 3600 and ann.overtime_s == pytest.approx(1800, abs=0.01)
    assert ann.oldest_ticket_id == ids["oldest"] and ann.oldest_subject == "Oldest"
    assert ann.oldest_silence_s == pytest.approx((NOW - at(8, day=19)).total_seconds())

    bob = rows["Bob"]
    assert bob.state == "offline" and bob.state_since is None and bob.logged_in_s == 0
    assert bob.weighted_load == 3 and bob.overtime_s is None  # no shift defined
    assert bob.oldest_silence_s == pytest.approx((NOW - at(14, day=22)).total_seconds())

    cid = rows["Cid"]  # overnight Sunday shift: not scheduled on a Monday
    assert cid.scheduled_s == 0 and cid.overtime_s == pytest.approx(3600, abs=0.01)
    assert cid.busy_s == 0 and cid.weighted_load == 0 and cid.oldest_ticket_id is None
    assert cid.occupancy_today == pytest.approx(0.0)


def test_team_balance(workload_db: tuple[Database, dict[str, int]]) -> None:
    db, _ids = workload_db
    with db.read() as s:
        teams = team_choices(s)
        snap = workload_snapshot(s, NOW, [t.team_id for t in teams])
    alpha, beta = snap.balances
    # Logged-in Alpha agents: Ann (10) and Dan (2); Bob is offline. Gini of {2, 10}:
    # sum |xi - xj| over ordered pairs / (2 n^2 mean) = 16 / (2 x 4 x 6) = 1/3.
    assert alpha.agents == 2 and alpha.gini == pytest.approx(1 / 3)
    assert alpha.most_loaded.name == "Ann" and alpha.least_loaded.name == "Dan"
    assert alpha.mean_load == pytest.approx(6)
    assert beta.agents == 1 and beta.gini == 0


def test_team_filter_and_focus_tickets(workload_db: tuple[Database, dict[str, int]]) -> None:
    db, ids = workload_db
    with db.read() as s:
        beta = [t.team_id for t in team_choices(s) if t.name == "Beta"]
        only_beta = workload_snapshot(s, NOW, beta)
        alpha = [t.team_id for t in team_choices(s) if t.name == "Alpha"]
        focused = workload_snapshot(s, NOW, alpha, focus_agent_id=ids["ann"])
        nobody = workload_snapshot(s, NOW, [])
    assert [r.name for r in only_beta.agents] == ["Cid"]
    assert nobody.agents == () and nobody.balances == ()
    tickets = focused.focus_tickets
    assert [t.priority for t in tickets] == ["urgent", "high", "high", "normal", "low", "low"]
    assert tickets[-2].ticket_id == ids["oldest"]  # oldest first within a priority
    assert all(t.version >= 1 for t in tickets)
    assert tickets[0].silence_s == pytest.approx(6 * 3600)  # last heard at 09:00
