"""One agent's page: 12-week trends, flags, coaching history, QA reviews, goals and follow-ups.

Coaching notes and goals are not part of the page's data: "Show coaching notes" fetches them
through the audited read, and only supervisors of the team and admins get them.
"""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSplitter,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from db.actions.coaching import SessionNotes
from db.queries.supervisor_agent import AgentPage, SessionRow
from desktop.core.coaching import CoachingThresholds
from desktop.core.periods import Period
from desktop.core.scorecard import Metric
from desktop.live.tasks import TaskError
from desktop.ui import formatting as fmt
from desktop.ui.context import ViewContext
from desktop.ui.supervisor_common import (
    MessageLine,
    fill_table,
    follow_up_state,
    guarded,
    make_table,
)
from desktop.ui.supervisor_panel import TrendCard
from desktop.ui.supervisor_tables import severity_icon
from desktop.ui.supervisor_tasks import load_agent_page, load_notes
from desktop.ui.theme import icon

if TYPE_CHECKING:
    from desktop.ui.supervisor_actions import SupervisorActions

TREND_METRICS = (
    Metric.CSAT,
    Metric.FCR,
    Metric.FRT,
    Metric.AHT,
    Metric.OCCUPANCY,
    Metric.OVERTIME,
    Metric.QA,
    Metric.ESAT,
)
LOCKED = "hidden: supervisors of the team only"


