"""The notification policy editor: when customers hear from us, and what they read.

Loading and saving run on the task runner. Saving validates the policy and every edited
template together; nothing is stored unless all of it is valid, and each problem is shown
where it belongs (the field's list below, or on the template, which is brought up).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import time
from functools import partial
from typing import Any

from PySide6.QtCore import QTime, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QSpinBox,
    QTimeEdit,
    QVBoxLayout,
    QWidget,
)

from db.engine import Database
from desktop.core.domain import Priority, TicketStatus
from desktop.core.identity import Actor
from desktop.core.sms_text import DEFAULT_TEMPLATES
from desktop.live.tasks import TaskError
from desktop.ui.context import ViewContext
from desktop.ui.notifications_templates import TemplateEditor

_ANNOUNCEABLE = (
    TicketStatus.PENDING,
    TicketStatus.ON_HOLD,
    TicketStatus.SOLVED,
    TicketStatus.OPEN,
    TicketStatus.CLOSED,
)
_STATUS_TEXT = {
    "pending": "Waiting for the customer",
    "on_hold": "On hold",
    "solved": "Solved",
    "open": "Reopened / open",
    "closed": "Closed",
}
_PRIORITIES = (Priority.URGENT, Priority.HIGH, Priority.NORMAL, Priority.LOW)


def _load(db: Database):  # type: ignore[no-untyped-def]
    from db.actions.notifications import editor_data

    with db.read() as session:
        return editor_data(session)


@dataclass(frozen=True)
class SaveOutcome:
    """Saving's answer: the new version, or the problems (nothing was saved then)."""

    version: int | None
    policy_errors: tuple[str, ...] = ()
    template_errors: dict[tuple[str, str], list[str]] | None = None
    conflict: str | None = None

    @property
    def ok(self) -> bool:
        return not self.policy_errors and not self.template_errors and not self.conflict


def _save(
    db: Database, actor: Actor, raw: dict[str, Any], templates: dict, version: int | None
) -> SaveOutcome:  # type: ignore[type-arg]
    from db.actions.notifications import SettingsInvalid, save_settings
    from db.errors import ConcurrentEdit

    try:
        with db.write() as session:
            return SaveOutcome(save_settings(session, actor, raw, templates, version))
    except SettingsInvalid as exc:
        return SaveOutcome(None, tuple(exc.policy_errors), exc.template_errors)
    except ConcurrentEdit as exc:
        return SaveOutcome(None, conflict=exc.user_message)


