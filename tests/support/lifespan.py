"""An ASGI app whose lifespan outlasts callers that start and stop it around every test."""

from __future__ import annotations

import asyncio
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = ["SharedLifespan"]


class SharedLifespan:
    """Wraps ``app`` so that its lifespan runs once, from the first startup until ``close()``.

    schemathesis runs an ASGI app's lifespan for each test and ends it in the test's teardown;
    an AIC app starts once per process (its metrics registry, background loops), so here the
    first ``lifespan.startup`` starts the app's own lifespan in a task of that event loop, every
    other startup and shutdown is answered at once, and ``close()`` (from any thread) ends it.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self._loop: asyncio.AbstractEventLoop | None = None
        self._task: asyncio.Task[None] | None = None
        self._to_app: asyncio.Queue[Message] = asyncio.Queue()
        self._from_app: asyncio.Queue[Message] = asyncio.Queue()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "lifespan":
            await self.app(scope, receive, send)
            return
        while True:
            message = await receive()
            if message["type"] != "lifespan.startup":
                await send({"type": "lifespan.shutdown.complete"})
                return
            try:
                await self._start()
            except Exception as exc:  # reported to the caller, as a server would
                await send({"type": "lifespan.startup.failed", "message": repr(exc)})
                return
            await send({"type": "lifespan.startup.complete"})

    async def _start(self) -> None:
        if self._task is not None:
            return
        self._loop = asyncio.get_running_loop()
        scope: dict[str, Any] = {"type": "lifespan", "asgi": {"version": "3.0"}, "state": {}}
        self._task = asyncio.create_task(self._run(scope))
        await self._to_app.put({"type": "lifespan.startup"})
        await self._reply("lifespan.startup.complete")

    async def _run(self, scope: Scope) -> None:
        await self.app(scope, self._to_app.get, self._from_app.put)

    async def _reply(self, expected: str) -> None:
        assert self._task is not None
        reply = asyncio.ensure_future(self._from_app.get())
        await asyncio.wait({reply, self._task}, return_when=asyncio.FIRST_COMPLETED)
        if not reply.done():
            reply.cancel()
            self._task.result()  # the app's own error
            raise RuntimeError("the app ended its lifespan without a reply")
        if reply.result()["type"] != expected:
            raise RuntimeError(f"lifespan: {reply.result()}")

    async def _stop(self) -> None:
        assert self._task is not None
        await self._to_app.put({"type": "lifespan.shutdown"})
        await self._reply("lifespan.shutdown.complete")
        await self._task

    def close(self, timeout: float = 30.0) -> None:
        """End the app's lifespan, if it started, on the event loop it runs on."""
        if self._task is None or self._loop is None:
            return
        asyncio.run_coroutine_threadsafe(self._stop(), self._loop).result(timeout)
        self._task = None
