"""Long-running loops of a backend process (relay, projection consumers, signals, sagas)."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable

from aic.observability.logging import get_logger

__all__ = ["BackgroundLoops", "poll_loop"]

_log = get_logger("aic.background")

Loop = Callable[[asyncio.Event], Awaitable[None]]


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

    def start(self) -> None:
        self.stop.clear()
        for name, loop in self._loops.items():
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
        for task in pending:
            task.cancel()
        await asyncio.gather(*pending, return_exceptions=True)
        self._tasks.clear()
