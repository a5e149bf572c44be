"""Columns of the queues table: text, sort value, definition, threshold colours, tooltips.

Every header tooltip names the METRICS.md definition; every cell tooltip says how that
queue's figure was computed (its SL variant, threshold and short-abandon limit, the counts
behind a ratio) and, when a threshold applies, how the figure stands against it. A cell past
a threshold gets a status icon, a word and a tinted background: never colour alone.
"""

from __future__ import annotations

from datetime import timedelta

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor

from db.queries.queue_trace import Figure
from db.queries.queues import QueueLine
from desktop.core.breach_tracker import Assessment, Metric, QueueThresholds, Severity, assess
from desktop.core.metrics import format_threshold
from desktop.core.sla import format_duration
from desktop.ui import formatting as fmt
from desktop.ui.queues_model import CellStyle, QueueColumn
from desktop.ui.theme import active_colors, status_icon

LEFT = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter
SEVERITY_WORD = {Severity.WARN: "at risk", Severity.BREACH: "breach"}


def thresholds(line: QueueLine) -> QueueThresholds | None:
    s = line.settings
    if s is None:
        return None
    return QueueThresholds(s.sl_target, s.warn_longest_wait_seconds, s.warn_waiting_count)


_JUDGED: dict[tuple[str, bool], tuple[QueueLine, dict[Metric, Assessment]]] = {}


def assessments(line: QueueLine, today: bool = False) -> dict[Metric, Assessment]:
    """A queue row's watched figures judged against its limits (none for subtotals).

    Args:
        line: the row.
        today: judge SL on today's figures (notifications) instead of the window shown.

    Memoised per queue while its line stays equal (most lines do from one refresh to the
    next): the table, the KPI row and the alerts all judge every line of every refresh on
    the GUI thread. Callers must not change the returned dict.
    """
    slot = (line.key, today)
    cached = _JUDGED.get(slot)
    if cached is not None and (cached[0] is line or cached[0] == line):
        return cached[1]
    judged = _assess(line, today)
    _JUDGED[slot] = (line, judged)
    return judged


def _assess(line: QueueLine, today: bool) -> dict[Metric, Assessment]:
    limits = thresholds(line)
    if limits is None:
        return {}
    volumes = line.today if today else line.volumes
    return {
        Metric.WAITING: assess(Metric.WAITING, line.waiting, limits),
        Metric.LONGEST_WAIT: assess(Metric.LONGEST_WAIT, line.longest_wait_s, limits),
        Metric.SERVICE_LEVEL: assess(
            Metric.SERVICE_LEVEL, volumes.service_level, limits, volumes.sl_denominator
        ),
    }


def worst(line: QueueLine) -> Severity:
    """The worst severity of a row's figures."""
    rank = [Severity.OK, Severity.WARN, Severity.BREACH]
    found = [a.severity for a in assessments(line).values()]
    return max(found, key=rank.index, default=Severity.OK)


def _tint(severity: Severity) -> tuple[QColor | None, QColor | None]:
    if severity is Severity.OK:
        return None, None
    colours = active_colors()
    name = "bad" if severity is Severity.BREACH else "warn"
    return QColor(colours[name]), QColor(colours[f"{name}Bg"])


def judged(line: QueueLine, metric: Metric, explain: str) -> CellStyle:
    """Icon, colours and tooltip of a cell with a threshold."""
    a = assessments(line).get(metric)
    if a is None:
        return CellStyle(tooltip=explain)
    fg, bg = _tint(a.severity)
    icon = status_icon(a.severity.value) if a.severity is not Severity.OK else None
    return CellStyle(icon, fg, bg, f"{a.severity.label}: {a.text}\n{explain}")


def with_word(line: QueueLine, metric: Metric, text: str) -> str:
    """The figure, plus "at risk" / "breach" when it is past a threshold."""
    a = assessments(line).get(metric)
    if a is None or a.severity is Severity.OK:
        return text
    return f"{text}  {SEVERITY_WORD[a.severity]}"


def _pct(value: float | None, digits: int = 1) -> str:
    return fmt.percent(None if value is None else 100 * value, digits)


def _window(line: QueueLine) -> str:
    if line.window_start is None:
        return "each queue's own window"
    return f"since {fmt.local_time(line.window_start)}"


def _sl_explain(line: QueueLine) -> str:
    v = line.volumes
    counts = f"{v.within} of {v.sl_denominator} contacts ({_window(line)})"
    if line.settings is None:
        return (
            f"Service level of the group: {counts}; each queue counts by its own variant, "
            "threshold and short-abandon limit."
        )
    s = line.settings
    return f"{s.describe_sl()}\n{counts}; target {100 * s.sl_target:.0f} %"


