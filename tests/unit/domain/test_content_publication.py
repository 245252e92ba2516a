"""Approved content is published now or on schedule, unpublished, and finally archived."""

from __future__ import annotations

import pytest

from aic.backend.domain.content_commands import (
    ArchiveContent,
    CancelScheduledPublication,
    ContentCommand,
    PublishScheduledContent,
    RejectContent,
    RestoreContentRevision,
    ScheduleContentPublication,
    UnpublishContent,
)
from aic.backend.domain.content_events import (
    ContentPublicationCancelled,
    ContentPublished,
)
from aic.backend.domain.errors import InvalidValue

from .content_examples import ID, ai_draft, approve, publish, refused, revise, run, schedule, submit
from .examples import (
    NOW,
    approved_content,
    draft_content,
    types,
)


def test_published_content_carries_the_published_revision_for_indexing() -> None:
    item = approved_content()
    run(item, publish())
    event = item.pending[-1]
    assert isinstance(event, ContentPublished)
    assert (event.revision, event.slug, event.scheduled) == (
        1,
        "event-sourcing-for-b2b-sales",
        False,
    )
    assert event.body_markdown == "# Why events\n\nBecause history matters."
    assert (item.live_revision, item.published_at) == (1, "2025-03-01T10:00:00+00:00")


@pytest.mark.parametrize("status", ["draft", "in_review"])
def test_content_that_is_not_approved_cannot_be_published_or_scheduled(status: str) -> None:
    item = draft_content()
    if status == "in_review":
        run(item, submit())
    refused(item, publish(), "content_not_approved")
    schedule = ScheduleContentPublication(**ID, actor="a", publish_at="2025-03-02T09:00:00Z")
    refused(item, schedule, "content_not_approved")


def test_editing_published_content_keeps_the_live_revision_until_the_new_one_is_published() -> None:
    item = approved_content()
    run(item, publish())
    run(item, revise(title="Updated title"))
    assert (item.status, item.live_revision) == ("draft", 1)
    for command in [submit(), approve(), publish()]:
        run(item, command)
    assert (item.status, item.live_revision) == ("published", 2)


def test_publishing_live_content_again_is_refused() -> None:
    item = approved_content()
    run(item, publish())
    refused(item, publish(), "content_already_published")


def test_unpublished_content_can_be_published_again_without_a_new_review() -> None:
    item = approved_content()
    run(item, publish())
    run(item, UnpublishContent(**ID, actor="admin-1"))
    run(item, publish())
    assert item.status == "published"


def test_unpublishing_content_that_is_not_live_is_refused() -> None:
    refused(approved_content(), UnpublishContent(**ID, actor="admin-1"), "content_not_published")


def test_a_scheduled_publication_happens_when_the_scheduler_finds_it_due() -> None:
    item = approved_content()
    run(item, schedule("2025-03-02T08:00:00+01:00"), now=NOW)
    assert (item.status, item.scheduled_for) == ("scheduled", "2025-03-02T07:00:00+00:00")
    due = PublishScheduledContent(**ID, actor="system:content-scheduler")
    refused(item, due, "content_schedule_not_due", now="2025-03-02T06:59:59Z")
    run(item, due, now="2025-03-02T07:00:00Z")
    event = item.pending[-1]
    assert isinstance(event, ContentPublished)
    assert event.scheduled
    assert (item.status, item.scheduled_for, item.live_revision) == ("published", None, 1)


@pytest.mark.parametrize("at", ["2025-03-01T09:00:00Z", "2025-03-01T08:00:00Z"])
def test_a_scheduled_publication_needs_a_time_after_now(at: str) -> None:
    error = refused(approved_content(), schedule(at), "publish_at_not_in_future", now=NOW)
    assert isinstance(error, InvalidValue)


def test_a_publication_time_without_an_offset_is_refused() -> None:
    refused(approved_content(), schedule("2025-03-05T09:00:00"), "invalid_publish_at")


def test_rescheduling_to_the_same_time_records_nothing_and_to_another_time_replaces_it() -> None:
    item = approved_content()
    run(item, schedule("2025-03-05T09:00:00Z"))
    run(item, schedule("2025-03-05T09:00:00Z"))
    run(item, schedule("2025-03-06T09:00:00Z"))
    assert types(item).count("ContentPublicationScheduled") == 2
    assert item.scheduled_for == "2025-03-06T09:00:00+00:00"


def test_revising_scheduled_content_cancels_the_schedule_before_the_new_revision() -> None:
    item = approved_content()
    run(item, schedule("2025-03-05T09:00:00Z"))
    run(item, revise(title="Last-minute fix"))
    assert types(item)[-2:] == ["ContentPublicationCancelled", "ContentRevised"]
    cancelled = item.pending[-2]
    assert isinstance(cancelled, ContentPublicationCancelled)
    assert cancelled.reason == "revised"
    assert (item.status, item.scheduled_for) == ("draft", None)
    refused(item, PublishScheduledContent(**ID, actor="system"), "content_not_scheduled")


def test_a_cancelled_schedule_leaves_the_content_approved() -> None:
    item = approved_content()
    refused(item, CancelScheduledPublication(**ID, actor="admin-1"), "content_not_scheduled")
    run(item, schedule("2025-03-05T09:00:00Z"))
    run(item, CancelScheduledPublication(**ID, actor="admin-1"))
    assert (item.status, item.scheduled_for) == ("approved", None)


def test_publishing_now_supersedes_a_schedule() -> None:
    item = approved_content()
    run(item, schedule("2025-03-05T09:00:00Z"))
    run(item, publish())
    assert (item.status, item.scheduled_for) == ("published", None)


def test_archiving_live_scheduled_content_cancels_unpublishes_and_archives() -> None:
    item = approved_content()
    run(item, publish())
    for command in [revise(title="v2"), submit(), approve(), schedule("2025-03-09T09:00:00Z")]:
        run(item, command)
    run(item, ArchiveContent(**ID, actor="admin-1"))
    assert types(item)[-3:] == [
        "ContentPublicationCancelled",
        "ContentUnpublished",
        "ContentArchived",
    ]
    assert (item.status, item.live_revision, item.scheduled_for) == ("archived", None, None)


@pytest.mark.parametrize(
    "command",
    [
        revise(title="After the end"),
        ai_draft(),
        RestoreContentRevision(**ID, actor="e", revision=1),
        submit(),
        approve(),
        RejectContent(**ID, actor="a", reason="r"),
        publish(),
        schedule("2025-04-01T00:00:00Z"),
        CancelScheduledPublication(**ID, actor="a"),
        PublishScheduledContent(**ID, actor="system"),
        UnpublishContent(**ID, actor="a"),
        ArchiveContent(**ID, actor="a"),
    ],
    ids=lambda c: type(c).__name__,
)
def test_archived_content_accepts_no_further_command(command: ContentCommand) -> None:
    item = approved_content()
    run(item, ArchiveContent(**ID, actor="admin-1"))
    refused(item, command, "content_archived")
