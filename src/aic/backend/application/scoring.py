"""Ports the sagas call for AI work, with the data they exchange.

Until the AI gateway exists these are in-process (``adapters/rules.py``); the gateway and
ML issues swap in clients of the ai service behind the same ports.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from aic.backend.application.tracking import EngagementFeatures

__all__ = ["ContentIndexer", "LeadFacts", "LeadScore", "LeadScorer"]


@dataclass(frozen=True, slots=True)
class LeadFacts:
    """What scoring may use: the form, its enrichment, the visitor's behaviour."""

    lead_id: str
    email: str
    company_size: int | None
    job_title: str | None
    source_portal: str
    has_phone: bool
    message_length: int
    consent: bool
    free_mail: bool
    disposable: bool
    segment: str
    engagement: EngagementFeatures


@dataclass(frozen=True, slots=True)
class LeadScore:
    score: float  # 0-100
    model: str
    model_version: str
    reasons: Sequence[str] = field(default_factory=tuple)


class LeadScorer(Protocol):
    async def score(self, facts: LeadFacts) -> LeadScore: ...


class ContentIndexer(Protocol):
    """Makes published content findable: search index and vectors."""

    async def index(self, content_id: str, document: dict[str, Any]) -> None: ...

    async def remove(self, content_id: str) -> None: ...
