"""Content routes: drafts, revisions, review, publication; public reads of what is live."""

# No `from __future__ import annotations`: the routes made in `_command_route` use local
# types in their signatures, which FastAPI must see as objects, not strings.

import uuid
from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request, status
from pydantic import BaseModel

from aic.asgi import ApiError
from aic.backend.application.execution import derived_id
from aic.backend.application.queries import (
    ContentRevisionView,
    ContentView,
    GetContentBySlug,
    ListContent,
    Page,
)
from aic.backend.application.sagas.content_publication import (
    CONTENT_PUBLICATION,
    publication_saga_id,
)
from aic.backend.domain import content_commands as cc
from aic.backend.domain.content import Content
from aic.backend.entrypoints.api.auth import Principal, authorize
from aic.backend.entrypoints.api.commands import IdempotencyKey, send
from aic.backend.entrypoints.api.content_schemas import (
    AIDraftRequest,
    CreateContentRequest,
    RejectRequest,
    RestoreRequest,
    ReviseContentRequest,
    ScheduleRequest,
)
from aic.backend.entrypoints.api.deps import ContainerDep
from aic.backend.entrypoints.api.lead_schemas import AcceptedCommand

__all__ = ["router"]

router = APIRouter(prefix="/api/content", tags=["content"])
ContentId = Annotated[str, Path(pattern=r"^[A-Za-z0-9][A-Za-z0-9._:@-]{0,127}$")]
Editor = Annotated[Principal, Depends(authorize("content:write"))]
Publisher = Annotated[Principal, Depends(authorize("content:publish"))]
_ACCEPTED: dict[str, Any] = {"status_code": status.HTTP_202_ACCEPTED}


async def _slug_free(container: ContainerDep, slug: str | None, content_id: str | None) -> None:
    if slug is None:
        return
    owner = await container.content.slug_owner(slug)
    if owner is not None and owner != content_id:
        raise ApiError(
            409, "slug_taken", f"The slug {slug!r} is used by {owner}.", {"owner": owner}
        )


@router.post("", **_ACCEPTED, summary="Create a draft")
async def create_draft(
    body: CreateContentRequest, request: Request, container: ContainerDep, principal: Editor,
    idempotency_key: IdempotencyKey = None,
) -> AcceptedCommand:  # fmt: skip
    scope = f"{principal.actor}:{idempotency_key}"
    content_id = str(derived_id("content", scope) if idempotency_key else uuid.uuid4())
    await _slug_free(container, body.slug, content_id)
    command = cc.CreateContentDraft(
        content_id=content_id, actor=principal.actor, **body.model_dump()
    )
    return await send(container, request, command, principal, idempotency_key, body.model_dump())


