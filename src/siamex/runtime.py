"""How a host process runs the engine: without the cyclic garbage collector's pauses.

The engine unlinks every order it drops, so reference counting frees everything it creates; the
cyclic collector would only walk hundreds of thousands of live orders again and again (a
quarter of the engine's time in a profile, and its longest pauses). Hosts of a run (the CLI,
the benchmarks) switch it off for the run and back on afterwards, which collects whatever
cycles remain. A server, which never ends, keeps it on but rarely: what exists when it starts
serving is frozen out of the collector's walks, and young objects are collected in bigger
generations. The engine itself never touches this global state (pillar 1).
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["SERVER_GC_THRESHOLDS", "serving_gc", "without_gc_pauses"]

SERVER_GC_THRESHOLDS = (50_000, 20, 10)
"""A young generation 70 times CPython's default (700): a third of a loaded server's time went
to collections in a profile; the old generation keeps its default pace."""


@contextmanager
def without_gc_pauses() -> Iterator[None]:
    """Run a block with the cyclic garbage collector off, then restore it."""
    enabled = gc.isenabled()
    gc.collect()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def serving_gc() -> None:
    """Set the collector for a long-running server, once its startup state is built."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(*SERVER_GC_THRESHOLDS)
