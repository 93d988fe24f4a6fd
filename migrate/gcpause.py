"""A pause of Python's cyclic garbage collector while a big, acyclic object graph is built.

Decoding a 10,000-scheme plan or scheme list makes hundreds of thousands of tuples and lists; each
allocation threshold crossed starts a collection that walks every tracked object made so far, and none of
them can be garbage yet. Pausing the collector for the build takes a third or more off its time (see
README, Performance). Reference counting still frees everything as usual; the collector runs again once the
outermost pause ends.
"""

from __future__ import annotations

import gc
import threading
from contextlib import contextmanager
from typing import Iterator

_lock = threading.Lock()
_depth = 0  # pauses in progress, across threads: the collector resumes when the last one ends
_was_enabled = True


@contextmanager
def paused_gc() -> Iterator[None]:
    global _depth, _was_enabled
    with _lock:
        if _depth == 0:
            _was_enabled = gc.isenabled()
            gc.disable()
        _depth += 1
    try:
        yield
    finally:
        with _lock:
            _depth -= 1
            if _depth == 0 and _was_enabled:
                _promote()
                gc.enable()


def _promote() -> None:
    """Move every tracked object to the oldest generation, without a collection.

    What was built during the pause is all in the youngest generation, with the allocation count far past
    its threshold: the next allocation would start a collection that walks all of it (and every grant its
    lists and tuples hold), and the next two generations would walk it again. Those objects are long-lived,
    so they go straight to the oldest generation (freeze, then unfreeze, moves lists, not objects); a full
    collection still looks at them in its turn, as it looks at everything. Left alone when something else
    froze objects (unfreezing would undo that)."""
    if gc.get_freeze_count() == 0:
        gc.freeze()
        gc.unfreeze()
