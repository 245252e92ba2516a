"""The realtime hub: live fan-out, resume without loss or duplicates, slow subscribers."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import pytest

from aic.backend.application.ports import StoredEvent
from aic.backend.application.realtime import (
    HubUnavailable,
    RealtimeHub,
    Subscription,
    SubscriptionClosed,
    TooManySubscribers,
    UnknownPosition,
)
from tests.unit.realtime.commit_order_store import CommitOrderStore

T = TypeVar("T")
NEVER = 3600.0  # a poll interval no test waits for: only notify() makes the hub read


def run(test: Callable[[], Awaitable[T]]) -> T:
    return asyncio.run(asyncio.wait_for(test(), 10))


async def take(subscription: Subscription, count: int) -> list[int]:
    """The positions of the next ``count`` events (bounded by the test's timeout)."""
    positions: list[int] = []
    while len(positions) < count:
        positions += [e.position for e in await subscription.next_batch()]
    return positions


async def nothing_more(subscription: Subscription, hub: RealtimeHub) -> bool:
    """True if the subscription has nothing waiting once the hub has read the store."""
    hub.notify()
    for _ in range(5):
        await asyncio.sleep(0)
    pending = asyncio.ensure_future(subscription.next_batch())
    await asyncio.sleep(0.05)
    empty = not pending.done()
    pending.cancel()
    return empty


def hub_for(store: CommitOrderStore, **options: Any) -> RealtimeHub:
    return RealtimeHub(store, poll_seconds=NEVER, **options)


def test_a_subscriber_receives_events_committed_after_it_subscribed_in_order() -> None:
    async def scenario() -> list[int]:
        store = CommitOrderStore()
        store.commit(1, 2)
        hub = hub_for(store)
        async with hub.subscribe(label="test") as subscription:
            store.commit(3, 5, 4)  # commit order, not position order
            hub.notify()
            received = await take(subscription, 3)
        await hub.aclose()
        return received

    assert run(scenario) == [3, 5, 4]


def test_every_subscriber_receives_every_event_from_one_store_read() -> None:
    async def scenario() -> tuple[list[list[int]], int]:
        store = CommitOrderStore()
        hub = hub_for(store)
        async with hub.subscribe(label="a") as a, hub.subscribe(label="b") as b:
            reads = store.reads
            store.commit(1, 2, 3)
            hub.notify()
            received = [await take(a, 3), await take(b, 3)]
            reads = store.reads - reads
        await hub.aclose()
        return received, reads

    received, reads = run(scenario)
    assert received == [[1, 2, 3], [1, 2, 3]]
    assert reads <= 3  # one read found the batch; the others found nothing new


def test_resume_replays_what_came_after_the_position_then_continues_live() -> None:
    async def scenario() -> list[int]:
        store = CommitOrderStore()
        store.commit(1, 2, 3, 4)
        hub = hub_for(store)
        async with hub.subscribe(label="warm-up"):
            pass  # the hub has read the head (4)
        async with hub.subscribe(label="test", after=2) as subscription:
            first = await take(subscription, 2)
            store.commit(5)
            hub.notify()
            received = first + await take(subscription, 1)
            assert await nothing_more(subscription, hub)
        await hub.aclose()
        return received

    assert run(scenario) == [3, 4, 5]


def test_events_committed_during_the_replay_are_delivered_once() -> None:
    async def scenario() -> list[int]:
        store = CommitOrderStore()
        store.commit(*range(1, 11))
        hub = hub_for(store, page_size=3)
        async with hub.subscribe(label="warm-up"):
            pass
        async with hub.subscribe(label="test", after=1) as subscription:
            received = [e.position for e in await subscription.next_batch()]  # 2, 3, 4
            store.commit(11, 12)
            hub.notify()
            await asyncio.sleep(0.01)  # the hub queues them while the replay goes on
            received += await take(subscription, 12 - len(received) - 1)
            assert await nothing_more(subscription, hub)
        await hub.aclose()
        return received

    assert run(scenario) == list(range(2, 13))


def test_a_resume_ahead_of_the_hub_skips_what_the_hub_brings_late() -> None:
    # Another replica's hub gave the client position 7; this hub has read only up to 5.
    async def scenario() -> list[int]:
        store = CommitOrderStore()
        store.commit(1, 2, 3, 4, 5)
        hub = hub_for(store)
        async with hub.subscribe(label="warm-up"):
            pass
        store.commit(6, 7, 8)  # not read by the hub yet: nobody notified it
        async with hub.subscribe(label="test", after=7) as subscription:
            received = await take(subscription, 1)  # 8, from the store
            hub.notify()  # now the hub brings 6, 7, 8 ...
            store.commit(9)
            hub.notify()
            received += await take(subscription, 1)  # ... and only 9 is new
            assert await nothing_more(subscription, hub)
        await hub.aclose()
        return received

    assert run(scenario) == [8, 9]


def test_a_resume_at_the_hubs_own_position_is_all_live() -> None:
    async def scenario() -> list[int]:
        store = CommitOrderStore()
        store.commit(1, 2)
        hub = hub_for(store)
        async with hub.subscribe(label="warm-up"):
            pass
        async with hub.subscribe(label="test", after=2) as subscription:
            store.commit(3)
            hub.notify()
            received = await take(subscription, 1)
        await hub.aclose()
        return received

    assert run(scenario) == [3]


def test_a_resume_from_zero_replays_everything() -> None:
    async def scenario() -> list[int]:
        store = CommitOrderStore()
        store.commit(2, 1, 3)
        hub = hub_for(store, page_size=2)
        async with hub.subscribe(label="test", after=0) as subscription:
            received = await take(subscription, 3)
            assert await nothing_more(subscription, hub)
        await hub.aclose()
        return received

    assert run(scenario) == [2, 1, 3]


def test_a_position_no_event_has_is_refused() -> None:
    async def scenario() -> None:
        store = CommitOrderStore()
        store.commit(1)
        hub = hub_for(store)
        async with hub.subscribe(label="test", after=99) as subscription:
            await subscription.next_batch()

    with pytest.raises(UnknownPosition):
        run(scenario)


def test_a_slow_subscriber_is_dropped_while_a_fast_one_keeps_receiving() -> None:
    async def scenario() -> tuple[list[int], str | None, int]:
        store = CommitOrderStore()
        hub = hub_for(store, capacity=3)
        async with hub.subscribe(label="slow") as slow, hub.subscribe(label="fast") as fast:
            received: list[int] = []
            for position in range(1, 8):
                store.commit(position)
                hub.notify()
                received += await take(fast, 1)  # the fast one keeps up; the slow one never reads
            with pytest.raises(SubscriptionClosed) as closed:
                await slow.next_batch()
            assert closed.value.reason == "slow"
            count = hub.subscriber_count
        await hub.aclose()
        return received, slow.close_reason, count

    received, reason, count = run(scenario)
    assert received == [1, 2, 3, 4, 5, 6, 7]
    assert reason == "slow"
    assert count == 1


def test_closing_the_hub_closes_every_subscription() -> None:
    async def scenario() -> str:
        hub = hub_for(CommitOrderStore())
        async with hub.subscribe(label="test") as subscription:
            await hub.aclose()
            return await subscription.closed()

    assert run(scenario) == "shutdown"


def test_a_closed_hub_takes_no_subscriber() -> None:
    async def scenario() -> None:
        hub = hub_for(CommitOrderStore())
        await hub.aclose()
        async with hub.subscribe(label="test"):
            pass

    with pytest.raises(HubUnavailable):
        run(scenario)


def test_the_hub_takes_no_more_than_its_limit_of_subscribers() -> None:
    async def scenario() -> None:
        hub = hub_for(CommitOrderStore(), max_subscribers=1)
        async with hub.subscribe(label="a"), hub.subscribe(label="b"):
            pass

    with pytest.raises(TooManySubscribers):
        run(scenario)


class FailingOnce(CommitOrderStore):
    def __init__(self) -> None:
        super().__init__()
        self.failures = 1

    async def read_all(self, after: int = 0, limit: int = 500) -> list[StoredEvent]:
        if self.failures and self.order:
            self.failures -= 1
            raise ConnectionError("the database went away")
        return await super().read_all(after, limit)


def test_a_store_outage_delays_events_but_loses_none() -> None:
    async def scenario() -> list[int]:
        store = FailingOnce()
        hub = RealtimeHub(store, poll_seconds=NEVER, retry_seconds=0.01)
        async with hub.subscribe(label="test") as subscription:
            store.commit(1, 2)
            hub.notify()
            received = await take(subscription, 2)
        await hub.aclose()
        return received

    assert run(scenario) == [1, 2]


class Counting:
    def __init__(self) -> None:
        self.calls: list[tuple[str, Any]] = []

    def subscribed(self, label: str, delta: int) -> None:
        self.calls.append(("subscribed", (label, delta)))

    def dropped(self, label: str, reason: str) -> None:
        self.calls.append(("dropped", (label, reason)))

    def delivered(self, label: str, count: int) -> None:
        self.calls.append(("delivered", (label, count)))

    def dispatched(self, events: Any) -> None:
        self.calls.append(("dispatched", len(events)))


def test_the_observer_counts_subscribers_dispatches_and_drops() -> None:
    async def scenario() -> list[tuple[str, Any]]:
        store, observer = CommitOrderStore(), Counting()
        hub = RealtimeHub(store, poll_seconds=NEVER, capacity=1, observer=observer)
        async with hub.subscribe(label="ws") as subscription:
            store.commit(1)
            hub.notify()
            hub.record_delivered(subscription, len(await subscription.next_batch()))
            store.commit(2)
            hub.notify()
            await asyncio.sleep(0.01)
            store.commit(3)
            hub.notify()
            await subscription.closed()
        await hub.aclose()
        return observer.calls

    calls = run(scenario)
    assert calls[0] == ("subscribed", ("ws", 1))
    assert ("delivered", ("ws", 1)) in calls
    assert ("dropped", ("ws", "slow")) in calls
    assert calls.count(("subscribed", ("ws", -1))) == 1
    assert sum(n for kind, n in calls if kind == "dispatched") == 3
