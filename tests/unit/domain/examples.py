"""Example commands and aggregates in known states, shared by the domain tests."""

from __future__ import annotations

import copy
from typing import Any, TypeVar

from aic.backend.domain import accounts, content, leads
from aic.backend.domain.aggregate import Aggregate
from aic.backend.domain.content_commands import (
    ApproveContent,
    CreateContentDraft,
    SubmitContentForReview,
)
from aic.backend.domain.lead_commands import (
    AssignLead,
    CaptureLead,
    EnrichLead,
    RouteLead,
    ScoreLead,
)

A = TypeVar("A", bound=Aggregate)

NOW = "2025-03-01T09:00:00+00:00"
LATER = "2025-03-01T10:00:00+00:00"
LEAD_ID = "7f1c2a5e-0b7d-4c1e-9d59-2f8f1a3c5b10"
CONTENT_ID = "1e0a9a64-2c35-4bfc-8a8c-5a1f6f7f9d21"
ACCOUNT_ID = "c3b4f1d2-6a7e-4f3b-8c9d-0e1f2a3b4c5d"


def capture(**changes: Any) -> CaptureLead:
    form: dict[str, Any] = {
        "lead_id": LEAD_ID,
        "email": "ana.lima@acme-industrial.com",
        "name": "Ana Lima",
        "company": "Acme Industrial",
        "job_title": "Head of Operations",
        "company_size": 1200,
        "phone": "+49 30 1234567",
        "message": "We would like a demo.",
        "source_portal": "enterprise",
        "utm_source": "linkedin",
        "utm_medium": "paid",
        "utm_campaign": "q1-industry",
        "visitor_id": "v-42",
        "consent": True,
    }
    return CaptureLead(**{**form, **changes})


def captured_lead() -> leads.Lead:
    return leads.handle(None, capture(), NOW)


def scored_lead(score: float = 80) -> leads.Lead:
    lead = captured_lead()
    leads.handle(lead, EnrichLead(lead_id=LEAD_ID), NOW)
    leads.handle(lead, score_command(score), NOW)
    return lead


def score_command(score: float = 80) -> ScoreLead:
    return ScoreLead(
        lead_id=LEAD_ID,
        score=score,
        model="gradient-boosting",
        model_version="2025.03",
        reasons=["enterprise size", "requested a demo"],
    )


def route_command(qualify: float = 70, nurture: float = 40) -> RouteLead:
    return RouteLead(lead_id=LEAD_ID, qualify_threshold=qualify, nurture_threshold=nurture)


def assigned_lead() -> leads.Lead:
    lead = scored_lead()
    leads.handle(lead, route_command(), NOW)
    leads.handle(lead, AssignLead(lead_id=LEAD_ID, account_id="sales-1"), NOW)
    return lead


def create_draft(**changes: Any) -> CreateContentDraft:
    draft: dict[str, Any] = {
        "content_id": CONTENT_ID,
        "actor": "editor-1",
        "title": "Event sourcing for B2B sales",
        "slug": "event-sourcing-for-b2b-sales",
        "content_type": "article",
        "portals": ["main", "enterprise"],
        "body_markdown": "# Why events\n\nBecause history matters.",
        "summary": "How an event store keeps every business fact.",
        "segment": "enterprise",
        "tags": ["Architecture", "sales"],
    }
    return CreateContentDraft(**{**draft, **changes})


def draft_content() -> content.Content:
    return content.handle(None, create_draft(), NOW)


def approved_content() -> content.Content:
    item = draft_content()
    content.handle(item, SubmitContentForReview(content_id=CONTENT_ID, actor="editor-1"), NOW)
    content.handle(item, ApproveContent(content_id=CONTENT_ID, actor="admin-1"), NOW)
    return item


def registered_account(roles: tuple[str, ...] = ("editor",)) -> accounts.Account:
    command = accounts.RegisterAccount(
        account_id=ACCOUNT_ID, email="Eva@Example.org", display_name="Eva", roles=roles
    )
    return accounts.handle(None, command, NOW)


def types(aggregate: Aggregate) -> list[str]:
    return [event.type for event in aggregate.pending]


def state(aggregate: Aggregate) -> dict[str, Any]:
    """Everything an aggregate holds except its pending events, as an independent copy.

    Top-level containers are copied; what they hold (revisions, enrichment) is frozen.
    """
    return {k: copy.copy(v) for k, v in vars(aggregate).items() if k != "pending"}


def replayed(aggregate: A) -> A:
    """A fresh aggregate of the same type rebuilt from the events ``aggregate`` recorded."""
    return type(aggregate).from_history(aggregate.id, aggregate.pending)
