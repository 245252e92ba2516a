"""A content item is drafted, reviewed, approved and published, and keeps every revision."""

from __future__ import annotations

from typing import Any

import pytest

from aic.backend.domain import content
from aic.backend.domain.content import Content
from aic.backend.domain.content_commands import (
    ArchiveContent,
    ContentCommand,
    RejectContent,
    RestoreContentRevision,
    SubmitContentForReview,
    UnpublishContent,
)
from aic.backend.domain.content_events import (
    ContentDraftedByAI,
    ContentRejected,
    ContentRevisionRestored,
)
from aic.backend.domain.errors import InvalidValue, NotFound

from .content_examples import ID, ai_draft, approve, publish, refused, revise, run, submit
from .examples import (
    CONTENT_ID,
    LATER,
    approved_content,
    create_draft,
    draft_content,
    types,
)


def test_a_draft_is_reviewed_approved_published_unpublished_and_archived() -> None:
    item = draft_content()
    statuses = [item.status]
    for command in [
        submit(),
        approve(),
        publish(),
        UnpublishContent(**ID, actor="admin-1"),
        ArchiveContent(**ID, actor="admin-1"),
    ]:
        run(item, command)
        statuses.append(item.status)
    assert statuses == ["draft", "in_review", "approved", "published", "unpublished", "archived"]
    assert types(item) == [
        "ContentDraftCreated",
        "ContentSubmittedForReview",
        "ContentApproved",
        "ContentPublished",
        "ContentUnpublished",
        "ContentArchived",
    ]
    assert item.stream_id == f"content-{CONTENT_ID}"


def test_a_new_draft_is_revision_one_with_normalized_fields() -> None:
    item = draft_content()
    revision = item.latest
    assert (revision.number, revision.author, revision.source) == (1, "editor-1", "human")
    assert revision.fields.tags == ("architecture", "sales")
    assert revision.fields.portals == ("main", "enterprise")
    assert revision.created_at == "2025-03-01T09:00:00+00:00"


@pytest.mark.parametrize(
    "slug",
    [
        "Event-Sourcing",
        "event_sourcing",
        "event--sourcing",
        "-event",
        "event-",
        "événement",
        "",
        "a" * 121,
    ],
)
def test_a_slug_that_is_not_lower_case_words_joined_by_hyphens_is_refused(slug: str) -> None:
    error = refused(None, create_draft(slug=slug), "invalid_slug")
    assert isinstance(error, InvalidValue)


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"title": " "}, "invalid_title"),
        ({"content_type": "poem"}, "invalid_content_type"),
        ({"portals": []}, "invalid_portals"),
        ({"portals": ["main", "intranet"]}, "invalid_portals"),
        ({"segment": "consumers"}, "invalid_segment"),
        ({"tags": ["ok", ""]}, "invalid_tags"),
        ({"actor": ""}, "invalid_actor"),
    ],
)
def test_a_draft_with_an_invalid_field_is_refused(changes: dict[str, Any], code: str) -> None:
    refused(None, create_draft(**changes), code)


def test_content_cannot_be_created_twice_and_missing_content_is_not_found() -> None:
    refused(draft_content(), create_draft(), "content_already_exists")
    error = refused(None, submit(), "content_not_found")
    assert isinstance(error, NotFound)
    refused(Content(CONTENT_ID), submit(), "content_not_found")


def test_an_ai_draft_creates_the_item_with_provider_model_and_prompt() -> None:
    item = run(None, ai_draft(title="Lead scoring, explained: the 2025 edition"))
    event = item.pending[0]
    assert isinstance(event, ContentDraftedByAI)
    assert (event.revision, event.provider, event.model) == (1, "local", "offline-writer-1")
    assert event.prompt_parameters == {"topic": "lead scoring", "tone": "plain", "length": 600}
    assert event.slug == "lead-scoring-explained-the-2025-edition"
    assert (event.content_type, event.portals, event.segment) == ("article", ["main"], "all")
    assert item.latest.source == "ai"
    assert item.latest.ai_model == "offline-writer-1"


