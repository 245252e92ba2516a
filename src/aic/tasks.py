"""Background tasks: ended for sure (``cancel_and_wait``), run coalesced (``Coalesced``)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

from aic.observability.logging import get_logger

__all__ = ["Coalesced", "cancel_and_wait"]

_log = get_logger("aic.tasks")


async def cancel_and_wait(
    *tasks: asyncio.Future[Any], grace: float = 0.0, every: float = 0.1
) -> None:
    """End ``tasks``: let them finish by themselves for ``grace`` seconds, then cancel them;
    return once every one has ended, and re-raise the first error one of them raised.

    Like ``task.cancel(); await task`` with the cancellation suppressed, except that a
    cancellation a library swallowed is repeated (every ``every`` seconds) until the task
    ends. redis-py's asyncio client does swallow one that lands while a command is under way
    (reproduced here: one in a few hundred cancelled pipelines), and a loop that retries on
    errors then runs on: a close that waits for it never returns. A cancellation of the
    caller, during the grace too, is raised once the tasks have ended (so a caller cancelled
    again and again still gives its tasks their grace).
    """
    interrupted: asyncio.CancelledError | None = None
    pending = {task for task in tasks if not task.done()}
    deadline = asyncio.get_running_loop().time() + grace
    while pending and (left := deadline - asyncio.get_running_loop().time()) > 0:
        try:
            _, pending = await asyncio.wait(pending, timeout=left)
        except asyncio.CancelledError as exc:
            interrupted = exc
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


class Coalesced:
    """Runs ``action`` soon after each ``poke``, at most once every ``every`` seconds.

    A poke after a quiet spell runs it at once; pokes while it runs, or within ``every`` of
    its last run, are served together by one more run once that time is up. So every poke is
    followed by a run that started after it. A failed run is logged (``name``) and not
    repeated until the next poke.
    """

    def __init__(self, action: Callable[[], Awaitable[None]], every: float, name: str) -> None:
        self._action = action
        self._every = every
        self._name = name
        self._due = False
        self._task: asyncio.Task[None] | None = None

    def poke(self) -> None:
        self._due = True
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._run(), name=self._name)

    async def _run(self) -> None:
        while self._due:
            self._due = False
            try:
                await self._action()
            except Exception as exc:
                _log.warning("coalesced_action_failed", action=self._name, error=repr(exc))
            await asyncio.sleep(self._every)

    async def wait_idle(self) -> None:
        """Return once every poke so far has been served."""
        while self._task is not None and not self._task.done():
            await asyncio.shield(self._task)

    async def aclose(self) -> None:
        if self._task is not None:
            await cancel_and_wait(self._task)
