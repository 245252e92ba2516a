"""The outbox relay and the consumer worker over the in-process transport and fakes."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence

from aic.backend.adapters.transport import InProcessEventTransport
from aic.backend.application.consumers import ConsumerGroupWorker
from aic.backend.application.ports import NewEvent, StoredEvent
from aic.backend.application.relay import OutboxRelay
from tests.support.memory_checkpoints import MemoryCheckpointStore
from tests.support.memory_event_store import MemoryEventStore


class SwitchLease:
    """A lease the test grants and takes away."""

    def __init__(self, held: bool = True) -> None:
        self.held = held
        self.released = False

    async def acquire(self) -> bool:
        return self.held

    async def renew(self) -> bool:
        return self.held

    async def release(self) -> None:
        self.released = True


class CountingTransport(InProcessEventTransport):
    def __init__(self) -> None:
        super().__init__()
        self.published: list[StoredEvent] = []

    async def publish(self, events: Sequence[StoredEvent]) -> None:
        await super().publish(events)
        self.published += events


async def append(store: MemoryEventStore, count: int) -> None:
    for i in range(count):
        await store.append("lead-1", [NewEvent("LeadCaptured", {"amount": i})], None)


def test_a_relay_without_the_lease_publishes_nothing() -> None:
    async def scenario() -> None:
        store, transport = MemoryEventStore(), CountingTransport()
        await append(store, 3)
        relay = OutboxRelay(store, transport, MemoryCheckpointStore(), SwitchLease(held=False))
        assert await relay.run_once() == 0
        assert transport.published == []

    asyncio.run(scenario())


def test_a_relay_publishes_in_store_order_in_batches_and_moves_its_checkpoint() -> None:
    async def scenario() -> None:
        store, transport, checkpoints = (
            MemoryEventStore(),
            CountingTransport(),
            MemoryCheckpointStore(),
        )
        await append(store, 7)
        relay = OutboxRelay(store, transport, checkpoints, SwitchLease(), batch_size=3)
        assert [await relay.run_once() for _ in range(4)] == [3, 3, 1, 0]
        assert transport.published == await store.read_all()
        assert checkpoints.positions == {"outbox": 7}

    asyncio.run(scenario())


def test_a_relay_that_loses_its_lease_stops_publishing_and_gives_it_back_on_stop() -> None:
    async def scenario() -> None:
        store, transport = MemoryEventStore(), CountingTransport()
        lease, stop = SwitchLease(), asyncio.Event()
        relay = OutboxRelay(
            store, transport, MemoryCheckpointStore(), lease, renew_every=0.05, idle_sleep=0.01
        )
        running = asyncio.create_task(relay.run(stop))
        await append(store, 2)
        await until(lambda: len(transport.published) == 2)
        lease.held = False
        await asyncio.sleep(0.1)  # two renewals: the loss is noticed
        await append(store, 2)
        await asyncio.sleep(0.1)
        assert len(transport.published) == 2
        lease.held = True  # free again: it is taken back and the backlog published
        await until(lambda: len(transport.published) == 4)
        stop.set()
        await running
        assert lease.released

    asyncio.run(scenario())


def test_notify_publishes_new_events_without_waiting_for_the_idle_sleep() -> None:
    async def scenario() -> None:
        store, transport, stop = MemoryEventStore(), CountingTransport(), asyncio.Event()
        relay = OutboxRelay(store, transport, MemoryCheckpointStore(), SwitchLease(), idle_sleep=30)
        running = asyncio.create_task(relay.run(stop))
        await asyncio.sleep(0.02)
        await append(store, 1)
        relay.notify()
        await until(lambda: len(transport.published) == 1, seconds=1.0)
        stop.set()
        await running

    asyncio.run(scenario())


def test_a_store_outage_delays_publishing_but_does_not_stop_the_relay() -> None:
    class FlakyStore(MemoryEventStore):
        failures = 2

        async def read_all(self, after: int = 0, limit: int = 500) -> list[StoredEvent]:
            if self.failures:
                self.failures -= 1
                raise ConnectionError("database is restarting")
            return await super().read_all(after, limit)

    async def scenario() -> None:
        store, transport, stop = FlakyStore(), CountingTransport(), asyncio.Event()
        await append(store, 2)
        relay = OutboxRelay(
            store, transport, MemoryCheckpointStore(), SwitchLease(), retry_after=0.01
        )
        running = asyncio.create_task(relay.run(stop))
        await until(lambda: len(transport.published) == 2)
        stop.set()
        await running

    asyncio.run(scenario())


def test_a_failing_handler_leaves_only_its_event_unacknowledged() -> None:
    async def scenario() -> None:
        store = MemoryEventStore()
        await append(store, 3)
        events = await store.read_all()
        transport = InProcessEventTransport(visibility_timeout_ms=50)
        await transport.publish(events)
        handled: list[StoredEvent] = []

        async def handle(event: StoredEvent) -> None:
            if event.version == 2:
                raise ValueError("poison")
            handled.append(event)

        worker = ConsumerGroupWorker(transport, "projections", "c1", handle, block_ms=0)
        assert await worker.run_once() == 2
        assert handled == [events[0], events[2]]
        await asyncio.sleep(0.06)
        [again] = await transport.read("projections", "c2", block_ms=0)
        assert (again.event, again.delivery_count) == (events[1], 2)

    asyncio.run(scenario())


async def until(condition: Callable[[], bool], seconds: float = 2.0) -> None:
    for _ in range(int(seconds / 0.01)):
        if condition():
            return
        await asyncio.sleep(0.01)
    raise AssertionError("timed out")


class RecordingCheckpoints(MemoryCheckpointStore):
    def __init__(self) -> None:
        super().__init__()
        self.saves: list[int] = []

    async def save(self, name: str, position: int) -> None:
        self.saves.append(position)
        await super().save(name, position)


def test_a_busy_relay_stores_its_checkpoint_now_and_then_and_always_once_idle_or_stopped() -> None:
    async def scenario() -> None:
        store, transport, stop = MemoryEventStore(), CountingTransport(), asyncio.Event()
        checkpoints = RecordingCheckpoints()
        await append(store, 10)
        relay = OutboxRelay(
            store, transport, checkpoints, SwitchLease(), batch_size=1, checkpoint_every=30
        )
        running = asyncio.create_task(relay.run(stop))
        await until(lambda: len(transport.published) == 10, seconds=2.0)
        await until(lambda: checkpoints.positions.get("outbox") == 10, seconds=2.0)
        # Ten batches of one: the first one's (nothing stored yet), then the idle one.
        assert checkpoints.saves == [1, 10]
        await append(store, 2)
        relay.notify()
        await until(lambda: len(transport.published) == 12, seconds=2.0)
        await until(lambda: checkpoints.saves[-1] == 12, seconds=2.0)
        stop.set()
        await running
        assert checkpoints.saves == [1, 10, 12]  # nothing left to store at the stop

    asyncio.run(scenario())
