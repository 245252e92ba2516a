"""The backend's ports: what the application needs from storage and transport, as Protocols."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

__all__ = [
    "AppendResult",
    "CheckpointStore",
    "ConcurrencyError",
    "Delivery",
    "EventMetadata",
    "EventStore",
    "EventTransport",
    "Lease",
    "NewEvent",
    "Snapshot",
    "StoredEvent",
]


@dataclass(frozen=True, slots=True)
class EventMetadata:
    """Who and what caused an event: kept with every event."""

    correlation_id: str | None = None
    causation_id: str | None = None  # the id of the command or event that caused this one
    actor: str | None = None  # account id, "public", "system:<saga>" ...
    # A command sent with an Idempotency-Key: the key and a hash of the request, so a retry
    # is recognised (and a reuse with another body refused) from the events themselves.
    idempotency_key: str | None = None
    request_hash: str | None = None

    def to_dict(self) -> dict[str, str | None]:
        """JSON form; adapters store exactly this and read it back with ``from_dict``."""
        return {
            "correlation_id": self.correlation_id,
            "causation_id": self.causation_id,
            "actor": self.actor,
            "idempotency_key": self.idempotency_key,
            "request_hash": self.request_hash,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> EventMetadata:
        return cls(
            correlation_id=data.get("correlation_id"),
            causation_id=data.get("causation_id"),
            actor=data.get("actor"),
            idempotency_key=data.get("idempotency_key"),
            request_hash=data.get("request_hash"),
        )


@dataclass(frozen=True, slots=True)
class NewEvent:
    """An event to append: its id makes the append idempotent."""

    type: str
    data: Mapping[str, Any]
    schema_version: int = 1
    metadata: EventMetadata = field(default_factory=EventMetadata)
    event_id: uuid.UUID = field(default_factory=uuid.uuid4)


@dataclass(frozen=True, slots=True)
class StoredEvent:
    stream_id: str
    version: int  # 1-based position within its stream
    position: int  # global position: unique, increasing in insertion order
    event_id: uuid.UUID
    type: str
    data: Mapping[str, Any]
    schema_version: int
    metadata: EventMetadata
    recorded_at: datetime


@dataclass(frozen=True, slots=True)
class AppendResult:
    stream_id: str
    version: int  # the stream's version after the append
    positions: tuple[int, ...]  # global positions of the appended events
    duplicate: bool = False  # True: these event ids were already stored; nothing was written


@dataclass(frozen=True, slots=True)
class Snapshot:
    stream_id: str
    version: int
    state: Mapping[str, Any]
    schema_version: int = 1


class ConcurrencyError(Exception):
    """The stream is not at the expected version: someone else appended first."""

    def __init__(self, stream_id: str, expected_version: int, current_version: int) -> None:
        super().__init__(
            f"stream {stream_id} is at version {current_version}, expected {expected_version}"
        )
        self.stream_id = stream_id
        self.expected_version = expected_version
        self.current_version = current_version


class EventStore(Protocol):
    """Append-only streams of events plus one global order; also the outbox.

    ``expected_version``: ``None`` appends whatever the version; ``0`` requires a new stream;
    ``n`` requires the stream to be at version ``n``. Appending event ids that are already
    stored (a retry) returns the original result with ``duplicate=True`` and writes nothing.

    ``read_all(after)`` returns events in the global order after the event at position
    ``after`` (0: from the start). It never returns an event while an earlier one in that
    order may still be committing, so a reader that resumes from the last position it saw
    never skips an event. Positions are unique but, on PostgreSQL, the global order is the
    commit order, so consumers deduplicate by ``event_id`` (or stream version), never by
    comparing positions.
    """

    async def append(
        self, stream_id: str, events: Sequence[NewEvent], expected_version: int | None
    ) -> AppendResult: ...

    async def load(self, stream_id: str, from_version: int = 1) -> list[StoredEvent]: ...

    async def stream_version(self, stream_id: str) -> int: ...

    async def read_all(self, after: int = 0, limit: int = 500) -> list[StoredEvent]: ...

    async def head_position(self) -> int: ...

    async def save_snapshot(self, snapshot: Snapshot) -> None: ...

    async def load_snapshot(self, stream_id: str) -> Snapshot | None: ...

    async def load_with_snapshot(self, stream_id: str) -> tuple[Snapshot | None, list[StoredEvent]]:
        """The latest snapshot (``None`` if none) and the events after its version (all of
        them without one), in version order, read together in one round trip: what
        ``load_snapshot`` then ``load(stream_id, snapshot.version + 1)`` would return."""
        ...

    async def ping(self) -> None: ...

    async def close(self) -> None: ...


@dataclass(frozen=True, slots=True)
class Delivery:
    """One event handed to one consumer of a group; acknowledge it once its effect is stored."""

    event: StoredEvent
    message_id: str  # the transport's id of this message (a Redis stream entry id)
    delivery_count: int  # 1 on first delivery; more when reclaimed from a stuck consumer


class EventTransport(Protocol):
    """Carries stored events from the outbox relay to consumer groups (at least once).

    Every group receives every published event; within a group, each event goes to one
    consumer. An unacknowledged delivery is handed again to another consumer after a while;
    after too many deliveries it goes to a dead-letter stream instead.
    """

    async def publish(self, events: Sequence[StoredEvent]) -> None: ...

    async def read(
        self, group: str, consumer: str, *, count: int = 100, block_ms: int = 1000
    ) -> list[Delivery]: ...

    async def ack(self, group: str, deliveries: Sequence[Delivery]) -> None: ...

    async def delivered(self) -> None:
        """Return once what was published is safe from a crash of this process.

        Redis Streams keep messages until acknowledged: at once. The in-process bus loses
        them with the process, so it returns once every expected group has acknowledged
        everything: the relay moves its checkpoint only then.
        """
        ...

    async def ping(self) -> None: ...

    async def close(self) -> None: ...


class CheckpointStore(Protocol):
    """How far a named reader (the relay, a projection) has got in the global order."""

    async def load(self, name: str) -> int: ...

    async def save(self, name: str, position: int) -> None: ...


class Lease(Protocol):
    """Work that must run once across replicas (the relay, the saga timer) holds a lease.

    ``acquire`` tries once and says whether this holder has it; ``renew`` keeps it (False:
    lost, stop working); a holder that dies loses it after its time-to-live.
    """

    async def acquire(self) -> bool: ...

    async def renew(self) -> bool: ...

    async def release(self) -> None: ...
