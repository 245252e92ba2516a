"""The projection engine with two consumers of one group applying batches at once."""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import AsyncIterator
from typing import ClassVar

import pytest

from aic.backend.adapters.eventstore import open_event_store
from aic.backend.adapters.readmodels.framework import Projection, ProjectionEngine
from aic.backend.application.ports import EventMetadata, EventStore, StoredEvent
from aic.backend.application.serialization import EventCodec
from aic.backend.domain.accounts import AccountRegistered, AccountRoleGranted
from aic.backend.domain.messages import DomainEvent
from aic.backend.wiring import MIGRATION_SETS
from aic.storage import SqlDatabase, SqlTransaction, migrate, open_database

pytestmark = pytest.mark.anyio


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


class SlowFirstStep(Projection):
    """Counts applied events; the first event of each batch waits until both batches began
    (or a short while), so that without a lock order the two transactions interleave."""

    name: ClassVar[str] = "slow_first_step"
    stream_prefixes: ClassVar[tuple[str, ...]] = ("account-",)
    tables: ClassVar[tuple[str, ...]] = ()

    def __init__(self) -> None:
        self.started = 0
        self.both_started = asyncio.Event()
        self.applied: list[tuple[str, int]] = []

    async def apply(self, tx: SqlTransaction, stored: StoredEvent, event: DomainEvent) -> None:
        if (stored.stream_id, stored.version) in {("account-a", 1), ("account-b", 2)}:
            self.started += 1
            if self.started == 2:
                self.both_started.set()
            # A timeout: the other batch is waiting on our lock, the right outcome.
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.both_started.wait(), 0.5)
        self.applied.append((stored.stream_id, stored.version))


@pytest.fixture
async def stores(database_url: str) -> AsyncIterator[tuple[EventStore, SqlDatabase]]:
    await migrate(database_url, MIGRATION_SETS)
    store = await open_event_store(database_url)
    database = await open_database(database_url)
    try:
        yield store, database
    finally:
        await database.close()
        await store.close()


async def _two_streams(store: EventStore, codec: EventCodec) -> list[StoredEvent]:
    metadata = EventMetadata(correlation_id=uuid.uuid4().hex, actor="test")
    for key in ("a", "b"):
        registered = AccountRegistered(
            account_id=key,
            email=f"{key}@example.com",
            display_name=key,
            roles=["viewer"],
            occurred_at="2026-11-26T00:00:00Z",
        )
        await store.append(f"account-{key}", [codec.encode(registered, metadata)], 0)
    for key in ("b", "a"):
        granted = AccountRoleGranted(
            account_id=key, role="sales", occurred_at="2026-11-26T00:00:01Z"
        )
        await store.append(f"account-{key}", [codec.encode(granted, metadata)], 1)
    return await store.read_all(after=0, limit=10)


async def test_two_consumers_with_batches_sharing_streams_in_opposite_orders_both_commit(
    stores: tuple[EventStore, SqlDatabase],
) -> None:
    store, database = stores
    codec = EventCodec()
    projection = SlowFirstStep()
    engine = ProjectionEngine(database, store, codec, [projection])
    a1, b1, b2, a2 = await _two_streams(store, codec)
    # One consumer got [a1, b1], the other [b2, a2]: each batch starts on a different stream.
    applied = await asyncio.wait_for(
        asyncio.gather(
            engine.handle_batch(projection.name, [a1, b1]),
            engine.handle_batch(projection.name, [b2, a2]),
        ),
        timeout=20,
    )
    assert sum(applied) == 4
    assert sorted(projection.applied) == [
        ("account-a", 1),
        ("account-a", 2),
        ("account-b", 1),
        ("account-b", 2),
    ]
    for stream_id in ("account-a", "account-b"):
        row = await database.fetch_one(
            "SELECT version FROM projection_streams WHERE projection = :p AND stream_id = :s",
            {"p": projection.name, "s": stream_id},
        )
        assert row is not None
        assert row["version"] == 2
