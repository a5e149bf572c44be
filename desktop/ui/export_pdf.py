"""The printable supervisor report: QPdfWriter pages drawn with QPainter, charts included.

Page 1: the team panel (customer side, employee side, each figure with its change, its
12-week sparkline and what it rests on) and the two weekly scatters with r and n. Then the
needs-attention list and the agent scorecards. Works offscreen and on a worker thread.
"""

from __future__ import annotations

import math
from datetime import datetime
from pathlib import Path

from PySide6.QtCore import QMarginsF, QPointF, QRectF, Qt
from PySide6.QtGui import (
    QColor,
    QFont,
    QFontMetricsF,
    QPageLayout,
    QPageSize,
    QPainter,
    QPdfWriter,
    QPen,
)

from db.queries.supervisor import SupervisorSnapshot
from desktop.core.scorecard import CATALOGUE, CUSTOMER_METRICS, EMPLOYEE_METRICS
from desktop.ui.export_pdf_charts import draw_scatter, draw_sparkline
from desktop.ui.supervisor_format import (
    change_text,
    compact_change,
    compact_text,
    figure_text,
)
from desktop.ui.supervisor_tables import SCORECARD_METRICS, SHORT

INK = QColor("#1b2430")
MUTED = QColor("#56616f")
RULE = QColor("#d6dde5")
ACCENT = QColor("#0e7490")
GOOD = QColor("#1a7335")
BAD = QColor("#bb2229")
SEVERITY = {"high": BAD, "medium": QColor("#8f5400"), "low": GOOD}


def _font(size: float, bold: bool = False) -> QFont:
    font = QFont("DejaVu Sans")
    font.setPointSizeF(size)
    font.setBold(bold)
    return font


class _Pages:
    """A painter over a PDF with a cursor ``y`` and page breaks with a footer."""

    def __init__(self, path: Path, title: str) -> None:
        self.writer = QPdfWriter(str(path))
        self.writer.setResolution(72)  # 1 unit = 1 point
        self.writer.setTitle(title)
        self.writer.setCreator("Proximity")
        layout = QPageLayout(
            QPageSize(QPageSize.PageSizeId.A4),
            QPageLayout.Orientation.Landscape,
            QMarginsF(28, 26, 28, 26),
            QPageLayout.Unit.Point,
        )
        self.writer.setPageLayout(layout)
        self.painter = QPainter(self.writer)
        self.painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        rect = self.writer.pageLayout().paintRectPoints()
        self.width, self.height = float(rect.width()), float(rect.height())
        self.y = 0.0
        self.page = 1
        self.footer = title

    def text(
        self,
        x: float,
        y: float,
        w: float,
        text: str,
        size: float = 8.5,
        bold: bool = False,
        colour: QColor = INK,
        align: Qt.AlignmentFlag = Qt.AlignmentFlag.AlignLeft,
        h: float | None = None,
        wrap: bool = False,
    ) -> float:
        self.painter.setFont(_font(size, bold))
        self.painter.setPen(colour)
        metrics = QFontMetricsF(_font(size, bold))
        height = h or metrics.height()
        flags = int(align | Qt.AlignmentFlag.AlignVCenter)
        if wrap:
            flags = int(align | Qt.AlignmentFlag.AlignTop) | int(Qt.TextFlag.TextWordWrap)
            bound = self.painter.boundingRect(QRectF(x, y, w, 1000), flags, text)
            height = max(height, bound.height())
        elif metrics.horizontalAdvance(text) > w:
            text = metrics.elidedText(text, Qt.TextElideMode.ElideRight, w)
        self.painter.drawText(QRectF(x, y, w, height), flags, text)
        return height

    def rule(self, y: float) -> None:
        self.painter.setPen(QPen(RULE, 0.6))
        self.painter.drawLine(QPointF(0, y), QPointF(self.width, y))

    def need(self, height: float) -> None:
        if self.y + height > self.height - 18:
            self.new_page()

    def new_page(self) -> None:
        self._footer()
        self.writer.newPage()
        self.page += 1
        self.y = 0.0

    def _footer(self) -> None:
        self.text(0, self.height - 12, self.width * 0.8, self.footer, 7, colour=MUTED)
        self.text(
            self.width * 0.8,
            self.height - 12,
            self.width * 0.2,
            f"page {self.page}",
            7,
            colour=MUTED,
            align=Qt.AlignmentFlag.AlignRight,
        )

    def finish(self) -> None:
        self._footer()
        self.painter.end()


