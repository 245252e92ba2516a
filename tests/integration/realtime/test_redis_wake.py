"""The Redis wake-up: every replica's hub hears every publication of the relay's stream."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import pytest
import redis.asyncio as redis_async

from aic.backend.adapters.realtime import RedisStreamWake

pytestmark = pytest.mark.redis


async def _warm_up(client: redis_async.Redis, key: str, woken: list[asyncio.Event]) -> None:
    """Append until every waker has heard one: their first XREAD (from "$") is running."""
    for _ in range(50):
        await client.xadd(key, {"event": "warm-up"})
        try:
            await asyncio.wait_for(asyncio.gather(*(e.wait() for e in woken)), 0.2)
        except TimeoutError:
            continue
        await asyncio.sleep(0.05)  # let a waker that heard two appends finish counting
        for event in woken:
            event.clear()
        return
    raise AssertionError("the wakers never heard the stream")


def test_every_waker_on_the_stream_hears_each_append(redis_url: str, redis_prefix: str) -> None:
    key = f"{redis_prefix}wake-events"

    async def scenario() -> list[int]:
        client = redis_async.Redis.from_url(redis_url)
        stop = asyncio.Event()
        counts = [0, 0]
        woken = [asyncio.Event(), asyncio.Event()]

        def notifier(index: int) -> Callable[[], None]:
            def notify() -> None:
                counts[index] += 1
                woken[index].set()

            return notify

        wakers = [RedisStreamWake(client, key, notifier(i), block_ms=200) for i in (0, 1)]
        tasks = [asyncio.create_task(waker.run(stop)) for waker in wakers]
        try:
            await _warm_up(client, key, woken)
            counts[:] = [0, 0]
            for _ in range(3):
                for event in woken:
                    event.clear()
                await client.xadd(key, {"event": "x"})
                await asyncio.gather(*(event.wait() for event in woken))
            return counts
        finally:
            stop.set()
            await asyncio.gather(*tasks)
            await client.aclose()

    counts = asyncio.run(asyncio.wait_for(scenario(), 20))
    assert counts == [3, 3]  # one wake per append, for each of them


def test_entries_added_between_two_reads_still_wake(redis_url: str, redis_prefix: str) -> None:
    key = f"{redis_prefix}wake-between"

    async def scenario() -> int:
        client = redis_async.Redis.from_url(redis_url)
        stop = asyncio.Event()
        woken, heard = asyncio.Event(), [0]

        def notify() -> None:
            heard[0] += 1
            woken.set()

        # COUNT 1: each read returns one entry, so the second append is read afterwards,
        # from the last id seen (from "$" again it would be missed).
        waker = RedisStreamWake(client, key, notify, block_ms=100, count=1)
        task = asyncio.create_task(waker.run(stop))
        try:
            await _warm_up(client, key, [woken])
            await asyncio.sleep(0.3)  # leftovers of the warm-up are read by now
            before = heard[0]
            await client.xadd(key, {"event": "1"})
            await client.xadd(key, {"event": "2"})
            while heard[0] < before + 2:
                woken.clear()
                await woken.wait()
            return heard[0] - before
        finally:
            stop.set()
            await task
            await client.aclose()

    assert asyncio.run(asyncio.wait_for(scenario(), 20)) == 2
