"""What-if box: change agents, AHT, arrival rate or target and see Erlang C's answer.

Pure arithmetic (``desktop.core.staffing``), microseconds even at 2,000 agents, so it runs
in the slot; nothing here touches the database.
"""

from __future__ import annotations

import math

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QDoubleSpinBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from db.queries.queues import QueueLine
from desktop.core.staffing import agents_required, staffing_figures
from desktop.ui import formatting as fmt


def _spin(low: int, high: int, suffix: str, step: int = 1) -> QSpinBox:
    box = QSpinBox()
    box.setRange(low, high)
    box.setSuffix(suffix)
    box.setSingleStep(step)
    box.setAlignment(Qt.AlignmentFlag.AlignRight)
    box.setKeyboardTracking(False)
    return box


class WhatIfBox(QGroupBox):
    """Inputs on the left, Erlang C results on the right.

    Attributes:
        computed: emitted with the result text after each recomputation (tests, logs).
    """

    computed = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("What if… (Erlang C)", parent)
        self.setToolTip(
            "Erlang C (METRICS.md, Staffing): P(wait), SL(T) = 1 - P(wait) e^-(N-A)T/AHT, "
            "ASA = P(wait) AHT / (N - A), occupancy = A / N, with A = arrivals/s x AHT"
        )
        self.queue_name = QLabel("No queue selected")
        self.queue_name.setProperty("kpiCaption", True)
        self.rate = QDoubleSpinBox()
        self.rate.setRange(0, 100_000)
        self.rate.setDecimals(0)
        self.rate.setSuffix(" /h")
        self.rate.setAlignment(Qt.AlignmentFlag.AlignRight)
        self.rate.setKeyboardTracking(False)
        self.aht = _spin(1, 36_000, " s", 10)
        self.agents = _spin(0, 5000, " agents")
        self.target = _spin(1, 99, " %")
        self.threshold = _spin(1, 86_400, " s", 5)
        form = QFormLayout()
        form.setLabelAlignment(Qt.AlignmentFlag.AlignRight)
        form.setVerticalSpacing(4)
        form.addRow("Arrivals", self.rate)
        form.addRow("AHT", self.aht)
        form.addRow("Agents", self.agents)
        form.addRow("SL target", self.target)
        form.addRow("answered within", self.threshold)
        self.reset = QPushButton("Use live figures")
        self.reset.setToolTip("Reload the selected queue's last-hour arrivals, AHT and agents")
        self.reset.clicked.connect(self._reload)

        self.sl = QLabel("—")
        self.asa = QLabel("—")
        self.occupancy = QLabel("—")
        self.p_wait = QLabel("—")
        self.needed = QLabel("—")
        results = QFormLayout()
        results.setVerticalSpacing(4)
        for caption, label in (
            ("Service level", self.sl),
            ("ASA", self.asa),
            ("Occupancy", self.occupancy),
            ("P(wait)", self.p_wait),
            ("Agents for target", self.needed),
        ):
            label.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            label.setMinimumWidth(72)
            results.addRow(caption, label)
        columns = QHBoxLayout()
        columns.addLayout(form)
        columns.addSpacing(12)
        columns.addLayout(results)
        layout = QVBoxLayout(self)
        layout.addWidget(self.queue_name)
        layout.addLayout(columns)
        layout.addWidget(self.reset, 0, Qt.AlignmentFlag.AlignRight)
        layout.addStretch(1)
        self._line: QueueLine | None = None
        self._max_occupancy = 0.85
        for box in (self.rate, self.aht, self.agents, self.target, self.threshold):
            box.valueChanged.connect(self.recompute)
        self.setEnabled(False)

    def load(self, line: QueueLine | None) -> None:
        """Fill the inputs from a queue's live figures (None: disable the box)."""
        self._line = line
        if line is None or line.settings is None:
            self.queue_name.setText("Select a queue to try staffing changes")
            self.setEnabled(False)
            return
        self._reload()

    def _reload(self) -> None:
        line = self._line
        if line is None or line.settings is None:
            return
        s, st = line.settings, line.staffing
        self.setEnabled(True)
        self.queue_name.setText(f"{line.name}: last hour, now")
        self._max_occupancy = s.max_occupancy
        boxes = (self.rate, self.aht, self.agents, self.target, self.threshold)
        for box in boxes:
            box.blockSignals(True)
        self.rate.setValue(st.rate_per_hour or 0)
        self.aht.setValue(round(st.aht_s or line.volumes.aht_s or 300))
        self.agents.setValue(max(st.on_queue, 1))
        self.target.setValue(round(100 * s.sl_target))
        self.threshold.setValue(int(s.sl_threshold_seconds))
        for box in boxes:
            box.blockSignals(False)
        self.recompute()

    def recompute(self) -> None:
        """Erlang C for the inputs as they stand."""
        rate, aht = self.rate.value(), float(self.aht.value())
        agents, threshold = self.agents.value(), float(self.threshold.value())
        figures = staffing_figures(rate, aht, agents, threshold)
        if not figures.stable:
            self.sl.setText("0 % (unstable)")
            self.asa.setText("∞")
            self.sl.setToolTip(
                f"Traffic {figures.traffic_erlangs:.1f} Erlangs needs more than {agents} "
                "agents: the queue grows without limit."
            )
        else:
            self.sl.setText(fmt.percent(100 * figures.service_level))
            self.asa.setText(_short_duration(figures.asa_seconds))
            self.sl.setToolTip(f"Traffic {figures.traffic_erlangs:.2f} Erlangs")
        self.occupancy.setText(fmt.percent(100 * figures.occupancy))
        self.p_wait.setText(fmt.percent(100 * figures.p_wait))
        needed = agents_required(
            rate, aht, threshold, self.target.value() / 100, self._max_occupancy
        )
        self.needed.setText(str(needed))
        self.needed.setToolTip(
            f"Smallest N with SL >= {self.target.value()} % and occupancy <= "
            f"{100 * self._max_occupancy:.0f} %"
        )
        asa = "∞" if math.isinf(figures.asa_seconds) else _short_duration(figures.asa_seconds)
        self.computed.emit(
            f"SL {self.sl.text()}, ASA {asa}, occupancy {self.occupancy.text()}, need {needed}"
        )


def _short_duration(seconds: float) -> str:
    """ASA to a tenth of a second when it is short (Erlang C gives 0.4 s, not "0 s")."""
    return f"{seconds:.1f} s" if seconds < 10 else fmt.duration(seconds)
