"""Who sees which realtime events, and what a redacted view leaves out."""

from __future__ import annotations

import pytest

from aic.backend.application.ports import StoredEvent
from aic.backend.application.realtime import (
    TOPICS,
    Audience,
    Level,
    TopicsNotAllowed,
    UnknownTopics,
    grants_for,
)
from aic.backend.application.realtime.visibility import LEAD_PERSONAL_FIELDS
from tests.unit.realtime.commit_order_store import event

CAPTURED = event(
    1,
    "lead-7",
    "LeadCaptured",
    {"lead_id": "7", "email": "a@b.example", "name": "Ann", "phone": "+1", "message": "hi",
     "job_title": "CTO", "visitor_id": "v-1", "company": "Acme", "source_portal": "main"},
)  # fmt: skip
DRAFT = event(2, "content-3", "ContentDraftCreated", {"content_id": "3"})
PUBLISHED = event(3, "content-3", "ContentPublished", {"content_id": "3", "slug": "x"})
SAGA = event(4, "saga-9", "SagaStarted", {"saga_id": "9"})


def note(position: int, recipient: str) -> StoredEvent:
    return event(position, f"notification-{position}", "NotificationSent", {"recipient": recipient})


def test_sales_sees_lead_events_in_full() -> None:
    seen = Audience.of("u-1", {"sales"}).view(CAPTURED)
    assert seen is not None
    assert seen.view == "full"
    assert seen.data["email"] == "a@b.example"


def test_an_analyst_sees_lead_events_without_the_fields_that_identify_a_person() -> None:
    seen = Audience.of("u-1", {"analyst"}).view(CAPTURED)
    assert seen is not None
    assert seen.view == "redacted"
    assert not set(LEAD_PERSONAL_FIELDS) & set(seen.data)
    assert seen.data["company"] == "Acme"
    assert seen.data["lead_id"] == "7"


def test_editors_and_viewers_see_no_lead_events() -> None:
    assert Audience.of("u-1", {"editor"}).view(CAPTURED) is None
    assert Audience.of("u-1", {"viewer"}).view(CAPTURED) is None


def test_a_viewer_sees_content_published_but_not_drafts() -> None:
    viewer = Audience.of("u-1", {"viewer"})
    assert viewer.view(PUBLISHED) is not None
    assert viewer.view(DRAFT) is None


def test_editors_see_every_content_event() -> None:
    editor = Audience.of("u-1", {"editor"})
    assert editor.view(DRAFT) is not None
    assert editor.view(PUBLISHED) is not None


def test_only_admins_see_saga_events() -> None:
    assert Audience.of("u-1", {"admin"}).view(SAGA) is not None
    for role in ("sales", "editor", "analyst", "viewer", "service"):
        assert Audience.of("u-1", {role}).view(SAGA) is None


def test_everyone_sees_the_notifications_addressed_to_them_or_to_a_role_they_hold() -> None:
    ann = Audience.of("ann", {"viewer"})
    assert ann.view(note(5, "ann")) is not None
    assert ann.view(note(6, "role:viewer")) is not None
    assert ann.view(note(7, "bob")) is None
    assert ann.view(note(8, "role:admin")) is None
    assert ann.view(note(9, "role:")) is None


def test_a_notification_read_goes_to_its_reader_only() -> None:
    read = event(10, "notification-5", "NotificationRead", {"reader": "ann"})
    assert Audience.of("ann", {"viewer"}).view(read) is not None
    assert Audience.of("bob", {"admin"}).view(read) is None


def test_several_roles_get_the_widest_view_of_each_topic() -> None:
    grants = grants_for({"analyst", "sales", "editor"})
    assert grants["leads"] is Level.FULL
    assert grants["content"] is Level.FULL


def test_requested_topics_are_intersected_with_what_the_roles_may_see() -> None:
    audience = Audience.of("u-1", {"viewer"}, ["leads", "content"])
    assert audience.topics == ["content"]
    assert audience.denied == ("leads",)
    assert audience.view(PUBLISHED) is not None
    assert audience.view(note(11, "u-1")) is None  # notifications were not requested


def test_no_request_means_every_topic_the_roles_may_see() -> None:
    assert Audience.of("u-1", {"admin"}).topics == list(TOPICS)
    assert Audience.of("u-1", {"viewer"}).topics == ["content", "notifications"]


def test_an_unknown_topic_is_refused_by_name() -> None:
    with pytest.raises(UnknownTopics) as refused:
        Audience.of("u-1", {"admin"}, ["leads", "gossip"])
    assert refused.value.topics == ["gossip"]


def test_asking_only_for_topics_the_roles_may_not_see_is_refused() -> None:
    with pytest.raises(TopicsNotAllowed):
        Audience.of("u-1", {"viewer"}, ["leads", "sagas"])


def test_events_of_other_aggregates_reach_nobody() -> None:
    other = event(12, "visitor-1", "VisitorLinked", {})
    assert Audience.of("u-1", {"admin"}).view(other) is None
