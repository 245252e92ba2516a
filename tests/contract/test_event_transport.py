"""One contract for every ``EventTransport``: in-process and Redis Streams."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, Protocol

import pytest

from aic.backend.adapters.transport import (
    DeadLetter,
    InProcessEventTransport,
    RedisStreamsEventTransport,
)
from aic.backend.application.ports import Delivery, EventTransport, StoredEvent
from tests.support.memory_event_store import stored_events

CLAIM_MS = 150  # short, so reclaim tests stay fast; the defaults are 30 s


class Transport(EventTransport, Protocol):
    async def dead_letters(self, group: str) -> list[DeadLetter]: ...


MakeTransport = Callable[..., Transport]


@pytest.fixture(params=["inprocess", pytest.param("redis", marks=pytest.mark.redis)])
def make_transport(request: pytest.FixtureRequest) -> MakeTransport:
    """A factory, called inside the test's event loop: ``make(max_deliveries=...)``."""
    if request.param == "inprocess":
        return lambda max_deliveries=5: InProcessEventTransport(
            visibility_timeout_ms=CLAIM_MS, max_deliveries=max_deliveries
        )
    url = request.getfixturevalue("redis_url")
    prefix = f"{request.getfixturevalue('redis_prefix')}{uuid.uuid4().hex[:8]}:"
    return lambda max_deliveries=5: RedisStreamsEventTransport.from_url(
        url, prefix=prefix, claim_idle_ms=CLAIM_MS, max_deliveries=max_deliveries
    )


def run_with(
    make: MakeTransport, scenario: Callable[[Transport], Awaitable[None]], **options: Any
) -> None:
    async def main() -> None:
        transport = make(**options)
        try:
            await scenario(transport)
        finally:
            await transport.close()

    asyncio.run(main())


async def read_all(transport: Transport, group: str, consumer: str) -> list[Delivery]:
    """Everything the group has for this consumer right now (bounded)."""
    deliveries: list[Delivery] = []
    for _ in range(20):
        batch = await transport.read(group, consumer, count=7, block_ms=50)
        if not batch:
            break
        deliveries += batch
    return deliveries


def ids(items: Sequence[Delivery | StoredEvent]) -> list[uuid.UUID]:
    return [(d.event if isinstance(d, Delivery) else d).event_id for d in items]


def test_every_group_gets_every_event_in_the_order_of_publication(
    make_transport: MakeTransport,
) -> None:
    events = stored_events(25)

    async def scenario(transport: Transport) -> None:
        for group in ("projections", "sagas"):
            assert await transport.read(group, "c1", block_ms=0) == []
        for start in range(0, 25, 10):
            await transport.publish(events[start : start + 10])
        for group in ("projections", "sagas"):
            received = await read_all(transport, group, "c1")
            assert [d.event for d in received] == events
            assert {d.delivery_count for d in received} == {1}

    run_with(make_transport, scenario)


def test_a_group_created_after_publication_still_gets_the_buffered_events(
    make_transport: MakeTransport,
) -> None:
    events = stored_events(3)

    async def scenario(transport: Transport) -> None:
        await transport.publish(events)
        assert ids(await read_all(transport, "late", "c1")) == ids(events)

    run_with(make_transport, scenario)


def test_competing_consumers_in_one_group_split_the_events(make_transport: MakeTransport) -> None:
    events = stored_events(12)

    async def scenario(transport: Transport) -> None:
        await transport.publish(events)
        first = await transport.read("projections", "c1", count=5, block_ms=0)
        second = await transport.read("projections", "c2", count=5, block_ms=0)
        rest = await transport.read("projections", "c1", count=5, block_ms=0)
        assert (len(first), len(second), len(rest)) == (5, 5, 2)
        assert sorted(ids(first + second + rest)) == sorted(ids(events))

    run_with(make_transport, scenario)


def test_an_unacknowledged_delivery_goes_to_another_consumer_after_the_claim_timeout(
    make_transport: MakeTransport,
) -> None:
    events = stored_events(2)

    async def scenario(transport: Transport) -> None:
        await transport.publish(events)
        taken = await transport.read("projections", "dies", count=2, block_ms=0)
        await transport.ack("projections", taken[1:])
        assert await transport.read("projections", "survivor", block_ms=0) == []
        await asyncio.sleep(CLAIM_MS / 1000 * 1.5)
        reclaimed = await transport.read("projections", "survivor", block_ms=0)
        assert [(d.event, d.delivery_count) for d in reclaimed] == [(events[0], 2)]

    run_with(make_transport, scenario)


def test_an_acknowledged_delivery_is_never_delivered_again(make_transport: MakeTransport) -> None:
    async def scenario(transport: Transport) -> None:
        await transport.publish(stored_events(3))
        await transport.ack("projections", await read_all(transport, "projections", "c1"))
        await asyncio.sleep(CLAIM_MS / 1000 * 1.5)
        assert await transport.read("projections", "c2", block_ms=0) == []

    run_with(make_transport, scenario)


def test_a_delivery_never_acknowledged_is_dead_lettered_after_max_deliveries(
    make_transport: MakeTransport,
) -> None:
    poison, healthy = stored_events(2)

    async def scenario(transport: Transport) -> None:
        await transport.publish([poison])
        counts = []
        for consumer in ("c1", "c2"):
            counts += [d.delivery_count for d in await read_eventually(transport, consumer)]
        assert counts == [1, 2]
        await asyncio.sleep(CLAIM_MS / 1000 * 1.5)
        await transport.publish([healthy])
        after = await transport.read("projections", "c3", block_ms=0)
        assert [d.event for d in after] == [healthy]  # the poison one is not delivered again
        [letter] = await transport.dead_letters("projections")
        assert (letter.event, letter.group, letter.consumer) == (poison, "projections", "c3")
        assert letter.deliveries == 2
        assert "2 deliveries" in letter.reason
        assert await transport.dead_letters("sagas") == []

    run_with(make_transport, scenario, max_deliveries=2)


async def read_eventually(transport: Transport, consumer: str) -> list[Delivery]:
    """Read until something is (re)delivered: a claim needs the message idle long enough."""
    for _ in range(10):
        deliveries = await transport.read("projections", consumer, block_ms=CLAIM_MS)
        if deliveries:
            return deliveries
    raise AssertionError("nothing delivered")


def test_a_read_with_nothing_to_deliver_waits_at_most_block_ms(
    make_transport: MakeTransport,
) -> None:
    async def scenario(transport: Transport) -> None:
        loop = asyncio.get_running_loop()
        started = loop.time()
        assert await transport.read("projections", "c1", block_ms=100) == []
        assert 0.05 <= loop.time() - started < 1.0

    run_with(make_transport, scenario)


def test_a_blocked_read_returns_as_soon_as_an_event_is_published(
    make_transport: MakeTransport,
) -> None:
    events = stored_events(1)

    async def scenario(transport: Transport) -> None:
        await transport.read("projections", "c1", block_ms=0)  # the group exists
        reader = asyncio.create_task(transport.read("projections", "c1", block_ms=5000))
        await asyncio.sleep(0.05)
        await transport.publish(events)
        async with asyncio.timeout(2):
            assert [d.event for d in await reader] == events

    run_with(make_transport, scenario)
