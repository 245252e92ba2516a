"""Commands and events: frozen dataclasses; an event's type name is its class name."""

from __future__ import annotations

import copy
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
        # What dataclasses.asdict gives, without its generic recursion (every event is
        # encoded on its way to the store: this is on every command's path).
        return {name: _plain(getattr(self, name)) for name in _field_names(type(self))}

    @classmethod
    def from_data(cls, data: dict[str, Any]) -> DomainEvent:
        names = {f.name for f in dataclasses.fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in names})


@dataclasses.dataclass(frozen=True, kw_only=True)
class Command:
    """An intention, named in the imperative (``CaptureLead``)."""


_SCALARS = frozenset({str, int, float, bool, type(None)})


_FIELD_NAMES: dict[type[DomainEvent], tuple[str, ...]] = {}


def _field_names(cls: type[DomainEvent]) -> tuple[str, ...]:
    names = _FIELD_NAMES.get(cls)
    if names is None:
        names = _FIELD_NAMES[cls] = tuple(field.name for field in dataclasses.fields(cls))
    return names


def _plain(value: Any) -> Any:
    """A copy of ``value`` as ``dataclasses.asdict`` makes it (containers copied deeply)."""
    kind = type(value)
    if kind in _SCALARS:
        return value
    if kind is dict:
        return {_plain(k): _plain(v) for k, v in value.items()}
    if kind is list or kind is tuple:
        return kind(_plain(item) for item in value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return dataclasses.asdict(value)
    return copy.deepcopy(value)


def event_class(name: str) -> type[DomainEvent]:
    """The event class registered under ``name``; ``KeyError`` if unknown."""
    return _EVENT_TYPES[name]


def event_types() -> dict[str, type[DomainEvent]]:
    return dict(_EVENT_TYPES)
