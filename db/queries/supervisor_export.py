"""The supervisor snapshot of one team named on the command line (for exports)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from db.models import Team
from db.queries.supervisor import SupervisorSnapshot, supervisor_snapshot
from db.queries.supervisor_access import AccessDenied, team_choices
from desktop.core.coaching import CoachingThresholds
from desktop.core.identity import Actor
from desktop.core.periods import parse_period


def team_snapshot_by_name(
    session: Session,
    actor: Actor,
    team: str,
    period_text: str,
    now: datetime,
    thresholds: CoachingThresholds,
) -> SupervisorSnapshot:
    """The snapshot of ``team`` (matched case-insensitively) for ``period_text``.

    Raises:
        ValueError: an unknown team or period.
        AccessDenied: the actor does not supervise or lead that team.
    """
    choices = team_choices(session, actor)
    match = [c for c in choices if c.name.lower() == team.strip().lower()]
    if not match:
        names = session.scalars(select(Team.name).order_by(Team.name)).all()
        if team.strip().lower() in {n.lower() for n in names}:
            raise AccessDenied(f"{actor.label} does not supervise or lead {team}.")
        raise ValueError(f"no team called {team!r} (teams: {', '.join(names)})")
    period = parse_period(period_text, now, match[0].timezone)
    return supervisor_snapshot(session, actor, [match[0].team_id], period, now, thresholds)
