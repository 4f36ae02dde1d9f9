"""Keeping the cycle collector off the parsed configuration while a run uses it.

A run holds the parse of every file it read (millions of small objects) until it ends, and
each full collection walked all of them again: three quarters of evaluating a 100,000-name
``for_each`` went to one collection during a sort. What is frozen is still freed by its
reference count (syntax trees and values hold no cycles); a run hands it back to the
collector when it ends.
"""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterator

_running = 0  # how many runs are under way in this process


def keep() -> None:
    """Move everything allocated so far out of the collector's reach, while a run is under
    way (outside one, as in a test calling the loader, nothing is done)."""
    if _running:
        gc.freeze()


@contextlib.contextmanager
def one_run() -> Iterator[None]:
    """One run: give back to the collector, when it ends, what ``keep`` took from it."""
    global _running
    _running += 1
    try:
        yield
    finally:
        _running -= 1
        if not _running:
            gc.unfreeze()
