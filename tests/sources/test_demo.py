"""The demo generator: deterministic, internally consistent, and telling the intended story.

Invariant tests run on the ``tiny`` scale (a second or less each); one module-scoped ``small``
database checks the promised volumes and the built-in correlations.
"""

from __future__ import annotations

import hashlib
import itertools
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest
from sqlalchemy import func, insert, select, text

from db import migrate
from db.engine import Database, sqlite_url
from db.models import (
    AgentStateLog,
    AppMeta,
    Base,
    Contact,
    CustomerSurvey,
    Notification,
    QaReview,
    QaReviewItem,
    QaRubricItem,
    Queue,
    Team,
    Ticket,
    TicketEvent,
)
from desktop.core.domain import OPEN_STATUSES, AgentState
from desktop.core.notification_policy import NotificationKind
from desktop.sources.demo import DemoSummary, generate_demo
from desktop.sources.demo_notify import DEMO_KINDS
from desktop.sources.demo_vocab import NOTIFICATION_TEXT
from desktop.sources.demo_writer import timestamp_text

NOW = datetime(2025, 3, 12, 14, 37, 42, tzinfo=UTC)  # seconds are truncated away
NOW_MIN = NOW.replace(second=0)


def _fresh(path: Path) -> Database:
    db = Database(sqlite_url(path))
    migrate.upgrade(db.engine)
    return db


def _generate(path: Path, scale: str = "tiny", seed: int = 7) -> tuple[Database, DemoSummary]:
    db = _fresh(path)
    return db, generate_demo(db, scale=scale, seed=seed, now=NOW)


@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Database, DemoSummary]]:
    db, summary = _generate(tmp_path_factory.mktemp("tiny") / "demo.db")
    yield db, summary
    db.dispose()


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Database, DemoSummary]]:
    db, summary = _generate(tmp_path_factory.mktemp("small") / "demo.db", "small")
    yield db, summary
    db.dispose()


def checksum(db: Database) -> dict[str, str]:
    """A digest of every table's rows in primary-key order."""
    out = {}
    with db.engine.connect() as conn:
        for table in Base.metadata.sorted_tables:
            h = hashlib.sha256()
            for row in conn.execute(select(table).order_by(*table.primary_key.columns)):
                h.update(repr(tuple(row)).encode())
            out[table.name] = h.hexdigest()
    return out


# --- determinism and guards ---------------------------------------------------------------


def test_same_seed_and_now_give_identical_tables(tiny, tmp_path: Path) -> None:
    db, _ = tiny
    again, _ = _generate(tmp_path / "again.db")
    assert checksum(again) == checksum(db)
    again.dispose()


def test_another_seed_gives_other_data(tiny, tmp_path: Path) -> None:
    db, _ = tiny
    other, _ = _generate(tmp_path / "other.db", seed=8)
    first, second = checksum(db), checksum(other)
    for table in ("tickets", "contacts", "agent_states", "customers", "employees"):
        assert first[table] != second[table], table
    other.dispose()


def test_refuses_a_database_that_has_tickets(tiny) -> None:
    db, _ = tiny
    with pytest.raises(ValueError, match="already holds data"):
        generate_demo(db, scale="tiny", now=NOW)


def test_rejects_unknown_scale_and_naive_now(tmp_path: Path) -> None:
    db = _fresh(tmp_path / "x.db")
    with pytest.raises(ValueError, match="unknown demo scale"):
        generate_demo(db, scale="huge", now=NOW)
    with pytest.raises(ValueError, match="timezone-aware"):
        generate_demo(db, scale="tiny", now=datetime(2025, 1, 1))
    with db.read() as s:
        assert s.scalar(select(func.count()).select_from(Ticket)) == 0
    db.dispose()


def test_indexes_are_as_the_migrations_made_them(tiny, tmp_path: Path) -> None:
    """Loading drops the full indexes and builds them again; partial ones stay partial (the
    queues view reads current agent states through one: 30 ms per query instead of 0.1)."""
    db, _summary = tiny
    fresh = _fresh(tmp_path / "fresh.db")
    try:
        schema = "SELECT name, sql FROM sqlite_master WHERE type = 'index' ORDER BY name"
        with db.engine.connect() as loaded, fresh.engine.connect() as migrated:
            assert loaded.execute(text(schema)).all() == migrated.execute(text(schema)).all()
    finally:
        fresh.dispose()