def _name_style(line: QueueLine) -> CellStyle:
    if line.kind == "queue":
        severity = worst(line)
        s = line.settings
        tip = line.name
        if s is not None:
            tip += (
                f"\n{s.channel} · {s.timezone} · day starts {s.daily_reset.strftime('%H:%M')}"
                f"\nSL variant: {s.describe_sl()}"
            )
        if line.source != "contacts":
            tip += f"\nFigures from {line.source} statistics"
        return CellStyle(status_icon(severity.value), None, None, tip)
    return CellStyle(tooltip="Subtotal" if line.kind == "channel" else "All queues")


def _gap_text(line: QueueLine) -> str:
    st = line.staffing
    if st.gap is None:
        return "—"
    if line.kind != "queue":
        return f"+{st.gap} needed" if st.gap > 0 else "on target"
    if st.gap > 0:
        return f"+{st.gap} needed"
    return "on target" if st.gap == 0 else f"{-st.gap} spare"


def _gap_style(line: QueueLine) -> CellStyle:
    st = line.staffing
    if st.gap is None:
        return CellStyle(tooltip=st.note or "Not enough data for Erlang C yet")
    severity = Severity.BREACH if st.gap > 1 else Severity.WARN if st.gap == 1 else Severity.OK
    fg, bg = _tint(severity)
    icon = status_icon(severity.value) if severity is not Severity.OK else None
    if line.kind == "queue":
        tip = (
            f"Agents required ({st.required}) - agents available or busy on the queue "
            f"({st.on_queue})"
        )
    else:
        tip = f"Shortfalls added up over {st.queues_short} queue(s) short of agents"
    return CellStyle(icon, fg, bg, tip + (f"\n{st.note}" if st.note else ""))


def _required_tip(line: QueueLine) -> str:
    st = line.staffing
    if line.kind != "queue" or line.settings is None:
        return "Sum of each queue's Erlang C requirement (each queue staffed on its own)."
    s = line.settings
    if st.required is None:
        return f"Erlang C cannot say yet: {st.note}"
    aht = fmt.duration(st.aht_s)
    return (
        f"Erlang C at {st.rate_per_hour:.0f} contacts/h (last hour) and AHT {aht}:\n"
        f"{st.required} agents on the queue meet {100 * s.sl_target:.0f} % in "
        f"{format_threshold(s.sl_threshold_seconds)} at most {100 * s.max_occupancy:.0f} % "
        f"occupancy; {st.scheduled} to schedule with {100 * s.shrinkage:.0f} % shrinkage."
    )


def _count_col(title: str, attr: str, tip: str, figure: str) -> QueueColumn:
    def value(ln: QueueLine) -> int:
        return int(getattr(ln.volumes, attr))

    return QueueColumn(
        title,
        lambda ln: fmt.count(value(ln)),
        value,
        tip,
        lambda ln: CellStyle(tooltip=f"{tip}\n{fmt.count(value(ln))} contacts, {_window(ln)}"),
        figure=figure,
    )


def _agents_col(title: str, attr: str, tip: str) -> QueueColumn:
    return QueueColumn(
        title,
        lambda ln: str(getattr(ln, attr)),
        lambda ln: getattr(ln, attr),
        tip,
        lambda ln: CellStyle(
            tooltip=tip
            + ("\nDistinct agents across the group's queues" if ln.kind != "queue" else "")
        ),
        figure=Figure.AGENTS.value,
    )


