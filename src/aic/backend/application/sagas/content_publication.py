"""ContentPublicationSaga: index for search and vectors → publish → notify the author.

Started by the publish route (``scheduled=False``) or by the publication scheduler when a
scheduled time falls due (``scheduled=True``). If publishing fails for good, the index entry
is removed again (compensation), so search never shows what the portals do not.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from aic.backend.application.execution import derived_id
from aic.backend.application.repository import AggregateRepository
from aic.backend.application.sagas.engine import SagaContext, SagaDefinition, Step
from aic.backend.application.scoring import ContentIndexer
from aic.backend.domain import content_commands as cc
from aic.backend.domain.content import Content
from aic.backend.domain.errors import InvariantViolated, NotFound
from aic.backend.domain.notifications import SendNotification

__all__ = [
    "CONTENT_PUBLICATION",
    "ContentSagaDependencies",
    "content_publication_saga",
    "publication_saga_id",
]

CONTENT_PUBLICATION = "content_publication"


@dataclass(frozen=True)
class ContentSagaDependencies:
    repository: AggregateRepository
    indexer: ContentIndexer


def publication_saga_id(content_id: str, revision: int) -> str:
    """One publication saga per revision: publishing the same revision twice is one saga."""
    return f"content-publication-{content_id}-r{revision}"


async def _content(deps: ContentSagaDependencies, content_id: str) -> Content:
    content = (await deps.repository.load(Content, content_id)).aggregate
    if not content.exists:
        raise NotFound("content_not_found", f"no content {content_id}")
    return content


def content_publication_saga(deps: ContentSagaDependencies) -> SagaDefinition:
    async def index(context: SagaContext) -> Mapping[str, Any]:
        content = await _content(deps, str(context.data["content_id"]))
        revision = content.latest
        if content.status not in ("approved", "scheduled", "published"):
            raise InvariantViolated(
                "content_not_approved", f"content {content.id} is {content.status}"
            )
        fields = revision.fields
        await deps.indexer.index(
            content.id,
            {
                "title": fields.title,
                "slug": fields.slug,
                "summary": fields.summary,
                "body_markdown": fields.body_markdown,
                "content_type": fields.content_type,
                "portals": list(fields.portals),
                "segment": fields.segment,
                "tags": list(fields.tags),
                "revision": revision.number,
            },
        )
        return {"revision": revision.number, "author": revision.author, "title": fields.title}

    async def unindex(context: SagaContext) -> Mapping[str, Any]:
        content = await _content(deps, str(context.data["content_id"]))
        if content.live_revision is None:  # nothing of it is live: take it out of search
            await deps.indexer.remove(content.id)
        return {}

    async def publish(context: SagaContext) -> Mapping[str, Any]:
        content_id, actor = str(context.data["content_id"]), str(context.data["actor"])
        make: Callable[..., cc.ContentCommand] = (
            cc.PublishScheduledContent if context.data.get("scheduled") else cc.PublishContent
        )
        content = await _content(deps, content_id)
        if content.status == "published" and content.live_revision == context.data["revision"]:
            return {}  # already live (a retry after the command went through)
        await context.send(make(content_id=content_id, actor=actor))
        return {}

    async def notify(context: SagaContext) -> Mapping[str, Any]:
        author = str(context.data.get("author") or context.data["actor"])
        if author.startswith("system:") or author == "public":
            return {}
        await context.send(
            SendNotification(
                notification_id=str(derived_id(context.saga_id, "notify")),
                recipient=author,
                kind="content_published",
                title=f"Published: {context.data.get('title')}",
                link=f"/content/{context.data['content_id']}",
                subject_id=str(context.data["content_id"]),
            )
        )
        return {"notified": author}

    return SagaDefinition(
        CONTENT_PUBLICATION,
        (
            Step("index", index, compensate=unindex),
            Step("publish", publish),
            Step("notify", notify),
        ),
    )
