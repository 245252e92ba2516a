"""Long-running loops of a backend process (relay, projection consumers, signals, sagas)."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable, Collection

from aic.backend.application.ports import Lease
from aic.observability.logging import get_logger
from aic.tasks import cancel_and_wait

__all__ = ["BackgroundLoops", "leased", "pause", "poll_loop"]

_log = get_logger("aic.background")

Loop = Callable[[asyncio.Event], Awaitable[None]]


async def pause(seconds: float, *events: asyncio.Event) -> None:
    """Sleep ``seconds``, or less if one of ``events`` is set."""
    waiters = [asyncio.ensure_future(event.wait()) for event in events]
    try:
        await asyncio.wait(waiters, timeout=seconds, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for waiter in waiters:
            waiter.cancel()


def poll_loop(
    name: str, step: Callable[[], Awaitable[int]], idle: float, wake: asyncio.Event | None = None
) -> Loop:
    """Run ``step`` again at once while it finds work; otherwise wait ``idle`` (or a wake-up)."""

    async def run(stop: asyncio.Event) -> None:
        while not stop.is_set():
            try:
                done = await step()
            except Exception as exc:  # a failing pass must not end the loop: log, back off
                _log.warning("loop_step_failed", loop=name, error=repr(exc))
                done = 0
            if done:
                continue
            waiters = [asyncio.ensure_future(stop.wait())]
            if wake is not None:
                waiters.append(asyncio.ensure_future(wake.wait()))
            _, pending = await asyncio.wait(waiters, timeout=idle, return_when="FIRST_COMPLETED")
            for task in pending:
                task.cancel()
            if wake is not None:
                wake.clear()

    return run


def leased(lease: Lease, loop: Loop, retry: float = 2.0) -> Loop:
    """Run ``loop`` only while holding ``lease`` (work that must run once across replicas).

    The lease is renewed every ``retry`` seconds; losing it stops the loop at once, and this
    holder waits to acquire it again.
    """

    async def run(stop: asyncio.Event) -> None:
        while not stop.is_set():
            if not await lease.acquire():
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), retry)
                continue
            inner_stop = asyncio.Event()
            task: asyncio.Future[None] = asyncio.ensure_future(loop(inner_stop))
            try:
                while not stop.is_set() and not task.done():
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(stop.wait(), retry)
                    if not await lease.renew():
                        _log.warning("lease_lost")
                        break
            finally:
                inner_stop.set()  # five seconds to stop by itself, even if we are cancelled
                with contextlib.suppress(Exception):
                    await cancel_and_wait(task, grace=5.0)
        await lease.release()

    return run


class BackgroundLoops:
    """Starts named loops on startup and stops them together, within a grace period."""

    def __init__(self) -> None:
        self._loops: dict[str, Loop] = {}
        self._tasks: list[asyncio.Task[None]] = []
        self.stop = asyncio.Event()

    def add(self, name: str, loop: Loop) -> None:
        self._loops[name] = loop

    @property
    def names(self) -> list[str]:
        return sorted(self._loops)

    @property
    def running(self) -> list[str]:
        return sorted(task.get_name() for task in self._tasks if not task.done())

    def start(self, only: Collection[str] | None = None) -> None:
        """Start every loop, or those whose name starts with one of ``only``."""
        self.stop.clear()
        for name, loop in self._loops.items():
            if only is None or any(name.startswith(prefix) for prefix in only):
                self._tasks.append(asyncio.create_task(self._guarded(name, loop), name=name))

    async def _guarded(self, name: str, loop: Loop) -> None:
        while not self.stop.is_set():
            try:
                await loop(self.stop)
            except Exception as exc:  # restart a crashed loop after a pause
                _log.error("loop_crashed", loop=name, error=repr(exc))
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self.stop.wait(), 1.0)

    async def aclose(self, grace: float = 5.0) -> None:
        self.stop.set()
        if not self._tasks:
            return
        _, pending = await asyncio.wait(self._tasks, timeout=grace)
        with contextlib.suppress(Exception):
            await cancel_and_wait(*pending)
        self._tasks.clear()
