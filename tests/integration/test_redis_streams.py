"""Redis Streams specifics: trimming stays behind the slowest group, backpressure, restarts."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable, Iterator

import pytest

from aic.backend.adapters.transport import RedisStreamsEventTransport
from aic.backend.application.consumers import ConsumerGroupWorker
from aic.backend.application.ports import StoredEvent
from tests.support.memory_event_store import stored_events
from tests.support.private_redis import PrivateRedis
from tests.support.services import require_tool

pytestmark = pytest.mark.redis


@pytest.fixture
def prefix(redis_prefix: str) -> str:
    return f"{redis_prefix}{uuid.uuid4().hex[:8]}:"


def test_trimming_keeps_every_event_the_slowest_group_has_not_acknowledged(
    redis_url: str, prefix: str
) -> None:
    events = stored_events(300)

    async def scenario() -> None:
        transport = RedisStreamsEventTransport.from_url(redis_url, prefix=prefix, trim_every=50)
        length = transport._redis.xlen
        try:
            for group in ("fast", "slow"):
                await transport.read(group, "c1", block_ms=0)
            await transport.publish(events[:150])
            await transport.ack("fast", await transport.read("fast", "c1", count=150, block_ms=0))
            slow = await transport.read("slow", "c1", count=100, block_ms=0)
            await transport.ack("slow", slow[50:])  # the first 50 stay pending
            for start in range(150, 300, 50):
                await transport.publish(events[start : start + 50])  # each one trims
            assert await length(transport.key) == 300  # the oldest pending one holds it all
            await transport.ack("slow", slow[:50])
            await transport.trim(exact=True)
            assert await length(transport.key) == 200  # what slow has not read yet
            rest = await transport.read("slow", "c1", count=300, block_ms=0)
            assert [d.event for d in rest] == events[100:]
            await transport.ack("slow", rest)
            await transport.ack("fast", await transport.read("fast", "c1", count=300, block_ms=0))
            await transport.trim(exact=True)
            assert await length(transport.key) == 0
        finally:
            await transport.close()

    asyncio.run(scenario())


def test_a_full_stream_makes_publishers_wait_for_the_slowest_group(
    redis_url: str, prefix: str
) -> None:
    events = stored_events(12)

    async def scenario() -> None:
        transport = RedisStreamsEventTransport.from_url(
            redis_url, prefix=prefix, maxlen=10, backpressure_poll=0.02
        )
        try:
            await transport.read("slow", "c1", block_ms=0)
            await transport.publish(events[:10])
            blocked = asyncio.create_task(transport.publish(events[10:]))
            await asyncio.sleep(0.2)
            assert not blocked.done()
            await transport.ack("slow", await transport.read("slow", "c1", count=5, block_ms=0))
            async with asyncio.timeout(2):
                await blocked
            rest = await transport.read("slow", "c1", count=20, block_ms=0)
            assert [d.event for d in rest] == events[5:]
        finally:
            await transport.close()

    asyncio.run(scenario())


def test_retired_groups_hand_over_to_one_group_from_the_oldest_event_they_still_needed(
    redis_url: str, prefix: str
) -> None:
    events = stored_events(40)

    async def scenario() -> None:
        transport = RedisStreamsEventTransport.from_url(redis_url, prefix=prefix)
        groups = transport._redis.xinfo_groups
        try:
            for group in ("projection:a", "projection:b", "sagas"):
                await transport.read(group, "c1", block_ms=0)
            await transport.publish(events)
            done_a = await transport.read("projection:a", "c1", count=30, block_ms=0)
            await transport.ack("projection:a", done_a)
            done_b = await transport.read("projection:b", "c1", count=20, block_ms=0)
            await transport.ack("projection:b", done_b[:10])  # 10..19 delivered, not acked

            await transport.retire_groups("projection:", into="projections")
            names = {info["name"] for info in await groups(transport.key)}
            assert names == {"projections", "sagas"}  # the other group is left alone
            handed = await transport.read("projections", "c1", count=100, block_ms=0)
            assert [d.event for d in handed] == events[10:]  # from b's oldest pending one

            await transport.retire_groups("projection:", into="projections")  # nothing left
            assert {info["name"] for info in await groups(transport.key)} == names
        finally:
            await transport.close()

    asyncio.run(scenario())


def test_a_group_s_backlog_counts_what_it_has_not_read_and_not_acknowledged(
    redis_url: str, prefix: str
) -> None:
    async def scenario() -> None:
        transport = RedisStreamsEventTransport.from_url(redis_url, prefix=prefix)
        try:
            assert await transport.backlog("projections") == 0  # no stream yet
            await transport.read("projections", "c1", block_ms=0)
            await transport.publish(stored_events(10))
            read = await transport.read("projections", "c1", count=4, block_ms=0)
            assert await transport.backlog("projections") == 10  # 6 unread + 4 unacknowledged
            await transport.ack("projections", read)
            assert await transport.backlog("projections") == 6
            assert await transport.backlog("nobody") == 0
            # A group created mid-stream: Redis cannot tell its lag; it is counted instead.
            events = await transport._redis.xrange(transport.key)
            await transport._redis.xgroup_create(transport.key, "late", id=events[3][0])
            assert await transport.backlog("late") == 6
        finally:
            await transport.close()

    asyncio.run(scenario())


def test_without_any_group_only_the_newest_maxlen_events_are_kept(
    redis_url: str, prefix: str
) -> None:
    events = stored_events(15)

    async def scenario() -> None:
        transport = RedisStreamsEventTransport.from_url(redis_url, prefix=prefix, maxlen=10)
        try:
            for event in events:
                await transport.publish([event])
            late = await transport.read("late", "c1", count=20, block_ms=0)
            assert [d.event for d in late] == events[5:]
        finally:
            await transport.close()

    asyncio.run(scenario())


def test_a_message_that_is_not_an_event_goes_straight_to_the_dead_letters(
    redis_url: str, prefix: str
) -> None:
    [event] = stored_events(1)

    async def scenario() -> None:
        transport = RedisStreamsEventTransport.from_url(redis_url, prefix=prefix)
        try:
            await transport.read("projections", "c1", block_ms=0)
            await transport._redis.xadd(transport.key, {"event": "{not json"})
            await transport.publish([event])
            assert [d.event for d in await transport.read("projections", "c1")] == [event]
            [letter] = await transport.dead_letters("projections")
            assert letter.event is None
            assert letter.reason.startswith("unreadable")
        finally:
            await transport.close()

    asyncio.run(scenario())


@pytest.fixture
def private_redis() -> Iterator[PrivateRedis]:
    server = PrivateRedis(require_tool("redis-server"))
    server.start()
    try:
        yield server
    finally:
        server.stop()


def test_a_consumer_carries_on_after_redis_restarts(private_redis: PrivateRedis) -> None:
    before, after = stored_events(2)
    seen: list[StoredEvent] = []

    async def handle(event: StoredEvent) -> None:
        seen.append(event)

    async def scenario() -> None:
        transport = RedisStreamsEventTransport.from_url(private_redis.url)
        worker = ConsumerGroupWorker(
            transport, "projections", "c1", handle, block_ms=100, retry_after=0.05
        )
        stop = asyncio.Event()
        running = asyncio.create_task(worker.run(stop))
        try:
            await transport.publish([before])
            await until(lambda: seen == [before])
            private_redis.stop()
            private_redis.start()  # empty: no persistence, so the group is gone too
            await transport.publish([after])
            await until(lambda: seen == [before, after])
            await transport.ping()
        finally:
            stop.set()
            await running
            await transport.close()

    asyncio.run(scenario())


async def until(condition: Callable[[], bool], seconds: float = 10.0) -> None:
    for _ in range(int(seconds / 0.02)):
        if condition():
            return
        await asyncio.sleep(0.02)
    raise AssertionError("timed out")
