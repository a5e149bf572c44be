"""Employees and teams: who is acting, who can be signed in as."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from db.models import AppMeta, Employee, Team, TeamManager
from desktop.core.domain import Role
from desktop.core.identity import Actor


@dataclass(frozen=True)
class PersonRow:
    employee_id: int
    username: str
    full_name: str
    role: Role
    team_name: str | None


def actor_for(session: Session, username: str) -> Actor | None:
    """The employee whose username is ``username`` (case-insensitive), as an ``Actor``."""
    emp = session.scalars(
        select(Employee).where(Employee.username.ilike(username), Employee.active.is_(True))
    ).first()
    if emp is None:
        return None
    managed = session.scalars(
        select(TeamManager.team_id).where(TeamManager.employee_id == emp.id)
    ).all()
    teams = set(managed)
    if emp.team_id is not None:
        teams.add(emp.team_id)
    if emp.role == Role.ADMIN:
        teams.update(session.scalars(select(Team.id)).all())
    return Actor(emp.id, emp.username, emp.full_name, emp.role, tuple(sorted(teams)))


def sign_in_candidates(session: Session) -> list[PersonRow]:
    """Team leads, supervisors and admins (and a few agents) for the demo "Sign in as" menu."""
    rows = session.execute(
        select(Employee.id, Employee.username, Employee.full_name, Employee.role, Team.name)
        .outerjoin(Team, Team.id == Employee.team_id)
        .where(
            Employee.active.is_(True),
            or_(Employee.role != Role.AGENT, Employee.id.in_(_first_agents(session))),
        )
        .order_by(Employee.role.desc(), Employee.full_name)
    ).all()
    return [PersonRow(r[0], r[1], r[2], r[3], r[4]) for r in rows]


def _first_agents(session: Session, limit: int = 3) -> list[int]:
    return list(
        session.scalars(
            select(Employee.id)
            .where(Employee.role == Role.AGENT)
            .order_by(Employee.id)
            .limit(limit)
        )
    )


def default_demo_actor(session: Session) -> Actor | None:
    """On the demo database, whom to sign in as when the OS user is unknown: a team lead."""
    username = session.scalars(
        select(Employee.username).where(Employee.role == Role.TEAM_LEAD).order_by(Employee.id)
    ).first()
    return actor_for(session, username) if username else None


def is_demo_database(session: Session) -> bool:
    """True when the demo generator filled this database."""
    return session.get(AppMeta, "demo") is not None
