"""Events of a Content item: revisions (each a full copy), review and publication."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from aic.backend.domain.messages import DomainEvent

__all__ = [
    "ContentApproved",
    "ContentArchived",
    "ContentDraftCreated",
    "ContentDraftedByAI",
    "ContentPublicationCancelled",
    "ContentPublicationScheduled",
    "ContentPublished",
    "ContentRejected",
    "ContentRevised",
    "ContentRevisionRestored",
    "ContentSubmittedForReview",
    "ContentUnpublished",
]

# The four revision events and ContentPublished carry every field of the revision, so a
# projection or saga (search indexing on publish) never has to look anything up.


@dataclass(frozen=True, kw_only=True)
class ContentDraftCreated(DomainEvent):
    content_id: str
    revision: int  # always 1
    title: str
    slug: str
    body_markdown: str
    summary: str
    content_type: str
    portals: list[str]
    segment: str
    tags: list[str]
    actor: str
    occurred_at: str


@dataclass(frozen=True, kw_only=True)
class ContentDraftedByAI(DomainEvent):
    """Revision 1 creates the item; later ones add a revision to it."""

    content_id: str
    revision: int
    title: str
    slug: str
    body_markdown: str
    summary: str
    content_type: str
    portals: list[str]
    segment: str
    tags: list[str]
    provider: str
    model: str
    prompt_parameters: dict[str, Any]
    actor: str
    occurred_at: str


@dataclass(frozen=True, kw_only=True)
class ContentRevised(DomainEvent):
    content_id: str
    revision: int
    title: str
    slug: str
    body_markdown: str
    summary: str
    content_type: str
    portals: list[str]
    segment: str
    tags: list[str]
    actor: str
    occurred_at: str


@dataclass(frozen=True, kw_only=True)
class ContentRevisionRestored(DomainEvent):
    """A new revision equal to revision ``restored_from``."""

    content_id: str
    revision: int
    restored_from: int
    title: str
    slug: str
    body_markdown: str
    summary: str
    content_type: str
    portals: list[str]
    segment: str
    tags: list[str]
    actor: str
    occurred_at: str


@dataclass(frozen=True, kw_only=True)
class ContentSubmittedForReview(DomainEvent):
    content_id: str
    revision: int
    actor: str
    occurred_at: str


@dataclass(frozen=True, kw_only=True)
class ContentApproved(DomainEvent):
    content_id: str
    revision: int
    actor: str
    occurred_at: str


@dataclass(frozen=True, kw_only=True)
class ContentRejected(DomainEvent):
    content_id: str
    revision: int
    reason: str
    actor: str
    occurred_at: str


@dataclass(frozen=True, kw_only=True)
class ContentPublicationScheduled(DomainEvent):
    content_id: str
    revision: int
    publish_at: str
    actor: str
    occurred_at: str


@dataclass(frozen=True, kw_only=True)
class ContentPublicationCancelled(DomainEvent):
    content_id: str
    revision: int
    reason: str  # cancelled | revised | archived
    actor: str
    occurred_at: str


@dataclass(frozen=True, kw_only=True)
class ContentPublished(DomainEvent):
    """The revision is live; ``scheduled`` tells whether a schedule fell due."""

    content_id: str
    revision: int
    title: str
    slug: str
    body_markdown: str
    summary: str
    content_type: str
    portals: list[str]
    segment: str
    tags: list[str]
    scheduled: bool
    actor: str
    occurred_at: str


@dataclass(frozen=True, kw_only=True)
class ContentUnpublished(DomainEvent):
    content_id: str
    revision: int  # the revision taken off the portals
    actor: str
    occurred_at: str


@dataclass(frozen=True, kw_only=True)
class ContentArchived(DomainEvent):
    content_id: str
    actor: str
    occurred_at: str
