"""Domain events to stored events and back, upcasting old schema versions on the way in."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
from typing import Any

from aic.backend.application.ports import EventMetadata, NewEvent, StoredEvent
from aic.backend.domain.messages import DomainEvent, event_class

__all__ = ["EventCodec", "UnknownEventType", "Upcaster"]

Upcaster = Callable[[dict[str, Any]], dict[str, Any]]


class UnknownEventType(LookupError):
    """A stored event whose type no class is registered for (deleted or renamed class)."""


class EventCodec:
    """Turns events into ``NewEvent`` rows and stored rows into current-schema events.

    ``register_upcaster("LeadCaptured", 1, fn)`` makes version-1 payloads readable as
    version 2: upcasters chain until the class's ``schema_version`` is reached, so old events
    never need rewriting.
    """

    def __init__(self) -> None:
        self._upcasters: dict[tuple[str, int], Upcaster] = {}

    def register_upcaster(self, event_type: str, from_version: int, upcaster: Upcaster) -> None:
        self._upcasters[(event_type, from_version)] = upcaster

    def encode(
        self, event: DomainEvent, metadata: EventMetadata, event_id: uuid.UUID | None = None
    ) -> NewEvent:
        return NewEvent(
            type=event.type,
            data=event.to_data(),
            schema_version=type(event).schema_version,
            metadata=metadata,
            event_id=event_id or uuid.uuid4(),
        )

    def upcast(
        self, event_type: str, schema_version: int, data: Mapping[str, Any]
    ) -> dict[str, Any]:
        try:
            target = event_class(event_type).schema_version
        except KeyError as exc:
            raise UnknownEventType(event_type) from exc
        current, version = dict(data), schema_version
        while version < target:
            upcaster = self._upcasters.get((event_type, version))
            if upcaster is None:
                raise LookupError(f"no upcaster for {event_type} v{version} -> v{version + 1}")
            current, version = upcaster(current), version + 1
        return current

    def decode(self, stored: StoredEvent) -> DomainEvent:
        data = self.upcast(stored.type, stored.schema_version, stored.data)
        return event_class(stored.type).from_data(data)
