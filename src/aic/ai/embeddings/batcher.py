"""Concurrent embedding calls joined into shared runs on one worker thread."""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Callable, Sequence
from concurrent.futures import Executor

import numpy as np
import numpy.typing as npt

__all__ = ["CoalescingRunner"]

Rows = npt.NDArray[np.float32]


class CoalescingRunner:
    """Runs ``encode(texts) -> rows`` on ``executor``; calls that arrive while a run is busy
    wait and then go together in the next run, so concurrent requests fill one batch.

    No call waits on purpose: a lone call runs at once, and batches form only from calls
    that queued behind a busy run. A run takes at most ``max_texts`` texts; a longer call is
    cut into slices submitted one after another, so other callers' texts join the runs in
    between instead of waiting for the whole of it.
    """

    def __init__(
        self, encode: Callable[[list[str]], Rows], executor: Executor, *, max_texts: int
    ) -> None:
        self._encode = encode
        self._executor = executor
        self._max_texts = max_texts
        self._pending: deque[tuple[list[str], asyncio.Future[Rows]]] = deque()
        self._drainer: asyncio.Task[None] | None = None
        self._closed = False

    async def run(self, texts: Sequence[str]) -> Rows:
        parts = [
            await self._submit(list(texts[start : start + self._max_texts]))
            for start in range(0, len(texts), self._max_texts)
        ]
        return parts[0] if len(parts) == 1 else np.concatenate(parts)

    async def close(self) -> None:
        """Fail what is still queued and stop; a run already in its thread finishes there."""
        self._closed = True
        if self._drainer is not None and not self._drainer.done():
            self._drainer.cancel()
            await asyncio.gather(self._drainer, return_exceptions=True)
        _fail(list(self._pending), RuntimeError("the embedder was closed"))
        self._pending.clear()

    async def _submit(self, texts: list[str]) -> Rows:
        if self._closed:
            raise RuntimeError("the embedder was closed")
        loop = asyncio.get_running_loop()
        future: asyncio.Future[Rows] = loop.create_future()
        self._pending.append((texts, future))
        if self._drainer is None or self._drainer.done():
            self._drainer = loop.create_task(self._drain(), name="embeddings-drain")
        return await future

    async def _drain(self) -> None:
        loop = asyncio.get_running_loop()
        while self._pending:
            taken = self._take()
            if not taken:
                continue
            texts = [text for part, _ in taken for text in part]
            try:
                rows = await loop.run_in_executor(self._executor, self._encode, texts)
            except asyncio.CancelledError:  # closed during a run: its callers must not hang
                _fail(taken, RuntimeError("the embedder was closed"))
                raise
            except Exception as exc:
                _fail(taken, exc)
                continue
            shared = len(taken) > 1
            offset = 0
            for part, future in taken:
                if not future.done():
                    mine = rows[offset : offset + len(part)]
                    future.set_result(mine.copy() if shared else mine)
                offset += len(part)

    def _take(self) -> list[tuple[list[str], asyncio.Future[Rows]]]:
        """Queued calls in order, up to ``max_texts`` texts; callers who gave up are dropped."""
        taken: list[tuple[list[str], asyncio.Future[Rows]]] = []
        count = 0
        while self._pending:
            part, future = self._pending[0]
            if future.done():
                self._pending.popleft()
                continue
            if taken and count + len(part) > self._max_texts:
                break
            taken.append(self._pending.popleft())
            count += len(part)
        return taken


def _fail(calls: list[tuple[list[str], asyncio.Future[Rows]]], error: BaseException) -> None:
    for _, future in calls:
        if not future.done():
            future.set_exception(error)
