"""Supervisor queries on SQLite and PostgreSQL: exact figures, and confidentiality enforced in
the queries themselves (reads as the wrong user fail)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import timedelta

import pytest
from sqlalchemy import select

from db.actions.coaching import SessionInput, log_session, read_notes
from db.engine import Database
from db.models import AuditLog
from db.queries.supervisor import scorecards, supervisor_snapshot, team_panel
from db.queries.supervisor_access import Access, AccessDenied, team_choices
from db.queries.supervisor_agent import agent_page
from db.queries.supervisor_trace import rows_behind
from desktop.core.coaching import Rule
from desktop.core.domain import Role
from desktop.core.identity import Actor
from desktop.core.scorecard import Metric
from tests.db import supervisor_data as sd
from tests.db.supervisor_data import NOW, PERIOD, Org


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def shared(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Database, Org]]:
    """One database per backend for the tests that only read (they are most of them)."""
    with sd.database(request.param, tmp_path_factory.mktemp("supervisor")) as db:
        yield db, sd.build(db)


@pytest.fixture
def ro_db(shared: tuple[Database, Org]) -> Database:
    return shared[0]


@pytest.fixture
def ro_org(shared: tuple[Database, Org]) -> Org:
    return shared[1]


@pytest.fixture
def org(any_db: Database) -> Org:
    """A fresh organisation for the tests that write."""
    return sd.build(any_db)


def test_who_may_open_which_team(ro_db: Database, ro_org: Org) -> None:
    with ro_db.read() as s:
        assert {(c.name, c.access) for c in team_choices(s, ro_org.admin)} == {
            ("Alpha", Access.INDIVIDUAL),
            ("Beta", Access.INDIVIDUAL),
        }
        assert [(c.name, c.access) for c in team_choices(s, ro_org.sup_a)] == [
            ("Alpha", Access.INDIVIDUAL)
        ]
        assert [(c.name, c.access) for c in team_choices(s, ro_org.lead_a)] == [
            ("Alpha", Access.AGGREGATE)
        ]
        assert [c.name for c in team_choices(s, ro_org.sup_b)] == ["Beta"]
        assert team_choices(s, ro_org.agent_actor) == []


def test_team_panel_figures_are_exact(ro_db: Database, ro_org: Org) -> None:
    with ro_db.read() as s:
        panel = team_panel(s, ro_org.lead_a, [ro_org.alpha], PERIOD, NOW)
    cur = panel.current
    assert cur[Metric.CSAT].value == pytest.approx(80.0) and cur[Metric.CSAT].n == 10
    assert panel.previous[Metric.CSAT].value == pytest.approx(90.0)
    assert cur[Metric.NPS].value == pytest.approx(20.0)  # 6 promoters, 4 detractors
    assert cur[Metric.FCR].value == pytest.approx(0.7) and cur[Metric.SOLVED].value == 10
    assert cur[Metric.RESOLUTION].value == pytest.approx(7200, abs=0.01)
    assert cur[Metric.FRT].value == pytest.approx(1800, abs=0.01)
    assert cur[Metric.SILENCE].extra == 3  # three tickets silent for 30 h > 24 h (normal)
    assert cur[Metric.AHT].value == pytest.approx(360)
    assert cur[Metric.OCCUPANCY].value == pytest.approx(0.9)
    assert cur[Metric.OVERTIME].value == pytest.approx(2.0 * cur[Metric.OVERTIME].n)
    assert cur[Metric.QA].value == pytest.approx(62.5) and cur[Metric.QA].n == 3
    assert cur[Metric.SESSIONS].value == 1
    assert cur[Metric.COACHED].value == pytest.approx(1 / 6) and cur[Metric.COACHED].extra == 1
    # Team pulse aggregate: shown to the team lead, 25 answers from 6 people.
    assert cur[Metric.ESAT].value is not None and cur[Metric.ESAT].n == 25
    assert len(panel.trend[Metric.CSAT]) == 12 and panel.weeks[-1][1] == NOW


def test_team_pulse_under_five_answers_is_withheld(ro_db: Database, ro_org: Org) -> None:
    with ro_db.read() as s:
        panel = team_panel(s, ro_org.sup_b, [ro_org.beta], PERIOD, NOW)
    esat = panel.current[Metric.ESAT]
    assert esat.value is None and esat.withheld == "fewer than 5 answers" and esat.n == 4


def test_team_pulse_from_fewer_than_three_people_is_withheld(any_db: Database, org: Org) -> None:
    from db.models import PulseSurvey

    with any_db.write() as s:  # now 6 answers, but still from Beta's two agents only
        s.add_all(
            PulseSurvey(employee_id=org.beta_agents[0], answered_at=NOW - timedelta(days=d), esat=3)
            for d in (8, 9)
        )
    with any_db.read() as s:
        panel = team_panel(s, org.sup_b, [org.beta], PERIOD, NOW)
    esat = panel.current[Metric.ESAT]
    assert esat.value is None and esat.n == 6 and esat.withheld == "fewer than 3 people answered"


def test_team_lead_gets_no_individual_pulse_in_scorecards(ro_db: Database, ro_org: Org) -> None:
    with ro_db.read() as s:
        lead_rows = scorecards(s, ro_org.lead_a, [ro_org.alpha], PERIOD, NOW)
        sup_rows = scorecards(s, ro_org.sup_a, [ro_org.alpha], PERIOD, NOW)
    agent1 = next(r for r in lead_rows if r.employee_id == ro_org.agents[0])
    assert agent1.current[Metric.ESAT].value is None
    assert agent1.current[Metric.ESAT].withheld == "supervisors only"
    assert agent1.current[Metric.CSAT].value == pytest.approx(80.0)  # customer side stays
    sup1 = next(r for r in sup_rows if r.employee_id == ro_org.agents[0])
    assert sup1.current[Metric.ESAT].value == pytest.approx(3.0)
    assert sup1.previous[Metric.ESAT].value == pytest.approx(4.0)
    assert len(sup_rows) == 6 and [r.name for r in sup_rows] == sorted(r.name for r in sup_rows)


def test_needs_attention_flags_only_what_the_viewer_may_know(ro_db: Database, ro_org: Org) -> None:
    with ro_db.read() as s:
        sup = supervisor_snapshot(s, ro_org.sup_a, None, PERIOD, NOW)
        lead = supervisor_snapshot(s, ro_org.lead_a, None, PERIOD, NOW)
    a1 = ro_org.agents[0]
    sup_rules = {f.rule for f in sup.attention if f.employee_id == a1}
    assert {Rule.ESAT, Rule.QA_ITEM, Rule.OCCUPANCY} <= sup_rules
    lead_rules = {f.rule for f in lead.attention if f.employee_id == a1}
    assert Rule.ESAT not in lead_rules and Rule.QA_ITEM in lead_rules
    # The supervisor coached agent 2: the follow-up due today is on their list only.
    assert any(
        f.rule is Rule.FOLLOW_UP and f.session_id == ro_org.coached_session for f in sup.attention
    )
    assert not any(f.rule is Rule.FOLLOW_UP for f in lead.attention)
    ranks = [f.severity.rank for f in sup.attention]
    assert ranks == sorted(ranks, reverse=True)


@pytest.mark.parametrize("who", ["lead_a", "sup_b", "agent_actor"])
def test_coaching_notes_are_refused_to_the_wrong_user(
    ro_db: Database, ro_org: Org, who: str
) -> None:
    actor: Actor = getattr(ro_org, who)
    with pytest.raises(AccessDenied), ro_db.write() as s:
        read_notes(s, actor, ro_org.agents[1], NOW)
    with ro_db.read() as s:
        assert (
            s.scalars(select(AuditLog).where(AuditLog.action == "coaching.notes_viewed")).all()
            == []
        )


def test_reading_notes_is_audited_without_copying_them(any_db: Database, org: Org) -> None:
    with any_db.write() as s:
        notes = read_notes(s, org.sup_a, org.agents[1], NOW)
    assert notes[0].notes == org.coached_notes
    with any_db.read() as s:
        audit = s.scalars(select(AuditLog).where(AuditLog.action == "coaching.notes_viewed")).one()
    assert audit.actor_id == org.sup_a.employee_id and audit.entity_id == org.agents[1]
    assert org.coached_notes not in str(audit.after)
    with any_db.write() as s:
        assert read_notes(s, org.admin, org.agents[1], NOW)  # admins may too


@pytest.mark.parametrize("who", ["lead_a", "sup_b"])
def test_individual_pulse_rows_are_refused_to_the_wrong_user(
    ro_db: Database, ro_org: Org, who: str
) -> None:
    actor: Actor = getattr(ro_org, who)
    with pytest.raises(AccessDenied), ro_db.read() as s:
        rows_behind(
            s, actor, Metric.ESAT, PERIOD.start, PERIOD.end, NOW, employee_id=ro_org.agents[0]
        )
    with pytest.raises(AccessDenied), ro_db.read() as s:
        rows_behind(s, actor, Metric.ESAT, PERIOD.start, PERIOD.end, NOW, team_ids=[ro_org.alpha])


def test_a_forged_actor_gains_nothing(ro_db: Database, ro_org: Org) -> None:
    # The team lead claims to be a supervisor: the database knows better.
    forged = replace(ro_org.lead_a, role=Role.SUPERVISOR)
    with pytest.raises(AccessDenied), ro_db.write() as s:
        read_notes(s, forged, ro_org.agents[1], NOW)
    unknown = Actor(None, "mallory", "Mallory", Role.ADMIN, (ro_org.alpha,))
    with pytest.raises(AccessDenied), ro_db.read() as s:
        team_panel(s, unknown, [ro_org.alpha], PERIOD, NOW)


def test_other_teams_are_refused(ro_db: Database, ro_org: Org) -> None:
    with pytest.raises(AccessDenied, match="Alpha"), ro_db.read() as s:
        team_panel(s, ro_org.sup_b, [ro_org.alpha], PERIOD, NOW)
    with pytest.raises(AccessDenied), ro_db.read() as s:
        agent_page(s, ro_org.sup_b, ro_org.agents[0], PERIOD, NOW)
    with pytest.raises(AccessDenied), ro_db.read() as s:
        supervisor_snapshot(s, ro_org.agent_actor, None, PERIOD, NOW)


def test_rows_behind_a_figure_are_the_rows_counted(ro_db: Database, ro_org: Org) -> None:
    with ro_db.read() as s:
        panel = team_panel(s, ro_org.lead_a, [ro_org.alpha], PERIOD, NOW)
        for metric in (
            Metric.CSAT,
            Metric.SOLVED,
            Metric.AHT,
            Metric.QA,
            Metric.SESSIONS,
            Metric.FRT,
        ):
            table = rows_behind(
                s, ro_org.lead_a, metric, PERIOD.start, PERIOD.end, NOW, team_ids=[ro_org.alpha]
            )
            assert table.total == panel.current[metric].n, metric
            assert len(table.rows) == table.total and len(table.columns) == len(table.kinds)
        occ = rows_behind(
            s,
            ro_org.lead_a,
            Metric.OCCUPANCY,
            PERIOD.start,
            PERIOD.end,
            NOW,
            team_ids=[ro_org.alpha],
        )
        assert occ.rows[0][3] == pytest.approx(0.9)
        overtime = rows_behind(
            s,
            ro_org.lead_a,
            Metric.OVERTIME,
            PERIOD.start,
            PERIOD.end,
            NOW,
            team_ids=[ro_org.alpha],
        )
        assert sum(r[4] for r in overtime.rows) == pytest.approx(
            panel.current[Metric.OVERTIME].value
        )
        pulse = rows_behind(
            s,
            ro_org.sup_a,
            Metric.ESAT,
            PERIOD.start,
            PERIOD.end,
            NOW,
            employee_id=ro_org.agents[0],
        )
        assert pulse.total == 5 and {r[3] for r in pulse.rows} == {3}


def test_agent_page_has_trends_reviews_and_sessions_but_no_notes(
    ro_db: Database, ro_org: Org
) -> None:
    with ro_db.read() as s:
        page = agent_page(s, ro_org.lead_a, ro_org.agents[1], PERIOD, NOW)
        page1 = agent_page(s, ro_org.sup_a, ro_org.agents[0], PERIOD, NOW)
    assert page.access is Access.AGGREGATE and page.sessions[0].topic == "Call control"
    assert page.sessions[0].has_notes and not hasattr(page.sessions[0], "notes")
    assert page.sessions[0].follow_up_date == NOW.date()
    assert page1.reviews and page1.reviews[0].items[0][0] == "Empathy"
    assert page1.current[Metric.ESAT].value == pytest.approx(3.0)
    assert len(page1.trend[Metric.CSAT]) == 12
    assert any(f.rule is Rule.ESAT for f in page1.flags)


def test_logging_a_session_needs_a_supervisor_and_is_audited(any_db: Database, org: Org) -> None:
    data = SessionInput(
        org.agents[0],
        "Empathy on calls",
        NOW - timedelta(hours=1),
        notes="Private words",
        linked_flags=("esat_down: eSat fell",),
    )
    with pytest.raises(AccessDenied), any_db.write() as s:
        log_session(s, org.lead_a, data, NOW)
    with any_db.write() as s:
        session_id = log_session(s, org.sup_a, data, NOW)
    with any_db.read() as s:
        audit = s.scalars(select(AuditLog).where(AuditLog.action == "coaching.log")).one()
        snap = supervisor_snapshot(s, org.sup_a, None, PERIOD, NOW)
    assert audit.entity_id == session_id and "Private words" not in str(audit.after)
    assert audit.after["notes"]["chars"] == len("Private words")
    assert not any(
        f.rule is Rule.NO_COACHING and f.employee_id == org.agents[0] for f in snap.attention
    )
