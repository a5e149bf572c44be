"""Employees and teams: who is acting, who can be signed in as."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy import or_, select

from db import tables as t
from desktop.core.domain import Role
from desktop.core.identity import Actor

if TYPE_CHECKING:
    from db.engine import Reader


@dataclass(frozen=True)
class PersonRow:
    employee_id: int
    username: str
    full_name: str
    role: Role
    team_name: str | None


def actor_for(session: Reader, username: str) -> Actor | None:
    """The employee whose username is ``username`` (case-insensitive), as an ``Actor``."""
    emp = session.execute(
        select(t.employees).where(
            t.employees.c.username.ilike(username), t.employees.c.active.is_(True)
        )
    ).first()
    if emp is None:
        return None
    managed = session.scalars(
        select(t.team_managers.c.team_id).where(t.team_managers.c.employee_id == emp.id)
    ).all()
    teams = set(managed)
    if emp.team_id is not None:
        teams.add(emp.team_id)
    if emp.role == Role.ADMIN:
        teams.update(session.scalars(select(t.teams.c.id)).all())
    return Actor(emp.id, emp.username, emp.full_name, emp.role, tuple(sorted(teams)))


def sign_in_candidates(session: Reader) -> list[PersonRow]:
    """Team leads, supervisors and admins (and a few agents) for the demo "Sign in as" menu."""
    rows = session.execute(
        select(
            t.employees.c.id,
            t.employees.c.username,
            t.employees.c.full_name,
            t.employees.c.role,
            t.teams.c.name,
        )
        .outerjoin(t.teams, t.teams.c.id == t.employees.c.team_id)
        .where(
            t.employees.c.active.is_(True),
            or_(t.employees.c.role != Role.AGENT, t.employees.c.id.in_(_first_agents(session))),
        )
        .order_by(t.employees.c.role.desc(), t.employees.c.full_name)
    ).all()
    return [PersonRow(r[0], r[1], r[2], r[3], r[4]) for r in rows]


def _first_agents(session: Reader, limit: int = 3) -> list[int]:
    return list(
        session.scalars(
            select(t.employees.c.id)
            .where(t.employees.c.role == Role.AGENT)
            .order_by(t.employees.c.id)
            .limit(limit)
        )
    )


def default_demo_actor(session: Reader) -> Actor | None:
    """On the demo database, whom to sign in as when the OS user is unknown: a team lead."""
    username = session.scalars(
        select(t.employees.c.username)
        .where(t.employees.c.role == Role.TEAM_LEAD)
        .order_by(t.employees.c.id)
    ).first()
    return actor_for(session, username) if username else None


def is_demo_database(session: Reader) -> bool:
    """True when the demo generator filled this database."""
    demo = select(t.app_meta.c.key).where(t.app_meta.c.key == "demo")
    return session.scalar(demo) is not None
