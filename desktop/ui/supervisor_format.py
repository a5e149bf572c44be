"""Text for supervisor figures: values in their unit, changes, and traceable tooltips.

Plain Python (no Qt), shared by the view, the PDF and the CSV export so that they agree.
"""

from __future__ import annotations

import html
import math
from collections.abc import Callable

from desktop.core.scorecard import CATALOGUE, Figure, Metric, Unit, change
from desktop.ui import formatting as fmt

UP, DOWN = "▲", "▼"


def value_text(metric: Metric, value: float | None) -> str:
    """A value in its metric's unit: "82.1 %", "+12", "4.02", "3 h 20 m", "12.5 h"."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    unit = CATALOGUE[metric].unit
    if unit is Unit.PCT:
        return f"{value:.1f} %"
    if unit is Unit.FRACTION:
        return f"{100 * value:.1f} %"
    if unit is Unit.SCORE:
        return f"{value:+.0f}"
    if unit is Unit.SECONDS:
        return fmt.duration(value)
    if unit is Unit.HOURS:
        return f"{value:.1f} h"
    if unit is Unit.MEAN5:
        return f"{value:.2f}"
    if unit is Unit.DAYS:
        return f"{value:.0f} d"
    return f"{value:,.0f}"


def figure_text(figure: Figure) -> str:
    """The figure's value, or "hidden" when it exists but may not be shown."""
    if figure.value is None and figure.withheld:
        return "hidden"
    return value_text(figure.metric, figure.value)


def delta_text(metric: Metric, delta: float) -> str:
    """A change in the metric's unit: "+2.1 pts", "-5 m 10 s", "+0.12", "+3"."""
    unit = CATALOGUE[metric].unit
    sign = "+" if delta > 0 else "−" if delta < 0 else "±"
    size = abs(delta)
    if unit is Unit.PCT:
        return f"{sign}{size:.1f} pts"
    if unit is Unit.FRACTION:
        return f"{sign}{100 * size:.1f} pts"
    if unit is Unit.SECONDS:
        return f"{sign}{fmt.duration(size)}"
    if unit is Unit.HOURS:
        return f"{sign}{size:.1f} h"
    if unit is Unit.MEAN5:
        return f"{sign}{size:.2f}"
    if unit is Unit.DAYS:
        return f"{sign}{size:.0f} d"
    return f"{sign}{size:,.0f}"


def change_text(current: Figure, previous: Figure) -> tuple[str, bool | None]:
    """ "▲ +2.1 pts" and whether that is good (None: neutral or unknown)."""
    return _change(
        current, previous, "= no change", lambda delta: delta_text(current.metric, delta)
    )


def _change(
    current: Figure, previous: Figure, unchanged: str, size: Callable[[float], str]
) -> tuple[str, bool | None]:
    """The arrow and ``size(delta)`` of the change, or ``unchanged``; and whether it is good."""
    c = change(current.metric, current.value, previous.value)
    if c.delta is None:
        return "", None
    if abs(c.delta) < 1e-9:
        return unchanged, None
    arrow = UP if c.delta > 0 else DOWN
    return f"{arrow} {size(c.delta)}", c.good


def rests_on(figure: Figure) -> str:
    """ "Rests on 2,569 customer surveys." (what the trace will list)."""
    info = CATALOGUE[figure.metric]
    if figure.metric in (Metric.COACHED,):
        coached = int(figure.extra or 0)
        return f"{coached} of {figure.n} active agents coached in the 30 days."
    if figure.metric is Metric.OCCUPANCY:
        return f"Rests on {figure.n:,} state intervals."
    if figure.metric is Metric.OVERTIME:
        return f"Rests on {figure.n:,} agent-days with logged-in time."
    return f"Rests on {figure.n:,} {info.rows}."


def tooltip(current: Figure, previous: Figure | None = None, hint: str = "") -> str:
    """Rich-text tooltip: definition, what it rests on, previous value, how to trace it."""
    info = CATALOGUE[current.metric]
    parts = [f"<b>{html.escape(info.label)}</b>: {html.escape(figure_text(current))}"]
    if current.withheld:
        parts.append(f"<i>Hidden: {html.escape(current.withheld)}.</i>")
    if current.metric is Metric.ESAT and current.extra is not None:
        parts.append(f"{current.extra:.0f} % favourable (4-5).")
    if current.metric is Metric.SILENCE and current.extra is not None:
        parts.append(f"{current.extra:.0f} silence breaches.")
    parts.append(html.escape(rests_on(current)))
    if previous is not None:
        text, _good = change_text(current, previous)
        before = figure_text(previous)
        parts.append(f"Previous period: {html.escape(before)} {html.escape(text)}")
    parts.append(f"<span style='color:gray'>{html.escape(info.definition)}</span>")
    if hint:
        parts.append(f"<i>{html.escape(hint)}</i>")
    return "<p style='white-space:pre-wrap'>" + "<br>".join(parts) + "</p>"


def _compact_seconds(size: float) -> str:
    if size < 120:
        return f"{size:.0f} s"
    if size < 3600:
        return f"{size / 60:.1f} m" if size < 600 else f"{size / 60:.0f} m"
    if size < 48 * 3600:
        return f"{size / 3600:.1f} h"
    return f"{size / 86400:.1f} d"


def compact_text(figure: Figure) -> str:
    """Like ``figure_text`` but durations in one unit ("5.2 h"), for narrow printed cells."""
    if CATALOGUE[figure.metric].unit is Unit.SECONDS and figure.value is not None:
        return _compact_seconds(figure.value)
    return figure_text(figure)


def compact_change(current: Figure, previous: Figure) -> tuple[str, bool | None]:
    """Like ``change_text`` but short: "▲ 2.1", "▼ 1.3 h", "=" for no change."""
    if CATALOGUE[current.metric].unit is Unit.SECONDS:
        return _change(current, previous, "=", lambda delta: _compact_seconds(abs(delta)))
    return _change(
        current,
        previous,
        "=",
        lambda delta: delta_text(current.metric, delta).lstrip("+−±").replace(" pts", ""),
    )
