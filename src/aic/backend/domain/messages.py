"""Commands and events: frozen dataclasses; an event's type name is its class name."""

from __future__ import annotations

import dataclasses
from typing import Any, ClassVar

__all__ = ["Command", "DomainEvent", "event_class", "event_types"]

_EVENT_TYPES: dict[str, type[DomainEvent]] = {}


@dataclasses.dataclass(frozen=True, kw_only=True)
class DomainEvent:
    """A business fact, named in the past tense (``LeadCaptured``).

    Fields are JSON-compatible (str, int, float, bool, None, lists, dicts) so an event is its
    own payload. ``schema_version`` goes up when the fields change; an upcaster turns older
    payloads into the current shape when they are read.
    """

    schema_version: ClassVar[int] = 1

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        _EVENT_TYPES[cls.__name__] = cls

    @property
    def type(self) -> str:
        return type(self).__name__

    def to_data(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_data(cls, data: dict[str, Any]) -> DomainEvent:
        names = {f.name for f in dataclasses.fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in names})


@dataclasses.dataclass(frozen=True, kw_only=True)
class Command:
    """An intention, named in the imperative (``CaptureLead``)."""


def event_class(name: str) -> type[DomainEvent]:
    """The event class registered under ``name``; ``KeyError`` if unknown."""
    return _EVENT_TYPES[name]


def event_types() -> dict[str, type[DomainEvent]]:
    return dict(_EVENT_TYPES)