def test_summary_matches_tables_and_meta(tiny) -> None:
    db, summary = tiny
    assert summary.now == NOW_MIN
    with db.read() as s:
        assert s.scalar(select(func.count()).select_from(Ticket)) == summary.tickets
        assert s.scalar(select(func.count()).select_from(Contact)) == summary.contacts
        n_open = s.scalar(
            select(func.count())
            .select_from(Ticket)
            .where(Ticket.status.in_([x.value for x in OPEN_STATUSES]))
        )
        assert n_open == summary.open_tickets > 0
        meta = dict(s.execute(select(AppMeta.key, AppMeta.value)).all())
    assert meta["demo"] == "1"
    assert meta["demo_seed"] == "7"
    assert meta["demo_scale"] == "tiny"
    assert meta["demo_generated_at"] == NOW_MIN.isoformat()
    assert summary.as_dict()["now"] == NOW_MIN.isoformat()


def test_bulk_timestamps_match_sqlalchemys_own_format(tmp_path: Path) -> None:
    """SQLite compares timestamps as text: bulk rows must look exactly like ORM rows."""
    db = _fresh(tmp_path / "fmt.db")
    at = datetime(2024, 2, 29, 23, 59, 7, tzinfo=UTC)
    with db.engine.begin() as conn:
        conn.execute(insert(Team).values(name="t", timezone="UTC", created_at=at))
        stored = conn.execute(text("SELECT created_at FROM teams")).scalar()
    assert timestamp_text(np.array([int(at.timestamp())]), postgres=False)[0] == stored
    db.dispose()


# --- tickets --------------------------------------------------------------------------------


def test_ticket_times_are_in_order_and_not_in_the_future(tiny) -> None:
    db, _ = tiny
    with db.read() as s:
        tickets = s.execute(
            select(
                Ticket.id,
                Ticket.status,
                Ticket.created_at,
                Ticket.first_response_at,
                Ticket.solved_at,
                Ticket.last_heard_at,
                Ticket.last_customer_message_at,
                Ticket.updated_at,
                Ticket.longest_silence_seconds,
                Ticket.assignee_id,
            )
        ).all()
        first_event = dict(
            s.execute(
                select(TicketEvent.ticket_id, func.min(TicketEvent.at)).group_by(
                    TicketEvent.ticket_id
                )
            ).all()
        )
        last_event = s.scalar(select(func.max(TicketEvent.at)))
    assert tickets
    for t in tickets:
        times = [
            x
            for x in (
                t.first_response_at,
                t.solved_at,
                t.last_heard_at,
                t.last_customer_message_at,
                t.updated_at,
            )
            if x is not None
        ]
        assert all(t.created_at <= x <= NOW_MIN for x in times), t
        if t.first_response_at and t.solved_at:
            assert t.first_response_at <= t.solved_at, t
        if t.status in ("solved", "closed"):
            assert t.solved_at is not None and t.first_response_at is not None
        else:
            assert t.solved_at is None
        if t.status == "new":
            assert t.assignee_id is None
        assert t.longest_silence_seconds is not None and t.longest_silence_seconds >= 0
        assert first_event[t.id] == t.created_at
    assert last_event <= NOW_MIN


def test_status_events_chain_without_gaps(tiny) -> None:
    """Each status change starts from the status the previous one ended in."""
    db, _ = tiny
    with db.read() as s:
        rows = s.execute(
            select(TicketEvent.ticket_id, TicketEvent.old_value, TicketEvent.new_value)
            .where(TicketEvent.kind == "status_change")
            .order_by(TicketEvent.ticket_id, TicketEvent.at, TicketEvent.id)
        ).all()
        status = dict(s.execute(select(Ticket.id, Ticket.status)).all())
    current: dict[int, str] = {}
    for ticket_id, old, new in rows:
        assert old == current.get(ticket_id, "new") != new
        current[ticket_id] = new
    for ticket_id, st in status.items():
        assert current.get(ticket_id, "new") == str(st)


