"""Light and dark themes: palette, layered style sheets, and icons that follow the theme.

The colours live in ``resources/styles/light.qss`` and ``dark.qss`` as ``@name: value;`` lines;
``base.qss`` holds the rules and refers to them as ``@name``. The same values feed the
``QPalette`` (so widgets without a style-sheet rule agree) and :func:`theme_colors` (so charts
and delegates draw with them too).

Icons are SVG files drawn with a neutral ``#5f6b7a`` stroke. :func:`icon` repaints that stroke
in the current theme's icon colour, and in the accent colour for selected items, at paint time:
an icon handed out before a theme switch follows the switch without being rebuilt.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum
from functools import cache

from PySide6.QtCore import QByteArray, QPoint, QRect, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QIcon, QIconEngine, QImage, QPainter, QPalette, QPixmap
from PySide6.QtSvg import QSvgRenderer
from PySide6.QtWidgets import QApplication

from desktop.resources import resource_path

__all__ = [
    "Theme",
    "active_colors",
    "apply_theme",
    "icon",
    "status_icon",
    "style_sheet",
    "system_prefers_dark",
    "theme_colors",
]


class Theme(StrEnum):
    """The user's choice; the values are those of the ``ui.theme`` setting."""

    LIGHT = "light"
    DARK = "dark"
    SYSTEM = "system"


# The stroke colour the SVG files are drawn with, replaced at paint time.
ICON_STROKE = "#5f6b7a"
# Dynamic properties on the application: things done once per application.
_FOLLOWS_SCHEME = "proximityThemeFollowsScheme"
_ON_FUSION = "proximityThemeOnFusion"
_DEFINITION = re.compile(r"^[ \t]*@([A-Za-z]\w*)[ \t]*:[ \t]*([^;\n]+?)[ \t]*;[ \t]*$", re.M)
_TOKEN = re.compile(r"@([A-Za-z]\w*)")
_COMMENT = re.compile(r"/\*.*?\*/", re.S)
_SEVERITY_ICONS = {
    "ok": "status-ok",
    "warn": "status-at-risk",
    "at risk": "status-at-risk",
    "bad": "status-breached",
    "breached": "status-breached",
}


@dataclass
class _Applied:
    """What :func:`apply_theme` last did, read by icons at paint time."""

    theme: Theme = Theme.LIGHT
    dark: bool = False


_applied = _Applied()


# Style sheets -------------------------------------------------------------------------------
@cache
def _theme_file(dark: bool) -> tuple[dict[str, str], str]:
    """The token values of one theme file and the rules left after removing them."""
    text = _COMMENT.sub(
        "", resource_path("styles", "dark.qss" if dark else "light.qss").read_text(encoding="utf-8")
    )
    colours = dict(_DEFINITION.findall(text))
    return colours, _DEFINITION.sub("", text).strip()


def theme_colors(dark: bool) -> dict[str, str]:
    """The theme's colour tokens, e.g. ``{"accent": "#0e7490", "surface": "#ffffff", ...}``.

    Args:
        dark: the dark theme's values rather than the light one's.

    Returns:
        A fresh dict from token name (without ``@``) to a ``#rrggbb`` colour.
    """
    return dict(_theme_file(dark)[0])


def active_colors() -> dict[str, str]:
    """The colour tokens of the theme :func:`apply_theme` applied last."""
    return theme_colors(_applied.dark)


@cache
def style_sheet(dark: bool) -> str:
    """The application style sheet: ``base.qss`` then the theme's own rules, tokens replaced.

    Raises:
        ValueError: a rule uses a token the theme file does not define.
    """
    colours, theme_rules = _theme_file(dark)
    base = _COMMENT.sub("", resource_path("styles", "base.qss").read_text(encoding="utf-8"))
    sheet = f"{base.strip()}\n\n{theme_rules}\n" if theme_rules else f"{base.strip()}\n"
    missing = sorted({name for name in _TOKEN.findall(sheet) if name not in colours})
    if missing:
        theme = "dark" if dark else "light"
        raise ValueError(f"{theme} theme does not define: {', '.join('@' + m for m in missing)}")
    return _TOKEN.sub(lambda match: colours[match.group(1)], sheet)


