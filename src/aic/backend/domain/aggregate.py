"""Event-sourced aggregate base: state is rebuilt by applying past events in order."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterable
from typing import Any, ClassVar, Self

from aic.backend.domain.messages import DomainEvent

__all__ = ["Aggregate"]


class Aggregate(ABC):
    """Domain methods check invariants and call ``_record``; ``_apply`` changes state.

    Subclasses implement ``_apply(event)`` (usually a ``match`` on the event type), and
    ``snapshot_state``/``from_snapshot`` when their streams grow long.
    """

    stream_prefix: ClassVar[str]

    def __init__(self, aggregate_id: str) -> None:
        self.id = aggregate_id
        self.version = 0  # how many events of this stream have been applied
        self.pending: list[DomainEvent] = []

    @classmethod
    def stream_id_for(cls, aggregate_id: str) -> str:
        return f"{cls.stream_prefix}-{aggregate_id}"

    @property
    def stream_id(self) -> str:
        return self.stream_id_for(self.id)

    @classmethod
    def from_history(
        cls, aggregate_id: str, events: Iterable[DomainEvent], *, start: Self | None = None
    ) -> Self:
        aggregate = start if start is not None else cls(aggregate_id)
        for event in events:
            aggregate._apply(event)
            aggregate.version += 1
        return aggregate

    def _record(self, event: DomainEvent) -> None:
        self._apply(event)
        self.version += 1
        self.pending.append(event)

    @abstractmethod
    def _apply(self, event: DomainEvent) -> None:
        """Change state by one event; never fails (the event already happened)."""

    def take_pending(self) -> list[DomainEvent]:
        """The events recorded since loading; the caller appends them at ``version``."""
        events, self.pending = self.pending, []
        return events

    @property
    def loaded_version(self) -> int:
        """The stream version the aggregate was loaded at: the expected version to append."""
        return self.version - len(self.pending)

    def snapshot_state(self) -> dict[str, Any] | None:
        """JSON state for a snapshot, or ``None`` if this aggregate takes none."""
        return None

    @classmethod
    def from_snapshot(cls, aggregate_id: str, version: int, state: dict[str, Any]) -> Self:
        raise TypeError(f"{cls.__name__} takes no snapshots")