def test_an_ai_draft_on_existing_content_adds_a_revision_and_keeps_its_slug_and_portals() -> None:
    item = draft_content()
    run(item, ai_draft())
    assert [r.number for r in item.revisions] == [1, 2]
    fields = item.latest.fields
    assert (fields.title, fields.slug) == (
        "Lead scoring, explained",
        "event-sourcing-for-b2b-sales",
    )
    assert fields.portals == ("main", "enterprise")


def test_an_ai_draft_with_a_title_that_gives_no_slug_needs_an_explicit_slug() -> None:
    refused(None, ai_draft(title="日本語のタイトル"), "invalid_slug")
    assert run(None, ai_draft(title="日本語のタイトル", slug="japanese-title")).latest.fields.slug


def test_an_ai_draft_with_non_json_prompt_parameters_is_refused() -> None:
    refused(None, ai_draft(prompt_parameters={"when": object()}), "invalid_prompt_parameters")


def test_every_revision_is_kept_and_an_old_one_can_be_restored_as_a_new_revision() -> None:
    item = draft_content()
    run(item, revise(title="Second title"))
    run(item, revise(body_markdown="Third body", tags=["events"]))
    run(item, RestoreContentRevision(**ID, actor="editor-1", revision=1))
    assert [r.number for r in item.revisions] == [1, 2, 3, 4]
    assert item.revisions[3].fields == item.revisions[0].fields
    assert (item.revisions[3].source, item.revisions[3].restored_from) == ("restore", 1)
    assert item.revisions[2].fields.title == "Second title"  # partial revisions keep the rest
    event = item.pending[-1]
    assert isinstance(event, ContentRevisionRestored)
    assert (event.revision, event.restored_from, event.title) == (
        4,
        1,
        item.revisions[0].fields.title,
    )


@pytest.mark.parametrize("revision", [0, 2, -1])
def test_restoring_a_revision_that_does_not_exist_is_refused(revision: int) -> None:
    refused(
        draft_content(),
        RestoreContentRevision(**ID, actor="e", revision=revision),
        "invalid_revision",
    )


def test_a_change_that_changes_nothing_records_nothing() -> None:
    item = draft_content()
    run(item, revise(title="Event sourcing for B2B sales"))
    run(item, RestoreContentRevision(**ID, actor="editor-1", revision=1))
    assert types(item) == ["ContentDraftCreated"]


def test_editing_approved_content_sends_it_back_to_draft_for_a_new_review() -> None:
    item = approved_content()
    run(item, revise(summary="A sharper summary."))
    assert item.status == "draft"
    refused(item, publish(), "content_not_approved")


def test_submitting_needs_a_draft_with_a_body() -> None:
    item = run(None, create_draft(body_markdown="  \n"))
    refused(item, submit(), "content_body_empty")
    run(item, revise(body_markdown="Now with text."))
    run(item, submit())
    refused(item, submit(), "content_not_draft")


def test_approving_or_rejecting_needs_content_in_review() -> None:
    item = draft_content()
    refused(item, approve(), "content_not_in_review")
    refused(item, RejectContent(**ID, actor="admin-1", reason="Too long"), "content_not_in_review")


def test_a_rejection_sends_the_revision_back_to_draft_with_the_reason() -> None:
    item = draft_content()
    run(item, submit())
    run(item, RejectContent(**ID, actor="admin-1", reason="Needs sources"))
    assert item.status == "draft"
    event = item.pending[-1]
    assert isinstance(event, ContentRejected)
    assert (event.revision, event.reason) == (1, "Needs sources")


def test_the_prompt_parameters_of_an_event_are_a_copy_of_the_commands() -> None:
    parameters: dict[str, Any] = {"keywords": ["crm"]}
    item = run(None, ai_draft(prompt_parameters=parameters))
    parameters["keywords"].append("changed later")
    event = item.pending[0]
    assert isinstance(event, ContentDraftedByAI)
    assert event.prompt_parameters == {"keywords": ["crm"]}


def test_a_command_sent_to_another_item_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="sent to"):
        content.handle(
            draft_content(), SubmitContentForReview(content_id="other", actor="e"), LATER
        )


def test_an_unknown_command_type_is_a_programming_error() -> None:
    with pytest.raises(TypeError, match="no content handler"):
        content.handle(draft_content(), ContentCommand(**ID, actor="e"), LATER)
