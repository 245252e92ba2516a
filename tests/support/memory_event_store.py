"""An in-memory ``EventStore`` faithful to the port, until the SQL stores take its place."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime

from aic.backend.application.ports import (
    AppendResult,
    ConcurrencyError,
    EventMetadata,
    NewEvent,
    Snapshot,
    StoredEvent,
)

__all__ = ["MemoryEventStore", "stored_events"]


class MemoryEventStore:
    """Streams with optimistic concurrency, idempotent appends by event id, one global order."""

    def __init__(self) -> None:
        self._all: list[StoredEvent] = []
        self._streams: dict[str, list[StoredEvent]] = {}
        self._results: dict[uuid.UUID, AppendResult] = {}
        self._snapshots: dict[str, Snapshot] = {}
        self._lock = asyncio.Lock()

    async def append(
        self, stream_id: str, events: Sequence[NewEvent], expected_version: int | None
    ) -> AppendResult:
        async with self._lock:
            known = [e.event_id for e in events if e.event_id in self._results]
            if events and len(known) == len(events):
                first = self._results[events[0].event_id]
                return AppendResult(first.stream_id, first.version, first.positions, True)
            if known:
                raise ValueError(f"some event ids are already stored: {known}")
            stream = self._streams.setdefault(stream_id, [])
            if expected_version is not None and expected_version != len(stream):
                raise ConcurrencyError(stream_id, expected_version, len(stream))
            stored = [
                StoredEvent(
                    stream_id=stream_id,
                    version=len(stream) + i,
                    position=len(self._all) + i,
                    event_id=event.event_id,
                    type=event.type,
                    data=dict(event.data),
                    schema_version=event.schema_version,
                    metadata=event.metadata,
                    recorded_at=datetime.now(UTC),
                )
                for i, event in enumerate(events, start=1)
            ]
            stream.extend(stored)
            self._all.extend(stored)
            result = AppendResult(stream_id, len(stream), tuple(e.position for e in stored))
            for event in events:
                self._results[event.event_id] = result
            return result

    async def load(self, stream_id: str, from_version: int = 1) -> list[StoredEvent]:
        return [e for e in self._streams.get(stream_id, []) if e.version >= from_version]

    async def stream_version(self, stream_id: str) -> int:
        return len(self._streams.get(stream_id, []))

    async def read_all(self, after: int = 0, limit: int = 500) -> list[StoredEvent]:
        # Positions here are list indexes + 1, so "after" is a slice start.
        return self._all[after : after + limit]

    async def head_position(self) -> int:
        return len(self._all)

    async def save_snapshot(self, snapshot: Snapshot) -> None:
        self._snapshots[snapshot.stream_id] = snapshot

    async def load_snapshot(self, stream_id: str) -> Snapshot | None:
        return self._snapshots.get(stream_id)

    async def load_with_snapshot(self, stream_id: str) -> tuple[Snapshot | None, list[StoredEvent]]:
        snapshot = self._snapshots.get(stream_id)
        return snapshot, await self.load(stream_id, snapshot.version + 1 if snapshot else 1)

    async def ping(self) -> None:
        return None

    async def close(self) -> None:
        return None


def stored_events(count: int, start: int = 1) -> list[StoredEvent]:
    """Events as a store would hand them out, positions ``start``.. in order."""
    return [
        StoredEvent(
            stream_id=f"lead-{position % 3}",
            version=position,
            position=position,
            event_id=uuid.uuid4(),
            type="LeadCaptured",
            data={"amount": position, "name": "Zoë"},
            schema_version=1,
            metadata=EventMetadata(correlation_id="c-1", actor="public"),
            recorded_at=datetime.now(UTC),
        )
        for position in range(start, start + count)
    ]
