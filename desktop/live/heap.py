"""Keep the garbage collector's full passes short once the app has started.

A full collection walks every object the interpreter tracks and holds the GIL meanwhile, so
the GUI thread stands still for its whole length, whichever thread triggered it. After start-up
that heap is mostly long-lived: imported modules, the ORM's metadata, Qt wrappers, caches.
On the large data set such a pass took 80-110 ms, a visible hitch every few refreshes.
``gc.freeze()`` moves everything alive at that moment into a permanent generation that later
passes skip; what the refreshes allocate afterwards is collected as before.
"""

from __future__ import annotations

import gc
import logging

log = logging.getLogger(__name__)


def settle_after_startup() -> int:
    """Exempt every object alive now from later collections, and (re-)enable the collector.

    Call it on the GUI thread when the first view has shown its data (the app's long-lived
    objects exist by then; ``desktop.__main__`` pauses the collector until then, so start-up
    is not slowed by passes over them either). No collection first: that would be the very
    pause this avoids, and start-up makes little cyclic garbage. Calling it again later
    freezes what has been added since.

    Returns:
        the number of objects now in the permanent generation.
    """
    gc.freeze()
    gc.enable()
    frozen = gc.get_freeze_count()
    log.debug("heap settled: %d objects exempt from garbage collection", frozen)
    return frozen