class AgentPageWidget(QWidget):
    """The agent page; ``load`` fetches it on a worker."""

    back_requested = Signal()
    loaded = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.employee_id: int | None = None
        self.page: AgentPage | None = None
        self.notes: dict[int, SessionNotes] = {}
        self._args: tuple | None = None  # type: ignore[type-arg]
        self.actions: SupervisorActions | None = None
        self.ctx: ViewContext | None = None
        self._pending_edit: int | None = None
        self.editor: QWidget | None = None

        back = QPushButton(icon("queues"), "Back to the team")
        back.clicked.connect(self.back_requested)
        self.title = QLabel("")
        self.title.setStyleSheet("font-size: 17px; font-weight: 600;")
        self.subtitle = QLabel("")
        self.subtitle.setObjectName("hint")
        self.subtitle.setWordWrap(True)
        self.subtitle.setMinimumWidth(200)
        self.log_button = QPushButton("Log coaching session…")
        self.slot_button = QPushButton("Find a slot…")
        self.qa_button = QPushButton("QA review…")
        self.notes_button = QPushButton("Show coaching notes")
        self.notes_button.setToolTip(
            "Notes and goals are confidential: supervisors of the team and admins only; "
            "every viewing is recorded in the audit log."
        )
        self.message = MessageLine(self)
        header = QHBoxLayout()
        header.addWidget(back)
        names = QVBoxLayout()
        names.setSpacing(0)
        names.addWidget(self.title)
        names.addWidget(self.subtitle)
        header.addLayout(names, 1)
        for button in (self.log_button, self.slot_button, self.qa_button, self.notes_button):
            header.addWidget(button)

        self.cards: dict[Metric, TrendCard] = {}
        grid = QGridLayout()
        grid.setSpacing(8)
        for i, metric in enumerate(TREND_METRICS):
            card = TrendCard(metric, self)
            card.clicked.connect(self._trace)
            self.cards[metric] = card
            grid.addWidget(card, i // 4, i % 4)
        trends = QWidget()
        trends.setLayout(grid)
        self.flags = QListWidget()
        self.flags.setWordWrap(True)
        self.flags.setMinimumWidth(220)
        flags_box = QWidget()
        flags_layout = QVBoxLayout(flags_box)
        flags_layout.setContentsMargins(0, 0, 0, 0)
        flags_title = QLabel("Needs attention")
        flags_title.setStyleSheet("font-weight: 600;")
        flags_layout.addWidget(flags_title)
        flags_layout.addWidget(self.flags, 1)
        top = QSplitter(Qt.Orientation.Horizontal)
        top.addWidget(trends)
        top.addWidget(flags_box)
        top.setStretchFactor(0, 3)
        top.setStretchFactor(1, 1)

        self.sessions = make_table(
            ["Date", "Status", "Coach", "Topic", "Follow-up", "Flags / tickets", "Notes"]
        )
        self.reviews = make_table(
            ["Date", "Reviewer", "Rubric", "Ticket", "Score", "Items", "Comment"]
        )
        self.goals = make_table(["Session", "Topic", "Follow-up", "State", "Goals"])
        self.edit_notes_button = QPushButton("Edit notes…")
        self.done_button = QPushButton("Follow-up done")
        for button in (self.edit_notes_button, self.done_button):
            button.setEnabled(False)
        history = QWidget()
        history_layout = QVBoxLayout(history)
        history_layout.setContentsMargins(0, 4, 0, 0)
        history_buttons = QHBoxLayout()
        history_buttons.addWidget(self.edit_notes_button)
        history_buttons.addWidget(self.done_button)
        history_buttons.addStretch(1)
        history_layout.addLayout(history_buttons)
        history_layout.addWidget(self.sessions, 1)
        self.tabs = QTabWidget()
        self.tabs.addTab(history, "Coaching history")
        self.tabs.addTab(self.reviews, "QA reviews")
        self.tabs.addTab(self.goals, "Goals and follow-ups")
        body = QSplitter(Qt.Orientation.Vertical)
        body.addWidget(top)
        body.addWidget(self.tabs)
        body.setStretchFactor(0, 3)
        body.setStretchFactor(1, 2)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 4, 0, 0)
        layout.addLayout(header)
        layout.addWidget(self.message)
        layout.addWidget(body, 1)

        self.log_button.clicked.connect(self._log)
        self.slot_button.clicked.connect(self._slot)
        self.qa_button.clicked.connect(self._qa)
        self.notes_button.clicked.connect(self._show_notes)
        self.edit_notes_button.clicked.connect(self._edit_notes)
        self.done_button.clicked.connect(self._follow_up_done)
        self.sessions.itemSelectionChanged.connect(self._session_selected)

    # Loading -----------------------------------------------------------------------------
    def load(
        self,
        ctx: ViewContext,
        actions: SupervisorActions,
        employee_id: int,
        period: Period,
        thresholds: CoachingThresholds,
    ) -> None:
        if employee_id != self.employee_id:
            self.notes = {}
            self.page = None
            self.title.setText("Loading…")
            self.subtitle.setText("")
        self.ctx, self.actions, self.employee_id = ctx, actions, employee_id
        self._args = (period, thresholds)
        self.reload()

    def reload(self) -> None:
        if self.ctx is None or self.employee_id is None or self._args is None:
            return
        period, thresholds = self._args
        self.ctx.runner.submit(
            partial(
                load_agent_page,
                self.ctx.db,
                self.ctx.actor,
                self.employee_id,
                period,
                self.ctx.now(),
                thresholds,
            ),
            guarded(self, self.show_page),
            guarded(self, self._failed),
        )

    def _failed(self, error: TaskError) -> None:
        self.message.show_message(error.message, "warn")

    def show_page(self, page: AgentPage) -> None:
        if page.employee_id != self.employee_id:
            return  # an older request for another agent
        self.page = page
        self.message.show_message("")
        self.title.setText(page.name)
        hired = f"joined {page.hire_date:%d %b %Y}" if page.hire_date else "hire date unknown"
        self.subtitle.setText(
            f"{page.team} · {', '.join(page.queues) or 'no queue'} · shift {page.shift} · "
            f"{hired} · {page.period.label}"
        )
        individual = page.access.individual
        for button in (self.log_button, self.slot_button, self.notes_button):
            button.setEnabled(individual)
            if not individual:
                button.setToolTip("Supervisors of the team and admins only.")
        for card in self.cards.values():
            card.show_page(page)
        self.cards[Metric.ESAT].setVisible(individual)
        self.flags.clear()
        for flag in page.flags:
            item = QListWidgetItem(f"{flag.sentence}\n→ {flag.focus}")
            item.setIcon(severity_icon(flag.severity) or icon("status-ok"))
            item.setToolTip(f"{flag.severity.value.title()}: {flag.sentence}")
            self.flags.addItem(item)
        if not page.flags:
            self.flags.addItem("Nothing flagged in this period.")
        self._fill_tables()
        self.loaded.emit()

    def _fill_tables(self) -> None:
        page = self.page
        if page is None:
            return
        today = (self.ctx.now() if self.ctx else page.period.end).astimezone().date()
        individual = page.access.individual
        session_rows = []
        goal_rows = []
        for s in page.sessions:
            note = self.notes.get(s.session_id)
            if note is not None:
                notes_text = note.notes or "(no notes)"
            elif not s.has_notes:
                notes_text = "—"
            else:
                notes_text = "click Show coaching notes" if individual else LOCKED
            links = ", ".join(f.split(":")[0].replace("_", " ") for f in s.linked_flags)
            tickets = ", ".join(f"#{t}" for t in s.linked_ticket_ids)
            follow = follow_up_state(s.follow_up_date, s.follow_up_done, today)
            session_rows.append(
                [
                    fmt.local_time(s.scheduled_at, True),
                    s.status,
                    s.coach or "—",
                    s.topic,
                    f"{s.follow_up_date:%d %b} ({follow})" if s.follow_up_date else "—",
                    " · ".join(x for x in (links, tickets) if x) or "—",
                    notes_text,
                ]
            )
            if s.follow_up_date or (note and note.goals):
                goals = (
                    (note.goals or "—")
                    if note
                    else ("click Show coaching notes" if individual else LOCKED)
                )
                goal_rows.append(
                    [
                        fmt.local_time(s.scheduled_at, True),
                        s.topic,
                        f"{s.follow_up_date:%d %b %Y}" if s.follow_up_date else "—",
                        follow or "—",
                        goals,
                    ]
                )
        fill_table(self.sessions, session_rows, [120, 70, 130, 200, 130, 170])
        fill_table(self.goals, goal_rows, [120, 200, 110, 100])
        review_rows = []
        for r in page.reviews:
            items = " · ".join(
                f"{label}{' (critical)' if critical else ''} {sel}/{hi}"
                for label, sel, _lo, hi, critical in r.items
            )
            review_rows.append(
                [
                    fmt.local_time(r.reviewed_at, True),
                    r.reviewer or "—",
                    r.rubric,
                    f"#{r.ticket_id}" if r.ticket_id else "—",
                    fmt.percent(r.score_pct),
                    items,
                    r.comment or "",
                ]
            )
        fill_table(self.reviews, review_rows, [120, 130, 110, 70, 60, 330])

    # Actions -----------------------------------------------------------------------------
    def _trace(self, metric: Metric) -> None:
        if self.actions and self.page:
            self.actions.trace(metric, (), self.page.employee_id, self.page.name)

    def _log(self) -> None:
        if self.actions and self.page:
            self.actions.log_session(self.page.employee_id, self.page.name, [])

    def _slot(self) -> None:
        if self.actions and self.page:
            self.actions.find_slot(self.page.employee_id, self.page.name)

    def _qa(self) -> None:
        if self.actions and self.page:
            self.actions.qa_review(self.page.employee_id, self.page.name)

    def _show_notes(self) -> None:
        if self.ctx is None or self.employee_id is None:
            return
        self.ctx.runner.submit(
            partial(load_notes, self.ctx.db, self.ctx.actor, self.employee_id),
            guarded(self, self._notes_loaded),
            guarded(self, self._failed),
        )

    def selected_session(self) -> SessionRow | None:
        """The coaching session selected in the history (same order as the page's list)."""
        rows = self.sessions.selectionModel().selectedRows()
        if not rows or self.page is None or rows[0].row() >= len(self.page.sessions):
            return None
        return self.page.sessions[rows[0].row()]

    def _session_selected(self) -> None:
        chosen = self.selected_session()
        individual = bool(self.page and self.page.access.individual)
        self.edit_notes_button.setEnabled(individual and chosen is not None)
        self.done_button.setEnabled(
            individual
            and chosen is not None
            and chosen.follow_up_date is not None
            and not chosen.follow_up_done
        )

    def _edit_notes(self) -> None:
        chosen = self.selected_session()
        if chosen is None or self.ctx is None:
            return
        if chosen.session_id not in self.notes:
            self._pending_edit = chosen.session_id
            self._show_notes()  # an audited read first; the editor opens when it arrives
            return
        from desktop.ui.supervisor_coaching_dialog import EditNotesDialog

        note = self.notes[chosen.session_id]
        dialog = EditNotesDialog(self.ctx, chosen, note, self)
        dialog.saved.connect(self._notes_saved)
        dialog.show()
        self.editor = dialog

    def _notes_saved(self, text: str) -> None:
        self.message.show_message(text)
        self.notes = {}
        self._show_notes()
        self.reload()

    def _follow_up_done(self) -> None:
        chosen = self.selected_session()
        if chosen is not None and self.actions is not None and self.page is not None:
            self.actions.follow_up_done(chosen.session_id, self.page.name)

    def _notes_loaded(self, notes: tuple[SessionNotes, ...]) -> None:
        self.notes = {n.session_id: n for n in notes}
        self.message.show_message(
            "Coaching notes shown; this viewing was recorded in the audit log.", None
        )
        self._fill_tables()
        pending, self._pending_edit = self._pending_edit, None
        if pending is not None:
            self._edit_notes()
