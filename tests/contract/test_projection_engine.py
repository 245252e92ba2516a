"""The projection engine with two consumers of one group applying batches at once."""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from typing import ClassVar

import pytest

from aic.backend.adapters.readmodels.framework import Projection, ProjectionEngine
from aic.backend.application.ports import EventMetadata, EventStore, StoredEvent
from aic.backend.application.serialization import EventCodec
from aic.backend.domain.accounts import AccountRegistered, AccountRoleGranted
from aic.backend.domain.messages import DomainEvent
from aic.storage import SqlDatabase, SqlTransaction

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


class Recording(Projection):
    """Remembers what it applied, in order."""

    name: ClassVar[str] = "recording"
    stream_prefixes: ClassVar[tuple[str, ...]] = ("account-",)
    tables: ClassVar[tuple[str, ...]] = ()

    def __init__(self) -> None:
        self.applied: list[tuple[str, int]] = []

    async def apply(self, tx: SqlTransaction, stored: StoredEvent, event: DomainEvent) -> None:
        self.applied.append((stored.stream_id, stored.version))


async def _append(
    store: EventStore, codec: EventCodec, key: str, versions: int
) -> list[StoredEvent]:
    """Versions 1..``versions`` of ``account-{key}``: registered, then roles granted.

    Read back with ``load``: ``read_all`` on PostgreSQL holds back events newer than any
    transaction still open on the server (someone else's too).
    """
    metadata = EventMetadata(correlation_id=uuid.uuid4().hex, actor="test")
    at = "2026-11-26T00:00:00Z"
    first = AccountRegistered(
        account_id=key, email=f"{key}@example.com", display_name=key, roles=[], occurred_at=at
    )
    granted = [
        AccountRoleGranted(account_id=key, role=f"r{v}", occurred_at=at)
        for v in range(2, versions + 1)
    ]
    events = [first, *granted]
    await store.append(f"account-{key}", [codec.encode(e, metadata) for e in events], 0)
    return await store.load(f"account-{key}")


async def _versions(database: SqlDatabase, name: str) -> dict[str, int]:
    rows = await database.fetch_all(
        "SELECT stream_id, version FROM projection_streams WHERE projection = :p", {"p": name}
    )
    return {str(r["stream_id"]): int(r["version"]) for r in rows}


async def _checkpoint(database: SqlDatabase, name: str) -> int:
    row = await database.fetch_one(
        "SELECT position FROM projection_checkpoints WHERE projection = :p", {"p": name}
    )
    assert row is not None
    return int(row["position"])


async def test_a_batch_of_many_streams_and_redelivered_events_applies_each_event_once(
    stores: tuple[EventStore, SqlDatabase],
) -> None:
    store, database = stores
    codec = EventCodec()
    # Ids whose byte order and a database collation's order can differ (case, punctuation).
    keys = [f"{prefix}{i:02d}" for prefix in ("a", "B", "_", "z-") for i in range(10)]
    everything = [e for key in keys for e in await _append(store, codec, key, 3)]
    first, later = Recording(), Recording()
    early = [e for e in everything if e.version == 1 or e.stream_id.startswith("account-a")]
    assert await ProjectionEngine(database, store, codec, [first]).handle_batch(
        "recording", early
    ) == len(early)
    # Another consumer gets everything, some events twice in the batch itself, out of order.
    redelivered = [*reversed(everything), *everything[::7]]
    engine = ProjectionEngine(database, store, codec, [later])
    applied = await engine.handle_batch("recording", redelivered)
    assert applied == len(everything) - len(early)
    both = first.applied + later.applied
    assert sorted(both) == sorted({(e.stream_id, e.version) for e in everything})
    for stream_id in {e.stream_id for e in everything}:  # each stream in order
        assert [v for s, v in later.applied if s == stream_id] == sorted(
            v for s, v in later.applied if s == stream_id
        )
    assert await _versions(database, "recording") == {f"account-{k}": 3 for k in keys}
    assert await _checkpoint(database, "recording") == max(e.position for e in everything)
    assert await engine.handle_batch("recording", everything) == 0  # all of it again: nothing


async def test_a_gap_in_a_batch_is_healed_from_the_store_in_stream_order(
    stores: tuple[EventStore, SqlDatabase],
) -> None:
    store, database = stores
    codec = EventCodec()
    appended = [*await _append(store, codec, "gappy", 4), *await _append(store, codec, "fresh", 2)]
    stored = {(e.stream_id, e.version): e for e in appended}
    projection = Recording()
    engine = ProjectionEngine(database, store, codec, [projection])
    assert await engine.handle_batch("recording", [stored["account-gappy", 1]]) == 1
    # gappy 2 and 3 never arrive; fresh 1 neither, and its row does not exist yet.
    batch = [stored["account-fresh", 2], stored["account-gappy", 4], stored["account-gappy", 4]]
    assert await engine.handle_batch("recording", batch) == 5
    assert projection.applied == [
        ("account-gappy", 1),
        ("account-gappy", 2),
        ("account-gappy", 3),
        ("account-gappy", 4),
        ("account-fresh", 1),
        ("account-fresh", 2),
    ]
    assert await _versions(database, "recording") == {"account-gappy": 4, "account-fresh": 2}
    assert await _checkpoint(database, "recording") == stored["account-fresh", 2].position


class Refusing(Recording):
    """Fails on one event (a poison event for this projection only)."""

    name: ClassVar[str] = "refusing"

    async def apply(self, tx: SqlTransaction, stored: StoredEvent, event: DomainEvent) -> None:
        if stored.version == 2:
            raise ValueError("cannot apply version 2")
        await super().apply(tx, stored, event)


async def test_one_batch_goes_to_every_projection_and_one_failing_holds_back_only_itself(
    stores: tuple[EventStore, SqlDatabase],
) -> None:
    store, database = stores
    codec = EventCodec()
    events = await _append(store, codec, "shared", 3)
    recording, refusing = Recording(), Refusing()
    engine = ProjectionEngine(database, store, codec, [recording, refusing])
    with pytest.raises(ValueError, match="version 2"):
        await engine.handle_everywhere(events)
    assert recording.applied == [("account-shared", v) for v in (1, 2, 3)]  # committed
    assert await _versions(database, "recording") == {"account-shared": 3}
    assert await _versions(database, "refusing") == {}  # its transaction rolled back whole

    await engine.handle_everywhere(events[:1])  # redelivered one by one: what each can take
    assert recording.applied == [("account-shared", v) for v in (1, 2, 3)]  # nothing twice
    assert await _versions(database, "refusing") == {"account-shared": 1}
