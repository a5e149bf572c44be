"""Themes: every icon loads, both style sheets apply cleanly and keep text readable."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import struct
from collections.abc import Iterator

import pytest
from PySide6.QtCore import Qt, QtMsgType
from PySide6.QtGui import QColor, QIcon, QImage, QPalette
from PySide6.QtWidgets import (
    QApplication,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from desktop.resources import resource_path
from desktop.ui.theme import (
    Theme,
    apply_theme,
    icon,
    status_icon,
    style_sheet,
    system_prefers_dark,
    theme_colors,
)

VIEW_ICONS = ("queues", "tickets", "workload", "notifications", "supervisor")
ACTION_ICONS = (
    "refresh",
    "assign",
    "note",
    "reply",
    "send",
    "import",
    "export",
    "settings",
    "user",
    "search",
    "filter",
)
STATUS_ICONS = ("status-ok", "status-at-risk", "status-breached")
ALL_ICONS = ("proximity", *VIEW_ICONS, *ACTION_ICONS, *STATUS_ICONS)

# (foreground, background) tokens for every place text is drawn.
TEXT_PAIRS = [
    ("text", "bg"),
    ("text", "surface"),
    ("text", "surfaceAlt"),
    ("text", "sidebar"),
    ("text", "hover"),
    ("muted", "bg"),
    ("muted", "surface"),
    ("muted", "surfaceAlt"),
    ("muted", "sidebar"),
    ("muted", "hover"),
    ("selectionText", "selection"),
    ("onAccent", "accent"),
    ("accent", "surface"),
    ("ok", "surface"),
    ("warn", "surface"),
    ("bad", "surface"),
    ("ok", "okBg"),
    ("warn", "warnBg"),
    ("bad", "badBg"),
    ("tooltipText", "tooltipBg"),
]


def contrast(foreground: str, background: str) -> float:
    """The WCAG 2 contrast ratio of two ``#rrggbb`` colours."""

    def luminance(colour: str) -> float:
        channels = (int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5))
        r, g, b = (c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels)
        return 0.2126 * r + 0.7152 * g + 0.0722 * b

    high, low = sorted((luminance(foreground), luminance(background)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def dominant_colour(image: QImage) -> str:
    """The colour of the most opaque pixel: the stroke of a line icon."""
    best, colour = -1, ""
    for y in range(image.height()):
        for x in range(image.width()):
            pixel = image.pixelColor(x, y)
            if pixel.alpha() > best:
                best, colour = pixel.alpha(), pixel.name()
    return colour


@pytest.fixture
def themed_app(qapp: QApplication) -> Iterator[QApplication]:
    """The application, its palette, style sheet and colour scheme put back after the test.

    The Fusion style stays: it is the application's style in every run, and apply_theme() sets
    it only once per application.
    """
    yield qapp
    apply_theme(qapp, Theme.LIGHT)  # stop following the platform's scheme
    qapp.styleHints().unsetColorScheme()
    qapp.setStyleSheet("")
    qapp.setPalette(qapp.style().standardPalette())


def sample_window() -> QWidget:
    """One of each styled widget, so every rule is parsed and drawn."""
    window = QWidget()
    layout = QVBoxLayout(window)
    navigation = QListWidget()
    navigation.setObjectName("navigation")
    for name in VIEW_ICONS:
        navigation.addItem(QListWidgetItem(icon(name), name.title()))
    navigation.setCurrentRow(1)
    search = QLineEdit()
    search.setObjectName("search")
    search.addAction(icon("search"), QLineEdit.ActionPosition.LeadingPosition)
    card = QFrame()
    card.setProperty("card", True)
    card_layout = QHBoxLayout(card)
    for kpi, caption, severity in (("kpi", "12", "bad"), ("kpiCaption", "Waiting", None)):
        label = QLabel(caption)
        label.setProperty(kpi, True)
        label.setProperty("severity", severity)
        card_layout.addWidget(label)
    badge = QLabel("At risk")
    badge.setProperty("severity", "warn")
    button = QPushButton("Send update")
    button.setProperty("primary", True)
    table = QTableWidget(3, 2)
    table.setAlternatingRowColors(True)
    for row, severity in enumerate(("ok", "at risk", "breached")):
        table.setItem(row, 0, QTableWidgetItem(status_icon(severity), severity))
        table.setItem(row, 1, QTableWidgetItem(f"#{40100 + row}"))
    tabs = QTabWidget()
    tabs.addTab(QWidget(), "All open")
    tabs.addTab(QWidget(), "Mine")
    for widget in (navigation, search, card, badge, button, table, tabs):
        layout.addWidget(widget)
    return window


@pytest.mark.parametrize("name", ALL_ICONS)
def test_every_icon_loads_and_draws(qapp: QApplication, name: str) -> None:
    image = icon(name).pixmap(24, 24).toImage()
    assert not icon(name).isNull()
    assert image.size().width() == 24
    assert any(image.pixelColor(x, 12).alpha() > 0 for x in range(24)) or any(
        image.pixelColor(12, y).alpha() > 0 for y in range(24)
    )


def test_icons_are_cached_and_typos_fail(qapp: QApplication) -> None:
    assert icon("queues").cacheKey() == icon("queues").cacheKey()
    with pytest.raises(FileNotFoundError, match="quues"):
        icon("quues")


@pytest.mark.parametrize(
    ("severity", "name"),
    [
        ("ok", "status-ok"),
        ("warn", "status-at-risk"),
        ("at risk", "status-at-risk"),
        ("AT_RISK", "status-at-risk"),
        ("at-risk", "status-at-risk"),
        ("bad", "status-breached"),
        ("Breached", "status-breached"),
    ],
)
def test_status_icon_accepts_every_spelling(qapp: QApplication, severity: str, name: str) -> None:
    assert status_icon(severity).cacheKey() == icon(name).cacheKey()


def test_status_icon_rejects_unknown_severity(qapp: QApplication) -> None:
    with pytest.raises(ValueError, match="unknown severity"):
        status_icon("fine")


@pytest.mark.parametrize("dark", [False, True], ids=["light", "dark"])
def test_sheet_has_no_unsubstituted_tokens(dark: bool) -> None:
    sheet = style_sheet(dark)
    assert "@" not in sheet
    assert theme_colors(dark)["accent"] in sheet
    assert "QListWidget#navigation" in sheet


@pytest.mark.parametrize("dark", [False, True], ids=["light", "dark"])
def test_both_themes_define_the_same_tokens(dark: bool) -> None:
    assert theme_colors(dark).keys() == theme_colors(not dark).keys()
    for value in theme_colors(dark).values():
        assert QColor.isValidColorName(value), value


@pytest.mark.parametrize("theme", [Theme.LIGHT, Theme.DARK], ids=["light", "dark"])
def test_theme_applies_without_qt_warnings(
    themed_app: QApplication, qtlog: pytest.FixtureRequest, theme: Theme
) -> None:
    dark = apply_theme(themed_app, theme)
    assert dark is (theme is Theme.DARK)
    window = sample_window()
    image = window.grab().toImage()  # polishes and paints every widget: parses every rule
    warnings = [r.message for r in qtlog.records if r.type != QtMsgType.QtDebugMsg]
    assert warnings == []
    assert not image.isNull()
    colours = theme_colors(dark)
    palette = themed_app.palette()
    assert palette.color(QPalette.ColorRole.Window).name() == colours["bg"]
    assert palette.color(QPalette.ColorRole.Text).name() == colours["text"]


@pytest.mark.parametrize("dark", [False, True], ids=["light", "dark"])
@pytest.mark.parametrize(("foreground", "background"), TEXT_PAIRS)
def test_text_meets_wcag_aa(dark: bool, foreground: str, background: str) -> None:
    colours = theme_colors(dark)
    ratio = contrast(colours[foreground], colours[background])
    assert ratio >= 4.5, f"{foreground} on {background}: {ratio:.2f}"


def test_icons_follow_the_theme_after_they_were_handed_out(themed_app: QApplication) -> None:
    queues = icon("queues")
    apply_theme(themed_app, Theme.LIGHT)
    assert dominant_colour(queues.pixmap(24).toImage()) == theme_colors(False)["icon"]
    apply_theme(themed_app, Theme.DARK)
    assert dominant_colour(queues.pixmap(24).toImage()) == theme_colors(True)["icon"]
    selected = queues.pixmap(24, QIcon.Mode.Selected).toImage()
    assert dominant_colour(selected) == theme_colors(True)["accent"]
    # Status icons keep their own colours in every theme.
    assert dominant_colour(status_icon("bad").pixmap(24).toImage()) != theme_colors(True)["icon"]


def test_themes_use_the_fusion_style(themed_app: QApplication) -> None:
    apply_theme(themed_app, Theme.DARK)
    themed_app.setStyleSheet("")  # the style sheet style hides the base style's name
    assert themed_app.style().name().lower() == "fusion"


def window_colour(app: QApplication) -> str:
    return app.palette().color(QPalette.ColorRole.Window).name()


def test_system_theme_follows_the_platform_scheme(themed_app: QApplication) -> None:
    # The offscreen platform cannot change its scheme, so play the platform's part and emit.
    changed = themed_app.styleHints().colorSchemeChanged
    assert apply_theme(themed_app, "system") is system_prefers_dark(themed_app)
    changed.emit(Qt.ColorScheme.Dark)
    assert window_colour(themed_app) == theme_colors(True)["bg"]
    changed.emit(Qt.ColorScheme.Light)
    assert window_colour(themed_app) == theme_colors(False)["bg"]


def test_explicit_theme_ignores_the_platform_scheme(themed_app: QApplication) -> None:
    apply_theme(themed_app, Theme.LIGHT)
    themed_app.styleHints().colorSchemeChanged.emit(Qt.ColorScheme.Dark)
    assert window_colour(themed_app) == theme_colors(False)["bg"]


def test_app_icon_rasters_are_current() -> None:
    png = QImage(str(resource_path("icons", "proximity-256.png")))
    assert (png.width(), png.height()) == (256, 256)
    data = resource_path("icons", "proximity.ico").read_bytes()
    reserved, kind, count = struct.unpack_from("<HHH", data)
    assert (reserved, kind) == (0, 1)
    sizes = {data[6 + 16 * i] or 256 for i in range(count)}
    assert {16, 32, 48, 256} <= sizes
    assert resource_path("icons", "proximity.icns").read_bytes()[:4] == b"icns"
