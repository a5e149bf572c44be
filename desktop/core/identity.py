"""Who is using Proximity: the acting employee every action and confidential read needs."""

from __future__ import annotations

from dataclasses import dataclass

from desktop.core.domain import Role


@dataclass(frozen=True)
class Actor:
    """The acting employee.

    Attributes:
        employee_id: the employee row, or None when the OS user matches nobody.
        username: login name matched against ``employees.username``.
        full_name: for display.
        role: decides what the views offer; queries enforce it again.
        team_ids: the teams this person belongs to or manages.
    """

    employee_id: int | None
    username: str
    full_name: str
    role: Role
    team_ids: tuple[int, ...] = ()

    @property
    def is_known(self) -> bool:
        return self.employee_id is not None

    @property
    def can_supervise(self) -> bool:
        """Supervisors and admins see individual coaching and pulse data of their teams."""
        return self.role in (Role.SUPERVISOR, Role.ADMIN)

    @property
    def label(self) -> str:
        role = self.role.value.replace("_", " ")
        return (
            f"{self.full_name} ({role})" if self.is_known else f"{self.username} (not recognised)"
        )


def unknown_actor(username: str) -> Actor:
    """Least privilege for an OS user who matches no employee."""
    return Actor(None, username, username, Role.AGENT, ())
