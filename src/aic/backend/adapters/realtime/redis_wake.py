"""Wakes this replica's realtime hub whenever any replica's relay publishes to Redis."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from typing import Any

import redis.asyncio as aioredis

from aic.observability.logging import get_logger

__all__ = ["RedisStreamWake"]

_log = get_logger("aic.realtime.redis")


class RedisStreamWake:
    """Blocks on XREAD (no consumer group, so every replica sees every entry) on the event
    stream the relay appends to, and calls ``notify`` for each new batch.

    The relay publishes only what the store already returns to readers, so the hub that
    wakes finds those events with its next ``read_all``. Entries are read from the last one
    seen, never from ``$`` again: an entry added between two reads still wakes the hub.
    """

    def __init__(
        self,
        client: aioredis.Redis,
        key: str,
        notify: Callable[[], None],
        *,
        block_ms: int = 5_000,
        count: int = 1_000,
        retry_seconds: float = 1.0,
    ) -> None:
        self._redis = client
        self.key = key
        self._notify = notify
        self._block_ms = block_ms
        self._count = count
        self._retry_seconds = retry_seconds

    async def run(self, stop: asyncio.Event) -> None:
        last = "$"
        while not stop.is_set():
            try:
                reply: Any = await self._redis.xread(
                    {self.key: last}, count=self._count, block=self._block_ms
                )
            except Exception as exc:  # Redis away: the hub's poll still finds new events
                _log.warning("realtime_wake_failed", error=repr(exc))
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), self._retry_seconds)
                # Entries added meanwhile would be missed from "$", but the hub reads the
                # store after this notify anyway.
                self._notify()
                continue
            for _stream, entries in reply or ():
                if entries:
                    entry_id = entries[-1][0]
                    last = entry_id.decode() if isinstance(entry_id, bytes) else str(entry_id)
                    self._notify()
