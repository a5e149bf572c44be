"""Workarounds for known defects of the Qt binding, in one place.

**Source scans on import.** See :func:`skip_feature_source_scan`.

**Singleton reference counts.**
PySide6 6.12 with pyqtgraph 0.14 releases references to ``None``, ``True`` and ``False`` that
it never took: each pyqtgraph item added to a scene or given new data costs those singletons
a few references (measured: about 5 of ``True`` and 20 of ``None`` per ``setData`` on a shown
plot). In a dashboard that refreshes its charts all day the counts reach zero and CPython
aborts with "Fatal Python error: none_dealloc" (or at exit, "bool_dealloc"). The same
pyqtgraph-free defect is reported upstream (pyqtgraph issues 2672, 3357; PYSIDE tracker).

CPython 3.12 makes these singletons immortal. On 3.11 we give them a billion extra
references instead: they are never freed anyway (freeing them is exactly the fatal error),
so this changes nothing else, and no refresh rate can bring them back to zero.
"""

from __future__ import annotations

import ctypes
import logging
import sys

log = logging.getLogger(__name__)

_EXTRA_REFERENCES = 1_000_000_000
_done = False


def immortalise_singletons() -> None:
    """Make ``None``, ``True`` and ``False`` unfreeable (idempotent, a no-op on 3.12+)."""
    global _done
    if _done or sys.version_info >= (3, 12):
        _done = True
        return
    for singleton in (None, True, False):
        # ob_refcnt is the first field of every PyObject.
        refcount = ctypes.c_ssize_t.from_address(id(singleton))
        refcount.value += _EXTRA_REFERENCES
    _done = True


def skip_feature_source_scan() -> None:
    """Stop PySide6 reading the source of every module imported after it (idempotent).

    PySide6 wraps ``builtins.__import__``: for each module imported for the first time it asks
    ``shibokensupport.feature._mod_uses_pyside``, which reads the module's whole source with
    ``inspect.getsource``, whether the module might say ``from __feature__ import`` (the
    opt-in ``snake_case`` and ``true_property`` features). Proximity uses neither. The scan
    made every import after Qt about a quarter slower, and run on a worker thread while the
    GUI thread used Qt it crashed the process: a segfault in about 1 of 6 runs of the main
    window test while pyqtgraph loaded on a worker (others report the same, e.g. the
    progh2/kamook issues 36 and 46). Answering "does not use PySide" for every module lets
    the feature machinery leave modules alone, which is what no ``__feature__`` import means.
    """
    import PySide6  # noqa: F401 - installs the hook and its support modules

    feature = sys.modules.get("PySide6.support.feature") or sys.modules.get(
        "shibokensupport.feature"
    )
    if feature is None or not callable(getattr(feature, "_mod_uses_pyside", None)):
        log.warning("PySide6 has no feature source scan to skip; imports may be slower")
        return
    feature._mod_uses_pyside = _uses_no_features


def _uses_no_features(_module: object) -> bool:
    return False