def test_notifications_are_consistent(tiny) -> None:
    db, _ = tiny
    with db.read() as s:
        rows = s.execute(select(Notification)).scalars().all()
    assert rows
    for n in rows:
        state = str(n.state)
        if state in ("scheduled", "deferred"):
            assert n.due_at > NOW_MIN and n.sent_at is None
            assert (n.due_at == n.original_due_at) == (state == "scheduled")
        elif state in ("sent", "delivered", "failed"):
            assert n.original_due_at <= n.due_at <= n.sent_at <= NOW_MIN
            assert n.provider_sid and n.provider_sid.startswith("SM")
            assert (n.error_code is not None) == (state == "failed")
        elif state == "sending":
            assert n.claimed_at is not None and n.claimed_at <= NOW_MIN and n.sent_at is None
        if state == "delivered":
            assert n.sent_at <= n.delivered_at <= NOW_MIN
    assert len({n.dedupe_key for n in rows}) == len(rows)


def test_notification_kinds_are_the_engines(tiny) -> None:
    """Every demo message has a kind the engine knows: the dispatcher judges a queued row by
    its kind, and an unknown one ("silence_update") was never cancelled or re-evaluated."""
    db, _ = tiny
    with db.read() as s:
        kinds = set(s.scalars(select(Notification.kind).distinct()))
    engine_kinds = {kind.value for kind in NotificationKind}
    assert kinds <= engine_kinds, kinds - engine_kinds
    assert NotificationKind.STILL_WORKING.value in kinds
    assert engine_kinds >= DEMO_KINDS


def test_demo_texts_exist_for_every_kind() -> None:
    """The demo's sample texts cover every kind it writes, in every language."""
    for texts in NOTIFICATION_TEXT.values():
        for kind in DEMO_KINDS:
            assert texts[kind]


# --- contacts and agents ------------------------------------------------------------------


def test_no_agent_is_busy_on_two_contacts_at_once(tiny) -> None:
    db, _ = tiny
    with db.read() as s:
        rows = s.execute(
            select(Contact.agent_id, Contact.answered_at, Contact.ended_at, Contact.wrap_seconds)
            .where(Contact.agent_id.is_not(None))
            .order_by(Contact.agent_id, Contact.answered_at)
        ).all()
    assert len(rows) > 50
    for prev, cur in itertools.pairwise(rows):
        if prev.agent_id != cur.agent_id:
            continue
        assert prev.ended_at is not None, "only an agent's last contact can still be running"
        busy_until = prev.ended_at + timedelta(seconds=prev.wrap_seconds)
        assert cur.answered_at >= busy_until


def test_contacts_are_answered_abandoned_or_waiting(tiny) -> None:
    db, _ = tiny
    with db.read() as s:
        rows = s.execute(select(Contact)).scalars().all()
    waiting = 0
    for c in rows:
        assert c.enqueued_at <= NOW_MIN
        assert not (c.answered_at and c.abandoned_at)
        if c.answered_at:
            assert c.agent_id is not None and c.answered_at <= NOW_MIN
            assert c.wait_seconds == (c.answered_at - c.enqueued_at).total_seconds()
            assert c.ended_at is None or c.answered_at <= c.ended_at <= NOW_MIN
        elif c.abandoned_at:
            assert c.agent_id is None and c.abandoned_at <= NOW_MIN
            assert c.wait_seconds == (c.abandoned_at - c.enqueued_at).total_seconds()
        else:
            waiting += 1
            assert c.wait_seconds is None and c.agent_id is None
    assert any(c.abandoned_at and c.wait_seconds < 5 for c in rows), "short abandons"


