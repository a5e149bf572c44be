"""Layer rule import-linter cannot express for external subpackages: only desktop/ui and
desktop/app.py import Qt widgets or pyqtgraph (live/ may use QtCore)."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WIDGET_MODULES = ("PySide6.QtWidgets", "pyqtgraph", "PySide6.QtCharts", "PySide6.QtPrintSupport")


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
    return found


def test_only_ui_and_app_import_widgets() -> None:
    offenders = []
    for path in sorted((ROOT / "desktop").rglob("*.py")) + sorted((ROOT / "db").rglob("*.py")):
        rel = path.relative_to(ROOT).as_posix()
        if rel.startswith("desktop/ui/") or rel == "desktop/app.py":
            continue
        bad = {m for m in _imports(path) if m.startswith(WIDGET_MODULES)}
        if bad:
            offenders.append(f"{rel}: {sorted(bad)}")
    assert offenders == []