@router.get("", summary="Content by status, type, portal, segment")
async def list_content(
    container: ContainerDep,
    principal: Annotated[Principal, Depends(authorize("content:read"))],
    content_status: Annotated[str | None, Query(alias="status", max_length=40)] = None,
    content_type: Annotated[str | None, Query(max_length=60)] = None,
    portal: Annotated[str | None, Query(max_length=40)] = None,
    segment: Annotated[str | None, Query(max_length=40)] = None,
    published: Annotated[
        bool, Query(description="Only what is live, as visitors see it (always, signed out)")
    ] = False,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> Page[ContentView]:
    query = ListContent(
        status=content_status,
        content_type=content_type,
        portal=portal,
        segment=segment,
        # Visitors see what is live, whatever they ask for.
        published_only=published or not principal.can("content:unpublished"),
        limit=limit,
        offset=offset,
    )
    page: Page[ContentView] = await container.queries.ask(query)
    return page


@router.get("/{slug}", summary="One item by slug: the live revision, or the latest with preview")
async def get_content(
    slug: Annotated[str, Path(max_length=120)],
    container: ContainerDep,
    principal: Annotated[Principal, Depends(authorize("content:read_published"))],
    preview: Annotated[bool, Query(description="The latest revision (staff)")] = False,
) -> ContentView:
    if preview and not principal.can("content:unpublished"):
        raise ApiError(
            403 if principal.kind != "anonymous" else 401,
            "preview_forbidden" if principal.kind != "anonymous" else "unauthenticated",
            "Previews of unpublished revisions are for signed-in staff.",
        )
    view: ContentView | None = await container.queries.ask(
        GetContentBySlug(slug=slug, published_only=not preview)
    )
    if view is None:
        raise ApiError(404, "content_not_found", f"No content at {slug!r}.")
    return view


@router.get("/{content_id}/revisions", summary="Every revision of an item")
async def revisions(
    content_id: ContentId,
    container: ContainerDep,
    _: Annotated[Principal, Depends(authorize("content:read"))],
) -> list[ContentRevisionView]:
    found = await container.content.revisions(content_id)
    if not found:
        raise ApiError(404, "content_not_found", f"No content {content_id}.")
    return found


def _command_route(
    path: str,
    summary: str,
    build: Callable[[str, str, Any], cc.ContentCommand],
    body_model: type[BaseModel] | None = None,
    permission: str = "content:write",
) -> None:
    """Register ``POST /api/content/{content_id}/<path>`` sending the command ``build`` makes."""
    allowed = Annotated[Principal, Depends(authorize(permission))]

    if body_model is None:

        async def without_body(
            content_id: ContentId, request: Request, container: ContainerDep,
            principal: allowed, idempotency_key: IdempotencyKey = None,
        ) -> AcceptedCommand:  # fmt: skip
            command = build(content_id, principal.actor, None)
            return await send(container, request, command, principal, idempotency_key, {})

        endpoint: Any = without_body
    else:
        model: Any = body_model

        async def with_body(
            content_id: ContentId, body: model, request: Request, container: ContainerDep,
            principal: allowed, idempotency_key: IdempotencyKey = None,
        ) -> AcceptedCommand:  # fmt: skip
            data = body.model_dump(mode="json")
            if "slug" in data:
                await _slug_free(container, data["slug"], content_id)
            command = build(content_id, principal.actor, data)
            return await send(container, request, command, principal, idempotency_key, data)

        endpoint = with_body
    endpoint.__name__ = path.replace("-", "_")
    router.add_api_route(
        f"/{{content_id}}/{path}", endpoint, methods=["POST"], summary=summary, **_ACCEPTED
    )


_command_route(
    "revise", "Change fields: a new revision (back to draft)",
    lambda cid, actor, d: cc.ReviseContent(content_id=cid, actor=actor, **d), ReviseContentRequest,
)  # fmt: skip
_command_route(
    "ai-draft", "Keep a finished AI generation as a revision",
    lambda cid, actor, d: cc.RecordAIDraft(content_id=cid, actor=actor, **d), AIDraftRequest,
)  # fmt: skip
_command_route(
    "restore", "Restore an old revision as a new one",
    lambda cid, actor, d: cc.RestoreContentRevision(content_id=cid, actor=actor, **d),
    RestoreRequest,
)  # fmt: skip
_command_route(
    "submit", "Submit the draft for review",
    lambda cid, actor, _: cc.SubmitContentForReview(content_id=cid, actor=actor),
)  # fmt: skip
_command_route(
    "approve", "Approve the revision in review",
    lambda cid, actor, _: cc.ApproveContent(content_id=cid, actor=actor),
    permission="content:publish",
)  # fmt: skip
_command_route(
    "reject", "Send the revision in review back to draft",
    lambda cid, actor, d: cc.RejectContent(content_id=cid, actor=actor, **d), RejectRequest,
    permission="content:publish",
)  # fmt: skip
_command_route(
    "schedule", "Publish the approved revision at a future time",
    lambda cid, actor, d: cc.ScheduleContentPublication(content_id=cid, actor=actor, **d),
    ScheduleRequest, permission="content:publish",
)  # fmt: skip
_command_route(
    "cancel-schedule", "Cancel a scheduled publication",
    lambda cid, actor, _: cc.CancelScheduledPublication(content_id=cid, actor=actor),
    permission="content:publish",
)  # fmt: skip
_command_route(
    "unpublish", "Take the live revision off the portals",
    lambda cid, actor, _: cc.UnpublishContent(content_id=cid, actor=actor),
    permission="content:publish",
)  # fmt: skip
_command_route(
    "archive", "Archive for good (unpublishes first)",
    lambda cid, actor, _: cc.ArchiveContent(content_id=cid, actor=actor),
    permission="content:publish",
)  # fmt: skip


class PublicationStarted(BaseModel):
    saga_id: str
    revision: int


@router.post(
    "/{content_id}/publish",
    **_ACCEPTED,
    summary="Publish the approved revision now (runs the ContentPublicationSaga)",
)
async def publish(
    content_id: ContentId, container: ContainerDep, principal: Publisher
) -> PublicationStarted:
    content = (await container.sagas.repository.load(Content, content_id)).aggregate
    if not content.exists:
        raise ApiError(404, "content_not_found", f"No content {content_id}.")
    if content.status not in ("approved", "published"):
        raise ApiError(
            409,
            "content_not_approved",
            f"Content {content_id} is {content.status}; only approved content is published.",
            {"status": content.status},
        )
    revision = content.latest.number
    saga_id = await container.sagas.start(
        CONTENT_PUBLICATION,
        publication_saga_id(content_id, revision),
        {"content_id": content_id, "actor": principal.actor, "scheduled": False},
        wait=False,
    )
    return PublicationStarted(saga_id=saga_id, revision=revision)