def _panel(pages: _Pages, snapshot: SupervisorSnapshot) -> None:
    panel = snapshot.panel
    column = (pages.width - 24) / 2
    widths = (92, 70, 80, 84)  # label, value, change, sparkline; the rest: what it rests on
    for side, (title, metrics) in enumerate(
        (("Customers", CUSTOMER_METRICS), ("Employees", EMPLOYEE_METRICS))
    ):
        x = side * (column + 24)
        y = pages.y
        pages.text(x, y, column, title, 10.5, bold=True)
        y += 17
        heads = ("figure", "this period", "change", "12 weeks", "rests on")
        left = x
        for i, head in enumerate(heads):
            width = widths[i] if i < len(widths) else column - sum(widths)
            align = Qt.AlignmentFlag.AlignRight if i == 1 else Qt.AlignmentFlag.AlignLeft
            pages.text(
                left + (6 if i in (2, 3) else 0), y, width, head, 6.5, colour=MUTED, align=align
            )
            left += width
        y += 10
        for metric in metrics:
            cur, prev = panel.current[metric], panel.previous[metric]
            pages.text(x, y, widths[0], CATALOGUE[metric].label, 8.5, h=18)
            pages.text(
                x + widths[0],
                y,
                widths[1],
                figure_text(cur),
                9.5,
                bold=True,
                h=18,
                align=Qt.AlignmentFlag.AlignRight,
            )
            text, good = change_text(cur, prev)
            colour = MUTED if good is None else GOOD if good else BAD
            pages.text(x + widths[0] + widths[1] + 6, y, widths[2], text, 7.5, colour=colour, h=18)
            spark = QRectF(x + sum(widths[:3]) + 6, y + 3, widths[3] - 10, 12)
            draw_sparkline(pages.painter, spark, [f.value for f in panel.trend[metric]])
            rest = f"hidden: {cur.withheld}" if cur.withheld else f"n = {cur.n:,}"
            pages.text(x + sum(widths), y, column - sum(widths), rest, 7, colour=MUTED, h=18)
            pages.painter.setPen(QPen(RULE, 0.4))
            pages.painter.drawLine(QPointF(x, y + 18), QPointF(x + column, y + 18))
            y += 19
    pages.y += 17 + 10 + 19 * max(len(CUSTOMER_METRICS), len(EMPLOYEE_METRICS)) + 12
    height = pages.height - pages.y - 40
    half = (pages.width - 24) / 2
    draw_scatter(pages, QRectF(0, pages.y, half, height), panel.esat_csat, "eSat", 1.0, "")
    draw_scatter(
        pages,
        QRectF(half + 24, pages.y, half, height),
        panel.occupancy_csat,
        "Occupancy",
        100.0,
        " %",
    )
    pages.y += height + 4
    pages.text(
        0,
        pages.y,
        pages.width,
        "Definitions: METRICS.md (desktop/core/metrics.py). Survey figures need 5 answers, "
        "team pulse figures 3 people; r is Pearson's correlation — a link, not a cause.",
        6.5,
        colour=MUTED,
    )


def _attention(pages: _Pages, snapshot: SupervisorSnapshot) -> None:
    pages.new_page()
    pages.text(
        0, pages.y, pages.width, f"Needs attention ({len(snapshot.attention)})", 12, bold=True
    )
    pages.y += 22
    for flag in snapshot.attention:
        pages.need(30)
        pages.text(
            0,
            pages.y,
            52,
            flag.severity.value.upper(),
            7,
            bold=True,
            colour=SEVERITY[flag.severity.value],
        )
        pages.text(56, pages.y, 130, flag.agent, 8.5, bold=True)
        used = pages.text(190, pages.y, pages.width - 190, flag.sentence, 8.5, wrap=True)
        pages.y += used
        used = pages.text(
            190, pages.y, pages.width - 190, f"→ {flag.focus}", 7.5, colour=MUTED, wrap=True
        )
        pages.y += used + 5
    if not snapshot.attention:
        pages.text(0, pages.y, pages.width, "Nothing flagged.", 9, colour=MUTED)


