"""The strips around the queues table: controls, banners and the KPI row."""

from __future__ import annotations

from datetime import datetime

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSlider,
    QToolButton,
    QWidget,
)

from db.queries.queue_figures import SourceAge
from db.queries.queues import QueuesSnapshot
from desktop.core.breach_tracker import Severity
from desktop.core.intraday import TimeWindow
from desktop.core.queue_changes import QueueChange
from desktop.ui import formatting as fmt
from desktop.ui.queues_columns import assessments, since_text
from desktop.ui.theme import icon
from desktop.ui.widgets import KpiCard, kpi_row

SOURCE_LABELS = {"taskrouter": "Twilio TaskRouter", "demo simulator": "Demo simulator"}
STALE_AFTER_S = 120.0


class ControlBar(QWidget):
    """Window choice, replay slider, "what changed?" and desktop alerts.

    Attributes:
        window_changed: the user picked another ``TimeWindow``.
        replay_moved: the replay position (index into the history; None = live).
        changes_requested: the user asked what changed since the last look.
    """

    window_changed = Signal(object)
    replay_moved = Signal(object)
    changes_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.window = QComboBox()
        for w in TimeWindow:
            self.window.addItem(w.label, w)
        self.window.setToolTip("The period offered, handled, abandoned, SL, ASA and AHT cover")
        self.window.currentIndexChanged.connect(
            lambda _i: self.window_changed.emit(TimeWindow(self.window.currentData()))
        )
        self.slider = QSlider(Qt.Orientation.Horizontal)
        self.slider.setMinimumWidth(220)
        self.slider.setRange(0, 0)
        self.slider.setToolTip("Replay today: one snapshot every 15 minutes; far right is live")
        self.slider.valueChanged.connect(self._moved)
        self.replay_label = QLabel("Live")
        self.replay_label.setMinimumWidth(110)
        self.live = QToolButton()
        self.live.setText("Back to live")
        self.live.setIcon(icon("refresh"))
        self.live.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.live.setVisible(False)
        self.live.clicked.connect(lambda: self.slider.setValue(self.slider.maximum()))
        self.changes = QPushButton("What changed?")
        self.changes.setToolTip("Compare now with what was on screen when you last looked")
        self.changes.clicked.connect(self.changes_requested)
        self.alerts = QCheckBox("Desktop alerts")
        self.alerts.setChecked(True)
        self.alerts.setToolTip("One notification when a queue crosses into breach")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(QLabel("Figures for"))
        layout.addWidget(self.window)
        layout.addSpacing(16)
        layout.addWidget(QLabel("Replay"))
        layout.addWidget(self.slider)
        layout.addWidget(self.replay_label)
        layout.addWidget(self.live)
        layout.addStretch(1)
        layout.addWidget(self.changes)
        layout.addWidget(self.alerts)
        self._times: list[datetime] = []

    def set_points(self, times: list[datetime]) -> None:
        """The moments that can be replayed (the live position follows them)."""
        at_live = self.slider.value() == self.slider.maximum()
        self._times = list(times)
        self.slider.blockSignals(True)
        self.slider.setRange(0, len(self._times))
        if at_live:
            self.slider.setValue(len(self._times))
        self.slider.blockSignals(False)
        self._label()

    def _moved(self, value: int) -> None:
        self._label()
        self.replay_moved.emit(None if value >= len(self._times) else value)

    def _label(self) -> None:
        value = self.slider.value()
        live = value >= len(self._times)
        self.live.setVisible(not live)
        self.replay_label.setText(
            "Live" if live else f"Replaying {fmt.local_time(self._times[value])[:5]}"
        )
        self.replay_label.setProperty("severity", None if live else "warn")
        self.replay_label.style().unpolish(self.replay_label)
        self.replay_label.style().polish(self.replay_label)