def test_agent_state_intervals_never_overlap(tiny) -> None:
    db, _ = tiny
    with db.read() as s:
        overlaps = s.execute(
            text(
                "SELECT COUNT(*) FROM agent_states a JOIN agent_states b "
                "ON a.employee_id = b.employee_id AND a.id < b.id "
                "AND a.started_at < COALESCE(b.ended_at, '9999') "
                "AND b.started_at < COALESCE(a.ended_at, '9999')"
            )
        ).scalar()
        open_rows = s.execute(
            select(AgentStateLog.employee_id, func.count())
            .where(AgentStateLog.ended_at.is_(None))
            .group_by(AgentStateLog.employee_id)
        ).all()
        with_rows = s.scalar(select(func.count(func.distinct(AgentStateLog.employee_id))))
        bad = s.scalar(
            select(func.count())
            .select_from(AgentStateLog)
            .where(
                (AgentStateLog.ended_at <= AgentStateLog.started_at)
                | (AgentStateLog.started_at > NOW_MIN)
            )
        )
    assert overlaps == 0
    assert bad == 0
    assert all(n == 1 for _, n in open_rows)
    assert len(open_rows) == with_rows  # every agent with history has a current state


def test_answered_contacts_fall_in_busy_intervals(tiny) -> None:
    db, _ = tiny
    with db.read() as s:
        busy = s.execute(
            select(
                AgentStateLog.employee_id, AgentStateLog.started_at, AgentStateLog.ended_at
            ).where(AgentStateLog.state == AgentState.BUSY)
        ).all()
        answered = s.execute(
            select(Contact.agent_id, Contact.answered_at).where(Contact.agent_id.is_not(None))
        ).all()
    spans: dict[int, list[tuple[datetime, datetime]]] = {}
    for emp, start, end in busy:
        spans.setdefault(emp, []).append((start, end or NOW_MIN + timedelta(days=1)))
    for emp, at in answered:
        assert any(a <= at < b for a, b in spans[emp]), (emp, at)


def test_customers_have_valid_e164_numbers(tiny) -> None:
    import phonenumbers

    db, _ = tiny
    with db.read() as s:
        phones = s.scalars(text("SELECT phone_e164 FROM customers WHERE phone_e164 IS NOT NULL"))
        phones = list(phones)
    assert phones
    for number in phones:
        parsed = phonenumbers.parse(number)
        assert phonenumbers.is_valid_number(parsed), number
        assert phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164) == number


def test_qa_scores_follow_the_metric_definition(tiny) -> None:
    db, _ = tiny
    with db.read() as s:
        items = {i.id: i for i in s.scalars(select(QaRubricItem))}
        answers: dict[int, dict[int, int]] = {}
        for r in s.execute(select(QaReviewItem)).scalars():
            answers.setdefault(r.review_id, {})[r.item_id] = r.selected
        reviews = s.scalars(select(QaReview)).all()
    assert reviews and sum(i.critical for i in items.values()) == 1
    for review in reviews:
        sel = answers[review.id]
        if any(it.critical and sel[i] == it.scale_min for i, it in items.items()):
            assert review.score_pct == 0
            continue
        total = sum(
            it.weight * (sel[i] - it.scale_min) / (it.scale_max - it.scale_min)
            for i, it in items.items()
        )
        expected = 100 * total / sum(it.weight for it in items.values())
        assert review.score_pct == pytest.approx(expected, abs=0.01)


# --- the small scale: volumes and the story ---------------------------------------------


@pytest.mark.slow
def test_small_scale_volumes(small) -> None:
    db, summary = small
    assert 45_000 <= summary.tickets <= 55_000
    assert 1_500 <= summary.open_tickets <= 2_500
    assert summary.customers == 30_000
    assert summary.employees == 46 and summary.teams == 3 and summary.queues == 6
    assert summary.contacts > 60_000 and summary.ticket_events > 10 * summary.tickets / 2
    assert summary.elapsed_seconds > 0
    with db.read() as s:
        channels = set(s.scalars(select(Queue.channel)))
        assert len(channels) == 4
        oldest = s.scalar(select(func.min(Contact.enqueued_at)))
        waiting = s.scalar(
            select(func.count())
            .select_from(Contact)
            .where(Contact.answered_at.is_(None), Contact.abandoned_at.is_(None))
        )
        current = dict(
            s.execute(
                select(AgentStateLog.state, func.count())
                .where(AgentStateLog.ended_at.is_(None))
                .group_by(AgentStateLog.state)
            ).all()
        )
        statuses = set(s.scalars(select(Ticket.status).distinct()))
        breached = s.scalar(
            text(
                "SELECT COUNT(*) FROM tickets WHERE first_response_at IS NOT NULL AND "
                "(julianday(first_response_at) - julianday(created_at)) * 1440 > frt_target_minutes"
            )
        )
        states = set(s.scalars(select(Notification.state).distinct()))
    assert NOW_MIN - timedelta(days=91) < oldest < NOW_MIN - timedelta(days=89)
    assert waiting > 0
    assert current.get(AgentState.BUSY, 0) > 0 and current.get(AgentState.AVAILABLE, 0) > 0
    assert {"new", "open", "pending", "on_hold", "solved", "closed"} <= {str(x) for x in statuses}
    assert 0.03 * summary.tickets < breached < 0.3 * summary.tickets
    assert {"delivered", "failed", "scheduled"} <= {str(x) for x in states}


