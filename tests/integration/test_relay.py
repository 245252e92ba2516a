"""The outbox relay over Redis Streams: crashes, dead consumers and lease handover lose nothing."""

from __future__ import annotations

import asyncio
import inspect
import subprocess
import sys
import time
import uuid
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from pathlib import Path
from typing import Any

import psycopg
import pytest
import redis.asyncio as aioredis
from psycopg import sql

from aic.backend.adapters import eventstore
from aic.backend.adapters.leases import FileLease, RedisLease
from aic.backend.adapters.transport import RedisStreamsEventTransport
from aic.backend.application.consumers import ConsumerGroupWorker
from aic.backend.application.ports import EventStore, Lease, NewEvent, StoredEvent
from aic.backend.application.relay import OutboxRelay
from aic.storage import migrate
from tests.support.ledger import Ledger
from tests.support.memory_checkpoints import MemoryCheckpointStore
from tests.support.memory_event_store import MemoryEventStore

pytestmark = pytest.mark.redis

ROOT = Path(__file__).resolve().parents[2]
StoreFactory = Callable[[], AbstractAsyncContextManager[EventStore]]
TransportFactory = Callable[..., RedisStreamsEventTransport]


@pytest.fixture(params=["memory", "sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def open_event_store(request: pytest.FixtureRequest, tmp_path: Path) -> StoreFactory:
    """A fresh store per test: the in-memory double, a SQLite file, a PostgreSQL schema."""
    if request.param == "memory":
        url = None
    elif request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'events.db'}"
    else:
        server: str = request.getfixturevalue("postgres_url")
        schema = f"relay_{uuid.uuid4().hex[:10]}"
        with psycopg.connect(server, autocommit=True) as admin:
            admin.execute(sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(schema)))
        url = f"{server}{'&' if '?' in server else '?'}options=-csearch_path%3D{schema}"

    @asynccontextmanager
    async def opened() -> AsyncIterator[EventStore]:
        store: EventStore
        if url is None:
            store = MemoryEventStore()
        else:
            await migrate(url, [eventstore.EVENT_STORE_MIGRATIONS])
            store = await eventstore.open_event_store(url)
        try:
            yield store
        finally:
            await store.close()

    return opened


@pytest.fixture
def stream_prefix(redis_prefix: str) -> str:
    return f"{redis_prefix}{uuid.uuid4().hex[:8]}:"


@pytest.fixture
def make_transport(redis_url: str, stream_prefix: str) -> TransportFactory:
    return lambda **options: RedisStreamsEventTransport.from_url(
        redis_url, prefix=stream_prefix, **options
    )


async def append_amounts(store: EventStore, amounts: Sequence[int]) -> None:
    for amount in amounts:
        event = NewEvent(type="AmountAdded", data={"amount": amount})
        await store.append(f"account-{amount % 4}", [event], expected_version=None)


async def consume_until_applied(
    transport: RedisStreamsEventTransport, ledger: Ledger, expected: int, consumer: str = "c1"
) -> None:
    async def handle(event: StoredEvent) -> None:
        ledger.apply(event, consumer)

    worker = ConsumerGroupWorker(transport, "projections", consumer, handle, block_ms=100)
    for _ in range(100):
        await worker.run_once()
        if len(ledger.applied()) == expected and not await pending(transport):
            return
    raise AssertionError(f"applied {len(ledger.applied())} of {expected}")


async def pending(transport: RedisStreamsEventTransport) -> int:
    summary: Any = await transport._redis.xpending(transport.key, "projections")
    return int(summary["pending"])


class CrashOnSave(MemoryCheckpointStore):
    """The process dies after publishing and before its checkpoint is stored."""

    async def save(self, name: str, position: int) -> None:
        raise ConnectionAbortedError("crashed before the checkpoint")


def test_a_crash_between_publish_and_checkpoint_publishes_again_and_is_applied_once(
    open_event_store: StoreFactory, make_transport: TransportFactory, tmp_path: Path
) -> None:
    ledger = Ledger(tmp_path / "ledger.db")

    async def scenario() -> None:
        async with open_event_store() as store:
            transport = make_transport()
            checkpoints = MemoryCheckpointStore()
            try:
                await append_amounts(store, range(1, 6))
                # On PostgreSQL a reader sees events once no older transaction anywhere on
                # the (shared) server is still open: wait until all five are readable.
                for _ in range(500):
                    if len(await store.read_all()) == 5:
                        break
                    await asyncio.sleep(0.02)
                lease = FileLease(tmp_path / "outbox.lease")
                crashing = OutboxRelay(store, transport, CrashOnSave(), lease)
                with pytest.raises(ConnectionAbortedError):
                    await crashing.run_once()
                restarted = OutboxRelay(store, transport, checkpoints, lease)
                assert await restarted.run_once() == 5
                assert await restarted.run_once() == 0
                assert checkpoints.positions["outbox"] == await store.head_position()
                await consume_until_applied(transport, ledger, expected=5)
                await lease.release()
            finally:
                await transport.close()

    asyncio.run(scenario())
    assert len(ledger.handled()) == 10  # every event arrived twice ...
    assert ledger.total() == 15  # ... and counted once


