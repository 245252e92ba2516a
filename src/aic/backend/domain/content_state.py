"""The state a Content item's events add up to: its revisions, status and publication."""

from __future__ import annotations

from typing import Any, Self

from aic.backend.domain.aggregate import Aggregate
from aic.backend.domain.content_events import (
    ContentApproved,
    ContentArchived,
    ContentDraftCreated,
    ContentDraftedByAI,
    ContentPublicationCancelled,
    ContentPublicationScheduled,
    ContentPublished,
    ContentRejected,
    ContentRevised,
    ContentRevisionRestored,
    ContentSubmittedForReview,
    ContentUnpublished,
)
from aic.backend.domain.content_revisions import ContentFields, Revision
from aic.backend.domain.messages import DomainEvent

__all__ = ["STATUSES", "ContentState"]

STATUSES = ("draft", "in_review", "approved", "scheduled", "published", "unpublished", "archived")


class ContentState(Aggregate):
    """Evolution only: ``_apply`` and snapshots; the decisions live in ``content.Content``.

    ``status`` describes the latest revision; ``live_revision`` is what the portals show.
    """

    stream_prefix = "content"

    def __init__(self, aggregate_id: str) -> None:
        super().__init__(aggregate_id)
        self.revisions: list[Revision] = []  # every revision, oldest first; number = index + 1
        self.status = "draft"
        self.live_revision: int | None = None
        self.published_at: str | None = None
        self.scheduled_for: str | None = None

    @property
    def exists(self) -> bool:
        return self.version > 0

    @property
    def latest(self) -> Revision:
        return self.revisions[-1]

    def _apply(self, event: DomainEvent) -> None:
        match event:
            case ContentDraftCreated() | ContentRevised():
                self._add_revision(event, "human")
            case ContentDraftedByAI():
                self._add_revision(
                    event,
                    "ai",
                    ai_provider=event.provider,
                    ai_model=event.model,
                    prompt_parameters=event.prompt_parameters,
                )
            case ContentRevisionRestored():
                self._add_revision(event, "restore", restored_from=event.restored_from)
            case ContentSubmittedForReview():
                self.status = "in_review"
            case ContentApproved():
                self.status = "approved"
            case ContentRejected():
                self.status = "draft"
            case ContentPublicationScheduled():
                self.status, self.scheduled_for = "scheduled", event.publish_at
            case ContentPublicationCancelled():
                self.status, self.scheduled_for = "approved", None
            case ContentPublished():
                self.status, self.scheduled_for = "published", None
                self.live_revision, self.published_at = event.revision, event.occurred_at
            case ContentUnpublished():
                self.live_revision, self.published_at = None, None
                if self.status == "published":
                    self.status = "unpublished"
            case ContentArchived():
                self.status = "archived"

    def _add_revision(
        self,
        event: ContentDraftCreated | ContentRevised | ContentDraftedByAI | ContentRevisionRestored,
        source: str,
        **provenance: Any,
    ) -> None:
        self.revisions.append(
            Revision(
                number=event.revision,
                fields=ContentFields.from_data(event.to_data()),
                author=event.actor,
                created_at=event.occurred_at,
                source=source,
                **provenance,
            )
        )
        self.status = "draft"

    def snapshot_state(self) -> dict[str, Any]:
        return {
            "revisions": [revision.to_data() for revision in self.revisions],
            "status": self.status,
            "live_revision": self.live_revision,
            "published_at": self.published_at,
            "scheduled_for": self.scheduled_for,
        }

    @classmethod
    def from_snapshot(cls, aggregate_id: str, version: int, state: dict[str, Any]) -> Self:
        content = cls(aggregate_id)
        content.version = version
        content.revisions = [Revision.from_data(data) for data in state["revisions"]]
        content.status = state["status"]
        content.live_revision = state["live_revision"]
        content.published_at = state["published_at"]
        content.scheduled_for = state["scheduled_for"]
        return content
