"""Charts drawn straight onto the PDF with QPainter: sparklines and the link scatters."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QPainter, QPainterPath, QPen

from db.queries.supervisor import Scatter
from desktop.ui.supervisor_panel import link_caption

if TYPE_CHECKING:
    from desktop.ui.export_pdf import _Pages

MUTED = QColor("#56616f")
RULE = QColor("#d6dde5")
ACCENT = QColor("#0e7490")


def draw_sparkline(p: QPainter, rect: QRectF, values: Sequence[float | None]) -> None:
    known = [(i, v) for i, v in enumerate(values) if v is not None]
    if len(known) < 2:
        return
    lo, hi = min(v for _, v in known), max(v for _, v in known)
    span = (hi - lo) or 1.0
    step = rect.width() / max(len(values) - 1, 1)

    def point(i: int, v: float) -> QPointF:
        return QPointF(rect.left() + i * step, rect.bottom() - (v - lo) / span * rect.height())

    path = QPainterPath()
    previous = None
    for i, v in known:
        if previous is None or i != previous + 1:
            path.moveTo(point(i, v))
        else:
            path.lineTo(point(i, v))
        previous = i
    p.setPen(QPen(ACCENT, 1.1))
    p.setBrush(Qt.BrushStyle.NoBrush)
    p.drawPath(path)
    p.setBrush(ACCENT)
    p.setPen(Qt.PenStyle.NoPen)
    p.drawEllipse(point(*known[-1]), 1.8, 1.8)


def draw_scatter(
    pages: _Pages, rect: QRectF, scatter: Scatter, x_name: str, x_scale: float, x_unit: str
) -> None:
    p = pages.painter
    pages.text(rect.left(), rect.top(), rect.width(), link_caption(scatter, x_name), 8, bold=True)
    plot = QRectF(rect.left() + 34, rect.top() + 18, rect.width() - 44, rect.height() - 40)
    p.setPen(QPen(RULE, 0.6))
    p.setBrush(Qt.BrushStyle.NoBrush)
    p.drawRect(plot)
    points = [(x * x_scale, y) for _w, x, y in scatter.points]
    if not points:
        pages.text(
            plot.left(),
            plot.center().y() - 6,
            plot.width(),
            "no weeks with both figures",
            7.5,
            colour=MUTED,
            align=Qt.AlignmentFlag.AlignHCenter,
        )
        return
    xs, ys = [x for x, _ in points], [y for _, y in points]
    x0, x1 = min(xs), max(xs)
    y0, y1 = min(ys), max(ys)
    xpad, ypad = (x1 - x0) * 0.1 or 1.0, (y1 - y0) * 0.1 or 1.0
    x0, x1, y0, y1 = x0 - xpad, x1 + xpad, y0 - ypad, y1 + ypad

    def at(x: float, y: float) -> QPointF:
        return QPointF(
            plot.left() + (x - x0) / (x1 - x0) * plot.width(),
            plot.bottom() - (y - y0) / (y1 - y0) * plot.height(),
        )

    for frac in (0.0, 0.5, 1.0):
        y = y0 + frac * (y1 - y0)
        pages.text(
            rect.left(),
            at(x0, y).y() - 5,
            30,
            f"{y:.0f} %",
            6.5,
            colour=MUTED,
            align=Qt.AlignmentFlag.AlignRight,
            h=10,
        )
        x = x0 + frac * (x1 - x0)
        pages.text(
            at(x, y0).x() - 20,
            plot.bottom() + 2,
            40,
            f"{x:.2f}{x_unit}" if x_scale == 1 else f"{x:.0f}{x_unit}",
            6.5,
            colour=MUTED,
            align=Qt.AlignmentFlag.AlignHCenter,
            h=10,
        )
    pages.text(
        plot.left(),
        plot.bottom() + 11,
        plot.width(),
        f"{x_name} (x) against CSAT (y), one point per week",
        6.5,
        colour=MUTED,
        align=Qt.AlignmentFlag.AlignHCenter,
    )
    if len(points) >= 3 and max(xs) > min(xs):
        mx, my = sum(xs) / len(xs), sum(ys) / len(ys)
        slope = sum((x - mx) * (y - my) for x, y in points) / sum((x - mx) ** 2 for x in xs)
        p.setPen(QPen(MUTED, 0.8, Qt.PenStyle.DashLine))
        p.drawLine(
            at(min(xs), my + slope * (min(xs) - mx)), at(max(xs), my + slope * (max(xs) - mx))
        )
    p.setPen(QPen(QColor("white"), 0.6))
    p.setBrush(ACCENT)
    for x, y in points:
        p.drawEllipse(at(x, y), 2.6, 2.6)
