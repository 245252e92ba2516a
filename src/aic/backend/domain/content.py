"""The Content aggregate: the revisions, editorial review and publication of one item."""

from __future__ import annotations

from typing import Self

from aic.backend.domain import content_events as events
from aic.backend.domain import values
from aic.backend.domain.content_commands import (
    ApproveContent,
    ArchiveContent,
    CancelScheduledPublication,
    ContentCommand,
    CreateContentDraft,
    PublishContent,
    PublishScheduledContent,
    RecordAIDraft,
    RejectContent,
    RestoreContentRevision,
    ReviseContent,
    ScheduleContentPublication,
    SubmitContentForReview,
    UnpublishContent,
)
from aic.backend.domain.content_revisions import FIELD_NAMES, ContentFields
from aic.backend.domain.content_state import STATUSES, ContentState
from aic.backend.domain.errors import InvalidValue, InvariantViolated, NotFound
from aic.backend.domain.messages import DomainEvent

__all__ = ["STATUSES", "Content", "handle"]

_PUBLISHABLE = frozenset({"approved", "scheduled", "unpublished"})  # the latest is approved


class Content(ContentState):
    """A content item; each domain method is named after its command and takes it plus ``now``.

    Rules (``status`` is the latest revision's, ``live_revision`` what the portals show):

    - every change (edit, AI draft, restore) adds a full revision and sends the item back to
      ``draft``, whatever its status: reviewers approve one revision, so changed text needs a
      new review. A live revision stays live until a newer approved one is published; a
      pending schedule is cancelled (``ContentPublicationCancelled``, reason ``revised``);
    - a change that leaves every field as it is records nothing;
    - only an approved latest revision is published or scheduled (``content_not_approved``);
      a scheduled time must be after ``now``; the scheduler's ``PublishScheduledContent`` is
      refused before that time (``content_schedule_not_due``);
    - submitting needs a ``draft`` with a body; approving and rejecting need ``in_review``;
    - archived is final (``content_archived``); archiving cancels a schedule and unpublishes.
    """

    @classmethod
    def create_draft(cls, command: CreateContentDraft, now: str) -> Self:
        content = cls(values.identifier(command.content_id, "content_id"))
        at, actor = values.timestamp(now), values.identifier(command.actor, "actor")
        fields = ContentFields.checked(
            title=command.title,
            slug=command.slug,
            body_markdown=command.body_markdown,
            summary=command.summary,
            content_type=command.content_type,
            portals=command.portals,
            segment=command.segment,
            tags=command.tags,
        )
        content._record(
            events.ContentDraftCreated(
                content_id=content.id, revision=1, actor=actor, occurred_at=at, **fields.to_data()
            )
        )
        return content

    def record_ai_draft(self, command: RecordAIDraft, now: str) -> None:
        """On an empty aggregate this creates the item (revision 1)."""
        at, actor = values.timestamp(now), values.identifier(command.actor, "actor")
        provider = values.text(command.provider, "provider", max_length=100)
        model = values.text(command.model, "model", max_length=100)
        prompt = values.json_object(command.prompt_parameters, "prompt_parameters")
        if self.exists:
            self._require_not_archived()
            base = self.latest.fields
        else:
            values.identifier(self.id, "content_id")
            base = ContentFields.initial(values.text(command.title, "title", max_length=200))
        fields = base.changed(**_changes(command))
        event = events.ContentDraftedByAI(
            content_id=self.id,
            revision=len(self.revisions) + 1,
            provider=provider,
            model=model,
            prompt_parameters=prompt,
            actor=actor,
            occurred_at=at,
            **fields.to_data(),
        )
        self._record_revision(event, fields, actor, at)

    def revise(self, command: ReviseContent, now: str) -> None:
        at, actor = values.timestamp(now), values.identifier(command.actor, "actor")
        self._require_not_archived()
        fields = self.latest.fields.changed(**_changes(command))
        event = events.ContentRevised(
            content_id=self.id,
            revision=len(self.revisions) + 1,
            actor=actor,
            occurred_at=at,
            **fields.to_data(),
        )
        self._record_revision(event, fields, actor, at)

    def restore_revision(self, command: RestoreContentRevision, now: str) -> None:
        at, actor = values.timestamp(now), values.identifier(command.actor, "actor")
        self._require_not_archived()
        number = values.whole_number(
            command.revision, "revision", minimum=1, maximum=len(self.revisions)
        )
        fields = self.revisions[number - 1].fields
        event = events.ContentRevisionRestored(
            content_id=self.id,
            revision=len(self.revisions) + 1,
            restored_from=number,
            actor=actor,
            occurred_at=at,
            **fields.to_data(),
        )
        self._record_revision(event, fields, actor, at)

    def submit_for_review(self, command: SubmitContentForReview, now: str) -> None:
        at, actor = values.timestamp(now), values.identifier(command.actor, "actor")
        self._require_status("draft", "content_not_draft")
        if not self.latest.fields.body_markdown.strip():
            raise InvariantViolated("content_body_empty", f"content {self.id} has no body yet")
        self._record(
            events.ContentSubmittedForReview(
                content_id=self.id, revision=self.latest.number, actor=actor, occurred_at=at
            )
        )

    def approve(self, command: ApproveContent, now: str) -> None:
        at, actor = values.timestamp(now), values.identifier(command.actor, "actor")
        self._require_status("in_review", "content_not_in_review")
        self._record(
            events.ContentApproved(
                content_id=self.id, revision=self.latest.number, actor=actor, occurred_at=at
            )
        )

    def reject(self, command: RejectContent, now: str) -> None:
        at, actor = values.timestamp(now), values.identifier(command.actor, "actor")
        reason = values.text(command.reason, "reason", max_length=1000)
        self._require_status("in_review", "content_not_in_review")
        self._record(
            events.ContentRejected(
                content_id=self.id,
                revision=self.latest.number,
                reason=reason,
                actor=actor,
                occurred_at=at,
            )
        )

    def publish(self, command: PublishContent, now: str) -> None:
        at, actor = values.timestamp(now), values.identifier(command.actor, "actor")
        self._require_publishable()
        self._record(self._published(actor, at, scheduled=False))

    def schedule_publication(self, command: ScheduleContentPublication, now: str) -> None:
        at, actor = values.timestamp(now), values.identifier(command.actor, "actor")
        publish_at = values.timestamp(command.publish_at, "publish_at")
        if values.parse_timestamp(publish_at) <= values.parse_timestamp(at):
            raise InvalidValue(
                "publish_at_not_in_future",
                "a scheduled publication needs a time after now",
                {"publish_at": command.publish_at, "now": now},
            )
        self._require_publishable()
        if publish_at != self.scheduled_for:
            self._record(
                events.ContentPublicationScheduled(
                    content_id=self.id,
                    revision=self.latest.number,
                    publish_at=publish_at,
                    actor=actor,
                    occurred_at=at,
                )
            )

    def cancel_scheduled_publication(self, command: CancelScheduledPublication, now: str) -> None:
        at, actor = values.timestamp(now), values.identifier(command.actor, "actor")
        self._require_status("scheduled", "content_not_scheduled")
        self._record(self._cancelled("cancelled", actor, at))

    def publish_scheduled(self, command: PublishScheduledContent, now: str) -> None:
        at, actor = values.timestamp(now), values.identifier(command.actor, "actor")
        self._require_status("scheduled", "content_not_scheduled")
        due = self.scheduled_for
        if due is not None and values.parse_timestamp(at) < values.parse_timestamp(due):
            raise InvariantViolated(
                "content_schedule_not_due", f"content {self.id} is due at {self.scheduled_for}"
            )
        self._record(self._published(actor, at, scheduled=True))

    def unpublish(self, command: UnpublishContent, now: str) -> None:
        at, actor = values.timestamp(now), values.identifier(command.actor, "actor")
        self._require_not_archived()
        if self.live_revision is None:
            raise InvariantViolated("content_not_published", f"content {self.id} is not live")
        self._record(
            events.ContentUnpublished(
                content_id=self.id, revision=self.live_revision, actor=actor, occurred_at=at
            )
        )

    def archive(self, command: ArchiveContent, now: str) -> None:
        at, actor = values.timestamp(now), values.identifier(command.actor, "actor")
        self._require_not_archived()
        if self.status == "scheduled":
            self._record(self._cancelled("archived", actor, at))
        if self.live_revision is not None:
            self._record(
                events.ContentUnpublished(
                    content_id=self.id, revision=self.live_revision, actor=actor, occurred_at=at
                )
            )
        self._record(events.ContentArchived(content_id=self.id, actor=actor, occurred_at=at))

    def _record_revision(
        self, event: DomainEvent, fields: ContentFields, actor: str, at: str
    ) -> None:
        if self.revisions and fields == self.latest.fields:
            return
        if self.status == "scheduled":
            self._record(self._cancelled("revised", actor, at))
        self._record(event)

    def _require_not_archived(self) -> None:
        if not self.exists:
            raise NotFound("content_not_found", f"no content {self.id}")
        if self.status == "archived":
            raise InvariantViolated("content_archived", f"content {self.id} is archived")

    def _require_status(self, status: str, code: str) -> None:
        self._require_not_archived()
        if self.status != status:
            raise InvariantViolated(code, f"content {self.id} is {self.status}, not {status}")

    def _require_publishable(self) -> None:
        self._require_not_archived()
        if self.status == "published":
            raise InvariantViolated("content_already_published", f"content {self.id} is live")
        if self.status not in _PUBLISHABLE:
            raise InvariantViolated(
                "content_not_approved",
                f"content {self.id} is {self.status}; only approved content is published",
            )

    def _published(self, actor: str, at: str, *, scheduled: bool) -> events.ContentPublished:
        return events.ContentPublished(
            content_id=self.id,
            revision=self.latest.number,
            scheduled=scheduled,
            actor=actor,
            occurred_at=at,
            **self.latest.fields.to_data(),
        )

    def _cancelled(self, reason: str, actor: str, at: str) -> events.ContentPublicationCancelled:
        return events.ContentPublicationCancelled(
            content_id=self.id,
            revision=self.latest.number,
            reason=reason,
            actor=actor,
            occurred_at=at,
        )


