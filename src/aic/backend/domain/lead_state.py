"""The state a Lead's events add up to: what its decisions need, and its status."""

from __future__ import annotations

from aic.backend.domain import enrichment
from aic.backend.domain.aggregate import Aggregate
from aic.backend.domain.lead_events import (
    LeadAssigned,
    LeadCaptured,
    LeadConverted,
    LeadDisqualified,
    LeadEngagementChanged,
    LeadEnriched,
    LeadLost,
    LeadMovedToNurturing,
    LeadQualified,
    LeadScored,
)
from aic.backend.domain.messages import DomainEvent

__all__ = ["STATUSES", "LeadState"]

STATUSES = (
    "captured", "enriched", "scored", "qualified", "nurturing", "disqualified", "assigned",
    "converted", "lost",
)  # fmt: skip


class LeadState(Aggregate):
    """Evolution only (``_apply``); the decisions live in ``leads.Lead``.

    It keeps only what the rules need: the form's details are in ``LeadCaptured`` and the
    read models, not here.
    """

    stream_prefix = "lead"

    def __init__(self, aggregate_id: str) -> None:
        super().__init__(aggregate_id)
        self.email = ""
        self.company_size: int | None = None
        self.source_portal = ""
        self.visitor_id: str | None = None
        self.enrichment: enrichment.Enrichment | None = None
        self.current_score: float | None = None
        self.routing: str | None = None  # qualified | nurturing | disqualified
        self.disqualification_reason: str | None = None
        self.disqualified_finally = False
        self.assignee: str | None = None
        self.outcome: str | None = None  # converted | lost
        self.rescoring_due = False  # set by engagement, cleared by the next score

    @property
    def exists(self) -> bool:
        return self.version > 0

    @property
    def status(self) -> str:
        """One of STATUSES: the most advanced fact wins."""
        if self.outcome is not None:
            return self.outcome
        if self.routing == "disqualified":
            return "disqualified"
        if self.assignee is not None:
            return "assigned"
        if self.routing is not None:
            return self.routing
        if self.current_score is not None:
            return "scored"
        return "enriched" if self.enrichment is not None else "captured"

    def _apply(self, event: DomainEvent) -> None:
        match event:
            case LeadCaptured():
                self.email = event.email
                self.company_size = event.company_size
                self.source_portal = event.source_portal
                self.visitor_id = event.visitor_id
            case LeadEnriched():
                self.enrichment = enrichment.Enrichment(
                    company_domain=event.company_domain,
                    free_mail=event.free_mail,
                    disposable=event.disposable,
                    segment=event.segment,
                )
            case LeadScored():
                self.current_score = event.score
                self.rescoring_due = False
            case LeadQualified():
                self.routing, self.disqualification_reason = "qualified", None
            case LeadMovedToNurturing():
                self.routing, self.disqualification_reason = "nurturing", None
            case LeadDisqualified():
                self.routing, self.disqualification_reason = "disqualified", event.reason
                self.disqualified_finally = event.final
            case LeadAssigned():
                self.assignee = event.account_id
            case LeadConverted():
                self.outcome = "converted"
            case LeadLost():
                self.outcome = "lost"
            case LeadEngagementChanged():
                self.rescoring_due = True
