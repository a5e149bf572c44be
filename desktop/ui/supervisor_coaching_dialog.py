"""Log a coaching session: topic, notes, goals, follow-up date, linked flags and tickets."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import UTC
from functools import partial

from PySide6.QtCore import QDate, QDateTime, Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateEdit,
    QDateTimeEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from db.actions.coaching import SessionInput, SessionNotes
from db.queries.supervisor_agent import SessionRow
from desktop.core.coaching import Flag, topic_for
from desktop.core.domain import CoachingStatus
from desktop.live.tasks import TaskError
from desktop.ui import formatting as fmt
from desktop.ui.context import ViewContext
from desktop.ui.supervisor_common import MessageLine, guarded
from desktop.ui.supervisor_tasks import edit_notes, load_sessions, log_session

TOPICS = (
    "Workload and breaks",
    "Call control and AHT",
    "Keeping customers posted",
    "Accuracy of solutions",
    "Empathy and tone",
    "New queue: products and procedures",
    "Career development",
)
CONFIDENTIAL = (
    "Confidential: notes and goals are visible only to the team's supervisors and admins; "
    "viewing and editing them is recorded in the audit log."
)


def parse_ticket_ids(text: str) -> list[int]:
    """ "#123, 456 789" -> [123, 456, 789].

    Raises:
        ValueError: anything that is not a ticket number.
    """
    parts = [p for p in re.split(r"[\s,;]+", text.strip()) if p]
    out = []
    for part in parts:
        clean = part.lstrip("#")
        if not clean.isdigit():
            raise ValueError(f"'{part}' is not a ticket number")
        out.append(int(clean))
    return out


class LogCoachingDialog(QDialog):
    """Record a held session; ``saved`` carries a one-line confirmation."""

    saved = Signal(str)

    def __init__(
        self,
        ctx: ViewContext,
        employee_id: int,
        name: str,
        agent_flags: Sequence[Flag],
        chosen: Sequence[Flag] = (),
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.setWindowTitle(f"Log coaching session — {name}")
        self.resize(640, 700)
        self.ctx, self.employee_id, self.name = ctx, employee_id, name
        self.sessions: list[SessionRow] = []

        self.held_at = QDateTimeEdit(QDateTime.currentDateTime())
        self.held_at.setCalendarPopup(True)
        self.held_at.setDisplayFormat("ddd dd MMM yyyy HH:mm")
        self.duration = QSpinBox()
        self.duration.setRange(5, 480)
        self.duration.setSingleStep(15)
        self.duration.setValue(30)
        self.duration.setSuffix(" min")
        self.topic = QComboBox()
        self.topic.setEditable(True)
        suggestions = [topic_for(f) for f in chosen]
        self.topic.addItems(list(dict.fromkeys([*suggestions, *TOPICS])))
        self.topic.setCurrentIndex(0 if suggestions else -1)
        self.topic.lineEdit().setPlaceholderText("What the session was about")
        self.flags = QListWidget()
        self.flags.setMaximumHeight(110)
        self.flags.setWordWrap(True)
        chosen_keys = {f.link for f in chosen}
        for flag in agent_flags:
            item = QListWidgetItem(flag.sentence)
            item.setData(Qt.ItemDataRole.UserRole, flag.link)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(
                Qt.CheckState.Checked if flag.link in chosen_keys else Qt.CheckState.Unchecked
            )
            self.flags.addItem(item)
        if not agent_flags:
            self.flags.addItem("No flags for this agent in the period.")
        self.notes = QPlainTextEdit()
        self.notes.setPlaceholderText("What was discussed, what the agent said")
        self.goals = QPlainTextEdit()
        self.goals.setPlaceholderText("Goals agreed, one per line")
        self.goals.setMaximumHeight(80)
        self.follow_up_on = QCheckBox("Follow up on")
        self.follow_up_on.setChecked(True)
        self.follow_up = QDateEdit(QDate.currentDate().addDays(14))
        self.follow_up.setCalendarPopup(True)
        self.follow_up.setDisplayFormat("ddd dd MMM yyyy")
        self.follow_up_on.toggled.connect(self.follow_up.setEnabled)
        follow = QHBoxLayout()
        follow.addWidget(self.follow_up_on)
        follow.addWidget(self.follow_up, 1)
        self.tickets = QLineEdit()
        self.tickets.setPlaceholderText("Ticket numbers, e.g. 1042, 1077")
        self.completes = QComboBox()
        self.completes.addItem("— a new session —", None)
        self.follows = QComboBox()
        self.follows.addItem("— none —", None)
        self.message = MessageLine(self)
        note = QLabel(CONFIDENTIAL)
        note.setWordWrap(True)
        note.setObjectName("hint")

        form = QFormLayout()
        form.addRow("Held on", self.held_at)
        form.addRow("Length", self.duration)
        form.addRow("Topic", self.topic)
        form.addRow("Completes booking", self.completes)
        form.addRow("Follow-up of", self.follows)
        form.addRow("Flags it addresses", self.flags)
        form.addRow("Notes", self.notes)
        form.addRow("Goals", self.goals)
        form.addRow("", follow)
        form.addRow("Linked tickets", self.tickets)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form, 1)
        layout.addWidget(note)
        layout.addWidget(self.message)
        layout.addWidget(self.buttons)
        ctx.runner.submit(
            partial(load_sessions, ctx.db, ctx.actor, employee_id),
            guarded(self, self._sessions_loaded),
            guarded(self, self._failed),
        )

    def _sessions_loaded(self, sessions: list[SessionRow]) -> None:
        self.sessions = sessions
        for s in sessions:
            when = fmt.local_time(s.scheduled_at, True)
            if s.status == CoachingStatus.PLANNED:
                self.completes.addItem(f"{when}: {s.topic}", s.session_id)
            elif s.follow_up_date and not s.follow_up_done:
                self.follows.addItem(f"{s.topic} (due {s.follow_up_date:%d %b})", s.session_id)
        if self.follows.count() > 1:
            self.follows.setCurrentIndex(1)

    def form_input(self) -> SessionInput:
        """The entry as typed.

        Raises:
            ValueError: a malformed ticket list.
        """
        held = self.held_at.dateTime().toPython()
        held_at = held.astimezone(UTC) if held.tzinfo else held.astimezone().astimezone(UTC)
        linked = tuple(
            str(self.flags.item(i).data(Qt.ItemDataRole.UserRole))
            for i in range(self.flags.count())
            if self.flags.item(i).checkState() == Qt.CheckState.Checked
            and self.flags.item(i).data(Qt.ItemDataRole.UserRole)
        )
        return SessionInput(
            employee_id=self.employee_id,
            topic=self.topic.currentText(),
            held_at=held_at,
            duration_minutes=self.duration.value(),
            notes=self.notes.toPlainText(),
            goals=self.goals.toPlainText(),
            follow_up_date=self.follow_up.date().toPython()
            if self.follow_up_on.isChecked()
            else None,
            linked_flags=linked,
            linked_ticket_ids=tuple(parse_ticket_ids(self.tickets.text())),
            planned_session_id=self.completes.currentData(),
            follows_up_session_id=self.follows.currentData(),
        )

    def save(self) -> None:
        try:
            data = self.form_input()
        except ValueError as exc:
            self.message.show_message(str(exc), "warn")
            return
        if not data.topic.strip():
            self.message.show_message("Give the session a topic.", "warn")
            return
        self.buttons.setEnabled(False)
        self.message.show_message("Saving…")
        self.ctx.runner.submit(
            partial(log_session, self.ctx.db, self.ctx.actor, data),
            guarded(self, self._saved),
            guarded(self, self._failed),
        )

    def _saved(self, _session_id: int) -> None:
        follow = ""
        if self.follow_up_on.isChecked():
            follow = f"; follow-up on {self.follow_up.date().toString('dd MMM')}"
        self.saved.emit(f"Coaching session with {self.name} saved{follow}.")
        self.accept()

    def _failed(self, error: TaskError) -> None:
        self.buttons.setEnabled(True)
        self.message.show_message(error.message, "warn")


class EditNotesDialog(QDialog):
    """Change a session's notes, goals and follow-up date (the change is audited)."""

    saved = Signal(str)

    def __init__(
        self, ctx: ViewContext, row: SessionRow, notes: SessionNotes, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.setWindowTitle(f"Coaching notes — {row.topic}")
        self.resize(560, 480)
        self.ctx, self.session_id = ctx, row.session_id
        self.notes = QPlainTextEdit(notes.notes or "")
        self.goals = QPlainTextEdit(notes.goals or "")
        self.goals.setMaximumHeight(90)
        self.follow_up_on = QCheckBox("Follow up on")
        self.follow_up = QDateEdit(
            QDate(row.follow_up_date) if row.follow_up_date else QDate.currentDate().addDays(14)
        )
        self.follow_up.setCalendarPopup(True)
        self.follow_up_on.setChecked(row.follow_up_date is not None)
        self.follow_up.setEnabled(row.follow_up_date is not None)
        self.follow_up_on.toggled.connect(self.follow_up.setEnabled)
        follow = QHBoxLayout()
        follow.addWidget(self.follow_up_on)
        follow.addWidget(self.follow_up, 1)
        self.message = MessageLine(self)
        form = QFormLayout()
        form.addRow("Notes", self.notes)
        form.addRow("Goals", self.goals)
        form.addRow("", follow)
        note = QLabel(CONFIDENTIAL)
        note.setWordWrap(True)
        note.setObjectName("hint")
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form, 1)
        layout.addWidget(note)
        layout.addWidget(self.message)
        layout.addWidget(self.buttons)

    def save(self) -> None:
        follow = self.follow_up.date().toPython() if self.follow_up_on.isChecked() else None
        self.buttons.setEnabled(False)
        self.ctx.runner.submit(
            partial(
                edit_notes,
                self.ctx.db,
                self.ctx.actor,
                self.session_id,
                self.notes.toPlainText(),
                self.goals.toPlainText(),
                follow,
            ),
            guarded(self, self._saved),
            guarded(self, self._failed),
        )

    def _saved(self, _result: object) -> None:
        self.saved.emit("Coaching notes saved; the change is in the audit log.")
        self.accept()

    def _failed(self, error: TaskError) -> None:
        self.buttons.setEnabled(True)
        self.message.show_message(error.message, "warn")