def _scorecards(pages: _Pages, snapshot: SupervisorSnapshot) -> None:
    pages.new_page()
    pages.text(
        0, pages.y, pages.width, f"Agent scorecards ({len(snapshot.scorecards)})", 12, bold=True
    )
    pages.y += 20
    name_w = 112
    cell_w = (pages.width - name_w - 30) / len(SCORECARD_METRICS)

    def header() -> None:
        pages.text(0, pages.y, name_w, "Agent", 7, bold=True, colour=MUTED, h=22)
        pages.text(name_w, pages.y, 30, "Flags", 7, bold=True, colour=MUTED, h=22)
        for i, metric in enumerate(SCORECARD_METRICS):
            pages.text(
                name_w + 30 + i * cell_w,
                pages.y,
                cell_w - 2,
                SHORT.get(metric, CATALOGUE[metric].label),
                6.5,
                bold=True,
                colour=MUTED,
                align=Qt.AlignmentFlag.AlignRight,
                h=22,
                wrap=True,
            )
        pages.y += 24
        pages.rule(pages.y - 2)

    header()
    for row in snapshot.scorecards:
        if pages.y + 26 > pages.height - 18:
            pages.new_page()
            header()
        pages.text(0, pages.y, name_w, row.name, 8, bold=True, h=12)
        pages.text(
            name_w,
            pages.y,
            30,
            str(len(row.flags)) if row.flags else "—",
            8,
            h=12,
            colour=SEVERITY[max((f.severity for f in row.flags), key=lambda s: s.rank).value]
            if row.flags
            else MUTED,
        )
        for i, metric in enumerate(SCORECARD_METRICS):
            cur, prev = row.current[metric], row.previous[metric]
            x = name_w + 30 + i * cell_w
            pages.text(
                x,
                pages.y,
                cell_w - 2,
                compact_text(cur),
                8,
                h=12,
                align=Qt.AlignmentFlag.AlignRight,
            )
            text, good = compact_change(cur, prev)
            colour = MUTED if good is None else GOOD if good else BAD
            pages.text(
                x,
                pages.y + 11,
                cell_w - 2,
                text,
                6,
                colour=colour,
                h=9,
                align=Qt.AlignmentFlag.AlignRight,
            )
        pages.y += 23
        pages.rule(pages.y - 2)
    pages.y += 4
    pages.text(
        0,
        pages.y,
        pages.width,
        "Each cell: the period's figure, below it the change against the previous period "
        "(green better, red worse). eSat and eNPS per agent: supervisors of the team and "
        "admins only.",
        6.5,
        colour=MUTED,
        wrap=True,
    )


def write_pdf(
    snapshot: SupervisorSnapshot,
    path: Path,
    generated_by: str,
    generated_at: datetime | None = None,
) -> Path:
    """Write the report; returns ``path``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    panel = snapshot.panel
    title = f"Supervisor report — {panel.scope.label} — {panel.period.label}"
    pages = _Pages(path, title)
    when = (generated_at or snapshot.at).astimezone()
    pages.text(
        0, 0, pages.width, f"{panel.scope.label}: customers and employees", 16, bold=True, h=22
    )
    period = panel.period
    pages.text(
        0,
        24,
        pages.width,
        f"{period.label}: {period.start.astimezone():%d %b %Y %H:%M} – "
        f"{period.end.astimezone():%d %b %Y %H:%M}, compared with "
        f"{period.previous_start.astimezone():%d %b} – {period.previous_end.astimezone():%d %b}. "
        f"Prepared {when:%d %b %Y %H:%M} for {generated_by}.",
        8.5,
        colour=MUTED,
        wrap=True,
    )
    pages.y = 50
    pages.rule(pages.y - 4)
    _panel(pages, snapshot)
    _attention(pages, snapshot)
    _scorecards(pages, snapshot)
    pages.finish()
    if not math.isfinite(pages.y):
        raise RuntimeError("layout failed")
    return path


__all__ = ["write_pdf"]
