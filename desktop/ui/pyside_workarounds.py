"""Workarounds for known defects of the Qt binding, in one place.

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
import sys

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