def handle(content: Content | None, command: ContentCommand, now: str) -> Content:
    """Run ``command`` on ``content`` and return the item holding the new pending events.

    ``content`` is ``None`` (or an empty aggregate) when the stream is empty; then only
    ``CreateContentDraft`` and ``RecordAIDraft`` may run. The caller appends
    ``take_pending()`` at ``loaded_version``.
    """
    if content is not None and content.id != command.content_id:
        raise ValueError(f"command for content {command.content_id} sent to {content.id}")
    if isinstance(command, CreateContentDraft):
        if content is not None and content.exists:
            raise InvariantViolated("content_already_exists", f"content {content.id} exists")
        return Content.create_draft(command, now)
    if content is None:
        if not isinstance(command, RecordAIDraft):
            raise NotFound("content_not_found", f"no content {command.content_id}")
        content = Content(command.content_id)
    match command:
        case RecordAIDraft():
            content.record_ai_draft(command, now)
        case ReviseContent():
            content.revise(command, now)
        case RestoreContentRevision():
            content.restore_revision(command, now)
        case SubmitContentForReview():
            content.submit_for_review(command, now)
        case ApproveContent():
            content.approve(command, now)
        case RejectContent():
            content.reject(command, now)
        case PublishContent():
            content.publish(command, now)
        case ScheduleContentPublication():
            content.schedule_publication(command, now)
        case CancelScheduledPublication():
            content.cancel_scheduled_publication(command, now)
        case PublishScheduledContent():
            content.publish_scheduled(command, now)
        case UnpublishContent():
            content.unpublish(command, now)
        case ArchiveContent():
            content.archive(command, now)
        case _:
            raise TypeError(f"no content handler for {type(command).__name__}")
    return content


def _changes(command: ReviseContent | RecordAIDraft) -> dict[str, object]:
    return {name: getattr(command, name) for name in FIELD_NAMES}
