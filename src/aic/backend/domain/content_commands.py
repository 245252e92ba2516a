"""Commands addressed to a Content item: drafting, revising, review, publication."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from aic.backend.domain.messages import Command

__all__ = [
    "ApproveContent",
    "ArchiveContent",
    "CancelScheduledPublication",
    "ContentCommand",
    "CreateContentDraft",
    "PublishContent",
    "PublishScheduledContent",
    "RecordAIDraft",
    "RejectContent",
    "RestoreContentRevision",
    "ReviseContent",
    "ScheduleContentPublication",
    "SubmitContentForReview",
    "UnpublishContent",
]


@dataclass(frozen=True, kw_only=True)
class ContentCommand(Command):
    """A command for one content item; ``actor`` is the account (or ``system:<name>``) acting."""

    content_id: str
    actor: str

    @property
    def aggregate_id(self) -> str:
        return self.content_id


@dataclass(frozen=True, kw_only=True)
class CreateContentDraft(ContentCommand):
    title: str
    slug: str
    content_type: str  # one of content_revisions.CONTENT_TYPES
    portals: Sequence[str]  # main | smb | enterprise | nexus, at least one
    body_markdown: str = ""
    summary: str = ""
    segment: str = "all"  # all | smb | enterprise
    tags: Sequence[str] = ()


@dataclass(frozen=True, kw_only=True)
class RecordAIDraft(ContentCommand):
    """A completed AI generation: creates the item, or adds a revision to an existing one.

    Fields left ``None`` keep the item's current value; for a new item they default to a
    slug made from the title, an ``article`` for the ``main`` portal, segment ``all``, no tags.
    """

    provider: str
    model: str
    prompt_parameters: Mapping[str, Any] = field(default_factory=dict)
    title: str
    body_markdown: str
    summary: str | None = None
    slug: str | None = None
    content_type: str | None = None
    portals: Sequence[str] | None = None
    segment: str | None = None
    tags: Sequence[str] | None = None


@dataclass(frozen=True, kw_only=True)
class ReviseContent(ContentCommand):
    """An editor's change; fields left ``None`` are kept from the latest revision."""

    title: str | None = None
    slug: str | None = None
    body_markdown: str | None = None
    summary: str | None = None
    content_type: str | None = None
    portals: Sequence[str] | None = None
    segment: str | None = None
    tags: Sequence[str] | None = None


@dataclass(frozen=True, kw_only=True)
class RestoreContentRevision(ContentCommand):
    revision: int  # the revision to copy into a new one


@dataclass(frozen=True, kw_only=True)
class SubmitContentForReview(ContentCommand):
    pass


@dataclass(frozen=True, kw_only=True)
class ApproveContent(ContentCommand):
    pass


@dataclass(frozen=True, kw_only=True)
class RejectContent(ContentCommand):
    reason: str


@dataclass(frozen=True, kw_only=True)
class PublishContent(ContentCommand):
    """Publish the approved latest revision now."""


@dataclass(frozen=True, kw_only=True)
class ScheduleContentPublication(ContentCommand):
    publish_at: str  # ISO-8601 with offset, after ``now``


@dataclass(frozen=True, kw_only=True)
class CancelScheduledPublication(ContentCommand):
    pass


@dataclass(frozen=True, kw_only=True)
class PublishScheduledContent(ContentCommand):
    """Sent by the scheduler when a publication falls due; refused if it is not (yet) due."""


@dataclass(frozen=True, kw_only=True)
class UnpublishContent(ContentCommand):
    pass


@dataclass(frozen=True, kw_only=True)
class ArchiveContent(ContentCommand):
    """Final: unpublishes and cancels a schedule first (both recorded as their own events)."""
