"""Stored events and dead letters as JSON, the one wire format every transport carries."""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from aic.backend.application.ports import EventMetadata, StoredEvent

__all__ = [
    "DeadLetter",
    "decode_event",
    "decode_event_or_none",
    "encode_event",
    "event_from_dict",
    "event_to_dict",
]


@dataclass(frozen=True, slots=True)
class DeadLetter:
    """A message a group gave up on: delivered too often without an acknowledgement."""

    event: StoredEvent | None  # None: the message was not a readable event at all
    message_id: str  # its id in the main stream
    group: str
    consumer: str  # the consumer whose read found it over the limit
    deliveries: int
    reason: str


def event_to_dict(event: StoredEvent) -> dict[str, Any]:
    return {
        "stream_id": event.stream_id,
        "version": event.version,
        "position": event.position,
        "event_id": str(event.event_id),
        "type": event.type,
        "data": dict(event.data),
        "schema_version": event.schema_version,
        "metadata": event.metadata.to_dict(),
        "recorded_at": event.recorded_at.isoformat(),
    }


def event_from_dict(data: Mapping[str, Any]) -> StoredEvent:
    return StoredEvent(
        stream_id=str(data["stream_id"]),
        version=int(data["version"]),
        position=int(data["position"]),
        event_id=uuid.UUID(str(data["event_id"])),
        type=str(data["type"]),
        data=dict(data["data"]),
        schema_version=int(data["schema_version"]),
        metadata=EventMetadata.from_dict(data.get("metadata") or {}),
        recorded_at=datetime.fromisoformat(str(data["recorded_at"])),
    )


def encode_event(event: StoredEvent) -> str:
    return json.dumps(event_to_dict(event), separators=(",", ":"), ensure_ascii=False)


def decode_event(text: str | bytes) -> StoredEvent:
    loaded = json.loads(text)
    if not isinstance(loaded, dict):
        raise ValueError("a stored event is a JSON object")
    return event_from_dict(loaded)


def decode_event_or_none(text: str | bytes) -> StoredEvent | None:
    """``decode_event``, or None for a payload that is not a stored event (a dead letter)."""
    try:
        return decode_event(text)
    except (ValueError, KeyError, TypeError):
        return None