class Banner(QFrame):
    """A dismissable strip of text (changes since the last look, a failing source)."""

    def __init__(self, severity: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setProperty("card", True)
        self.icon = QLabel()
        self.icon.setPixmap(icon("status-at-risk" if severity == "warn" else "refresh").pixmap(18))
        self.text = QLabel()
        self.text.setWordWrap(True)
        self.text.setTextFormat(Qt.TextFormat.RichText)
        self.close_button = QToolButton()
        self.close_button.setText("Dismiss")
        self.close_button.clicked.connect(self.hide)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(10, 6, 10, 6)
        layout.addWidget(self.icon, 0, Qt.AlignmentFlag.AlignTop)
        layout.addWidget(self.text, 1)
        layout.addWidget(self.close_button, 0, Qt.AlignmentFlag.AlignTop)
        self.hide()

    def show_text(self, html: str) -> None:
        self.text.setText(html)
        self.show()


def changes_html(since: datetime, now: datetime, changes: list[QueueChange]) -> str:
    """The "since you last looked" text: bad news first, at most eight lines."""
    head = (
        f"<b>Since you last looked at {fmt.local_time(since)[:5]}</b> "
        f"({since_text((now - since).total_seconds())} ago):"
    )
    if not changes:
        return head + " nothing notable changed."
    items = [f"{'▲' if c.worse else '▽'} <b>{c.name}</b>: {c.text}" for c in changes[:8]]
    more = f"<br>… and {len(changes) - 8} more" if len(changes) > 8 else ""
    return head + "<br>" + "<br>".join(items) + more


def source_html(sources: tuple[SourceAge, ...], now: datetime) -> str | None:
    """A warning when a source is failing or silent: its figures are that old."""
    lines = []
    for s in sources:
        name = SOURCE_LABELS.get(s.name, s.name)
        age = s.age_s(now)
        shown = "never" if age is None else f"{fmt.local_time(s.last_success_at)[:5]}"
        if s.failing:
            lines.append(
                f"<b>{name} unreachable</b>: {s.last_error}. Its figures are from {shown}"
                + (f" ({since_text(age)} old)." if age is not None else ".")
            )
        elif age is not None and age > STALE_AFTER_S and s.name == "taskrouter":
            lines.append(f"<b>{name}</b> last synced {since_text(age)} ago ({shown}).")
    return "<br>".join(lines) or None


class QueueKpis(QWidget):
    """The figures of the whole centre at a glance (the total row, judged)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.waiting = KpiCard("waiting now", "Contacts waiting in all queues now")
        self.longest = KpiCard("longest wait", "now - enqueue time of the oldest waiting contact")
        self.sl = KpiCard(
            "service level",
            "All queues: answered within each queue's threshold / each queue's denominator",
        )
        self.abandoned = KpiCard("abandoned", "Abandoned after the short-abandon limit / offered")
        self.agents = KpiCard("agents available / staffed", "Distinct agents, all queues")
        self.short = KpiCard("agents short", "Erlang C shortfall added up over the queues")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(
            kpi_row(self.waiting, self.longest, self.sl, self.abandoned, self.agents, self.short)
        )

    def show_snapshot(self, snapshot: QueuesSnapshot) -> None:
        total = snapshot.total
        rank = [Severity.OK, Severity.WARN, Severity.BREACH]

        def worst(metric_name: str) -> str | None:
            found = [
                a.severity
                for line in snapshot.queues
                for m, a in assessments(line).items()
                if m.value == metric_name
            ]
            severity = max(found, key=rank.index, default=Severity.OK)
            return {Severity.OK: None, Severity.WARN: "warn", Severity.BREACH: "bad"}[severity]

        self.waiting.set_value(fmt.count(total.waiting), worst("waiting"))
        self.longest.set_value(fmt.duration(total.longest_wait_s), worst("longest_wait"))
        sl = total.volumes.service_level
        self.sl.set_value(fmt.percent(None if sl is None else 100 * sl), worst("service_level"))
        self.sl.caption.setText(f"service level ({snapshot.window.label.lower()})")
        rate = total.volumes.abandonment_rate
        share = fmt.percent(None if rate is None else 100 * rate)
        self.abandoned.set_value(f"{fmt.count(total.volumes.abandoned)} · {share}")
        self.agents.set_value(f"{total.available} / {total.staffed}")
        gap = total.staffing.gap
        self.short.set_value(
            "—" if gap is None else (f"+{gap}" if gap > 0 else "0"),
            "bad" if gap and gap > 1 else "warn" if gap == 1 else None,
        )
        self.short.setToolTip(
            f"Erlang C shortfall added up over {total.staffing.queues_short} queue(s); "
            f"{total.staffing.required} agents required in all"
        )
