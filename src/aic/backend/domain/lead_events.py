"""Events of a Lead's life: captured, enriched, scored, routed, assigned, converted or lost."""

from __future__ import annotations

from dataclasses import dataclass

from aic.backend.domain.messages import DomainEvent

__all__ = [
    "LeadAssigned",
    "LeadCaptured",
    "LeadConverted",
    "LeadDisqualified",
    "LeadEngagementChanged",
    "LeadEnriched",
    "LeadLost",
    "LeadMovedToNurturing",
    "LeadQualified",
    "LeadScored",
]


@dataclass(frozen=True, kw_only=True)
class LeadCaptured(DomainEvent):
    lead_id: str
    email: str
    name: str
    company: str | None
    job_title: str | None
    company_size: int | None
    phone: str | None
    message: str
    source_portal: str
    utm_source: str | None
    utm_medium: str | None
    utm_campaign: str | None
    visitor_id: str | None
    consent: bool
    occurred_at: str


@dataclass(frozen=True, kw_only=True)
class LeadEnriched(DomainEvent):
    lead_id: str
    company_domain: str | None
    free_mail: bool
    disposable: bool
    segment: str
    occurred_at: str


@dataclass(frozen=True, kw_only=True)
class LeadScored(DomainEvent):
    lead_id: str
    score: float
    model: str
    model_version: str
    reasons: list[str]
    previous_score: float | None
    occurred_at: str


@dataclass(frozen=True, kw_only=True)
class LeadQualified(DomainEvent):
    lead_id: str
    score: float
    qualify_threshold: float
    occurred_at: str


@dataclass(frozen=True, kw_only=True)
class LeadMovedToNurturing(DomainEvent):
    lead_id: str
    score: float
    qualify_threshold: float
    nurture_threshold: float
    occurred_at: str


@dataclass(frozen=True, kw_only=True)
class LeadDisqualified(DomainEvent):
    """``final``: explicit and sticky; otherwise routing put the score below the threshold."""

    lead_id: str
    reason: str
    final: bool
    score: float | None
    occurred_at: str


@dataclass(frozen=True, kw_only=True)
class LeadAssigned(DomainEvent):
    lead_id: str
    account_id: str
    previous_account_id: str | None
    occurred_at: str


@dataclass(frozen=True, kw_only=True)
class LeadConverted(DomainEvent):
    lead_id: str
    account_id: str
    deal_value: float | None
    occurred_at: str


@dataclass(frozen=True, kw_only=True)
class LeadLost(DomainEvent):
    lead_id: str
    reason: str
    occurred_at: str


@dataclass(frozen=True, kw_only=True)
class LeadEngagementChanged(DomainEvent):
    """A significant signal arrived: the lead is due for rescoring."""

    lead_id: str
    signal: str
    detail: str | None
    tracking_event_id: str | None
    occurred_at: str
