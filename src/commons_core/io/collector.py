"""Python's cyclic garbage collector during an import or an export.

A bulk load makes millions of short-lived containers (cells, records,
audit values), nearly all freed by reference counting. The collector
nevertheless runs a young-generation pass every 700 allocations and, now
and then, a full pass over everything the process holds (the SDK, SQLAlchemy,
the plugins): 10 to 20 % of an import's time. For the block, what exists
before it is frozen out of the collector's passes and young passes run
every 50,000 allocations; cycles are still collected.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["BULK_THRESHOLD", "bulk_collection"]

BULK_THRESHOLD = 50_000
"""Allocations between two young-generation passes during a bulk load (Python's default: 700)."""


@contextmanager
def bulk_collection() -> Iterator[None]:
    """Run the block with fewer collector passes; restore the settings after it."""
    before = gc.get_threshold()
    gc.freeze()
    gc.set_threshold(max(before[0], BULK_THRESHOLD), *before[1:])
    try:
        yield
    finally:
        gc.set_threshold(*before)
        gc.unfreeze()
