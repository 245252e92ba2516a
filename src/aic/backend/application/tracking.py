"""Tracking: visitor behaviour in an append-only log, linked to leads, turned into engagement."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

__all__ = [
    "SIGNAL_DEMO_FORMS",
    "EngagementFeatures",
    "PendingSignal",
    "TrackedEvent",
    "TrackingKind",
    "TrackingStore",
    "significant_signal",
]

TrackingKind = Literal[
    "page_view", "click", "form_submit", "search", "download", "email_open", "email_click"
]
# Forms whose submission says "talk to sales now": a demo request.
SIGNAL_DEMO_FORMS = frozenset({"demo", "demo_request", "contact_sales", "trial"})


@dataclass(frozen=True, slots=True)
class TrackedEvent:
    """One behaviour of an anonymous visitor, as stored (already validated)."""

    event_id: str
    kind: TrackingKind
    visitor_id: str
    occurred_at: str  # ISO-8601 UTC, as reported (the server also records when it got it)
    session_id: str | None = None
    portal: str | None = None
    path: str | None = None
    referrer: str | None = None
    form: str | None = None
    query: str | None = None
    utm_source: str | None = None
    utm_medium: str | None = None
    utm_campaign: str | None = None
    properties: Mapping[str, Any] = field(default_factory=dict)


def significant_signal(event: TrackedEvent) -> str | None:
    """The buying signal this event is, if any: such signals make a lead's score stale."""
    if event.kind == "page_view" and event.path and "/pricing" in event.path.lower():
        return "pricing_page_view"
    if event.kind == "form_submit" and (event.form or "").lower() in SIGNAL_DEMO_FORMS:
        return "demo_request"
    if event.kind == "download":
        return "case_study_download"
    return None


@dataclass(frozen=True, slots=True)
class EngagementFeatures:
    """What a lead's visitors did: the behaviour part of its scoring features."""

    lead_id: str
    page_views: int = 0
    pricing_page_views: int = 0
    demo_requests: int = 0
    downloads: int = 0
    form_submits: int = 0
    searches: int = 0
    email_opens: int = 0
    email_clicks: int = 0
    sessions: int = 0
    first_seen_at: str | None = None
    last_seen_at: str | None = None


@dataclass(frozen=True, slots=True)
class PendingSignal:
    """A significant event not yet turned into ``LeadEngagementChanged``."""

    event_id: str
    signal: str
    visitor_id: str
    occurred_at: str
    lead_ids: tuple[str, ...]  # leads the visitor is linked to (none yet: try again later)
    received_at: str


class TrackingStore(Protocol):
    async def append(self, events: Sequence[TrackedEvent], received_at: str) -> int:
        """Store events (a repeated ``event_id`` is ignored); return how many were new."""
        ...

    async def link_visitor(self, visitor_id: str, lead_id: str, linked_at: str) -> None:
        """The visitor's past and future behaviour now counts for the lead."""
        ...

    async def engagement(self, lead_id: str) -> EngagementFeatures: ...

    async def pending_signals(self, limit: int = 100) -> list[PendingSignal]:
        """Pending signals of visitors linked to a lead, oldest first."""
        ...

    async def expire_unlinked(self, received_before: str) -> int:
        """Mark pending signals of still-anonymous visitors received before then ignored."""
        ...

    async def mark_signal(self, event_id: str, state: Literal["handled", "ignored"]) -> None: ...

    async def visitor_history(self, visitor_id: str, limit: int = 200) -> list[TrackedEvent]: ...
