"""A consumer with a ``pace`` reads nothing while it holds back; what it has not read waits."""

from __future__ import annotations

import asyncio

from aic.backend.adapters.transport import InProcessEventTransport
from aic.backend.application.consumers import ConsumerGroupWorker
from aic.backend.application.ports import StoredEvent
from tests.support.memory_event_store import stored_events


def test_a_paced_consumer_reads_only_once_its_pace_lets_it() -> None:
    events = stored_events(3)

    async def scenario() -> None:
        transport = InProcessEventTransport()
        await transport.read("sagas", "c1", block_ms=0)  # the group exists from here on
        await transport.publish(events)
        handled: list[StoredEvent] = []
        go = asyncio.Event()
        paces = 0

        async def handle(event: StoredEvent) -> None:
            handled.append(event)

        async def pace() -> None:
            nonlocal paces
            paces += 1
            await go.wait()

        worker = ConsumerGroupWorker(transport, "sagas", "c1", handle, block_ms=0, pace=pace)
        reading = asyncio.create_task(worker.run_once())
        await asyncio.sleep(0.05)
        assert (paces, handled, reading.done()) == (1, [], False)
        go.set()
        async with asyncio.timeout(1):
            assert await reading == 3
        assert handled == events

    asyncio.run(scenario())