def queue_columns() -> list[QueueColumn]:
    """The columns of the queues table, in order."""
    return [
        QueueColumn(
            "Queue",
            lambda ln: ln.name,
            lambda ln: ln.name.lower(),
            "Queue (grouped by channel). Double-click any figure to list the contacts behind it.",
            _name_style,
            LEFT,
        ),
        QueueColumn(
            "Waiting",
            lambda ln: with_word(ln, Metric.WAITING, fmt.count(ln.waiting)),
            lambda ln: ln.waiting,
            "Waiting now: contacts in the queue now",
            lambda ln: judged(ln, Metric.WAITING, "Contacts in the queue now"),
            figure=Figure.WAITING.value,
            tinted=True,
        ),
        QueueColumn(
            "Longest",
            lambda ln: with_word(ln, Metric.LONGEST_WAIT, fmt.duration(ln.longest_wait_s)),
            lambda ln: ln.longest_wait_s,
            "Longest wait: now - enqueue time of the oldest waiting contact",
            lambda ln: judged(
                ln, Metric.LONGEST_WAIT, "now - enqueue time of the oldest waiting contact"
            ),
            figure=Figure.WAITING.value,
            tinted=True,
        ),
        _count_col(
            "Offered",
            "offered",
            "Offered: contacts that entered the queue; short abandons excluded",
            Figure.OFFERED.value,
        ),
        _count_col(
            "Handled", "handled", "Handled: contacts an agent accepted", Figure.HANDLED.value
        ),
        _count_col(
            "Aband.",
            "abandoned",
            "Abandoned: contacts that left before being answered, after the short-abandon limit",
            Figure.ABANDONED.value,
        ),
        QueueColumn(
            "Ab. %",
            lambda ln: _pct(ln.volumes.abandonment_rate),
            lambda ln: ln.volumes.abandonment_rate,
            "Abandonment rate: abandoned / offered",
            lambda ln: CellStyle(
                tooltip=f"{ln.volumes.abandoned} abandoned / {ln.volumes.offered} offered"
            ),
            figure=Figure.ABANDONED.value,
        ),
        QueueColumn(
            "SL",
            lambda ln: with_word(ln, Metric.SERVICE_LEVEL, _pct(ln.volumes.service_level)),
            lambda ln: ln.volumes.service_level,
            "Service level: answered within the queue's threshold T / denominator of the "
            "queue's variant (default: answered + abandoned after the short-abandon limit)",
            lambda ln: judged(ln, Metric.SERVICE_LEVEL, _sl_explain(ln)),
            figure=Figure.SERVICE_LEVEL.value,
            tinted=True,
        ),
        QueueColumn(
            "Target",
            lambda ln: (
                f"{100 * ln.settings.sl_target:.0f} % / "
                f"{format_threshold(ln.settings.sl_threshold_seconds)}"
                if ln.settings
                else ""
            ),
            lambda ln: ln.settings.sl_target if ln.settings else None,
            "The queue's own SL target and threshold T",
            lambda ln: CellStyle(tooltip=ln.settings.describe_sl() if ln.settings else None),
        ),
        QueueColumn(
            "ASA",
            lambda ln: fmt.duration(ln.volumes.asa_s),
            lambda ln: ln.volumes.asa_s,
            "ASA: sum of wait times of answered contacts / answered",
            lambda ln: CellStyle(
                tooltip=f"{fmt.duration(ln.volumes.wait_total_s)} waited by "
                f"{ln.volumes.handled} answered contacts"
            ),
            figure=Figure.ASA.value,
        ),
        QueueColumn(
            "AHT",
            lambda ln: fmt.duration(ln.volumes.aht_s),
            lambda ln: ln.volumes.aht_s,
            "AHT: (talk + hold + after-contact work) / handled, over completed contacts",
            lambda ln: CellStyle(
                tooltip=f"{fmt.duration(ln.volumes.handle_total_s)} over "
                f"{ln.volumes.completed} completed contacts"
            ),
            figure=Figure.AHT.value,
        ),
        _agents_col("Staffed", "staffed", "Staffed: agents skilled for the queue, logged in"),
        QueueColumn(
            "Avail / busy / away",
            lambda ln: f"{ln.available} / {ln.busy} / {ln.away}",
            lambda ln: ln.available,
            "Staffed agents by state: available (waiting for a contact) / busy (on a contact) "
            "/ away (break, training). Sorts by available.",
            lambda ln: CellStyle(
                tooltip=f"{ln.available} available, {ln.busy} busy, {ln.away} away"
                + ("\nDistinct agents across the group's queues" if ln.kind != "queue" else "")
            ),
            figure=Figure.AGENTS.value,
        ),
        QueueColumn(
            "Req.",
            lambda ln: "—" if ln.staffing.required is None else str(ln.staffing.required),
            lambda ln: ln.staffing.required,
            "Agents required (Erlang C) to meet the SL target at the last hour's arrival rate "
            "and AHT, with occupancy at most the queue's maximum",
            lambda ln: CellStyle(tooltip=_required_tip(ln)),
            figure=Figure.STAFFING.value,
        ),
        QueueColumn(
            "Gap",
            _gap_text,
            lambda ln: ln.staffing.gap,
            "Agents required - agents available or busy on the queue",
            _gap_style,
            figure=Figure.STAFFING.value,
            tinted=True,
        ),
    ]


def since_text(seconds: float) -> str:
    return format_duration(timedelta(seconds=seconds))
