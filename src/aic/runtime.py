"""Process start-up helpers shared by the services and workers."""

from __future__ import annotations

import gc
import os

__all__ = ["SETTLE_HEAP_ENV", "settle_heap"]

# Set by the CLI for the server and worker processes it starts (and inherited by uvicorn's
# worker processes); unset in tests, which build many apps in one process.
SETTLE_HEAP_ENV = "AIC_SETTLE_HEAP"


def settle_heap() -> None:
    """Call once start-up is done: every object alive then (modules, routes, models, caches)
    moves to the garbage collector's permanent generation (``gc.freeze``).

    Full collections otherwise walk all of them again and again: ~50 ms pauses measured here
    with the backend loaded, each one a stall of every request and event in flight. After
    this, collections only walk what the process allocated since. Only in processes the CLI
    started (``AIC_SETTLE_HEAP=1``): frozen cycles are never collected, which a test process
    building app after app would pay for.
    """
    if os.environ.get(SETTLE_HEAP_ENV) != "1":
        return
    gc.collect()
    gc.freeze()
