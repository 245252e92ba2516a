"""Links a captured lead to its anonymous visitor id, so the visitor's history is the lead's."""

from __future__ import annotations

from aic.backend.adapters.readmodels.framework import Projection
from aic.backend.application.ports import StoredEvent
from aic.backend.domain.lead_events import LeadCaptured
from aic.backend.domain.messages import DomainEvent
from aic.storage import SqlTransaction

__all__ = ["VisitorLinkProjection"]


class VisitorLinkProjection(Projection):
    name = "visitor_links"
    stream_prefixes = ("lead-",)
    tables = ("visitor_links",)

    def uses(self, event: StoredEvent) -> bool:
        """Only a captured lead with a visitor id links anything."""
        return (
            event.type == "LeadCaptured"
            and bool(event.data.get("visitor_id"))
            and super().uses(event)
        )

    async def apply(self, tx: SqlTransaction, stored: StoredEvent, event: DomainEvent) -> None:
        if not isinstance(event, LeadCaptured) or not event.visitor_id:
            return
        params = {
            "visitor_id": event.visitor_id,
            "lead_id": event.lead_id,
            "linked_at": event.occurred_at,
        }
        await tx.execute(
            "INSERT INTO visitor_links (visitor_id, lead_id, linked_at) "
            "VALUES (:visitor_id, :lead_id, :linked_at) ON CONFLICT DO NOTHING",
            params,
        )
        # Signals sent before the visitor became a lead are its history, not news.
        await tx.execute(
            "UPDATE tracking_events SET signal_state = 'ignored' WHERE visitor_id = :visitor_id "
            "AND signal_state = 'pending' AND received_at < :linked_at",
            params,
        )
