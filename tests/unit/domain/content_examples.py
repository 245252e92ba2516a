"""Content commands and checks shared by the content tests."""

from __future__ import annotations

from typing import Any

import pytest

from aic.backend.domain import content
from aic.backend.domain.content import Content
from aic.backend.domain.content_commands import (
    ApproveContent,
    ContentCommand,
    PublishContent,
    RecordAIDraft,
    ReviseContent,
    ScheduleContentPublication,
    SubmitContentForReview,
)
from aic.backend.domain.errors import DomainError

from .examples import (
    CONTENT_ID,
    LATER,
    state,
)

ID = {"content_id": CONTENT_ID}


def run(item: Content | None, command: ContentCommand, now: str = LATER) -> Content:
    return content.handle(item, command, now)


def refused(
    item: Content | None, command: ContentCommand, code: str, now: str = LATER
) -> DomainError:
    before = None if item is None else (state(item), list(item.pending))
    with pytest.raises(DomainError) as caught:
        content.handle(item, command, now)
    assert caught.value.code == code
    if item is not None:  # nothing is half-written
        assert (state(item), item.pending) == before
    return caught.value


def submit() -> SubmitContentForReview:
    return SubmitContentForReview(**ID, actor="editor-1")


def approve() -> ApproveContent:
    return ApproveContent(**ID, actor="admin-1")


def publish() -> PublishContent:
    return PublishContent(**ID, actor="admin-1")


def revise(**changes: Any) -> ReviseContent:
    return ReviseContent(**ID, actor="editor-2", **changes)


def ai_draft(**changes: Any) -> RecordAIDraft:
    fields: dict[str, Any] = {
        "actor": "editor-1",
        "provider": "local",
        "model": "offline-writer-1",
        "prompt_parameters": {"topic": "lead scoring", "tone": "plain", "length": 600},
        "title": "Lead scoring, explained",
        "body_markdown": "Scores rank leads.",
        "summary": "What a score means.",
    }
    return RecordAIDraft(content_id=CONTENT_ID, **{**fields, **changes})


def schedule(at: str) -> ScheduleContentPublication:
    return ScheduleContentPublication(**ID, actor="admin-1", publish_at=at)