class PolicyDialog(QDialog):
    """Rules on the left, messages on the right; Save validates everything first.

    Attributes:
        saved: emitted after a successful save.
        loaded: emitted once the stored policy is shown.
    """

    saved = Signal()
    loaded = Signal()

    def __init__(self, ctx: ViewContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.setWindowTitle("Notification policy and messages")
        self.resize(1000, 640)
        self._raw: dict[str, Any] = {}
        self._version: int | None = None
        self.enabled = QCheckBox("Send status messages to customers")
        self.ack_on = QCheckBox("Acknowledge a new ticket")
        self.ack_minutes = QSpinBox(suffix=" min after it arrives")
        self.ack_minutes.setRange(0, 24 * 60)
        self.ack_on.toggled.connect(self.ack_minutes.setEnabled)
        ack_row = _row(self.ack_on, self.ack_minutes)
        self.statuses: dict[str, QCheckBox] = {}
        status_box = QGridLayout()
        for i, status in enumerate(_ANNOUNCEABLE):
            box = QCheckBox(_STATUS_TEXT[status.value])
            box.toggled.connect(self._statuses_changed)
            self.statuses[status.value] = box
            status_box.addWidget(box, i // 2, i % 2)
        self.hours: dict[str, QDoubleSpinBox] = {}
        hours_form = QFormLayout()
        for priority in _PRIORITIES:
            spin = QDoubleSpinBox(suffix=" h of silence", decimals=1)
            spin.setRange(0, 24 * 14)
            spin.setSingleStep(1)
            spin.setSpecialValueText("never")
            spin.setToolTip("0 = no 'still working' message for this priority")
            self.hours[priority.value] = spin
            hours_form.addRow(priority.value.capitalize(), spin)
        self.quiet_start = QTimeEdit(displayFormat="HH:mm")
        self.quiet_end = QTimeEdit(displayFormat="HH:mm")
        quiet_row = _row(
            QLabel("between"),
            self.quiet_start,
            QLabel("and"),
            self.quiet_end,
            QLabel("customer's local time"),
        )
        self.per_day = QSpinBox(suffix=" messages per ticket per day")
        self.per_day.setRange(1, 20)
        self.attempts = QSpinBox(suffix=" attempts before giving up")
        self.attempts.setRange(1, 20)
        self.company = QLineEdit()
        self.company.setMaxLength(60)
        self.company.setToolTip("The {company} placeholder")
        rules = QGroupBox("When customers hear from us")
        form = QFormLayout(rules)
        form.addRow(self.enabled)
        form.addRow(ack_row)
        hint = QLabel("…unless an agent replied first.")
        hint.setProperty("kpiCaption", True)
        form.addRow(hint)
        form.addRow("Announce a change to", _wrap(status_box))
        form.addRow("Still working on it", _wrap(hours_form))
        form.addRow("Send only", quiet_row)
        form.addRow("At most", self.per_day)
        form.addRow("Retry failures", self.attempts)
        form.addRow("Company name", self.company)

        self.templates = TemplateEditor()
        messages = QGroupBox("What they read")
        QVBoxLayout(messages).addWidget(self.templates)

        self.problems = QLabel("")
        self.problems.setWordWrap(True)
        self.problems.setProperty("severity", "bad")
        self.problems.hide()
        self.state = QLabel("Loading the policy…")
        self.state.setProperty("kpiCaption", True)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.reject)
        self.save_button = self.buttons.button(QDialogButtonBox.StandardButton.Save)
        self.save_button.setEnabled(False)
        columns = QHBoxLayout()
        columns.addWidget(rules, 4)
        columns.addWidget(messages, 5)
        bottom = QHBoxLayout()
        bottom.addWidget(self.state, 1)
        bottom.addWidget(self.buttons)
        layout = QVBoxLayout(self)
        layout.addLayout(columns, 1)
        layout.addWidget(self.problems)
        layout.addLayout(bottom)
        self.reload()

    # ----------------------------------------------------------------- loading
    def reload(self) -> None:
        self.ctx.runner.submit(partial(_load, self.ctx.db), self._fill, self._failed)

    def _fill(self, data) -> None:  # type: ignore[no-untyped-def]
        self._raw, self._version = dict(data.raw), data.version
        policy = data.settings.policy
        self.enabled.setChecked(policy.enabled)
        self.ack_on.setChecked(policy.ack_minutes is not None)
        self.ack_minutes.setValue(policy.ack_minutes or 1)
        self.ack_minutes.setEnabled(policy.ack_minutes is not None)
        for status, box in self.statuses.items():
            box.blockSignals(True)
            box.setChecked(status in policy.status_change_statuses)
            box.blockSignals(False)
        for priority, spin in self.hours.items():
            spin.setValue(float(policy.still_working_hours.get(priority, 0)))
        self.quiet_start.setTime(_qtime(policy.window.start))
        self.quiet_end.setTime(_qtime(policy.window.end))
        self.per_day.setValue(policy.max_per_ticket_per_day)
        self.attempts.setValue(data.settings.max_attempts)
        self.company.setText(data.settings.company)
        self.templates.load(data.overrides, data.languages, self._template_keys())
        self.state.setText("Changes apply to messages queued from now on.")
        self.save_button.setEnabled(True)
        self.loaded.emit()

    def _template_keys(self) -> list[str]:
        keys = ["acknowledgement", "still_working"]
        keys += [f"status_{s}" for s, box in self.statuses.items() if box.isChecked()]
        keys += [k for k in DEFAULT_TEMPLATES if k.startswith("status_") and k not in keys]
        return keys

    def _statuses_changed(self) -> None:
        self.templates.set_keys(self._template_keys())

    # ----------------------------------------------------------------- saving
    def policy_json(self) -> dict[str, Any]:
        """The policy as the form shows it (unedited stored keys are kept)."""
        raw = dict(self._raw)
        raw.update(
            enabled=self.enabled.isChecked(),
            ack_minutes=self.ack_minutes.value() if self.ack_on.isChecked() else None,
            status_change_statuses=sorted(s for s, b in self.statuses.items() if b.isChecked()),
            still_working_hours={p: s.value() for p, s in self.hours.items() if s.value() > 0},
            quiet_start=self.quiet_start.time().toString("HH:mm"),
            quiet_end=self.quiet_end.time().toString("HH:mm"),
            max_per_ticket_per_day=self.per_day.value(),
            max_attempts=self.attempts.value(),
            company=self.company.text().strip(),
        )
        return raw

    def save(self) -> None:
        self.save_button.setEnabled(False)
        self.state.setText("Checking and saving…")
        job = partial(
            _save,
            self.ctx.db,
            self.ctx.actor,
            self.policy_json(),
            self.templates.changes(),
            self._version,
        )
        self.ctx.runner.submit(job, self._saved, self._failed)

    def _saved(self, outcome: SaveOutcome) -> None:
        self.save_button.setEnabled(True)
        if outcome.ok:
            self.saved.emit()
            self.accept()
            return
        lines = list(outcome.policy_errors)
        for (key, language), errors in (outcome.template_errors or {}).items():
            lines += [f"Message '{key}' ({language}): {e}" for e in errors]
        if outcome.conflict:
            lines.append(outcome.conflict)
            self.reload()
        self.problems.setText("Nothing was saved:\n• " + "\n• ".join(lines))
        self.problems.show()
        self.templates.show_errors(outcome.template_errors or {})
        self.state.setText(f"{len(lines)} problem(s) to fix.")

    def _failed(self, error: TaskError) -> None:
        self.save_button.setEnabled(True)
        self.problems.setText(error.message)
        self.problems.show()
        self.state.setText("")


def _qtime(value: time) -> QTime:
    return QTime(value.hour, value.minute)


def _row(*widgets: QWidget) -> QWidget:
    row = QWidget()
    layout = QHBoxLayout(row)
    layout.setContentsMargins(0, 0, 0, 0)
    for widget in widgets:
        layout.addWidget(widget)
    layout.addStretch(1)
    return row


def _wrap(inner: QFormLayout | QGridLayout) -> QWidget:
    holder = QWidget()
    holder.setLayout(inner)
    inner.setContentsMargins(0, 0, 0, 0)
    return holder