def _palette(colours: dict[str, str]) -> QPalette:
    """A palette with the theme's colours, so Fusion-drawn widgets match the style sheet."""
    c = {name: QColor(value) for name, value in colours.items()}
    # This constructor derives the bevel shades (Light, Mid, Dark, Shadow) from the button.
    palette = QPalette(c["surface"], c["bg"])
    role = QPalette.ColorRole
    roles = {
        role.Window: c["bg"],
        role.WindowText: c["text"],
        role.Base: c["surface"],
        role.AlternateBase: c["surfaceAlt"],
        role.Text: c["text"],
        role.Button: c["surface"],
        role.ButtonText: c["text"],
        role.BrightText: c["onAccent"],
        role.Highlight: c["accent"],
        role.HighlightedText: c["onAccent"],
        role.ToolTipBase: c["tooltipBg"],
        role.ToolTipText: c["tooltipText"],
        role.PlaceholderText: c["muted"],
        role.Link: c["accent"],
        role.LinkVisited: c["accentPressed"],
        role.Accent: c["accent"],
    }
    for name, colour in roles.items():
        palette.setColor(name, colour)  # every colour group
    disabled = QPalette.ColorGroup.Disabled
    for name in (role.WindowText, role.Text, role.ButtonText, role.HighlightedText):
        palette.setColor(disabled, name, c["disabled"])
    palette.setColor(disabled, role.Highlight, c["pressed"])
    return palette


# Applying -------------------------------------------------------------------------------------
def system_prefers_dark(app: QApplication) -> bool:
    """Whether the platform asks for a dark colour scheme (``False`` when it does not say).

    Call it when no explicit scheme is set on the style hints (:func:`apply_theme` clears
    it for ``Theme.SYSTEM``): an explicit one is reported back instead of the platform's.
    """
    return app.styleHints().colorScheme() == Qt.ColorScheme.Dark


def apply_theme(app: QApplication, theme: Theme | str = Theme.SYSTEM) -> bool:
    """Style the whole application: Fusion, the theme's palette and its style sheet.

    With ``Theme.SYSTEM`` the application follows later changes of the platform's colour
    scheme (``QStyleHints.colorSchemeChanged``); with an explicit theme it stops following
    them and tells the platform which scheme is shown (Qt 6.8+: dark window frames on Windows).

    Args:
        app: the running application.
        theme: a ``Theme`` or its value (``"light"``, ``"dark"``, ``"system"``).

    Returns:
        Whether the dark variant is now shown.
    """
    theme = Theme(theme)
    if not app.property(_ON_FUSION):
        # Once: app.style() hides its base style behind the style sheet from then on, and
        # every setStyle() re-polishes every widget.
        app.setStyle("Fusion")
        app.setProperty(_ON_FUSION, True)
    hints = app.styleHints()
    _applied.theme = theme
    if theme is Theme.SYSTEM:
        if hasattr(hints, "unsetColorScheme"):  # Qt 6.9+
            hints.unsetColorScheme()
        elif hasattr(hints, "setColorScheme"):  # Qt 6.8: Unknown clears the request
            hints.setColorScheme(Qt.ColorScheme.Unknown)
        dark = system_prefers_dark(app)
    else:
        dark = theme is Theme.DARK
        if hasattr(hints, "setColorScheme"):
            hints.setColorScheme(Qt.ColorScheme.Dark if dark else Qt.ColorScheme.Light)
    if not app.property(_FOLLOWS_SCHEME):
        hints.colorSchemeChanged.connect(_on_color_scheme_changed)
        app.setProperty(_FOLLOWS_SCHEME, True)
    _show(app, dark)
    return dark


def _show(app: QApplication, dark: bool) -> None:
    _applied.dark = dark
    app.setPalette(_palette(theme_colors(dark)))
    app.setStyleSheet(style_sheet(dark))


def _on_color_scheme_changed(scheme: Qt.ColorScheme) -> None:
    app = QApplication.instance()
    if not isinstance(app, QApplication) or _applied.theme is not Theme.SYSTEM:
        return
    dark = scheme == Qt.ColorScheme.Dark
    if dark != _applied.dark:
        _show(app, dark)


