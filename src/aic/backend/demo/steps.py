"""What the seed does, as data: commands at a time, tracking appends, links and signal marks."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from aic.backend.application.execution import derived_id
from aic.backend.application.tracking import TrackedEvent
from aic.backend.domain.messages import Command

__all__ = ["Dispatch", "LinkVisitor", "MarkSignal", "Step", "Track", "demo_id"]


def demo_id(*parts: str) -> str:
    """A stable id for a seeded thing: the same on every run, so re-seeding finds it again."""
    return str(derived_id("aic-demo", *parts))


@dataclass(frozen=True, slots=True)
class Dispatch:
    """One command, sent as if at ``at``; ``key`` is its idempotency key, stable across runs."""

    at: datetime
    key: str
    command: Command
    # The engagement loop's own (key, hash) for the same signal, so either may send it first.
    request_hash: str | None = None
    actor: str | None = None  # None: the seed itself; "public" for a lead still arriving


@dataclass(frozen=True, slots=True)
class Track:
    """A batch of one session's behaviour, as the tracking endpoint would have received it."""

    at: datetime  # received at
    events: tuple[TrackedEvent, ...]


@dataclass(frozen=True, slots=True)
class LinkVisitor:
    at: datetime
    visitor_id: str
    lead_id: str


@dataclass(frozen=True, slots=True)
class MarkSignal:
    """A buying signal the seed has dealt with (``handled``) or that has no lead (``ignored``)."""

    at: datetime
    event_id: str
    state: Literal["handled", "ignored"]


Step = Dispatch | Track | LinkVisitor | MarkSignal
