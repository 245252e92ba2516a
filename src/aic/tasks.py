"""Ending background tasks for sure."""

from __future__ import annotations

import asyncio
from typing import Any

__all__ = ["cancel_and_wait"]


async def cancel_and_wait(*tasks: asyncio.Future[Any], every: float = 0.1) -> None:
    """Cancel ``tasks`` and return once every one has ended; re-raise the first error.

    Like ``task.cancel(); await task`` with the cancellation suppressed, except that a
    cancellation a library swallowed is repeated (every ``every`` seconds) until the task
    ends. redis-py's asyncio client does swallow one that lands while a command is under way
    (reproduced here: one in a few hundred cancelled pipelines), and a loop that retries on
    errors then runs on: a close that waits for it never returns, and a relay that lost its
    lease would go on publishing. A cancellation of the caller meanwhile is raised once the
    tasks have ended.
    """
    pending = {task for task in tasks if not task.done()}
    interrupted: asyncio.CancelledError | None = None
    while pending:
        for task in pending:
            task.cancel()
        try:
            _, pending = await asyncio.wait(pending, timeout=every)
        except asyncio.CancelledError as exc:  # end them first, then give up ourselves
            interrupted = exc
    if interrupted is not None:
        raise interrupted
    for task in tasks:
        if not task.cancelled() and (error := task.exception()) is not None:
            raise error
