"""Load aggregates from their streams (snapshot + tail) and append what they decided."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Generic, TypeVar

from aic.backend.application.ports import (
    AppendResult,
    EventMetadata,
    EventStore,
    Snapshot,
    StoredEvent,
)
from aic.backend.application.serialization import EventCodec
from aic.backend.domain.aggregate import Aggregate

__all__ = ["AggregateRepository", "LoadedAggregate"]

A = TypeVar("A", bound=Aggregate)


class LoadedAggregate(Generic[A]):
    """An aggregate with the stored events it was rebuilt from (ids let retries be spotted)."""

    def __init__(self, aggregate: A, events: Sequence[StoredEvent]) -> None:
        self.aggregate = aggregate
        self.events = list(events)

    def find_event(self, event_id: uuid.UUID) -> StoredEvent | None:
        return next((e for e in self.events if e.event_id == event_id), None)


class AggregateRepository:
    def __init__(self, store: EventStore, codec: EventCodec, snapshot_every: int = 100) -> None:
        self.store = store
        self.codec = codec
        self.snapshot_every = snapshot_every

    async def load(self, cls: type[A], aggregate_id: str) -> LoadedAggregate[A]:
        """The aggregate as stored (version 0 if the stream does not exist)."""
        stream_id = cls.stream_id_for(aggregate_id)
        start: A | None = None
        # One round trip: the snapshot and the events after it come back together.
        snapshot, stored = await self.store.load_with_snapshot(stream_id)
        if snapshot is not None:
            start = cls.from_snapshot(aggregate_id, snapshot.version, dict(snapshot.state))
        aggregate = cls.from_history(
            aggregate_id, (self.codec.decode(e) for e in stored), start=start
        )
        return LoadedAggregate(aggregate, stored)

    async def save(
        self,
        aggregate: Aggregate,
        metadata: EventMetadata,
        event_ids: Sequence[uuid.UUID] | None = None,
    ) -> AppendResult:
        """Append the aggregate's pending events at the version it was loaded at."""
        expected = aggregate.loaded_version
        pending = aggregate.take_pending()
        ids = list(event_ids or [])
        ids += [uuid.uuid4() for _ in range(len(pending) - len(ids))]
        new = [self.codec.encode(e, metadata, i) for e, i in zip(pending, ids, strict=False)]
        result = await self.store.append(aggregate.stream_id, new, expected)
        state = aggregate.snapshot_state()
        if state is not None and _crossed(expected, result.version, self.snapshot_every):
            await self.store.save_snapshot(Snapshot(aggregate.stream_id, result.version, state))
        return result


def _crossed(before: int, after: int, every: int) -> bool:
    return every > 0 and before // every != after // every
