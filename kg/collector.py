"""Pausing Python's cyclic garbage collector around stages that allocate millions of objects.

Reference counting still frees memory while the collector is paused; only
the search for reference cycles waits. kg's models (extractions, the
KnowledgeBase, views) hold no cycles, and at 10⁴–10⁵ articles each full
collection walks every one of their objects: at 10,000 articles three full
collections were a third of resolution's time and four fifths of the Gephi
view's (measured with cProfile; see the commits of 2026-11-29).
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["collector_paused"]


@contextmanager
def collector_paused() -> Iterator[None]:
    """Disable the cyclic collector inside the block and restore it as it was afterwards (also on
    an exception). Nesting is safe: an inner block leaves it disabled for the outer one."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
