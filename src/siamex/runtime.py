"""How a host process runs the engine: without the cyclic garbage collector's pauses.

The engine unlinks every order it drops, so reference counting frees everything it creates; the
cyclic collector would only walk hundreds of thousands of live orders again and again (a
quarter of the engine's time in a profile, and its longest pauses). Hosts (the CLI, the
benchmarks) switch it off for a run and back on afterwards, which collects whatever cycles
remain. The engine itself never touches this global state (pillar 1).
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["without_gc_pauses"]


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