# Icons ----------------------------------------------------------------------------------------
class _ThemedSvgEngine(QIconEngine):
    """Renders an SVG, its neutral stroke recoloured for the theme and the icon mode."""

    def __init__(self, svg: str) -> None:
        super().__init__()
        self._svg = svg
        self._recolours = ICON_STROKE in svg
        self._renderers: dict[str, QSvgRenderer] = {}
        self._pixmaps: dict[tuple[int, int, str, bool], QPixmap] = {}

    def _stroke(self, mode: QIcon.Mode) -> str:
        colours = _theme_file(_applied.dark)[0]
        return colours["accent" if mode == QIcon.Mode.Selected else "icon"]

    def _renderer(self, stroke: str) -> QSvgRenderer:
        renderer = self._renderers.get(stroke)
        if renderer is None:
            svg = self._svg.replace(ICON_STROKE, stroke) if self._recolours else self._svg
            renderer = QSvgRenderer(QByteArray(svg.encode("utf-8")))
            self._renderers[stroke] = renderer
        return renderer

    def pixmap(self, size: QSize, mode: QIcon.Mode, state: QIcon.State) -> QPixmap:
        stroke = self._stroke(mode) if self._recolours else ""
        disabled = mode == QIcon.Mode.Disabled
        key = (size.width(), size.height(), stroke, disabled)
        cached = self._pixmaps.get(key)
        if cached is not None:
            return cached
        image = QImage(size, QImage.Format.Format_ARGB32_Premultiplied)
        image.fill(Qt.GlobalColor.transparent)
        if not size.isEmpty():
            side = min(size.width(), size.height())
            target = QRectF((size.width() - side) / 2, (size.height() - side) / 2, side, side)
            painter = QPainter(image)
            painter.setRenderHint(QPainter.RenderHint.Antialiasing)
            if disabled:
                painter.setOpacity(0.4)
            self._renderer(stroke).render(painter, target)
            painter.end()
        pixmap = QPixmap.fromImage(image)
        self._pixmaps[key] = pixmap
        return pixmap

    def scaledPixmap(
        self, size: QSize, mode: QIcon.Mode, state: QIcon.State, scale: float
    ) -> QPixmap:
        device = QSize(round(size.width() * scale), round(size.height() * scale))
        pixmap = QPixmap(self.pixmap(device, mode, state))
        pixmap.setDevicePixelRatio(scale)
        return pixmap

    def paint(self, painter: QPainter, rect: QRect, mode: QIcon.Mode, state: QIcon.State) -> None:
        scale = painter.device().devicePixelRatioF() if painter.device() else 1.0
        pixmap = self.scaledPixmap(rect.size(), mode, state, scale)
        painter.drawPixmap(QPoint(rect.x(), rect.y()), pixmap)

    def actualSize(self, size: QSize, mode: QIcon.Mode, state: QIcon.State) -> QSize:
        side = min(size.width(), size.height())
        return QSize(side, side)

    def isNull(self) -> bool:
        return False

    def key(self) -> str:
        return "proximity-themed-svg"

    def clone(self) -> QIconEngine:
        engine = _ThemedSvgEngine(self._svg)
        _engines.append(engine)  # Qt owns clones; keep the Python side alive with them
        return engine


_engines: list[_ThemedSvgEngine] = []


@cache
def icon(name: str) -> QIcon:
    """The icon ``resources/icons/<name>.svg``, following the theme (cached per name).

    Raises:
        FileNotFoundError: there is no such icon, so a typo fails loudly in tests.
    """
    path = resource_path("icons", f"{name}.svg")
    if not path.is_file():
        raise FileNotFoundError(f"no icon named {name!r} (looked for {path})")
    engine = _ThemedSvgEngine(path.read_text(encoding="utf-8"))
    _engines.append(engine)
    return QIcon(engine)


def status_icon(severity: str) -> QIcon:
    """The status icon for ``"ok"``, ``"warn"``/``"at risk"`` or ``"bad"``/``"breached"``.

    Spelling is forgiving (``"AT_RISK"``, ``"at-risk"``) so callers can pass an enum value.

    Raises:
        ValueError: an unknown severity.
    """
    normal = severity.strip().lower().replace("_", " ").replace("-", " ")
    try:
        return icon(_SEVERITY_ICONS[normal])
    except KeyError:
        raise ValueError(f"unknown severity {severity!r}") from None
