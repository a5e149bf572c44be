"""Ticket actions for the board: QActions, menus, and running each one off the GUI thread.

Every action is one transaction in ``db.actions.tickets`` with the versions the board showed
(optimistic locking), run on the task runner. A change made meanwhile on another workstation
comes back as a conflict: the view says so plainly and reloads, nothing is overwritten. The
last assign, status or priority change can be undone (it too refuses if the tickets changed
since).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from typing import Any

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QAction, QIcon, QKeySequence
from PySide6.QtWidgets import QDialog, QMenu, QSizePolicy, QToolBar, QToolButton, QWidget

from db.actions import tickets as ops
from db.actions.tickets import ActionRefused, ActionResult, TicketRef
from db.engine import Database
from db.errors import ConcurrentEdit
from db.queries.tickets import AgentInfo
from desktop.core.domain import ALLOWED_TRANSITIONS, Priority, TicketStatus
from desktop.live.tasks import TaskError
from desktop.ui.context import ViewContext
from desktop.ui.theme import icon
from desktop.ui.tickets_board_cells import PRIORITY_TEXT, STATUS_TEXT
from desktop.ui.tickets_dialogs import AssignDialog, TextDialog


@dataclass(frozen=True)
class Outcome:
    """What a worker reports back: a result, or a refusal, or a conflict (never a crash)."""

    result: ActionResult | None = None
    refused: str | None = None
    conflict: str | None = None


def run_action(db: Database, op: Callable[..., ActionResult], *args: Any) -> Outcome:
    """Run one action in its own write transaction (on a worker thread)."""
    try:
        with db.write() as session:
            return Outcome(result=op(session, *args))
    except ActionRefused as exc:
        return Outcome(refused=str(exc))
    except ConcurrentEdit as exc:
        return Outcome(conflict=exc.user_message)


def _plural(n: int, word: str = "ticket") -> str:
    return f"{n:,} {word}{'s' if n != 1 else ''}"


class TicketActions(QObject):
    """Owns the actions; the view tells it the selection and shows what comes back.

    Attributes:
        succeeded: a sentence for the status line after an action.
        conflicted: the conflict message (the view shows it and reloads).
        refused: why an action was refused (nothing was written).
        failed: an environment problem (database locked or gone).
        changed: something was written; reload.
    """

    succeeded = Signal(str)
    conflicted = Signal(str)
    refused = Signal(str)
    failed = Signal(str)
    changed = Signal()

    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent)
        self._parent = parent
        self.ctx: ViewContext | None = None
        self._refs: list[TicketRef] = []
        self._statuses: list[str] = []
        self._agents: tuple[AgentInfo, ...] = ()
        self._teams: dict[int, str] = {}
        self._last: ActionResult | None = None
        # Versions our own actions produced, until the board's next refresh shows them: a
        # second action before then must not look like a colleague's conflicting edit.
        self._versions: dict[int, int] = {}
        self.busy = False
        self._menu: QMenu | None = None

        def action(
            text: str, icon_name: str | None, shortcut: str | None, slot: Callable
        ) -> QAction:  # type: ignore[type-arg]
            act = QAction(icon(icon_name) if icon_name else QIcon(), text, parent)
            if shortcut:
                act.setShortcut(QKeySequence(shortcut))
                act.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            act.triggered.connect(slot)
            parent.addAction(act)
            return act

        self.take = action("Take", "user", "Ctrl+T", self._take)
        self.take.setToolTip("Assign the selected tickets to me (Ctrl+T)")
        self.assign = action("Assign…", "assign", "Ctrl+Shift+A", self._assign)
        self.assign.setToolTip("Assign the selected tickets to someone (Ctrl+Shift+A)")
        self.unassign = action("Unassign", None, None, lambda: self._do_assign(None))
        self.reply = action("Log reply…", "reply", "Ctrl+R", self._reply)
        self.reply.setToolTip(
            "Record a reply to the customer: stops the first-response clock, resets silence"
        )
        self.note = action("Add note…", "note", "Ctrl+N", self._note)
        self.note.setToolTip("An internal note on the timeline; the customer does not see it")
        self.update = action("Send status update", "send", "Ctrl+U", self._status_update)
        self.update.setToolTip("Queue a status message to the customer now (SMS)")
        self.undo = action("Undo", "refresh", "Ctrl+Z", self._undo)
        self.undo.setToolTip("Undo the last assign, status or priority change (Ctrl+Z)")

        self.status_menu = QMenu("Status", parent)
        self.status_actions: dict[str, QAction] = {}
        for status in ("open", "pending", "on_hold", "solved"):
            act = self.status_menu.addAction(STATUS_TEXT.get(status, status.capitalize()))
            act.triggered.connect(partial(self._set_status, status))
            self.status_actions[status] = act
        self.priority_menu = QMenu("Priority", parent)
        for priority in reversed(list(PRIORITY_TEXT)):
            act = self.priority_menu.addAction(PRIORITY_TEXT[priority])
            act.triggered.connect(partial(self._set_priority, priority))
        self.set_selection([], [])

    # Inputs -----------------------------------------------------------------------------------
    def set_selection(self, refs: Sequence[tuple[int, int]], statuses: Sequence[str]) -> None:
        """The selected tickets as the board shows them: (id, version) and status."""
        self._refs = [
            TicketRef(tid, max(version, self._versions.get(tid, version))) for tid, version in refs
        ]
        self._statuses = list(statuses)
        n = len(self._refs)
        known = self.ctx is not None and self.ctx.actor.is_known
        for act in (self.assign, self.unassign, self.reply, self.note, self.update):
            act.setEnabled(n > 0 and not self.busy)
        self.take.setEnabled(n > 0 and known and not self.busy)
        self.undo.setEnabled(self._last is not None and not self.busy)
        self.status_menu.setEnabled(n > 0 and not self.busy)
        self.priority_menu.setEnabled(n > 0 and not self.busy)
        for status, act in self.status_actions.items():
            target = TicketStatus(status)
            act.setEnabled(
                n > 0
                and all(
                    s == status or target in ALLOWED_TRANSITIONS[TicketStatus(s)]
                    for s in self._statuses
                )
            )
        suffix = f" ({n})" if n > 1 else ""
        self.reply.setText(f"Log reply{suffix}…")
        self.note.setText(f"Add note{suffix}…")
        self.update.setText(f"Send status update{suffix}")

    def set_agents(self, agents: Sequence[AgentInfo], teams: dict[int, str]) -> None:
        self._agents = tuple(agents)
        self._teams = dict(teams)

    def context_menu(self) -> QMenu:
        """The board's right-click menu (built once, it follows the actions' states)."""
        if self._menu is None:
            menu = QMenu(self._parent)
            for act in (self.take, self.assign, self.unassign):
                menu.addAction(act)
            menu.addSeparator()
            menu.addMenu(self.status_menu)
            menu.addMenu(self.priority_menu)
            menu.addSeparator()
            for act in (self.reply, self.note, self.update):
                menu.addAction(act)
            menu.addSeparator()
            menu.addAction(self.undo)
            self._menu = menu
        return self._menu

    def toolbar(self, *trailing: QWidget | QAction) -> QToolBar:
        """The actions as a toolbar; ``trailing`` widgets and actions go to its right end."""
        bar = QToolBar()
        bar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        bar.addAction(self.take)
        bar.addAction(self.assign)
        for menu in (self.status_menu, self.priority_menu):
            button = QToolButton()
            button.setText(menu.title())
            button.setMenu(menu)
            button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
            bar.addWidget(button)
        bar.addSeparator()
        for act in (self.reply, self.note, self.update):
            bar.addAction(act)
        bar.addSeparator()
        bar.addAction(self.undo)
        spacer = QWidget()
        spacer.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        bar.addWidget(spacer)
        for item in trailing:
            if isinstance(item, QAction):
                bar.addAction(item)
            else:
                bar.addWidget(item)
        return bar

    # Slots ------------------------------------------------------------------------------------
    def _take(self) -> None:
        if self.ctx is not None and self.ctx.actor.employee_id is not None:
            self._do_assign(self.ctx.actor.employee_id)

    def _assign(self) -> None:
        if not self._refs:
            return
        dialog = AssignDialog(self._agents, self._teams, len(self._refs), self._parent)
        if dialog.exec() == QDialog.DialogCode.Accepted and dialog.chosen() is not None:
            self._do_assign(dialog.chosen())

    def _do_assign(self, employee_id: int | None) -> None:
        names = {a.employee_id: a.full_name for a in self._agents}
        who = names.get(employee_id, "you") if employee_id is not None else None
        self._run(
            ops.assign,
            (list(self._refs), employee_id),
            lambda r: (
                f"Assigned {_plural(r.count)} to {who}" if who else f"Unassigned {_plural(r.count)}"
            ),
        )

    def _set_status(self, status: str) -> None:
        text = STATUS_TEXT.get(status, status).lower()
        self._run(
            ops.change_status,
            (list(self._refs), TicketStatus(status)),
            lambda r: f"Moved {_plural(r.count)} to {text}",
        )

    def _set_priority(self, priority: str) -> None:
        text = PRIORITY_TEXT[priority].lower()
        self._run(
            ops.change_priority,
            (list(self._refs), Priority(priority)),
            lambda r: f"Set {_plural(r.count)} to {text} priority",
        )

    def _note(self) -> None:
        dialog = TextDialog(
            "Add an internal note",
            f"A note on {_plural(len(self._refs))}; visible to colleagues only.",
            "Add note",
            self._parent,
        )
        if dialog.exec() == QDialog.DialogCode.Accepted:
            self._run(
                ops.add_notes,
                (list(self._refs), dialog.text()),
                lambda r: f"Added a note to {_plural(r.count)}",
            )

    def _reply(self) -> None:
        dialog = TextDialog(
            "Log a reply to the customer",
            f"Record the reply you sent on {_plural(len(self._refs))}. It stops the "
            "first-response clock and resets the silence clock.",
            "Log reply",
            self._parent,
        )
        if dialog.exec() == QDialog.DialogCode.Accepted:
            self._run(
                ops.log_replies,
                (list(self._refs), dialog.text()),
                lambda r: f"Logged a reply on {_plural(r.count)}",
            )

    def _status_update(self) -> None:
        def done(r: ActionResult) -> str:
            text = f"Status update queued for {_plural(r.count)}"
            if r.skipped:
                text += f"; {_plural(len(r.skipped), 'customer')} skipped (opted out or no mobile)"
            return text

        self._run(ops.queue_status_updates, (list(self._refs),), done)

    def _undo(self) -> None:
        last = self._last
        if last is None:
            return
        self._run(ops.undo, (last,), lambda r: f"Undone: {last.action} on {_plural(r.count)}")

    # Running ----------------------------------------------------------------------------------
    def _run(
        self,
        op: Callable[..., ActionResult],
        args: tuple[Any, ...],
        message: Callable[[ActionResult], str],
    ) -> None:
        ctx = self.ctx
        if ctx is None or (not self._refs and op is not ops.undo):
            return
        now: datetime = ctx.now()
        job = partial(run_action, ctx.db, op, ctx.actor, *args, now)
        self.busy = True
        self._enable_all(False)
        ctx.runner.submit(job, partial(self._finished, op, message), self._failed)

    def _finished(
        self, op: Callable[..., ActionResult], message: Callable[[ActionResult], str], out: Outcome
    ) -> None:
        self.busy = False
        if out.result is not None:
            self._versions.update({r.ticket_id: r.version for r in out.result.refs})
        self.set_selection([(r.ticket_id, r.version) for r in self._refs], self._statuses)
        if out.conflict:
            self._forget_undo()
            self.conflicted.emit(out.conflict)
            self.changed.emit()
            return
        if out.refused:
            self.refused.emit(out.refused)
            return
        assert out.result is not None
        result = out.result
        if op is ops.undo:
            self._forget_undo()
        elif result.undoable and result.action in ops.UNDOABLE:
            self._last = result
            self.undo.setText(f"Undo {result.action} ({_plural(result.count)})")
            self.undo.setEnabled(True)
        self.succeeded.emit(message(result))
        self.changed.emit()

    def _failed(self, error: TaskError) -> None:
        self.busy = False
        self.set_selection([(r.ticket_id, r.version) for r in self._refs], self._statuses)
        self.failed.emit(error.message)

    def _forget_undo(self) -> None:
        self._last = None
        self.undo.setText("Undo")
        self.undo.setEnabled(False)

    def _enable_all(self, on: bool) -> None:
        for act in (
            self.take,
            self.assign,
            self.unassign,
            self.reply,
            self.note,
            self.update,
            self.undo,
        ):
            act.setEnabled(on)
        self.status_menu.setEnabled(on)
        self.priority_menu.setEnabled(on)
