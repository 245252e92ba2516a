"""A fake event store whose global order is the commit order, not the position order."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from aic.backend.application.ports import EventMetadata, StoredEvent

__all__ = ["CommitOrderStore", "event"]


def event(
    position: int,
    stream_id: str = "lead-1",
    type: str = "LeadCaptured",
    data: dict[str, Any] | None = None,
) -> StoredEvent:
    return StoredEvent(
        stream_id=stream_id,
        version=1,
        position=position,
        event_id=uuid.uuid4(),
        type=type,
        data=data if data is not None else {"lead_id": stream_id},
        schema_version=1,
        metadata=EventMetadata(),
        recorded_at=datetime.now(UTC),
    )


class CommitOrderStore:
    """As on PostgreSQL: positions are taken at insert, the order is that of commits, and
    ``read_all(after=p)`` finds ``p`` by identity (a made-up position is a ``ValueError``)."""

    def __init__(self) -> None:
        self.order: list[StoredEvent] = []
        self.reads = 0

    def commit(self, *positions: int, **options: Any) -> list[StoredEvent]:
        events = [event(position, **options) for position in positions]
        self.order.extend(events)
        return events

    async def read_all(self, after: int = 0, limit: int = 500) -> list[StoredEvent]:
        self.reads += 1
        start = 0
        if after:
            found = [i for i, e in enumerate(self.order) if e.position == after]
            if not found:
                raise ValueError(f"no event at position {after}")
            start = found[0] + 1
        return self.order[start : start + limit]

    async def head_position(self) -> int:
        return self.order[-1].position if self.order else 0
