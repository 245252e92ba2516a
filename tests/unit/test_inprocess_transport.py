"""The in-process transport's memory bound: publishers wait, nothing a group needs is dropped."""

from __future__ import annotations

import asyncio

import pytest

from aic.backend.adapters.transport import InProcessEventTransport
from aic.backend.adapters.transport.codec import decode_event, encode_event
from tests.support.memory_event_store import stored_events


def test_publishers_wait_while_the_buffer_is_full_and_resume_as_groups_acknowledge() -> None:
    events = stored_events(5)

    async def scenario() -> None:
        transport = InProcessEventTransport(max_buffered=3)
        await transport.read("projections", "c1", block_ms=0)
        publishing = asyncio.create_task(transport.publish(events))
        await asyncio.sleep(0.05)
        assert not publishing.done()
        first = await transport.read("projections", "c1", count=2, block_ms=0)
        await asyncio.sleep(0.01)
        assert not publishing.done()  # read but not acknowledged: still needed
        await transport.ack("projections", first)
        async with asyncio.timeout(1):
            await publishing
        rest = await transport.read("projections", "c1", count=10, block_ms=0)
        assert [d.event for d in first + rest] == events

    asyncio.run(scenario())


def test_without_any_group_the_oldest_events_make_room() -> None:
    events = stored_events(5)

    async def scenario() -> None:
        transport = InProcessEventTransport(max_buffered=3)
        async with asyncio.timeout(1):
            await transport.publish(events)
        late = await transport.read("late", "c1", count=10, block_ms=0)
        assert [d.event for d in late] == events[2:]

    asyncio.run(scenario())


def test_a_blocked_reader_wakes_when_a_stuck_delivery_becomes_claimable() -> None:
    [event] = stored_events(1)

    async def scenario() -> None:
        transport = InProcessEventTransport(visibility_timeout_ms=100)
        await transport.publish([event])
        await transport.read("projections", "dies", block_ms=0)
        loop = asyncio.get_running_loop()
        started = loop.time()
        [again] = await transport.read("projections", "survivor", block_ms=5_000)
        assert (again.event, again.delivery_count) == (event, 2)
        assert loop.time() - started < 1.0

    asyncio.run(scenario())


def test_a_closed_transport_refuses_to_publish_into_a_full_buffer() -> None:
    async def scenario() -> None:
        transport = InProcessEventTransport(max_buffered=1)
        await transport.read("projections", "c1", block_ms=0)
        await transport.publish(stored_events(1))
        publishing = asyncio.create_task(transport.publish(stored_events(1, start=2)))
        await asyncio.sleep(0.01)
        await transport.close()
        with pytest.raises(RuntimeError, match="closed"):
            await publishing

    asyncio.run(scenario())


def test_a_stored_event_survives_the_wire_format() -> None:
    [event] = stored_events(1)
    assert decode_event(encode_event(event)) == event
    assert decode_event(encode_event(event).encode()) == event