def _spearman(x: np.ndarray, y: np.ndarray) -> float:
    rx = np.argsort(np.argsort(x, kind="stable"), kind="stable")
    ry = np.argsort(np.argsort(y, kind="stable"), kind="stable")
    return float(np.corrcoef(rx, ry)[0, 1])


@pytest.mark.slow
def test_csat_falls_with_first_response_time(small) -> None:
    db, _ = small
    with db.read() as s:
        rows = s.execute(
            select(CustomerSurvey.csat, Ticket.created_at, Ticket.first_response_at)
            .join(Ticket, Ticket.id == CustomerSurvey.ticket_id)
            .where(CustomerSurvey.csat.is_not(None))
        ).all()
    csat = np.array([r[0] for r in rows], dtype=float)
    frt = np.array([(r[2] - r[1]).total_seconds() for r in rows])
    assert len(rows) > 5_000
    assert _spearman(frt, csat) < -0.2
    fast, slow = csat[frt < 3600], csat[frt > 12 * 3600]
    assert (fast >= 4).mean() > (slow >= 4).mean() + 0.3


@pytest.mark.slow
def test_esat_is_lower_for_high_occupancy_agents(small) -> None:
    db, _ = small
    with db.read() as s:
        occ = s.execute(
            text(
                "SELECT employee_id, "
                "SUM(CASE WHEN state = 'busy' THEN julianday(COALESCE(ended_at, :now)) - "
                "julianday(started_at) ELSE 0 END) / "
                "SUM(julianday(COALESCE(ended_at, :now)) - julianday(started_at)) "
                "FROM agent_states WHERE state IN ('busy', 'available') GROUP BY employee_id"
            ),
            {"now": NOW_MIN.replace(tzinfo=None).isoformat(sep=" ")},
        ).all()
        esat = dict(
            s.execute(
                text("SELECT employee_id, AVG(esat) FROM pulse_surveys GROUP BY employee_id")
            ).all()
        )
    pairs = np.array([(o, esat[e]) for e, o in occ if e in esat])
    assert len(pairs) >= 20
    order = np.argsort(pairs[:, 0])
    third = len(order) // 3
    assert pairs[order[-third:], 1].mean() < pairs[order[:third], 1].mean()
    assert _spearman(pairs[:, 0], pairs[:, 1]) < -0.2


# --- PostgreSQL ---------------------------------------------------------------------------


@pytest.mark.postgres
def test_generates_on_postgres_like_on_sqlite(postgres_db: Database, tiny) -> None:
    migrate.downgrade(postgres_db.engine)
    migrate.upgrade(postgres_db.engine)
    summary = generate_demo(postgres_db, scale="tiny", now=NOW)
    _, on_sqlite = tiny
    skip = {"elapsed_seconds"}
    assert {k: v for k, v in summary.as_dict().items() if k not in skip} == {
        k: v for k, v in on_sqlite.as_dict().items() if k not in skip
    }
    with postgres_db.write() as s:
        # Sequences were moved past the generated ids: a normal insert just works.
        s.add(Team(name="After the demo", timezone="UTC", created_at=NOW))
        s.flush()
        assert s.scalar(select(func.max(Team.id))) == summary.teams + 1
        first = s.scalar(select(func.min(Ticket.created_at)))
    assert first is not None and first.tzinfo is not None
    migrate.downgrade(postgres_db.engine)
