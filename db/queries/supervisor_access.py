"""Who may read what in the supervisor view, decided from the database, not the widgets.

- Admins: every team, individual data included.
- Supervisors of a team (a ``team_managers`` row, or members of it): that team's individual
  data, i.e. coaching notes and individual pulse answers.
- Team leads of a team: that team's aggregates and customer-side figures per agent, never
  an individual's pulse answers or coaching notes.
- Anyone else (agents, other teams' managers, an unknown OS user): nothing.

Every supervisor query calls one of these with the acting ``Actor`` before it reads. The role
and the team links are re-read from the database, so a stale or hand-made ``Actor`` gains
nothing.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy import select
from sqlalchemy.orm import Session

from db.errors import DatabaseError
from db.models import Employee, Team, TeamManager
from desktop.core.domain import Role
from desktop.core.identity import Actor


class AccessDenied(DatabaseError):
    """The acting user may not read or change this; ``user_message`` says why."""


class Access(StrEnum):
    """What an actor may see of a team."""

    AGGREGATE = "aggregate"  # team figures and customer-side figures per agent
    INDIVIDUAL = "individual"  # also coaching notes and individual pulse answers

    @property
    def individual(self) -> bool:
        return self is Access.INDIVIDUAL


@dataclass(frozen=True)
class TeamChoice:
    """A team the actor may open in the supervisor view."""

    team_id: int
    name: str
    timezone: str
    access: Access


def _acting(session: Session, actor: Actor) -> Employee:
    if actor.employee_id is None:
        raise AccessDenied(
            f"{actor.username} is not a known employee, so no team data can be shown."
        )
    employee = session.get(Employee, actor.employee_id)
    if employee is None or not employee.active:
        raise AccessDenied("Your employee record is missing or inactive.")
    return employee


def team_choices(session: Session, actor: Actor) -> list[TeamChoice]:
    """Teams the actor supervises or leads, with the access they have; admins get all."""
    employee = _acting(session, actor)
    teams = session.execute(select(Team.id, Team.name, Team.timezone).order_by(Team.name)).all()
    if employee.role == Role.ADMIN:
        return [TeamChoice(t, n, z, Access.INDIVIDUAL) for t, n, z in teams]
    if employee.role not in (Role.SUPERVISOR, Role.TEAM_LEAD):
        return []
    linked = set(
        session.scalars(
            select(TeamManager.team_id).where(TeamManager.employee_id == employee.id)
        ).all()
    )
    if employee.team_id is not None:
        linked.add(employee.team_id)
    level = Access.INDIVIDUAL if employee.role == Role.SUPERVISOR else Access.AGGREGATE
    return [TeamChoice(t, n, z, level) for t, n, z in teams if t in linked]


def team_access(session: Session, actor: Actor, team_ids: Iterable[int]) -> Access:
    """The actor's access to all of ``team_ids`` (the lowest of them).

    Raises:
        AccessDenied: no team given, or one the actor neither supervises nor leads.
    """
    wanted = set(team_ids)
    if not wanted:
        raise AccessDenied("Choose a team first.")
    allowed = {c.team_id: c.access for c in team_choices(session, actor)}
    missing = wanted - allowed.keys()
    if missing:
        names = session.scalars(select(Team.name).where(Team.id.in_(missing))).all()
        shown = ", ".join(sorted(names)) or ", ".join(str(t) for t in sorted(missing))
        raise AccessDenied(f"You do not supervise or lead {shown}.")
    levels = {allowed[t] for t in wanted}
    return Access.AGGREGATE if Access.AGGREGATE in levels else Access.INDIVIDUAL


def agent_team(session: Session, employee_id: int) -> int:
    """The team of an agent.

    Raises:
        AccessDenied: no such employee, or one in no team (nobody supervises them here).
    """
    team_id = session.scalar(select(Employee.team_id).where(Employee.id == employee_id))
    if team_id is None:
        raise AccessDenied("That employee is in no team, so no supervisor can see their data.")
    return int(team_id)


def agent_access(session: Session, actor: Actor, employee_id: int) -> Access:
    """The actor's access to one agent's data (that of the agent's team)."""
    return team_access(session, actor, [agent_team(session, employee_id)])


def require_individual(session: Session, actor: Actor, employee_id: int) -> None:
    """Allow only supervisors of the agent's team and admins.

    Raises:
        AccessDenied: for anyone else, team leads of the team included.
    """
    if not agent_access(session, actor, employee_id).individual:
        raise AccessDenied(
            "Coaching notes and individual pulse answers are visible only to the team's "
            "supervisors and to admins."
        )
