"""Locate bundled files (icons, styles, translations, migrations) wherever the app runs.

One helper for the three ways Proximity is run: from the source tree, from an installed
package (``resources/`` and ``db/`` are installed as top-level data beside the packages),
and from a PyInstaller bundle (everything below ``sys._MEIPASS``).
"""

from __future__ import annotations

import sys
from functools import cache
from pathlib import Path


@cache
def _roots() -> tuple[Path, ...]:
    roots: list[Path] = []
    bundle = getattr(sys, "_MEIPASS", None)
    if bundle:
        roots.append(Path(bundle))
    # Source tree or installed package: desktop/ sits beside resources/ and db/.
    roots.append(Path(__file__).resolve().parent.parent)
    return tuple(roots)


def resource_path(*parts: str) -> Path:
    """Return the path of a file under ``resources/``.

    Args:
        *parts: path components below ``resources/``, e.g. ``("icons", "queues.svg")``.

    Returns:
        The first existing match among the known roots, else the path under the first root
        (so a caller's error message names a sensible location).
    """
    candidates = [root / "resources" / Path(*parts) for root in _roots()]
    for candidate in candidates:
        if candidate.exists():
            return candidate
    return candidates[0]


def migrations_path() -> Path:
    """Return the folder holding the Alembic environment (``db/migrations``)."""
    for root in _roots():
        candidate = root / "db" / "migrations"
        if (candidate / "env.py").exists():
            return candidate
    return _roots()[0] / "db" / "migrations"
