"""An in-memory ``TrackingStore`` with the SQL store's rules, for tests that seed the demo."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

from aic.backend.application.tracking import (
    EngagementFeatures,
    PendingSignal,
    TrackedEvent,
    significant_signal,
)

__all__ = ["MemoryTrackingStore"]


class MemoryTrackingStore:
    def __init__(self) -> None:
        self.events: dict[str, TrackedEvent] = {}  # insertion order is the store's position
        self.received: dict[str, str] = {}
        self.signal_state: dict[str, str] = {}
        self.links: dict[str, set[str]] = {}  # visitor id -> lead ids

    async def append(self, events: Sequence[TrackedEvent], received_at: str) -> int:
        stored = 0
        for event in events:
            if event.event_id in self.events:
                continue
            self.events[event.event_id] = event
            self.received[event.event_id] = received_at
            if significant_signal(event):
                self.signal_state[event.event_id] = "pending"
            stored += 1
        return stored

    async def link_visitor(self, visitor_id: str, lead_id: str, linked_at: str) -> None:
        self.links.setdefault(visitor_id, set()).add(lead_id)
        for event_id, state in self.signal_state.items():
            event = self.events[event_id]
            if (
                state == "pending"
                and event.visitor_id == visitor_id
                and self.received[event_id] < linked_at
            ):
                self.signal_state[event_id] = "ignored"

    def _visitors(self, lead_id: str) -> set[str]:
        return {visitor for visitor, leads in self.links.items() if lead_id in leads}

    async def engagement(self, lead_id: str) -> EngagementFeatures:
        visitors = self._visitors(lead_id)
        seen = [e for e in self.events.values() if e.visitor_id in visitors]
        signals = [significant_signal(e) for e in seen]
        times = [e.occurred_at for e in seen]
        return EngagementFeatures(
            lead_id=lead_id,
            page_views=sum(e.kind == "page_view" for e in seen),
            pricing_page_views=signals.count("pricing_page_view"),
            demo_requests=signals.count("demo_request"),
            downloads=sum(e.kind == "download" for e in seen),
            form_submits=sum(e.kind == "form_submit" for e in seen),
            searches=sum(e.kind == "search" for e in seen),
            email_opens=sum(e.kind == "email_open" for e in seen),
            email_clicks=sum(e.kind == "email_click" for e in seen),
            sessions=len({e.session_id for e in seen if e.session_id}),
            first_seen_at=min(times, default=None),
            last_seen_at=max(times, default=None),
        )

    async def pending_signals(self, limit: int = 100) -> list[PendingSignal]:
        found: list[PendingSignal] = []
        for event_id, state in self.signal_state.items():
            if state != "pending" or len(found) == limit:
                continue
            event = self.events[event_id]
            signal = significant_signal(event)
            assert signal is not None
            found.append(
                PendingSignal(
                    event_id=event_id,
                    signal=signal,
                    visitor_id=event.visitor_id,
                    occurred_at=event.occurred_at,
                    lead_ids=tuple(sorted(self.links.get(event.visitor_id, ()))),
                    received_at=self.received[event_id],
                )
            )
        return found

    async def mark_signal(self, event_id: str, state: Literal["handled", "ignored"]) -> None:
        if event_id in self.signal_state:
            self.signal_state[event_id] = state

    async def visitor_history(self, visitor_id: str, limit: int = 200) -> list[TrackedEvent]:
        history = [e for e in self.events.values() if e.visitor_id == visitor_id]
        return sorted(history, key=lambda e: e.occurred_at, reverse=True)[:limit]
