"""In-process stand-ins for the AI ports: a documented points rule, a recording indexer.

**Rule-based lead score** (0-100, capped; also the fallback when ai is down):

| Signal | Points |
|---|---|
| base | 10 |
| company address (not free mail) | +15 |
| disposable address | score 0 |
| enterprise segment / smb segment | +15 / +8 |
| senior title (chief, vp, head, director, founder, owner, partner) / manager | +15 / +8 |
| phone given; message over 40 characters; marketing consent | +5 each |
| pricing-page views | +10 each, at most +20 |
| demo request | +25 |
| downloads | +5 each, at most +10 |
| page views | +1 each, at most +10 |
| seen in the last 7 days | +5 |
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from aic.backend.application.scoring import LeadFacts, LeadScore

__all__ = ["RecordingIndexer", "RuleBasedLeadScorer"]

_SENIOR = ("chief", "vp", "vice president", "head", "director", "founder", "owner", "partner")


class RuleBasedLeadScorer:
    model, version = "rules", "1"

    async def score(self, facts: LeadFacts) -> LeadScore:
        if facts.disposable:
            return LeadScore(0.0, self.model, self.version, ("disposable address",))
        points, reasons = 10.0, ["base 10"]

        def add(amount: float, reason: str) -> None:
            nonlocal points
            if amount:
                points += amount
                reasons.append(f"{reason} +{amount:g}")

        add(0 if facts.free_mail else 15, "company address")
        add({"enterprise": 15, "smb": 8}.get(facts.segment, 0), f"{facts.segment} segment")
        title = (facts.job_title or "").lower()
        add(15 if any(w in title for w in _SENIOR) else 8 if "manager" in title else 0, "title")
        add(5 if facts.has_phone else 0, "phone")
        add(5 if facts.message_length > 40 else 0, "message")
        add(5 if facts.consent else 0, "consent")
        e = facts.engagement
        add(min(20, 10 * e.pricing_page_views), "pricing views")
        add(25 if e.demo_requests else 0, "demo request")
        add(min(10, 5 * e.downloads), "downloads")
        add(min(10, e.page_views), "page views")
        if e.last_seen_at:
            seen = datetime.fromisoformat(e.last_seen_at.replace("Z", "+00:00"))
            add(5 if datetime.now(UTC) - seen < timedelta(days=7) else 0, "recent visit")
        return LeadScore(min(points, 100.0), self.model, self.version, tuple(reasons[:10]))


class RecordingIndexer:
    """Records what would be indexed; the search and vector issues replace it."""

    def __init__(self) -> None:
        self.indexed: dict[str, dict[str, Any]] = {}
        self.calls: list[tuple[str, str]] = []

    async def index(self, content_id: str, document: dict[str, Any]) -> None:
        self.indexed[content_id] = document
        self.calls.append(("index", content_id))

    async def remove(self, content_id: str) -> None:
        self.indexed.pop(content_id, None)
        self.calls.append(("remove", content_id))