def test_a_consumer_killed_mid_batch_has_its_events_reclaimed_and_applied_once(
    make_transport: TransportFactory,
    redis_url: str,
    stream_prefix: str,
    tmp_path: Path,
) -> None:
    ledger = Ledger(tmp_path / "ledger.db")

    async def publish() -> None:
        store, transport = MemoryEventStore(), make_transport()  # the store plays no part here
        try:
            await append_amounts(store, range(1, 21))
            relay = OutboxRelay(store, transport, MemoryCheckpointStore(), _Held())
            assert await relay.run_once() == 20
        finally:
            await transport.close()

    asyncio.run(publish())
    doomed = subprocess.run(
        [
            *(sys.executable, "-m", "tests.support.consumer_proc", redis_url, stream_prefix),
            *("projections", "doomed", str(ledger.path), "4"),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert doomed.returncode == 3, doomed.stdout + doomed.stderr

    async def survive() -> None:
        transport = make_transport(claim_idle_ms=300)
        try:
            assert await pending(transport) == 10  # the batch the doomed consumer held
            await consume_until_applied(transport, ledger, expected=20, consumer="survivor")
        finally:
            await transport.close()

    asyncio.run(survive())
    by_consumer = [consumer for _, consumer in ledger.handled()]
    assert by_consumer.count("doomed") == 4
    assert by_consumer.count("survivor") == 20 - 4 + 4  # its own, the 6 unhandled, 4 again
    assert ledger.total() == sum(range(1, 21))


class _Held:
    """A lease nobody else wants."""

    async def acquire(self) -> bool:
        return True

    async def renew(self) -> bool:
        return True

    async def release(self) -> None:
        return None


class KillableLease:
    """Wraps a lease; ``kill()`` makes it fail like a process that lost its connection."""

    def __init__(self, inner: Lease) -> None:
        self._inner = inner
        self.dead = False

    async def acquire(self) -> bool:
        self._check()
        return await self._inner.acquire()

    async def renew(self) -> bool:
        self._check()
        return await self._inner.renew()

    async def release(self) -> None:
        self._check()
        await self._inner.release()

    def _check(self) -> None:
        if self.dead:
            raise ConnectionError("this holder is dead")


class RecordingTransport:
    """Records who published what and when; ``freeze_after_next`` stalls after publishing."""

    def __init__(
        self, inner: RedisStreamsEventTransport, name: str, log: list[tuple[str, float, Any]]
    ) -> None:
        self._inner, self._name, self._log = inner, name, log
        self.freeze_after_next: Callable[[], None] | None = None

    async def publish(self, events: Sequence[StoredEvent]) -> None:
        await self._inner.publish(events)
        self._log.append((self._name, time.monotonic(), [e.event_id for e in events]))
        if self.freeze_after_next is not None:
            self.freeze_after_next()
            await asyncio.Event().wait()  # dead before the checkpoint: never returns

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)


async def wait_for(condition: Callable[[], Any], seconds: float = 5.0) -> float:
    """Poll until ``condition()`` (or what it awaits to) is true; the time it became so."""
    for _ in range(int(seconds / 0.02)):
        result = condition()
        if await result if inspect.isawaitable(result) else result:
            return time.monotonic()
        await asyncio.sleep(0.02)
    raise AssertionError("timed out")


def test_only_the_lease_holder_publishes_and_the_other_relay_takes_over_when_it_dies(
    open_event_store: StoreFactory,
    make_transport: TransportFactory,
    redis_url: str,
    stream_prefix: str,
    tmp_path: Path,
) -> None:
    ttl_ms, renew_every = 500, 0.1
    ledger = Ledger(tmp_path / "ledger.db")
    log: list[tuple[str, float, Any]] = []

    async def scenario() -> None:
        client = aioredis.Redis.from_url(redis_url, decode_responses=True)
        transport = make_transport()
        checkpoints = MemoryCheckpointStore()
        stop = asyncio.Event()
        async with open_event_store() as store:
            leases = {
                name: KillableLease(
                    RedisLease(client, "outbox", ttl_ms=ttl_ms, prefix=stream_prefix)
                )
                for name in "ab"
            }
            outputs = {name: RecordingTransport(transport, name, log) for name in "ab"}
            relays = {
                name: OutboxRelay(
                    store,
                    outputs[name],
                    checkpoints,
                    leases[name],
                    renew_every=renew_every,
                    idle_sleep=0.02,
                )
                for name in "ab"
            }

            async def caught_up() -> bool:
                return checkpoints.positions.get("outbox") == await store.head_position()

            task_a = asyncio.create_task(relays["a"].run(stop))
            lease_key = f"{stream_prefix}lease:outbox"
            await wait_for(lambda: client.exists(lease_key))  # a holds it: b starts second
            task_b = asyncio.create_task(relays["b"].run(stop))
            try:
                await append_amounts(store, range(1, 31))
                await wait_for(caught_up)
                assert {name for name, _, _ in log} == {"a"}

                outputs["a"].freeze_after_next = lambda: setattr(leases["a"], "dead", True)
                await append_amounts(store, range(31, 41))
                killed = await wait_for(lambda: leases["a"].dead)
                taken_over = await wait_for(lambda: any(name == "b" for name, _, _ in log))
                assert taken_over - killed < ttl_ms / 1000 + 2 * renew_every + 0.3
                await append_amounts(store, range(41, 51))
                await wait_for(caught_up)
                await consume_until_applied(transport, ledger, expected=50)
            finally:
                stop.set()
                task_a.cancel()
                await asyncio.gather(task_a, task_b, return_exceptions=True)
                await transport.close()
                await client.aclose()

    asyncio.run(scenario())
    published_by = {name: [i for n, _, ids in log if n == name for i in ids] for name in "ab"}
    last_of_a = max(t for n, t, _ in log if n == "a")
    assert all(t > last_of_a for n, t, _ in log if n == "b")  # never both at once
    for ids in published_by.values():
        assert len(ids) == len(set(ids))  # no holder published an event twice
    again = set(published_by["a"]) & set(published_by["b"])
    last_batch_of_a = [ids for n, _, ids in log if n == "a"][-1]
    assert again == set(last_batch_of_a)  # only what the dead holder never checkpointed
    assert len(ledger.applied()) == 50
    assert ledger.total() == sum(range(1, 51))
