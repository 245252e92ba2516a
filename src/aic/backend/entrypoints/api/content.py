"""Content routes: drafts, revisions, review, publication; public reads of what is live."""

# No `from __future__ import annotations`: the routes made in `_command_route` use local
# types in their signatures, which FastAPI must see as objects, not strings.

import uuid
from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request, status
from pydantic import BaseModel, ConfigDict, Field

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
from aic.backend.entrypoints.api.examples import (
    CONTENT_ID,
    CONTENT_REVISIONS,
    CONTENT_VIEW,
    Responses,
    documented,
    fails,
    not_found,
    ok,
    page,
    version_conflict,
)
from aic.backend.entrypoints.api.lead_schemas import AcceptedCommand

__all__ = ["router"]

router = APIRouter(prefix="/api/content", tags=["content"])
ContentId = Annotated[
    str,
    Path(
        pattern=r"^[A-Za-z0-9][A-Za-z0-9._:@-]{0,127}$",
        description="The item's id, as `POST /api/content` answered it.",
        examples=[CONTENT_ID],
    ),
]
Editor = Annotated[Principal, Depends(authorize("content:write"))]
Publisher = Annotated[Principal, Depends(authorize("content:publish"))]
_ACCEPTED: dict[str, Any] = {"status_code": status.HTTP_202_ACCEPTED}
_NO_CONTENT = not_found("content_not_found", f"no content {CONTENT_ID}")
_SLUG_TAKEN = fails(
    409,
    "slug_taken",
    f"The slug 'shorten-your-sales-cycle' is used by {CONTENT_ID}.",
    {"owner": CONTENT_ID},
)
_KEY_REUSED = fails(
    422,
    "idempotency_key_reused",
    "This Idempotency-Key was already used with a different request; use a new key.",
    {"idempotency_key": "draft-51c0"},
)
_ARCHIVED = fails(409, "content_archived", f"content {CONTENT_ID} is archived")


async def _slug_free(container: ContainerDep, slug: str | None, content_id: str | None) -> None:
    if slug is None:
        return
    owner = await container.content.slug_owner(slug)
    if owner is not None and owner != content_id:
        raise ApiError(
            409, "slug_taken", f"The slug {slug!r} is used by {owner}.", {"owner": owner}
        )


@router.post(
    "", **_ACCEPTED, summary="Create a draft", responses=documented(_SLUG_TAKEN, _KEY_REUSED)
)
async def create_draft(
    body: CreateContentRequest, request: Request, container: ContainerDep, principal: Editor,
    idempotency_key: IdempotencyKey = None,
) -> AcceptedCommand:  # fmt: skip
    """Start an item as revision 1, a draft; the answer's `id` is the new item. Its slug must
    be free: each slug belongs to one item."""
    scope = f"{principal.actor}:{idempotency_key}"
    content_id = str(derived_id("content", scope) if idempotency_key else uuid.uuid4())
    await _slug_free(container, body.slug, content_id)
    command = cc.CreateContentDraft(
        content_id=content_id, actor=principal.actor, **body.model_dump()
    )
    return await send(container, request, command, principal, idempotency_key, body.model_dump())


@router.get(
    "",
    summary="Content by status, type, portal, segment",
    responses=documented(ok(page([CONTENT_VIEW], total=12))),
)
async def list_content(
    container: ContainerDep,
    principal: Annotated[Principal, Depends(authorize("content:read"))],
    content_status: Annotated[
        str | None,
        Query(
            alias="status",
            max_length=40,
            description="draft, in_review, approved, scheduled, published, unpublished or "
            "archived (staff)",
        ),
    ] = None,
    content_type: Annotated[
        str | None, Query(max_length=60, description="article, case_study, landing_page ...")
    ] = None,
    portal: Annotated[
        str | None,
        Query(max_length=40, description="Only items shown on this portal: main, smb ..."),
    ] = None,
    segment: Annotated[
        str | None, Query(max_length=40, description="Only items for this segment (or `all`)")
    ] = None,
    published: Annotated[
        bool, Query(description="Only what is live, as visitors see it (always, signed out)")
    ] = False,
    limit: Annotated[int, Query(ge=1, le=200, description="Items per page")] = 50,
    offset: Annotated[
        int, Query(ge=0, le=1_000_000, description="Items to skip (the page's start)")
    ] = 0,
) -> Page[ContentView]:
    """Items from the content read model, newest change first. Visitors (and callers without
    the right to see unpublished content) get only live items, each at its live revision."""
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


@router.get(
    "/{slug}",
    summary="One item by slug: the live revision, or the latest with preview",
    responses=documented(
        ok(CONTENT_VIEW),
        not_found("content_not_found", "No content at 'shorten-your-sales-cycle'."),
        fails(
            403,
            "preview_forbidden",
            "Previews of unpublished revisions are for signed-in staff.",
        ),
    ),
)
async def get_content(
    slug: Annotated[
        str,
        Path(
            max_length=120,
            description="The item's slug, as in its portal address",
            examples=["shorten-your-sales-cycle"],
        ),
    ],
    container: ContainerDep,
    principal: Annotated[Principal, Depends(authorize("content:read_published"))],
    preview: Annotated[bool, Query(description="The latest revision (staff)")] = False,
) -> ContentView:
    """What a portal renders at `/<slug>`: open to visitors for live items. With `preview`,
    staff see the latest revision, whatever its status."""
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


@router.get(
    "/{content_id}/revisions",
    summary="Every revision of an item",
    responses=documented(
        ok(CONTENT_REVISIONS), not_found("content_not_found", f"No content {CONTENT_ID}.")
    ),
)
async def revisions(
    content_id: ContentId,
    container: ContainerDep,
    _: Annotated[Principal, Depends(authorize("content:read"))],
) -> list[ContentRevisionView]:
    """Oldest first: who made each revision and how (created, revised, an AI draft, a
    restore); `POST .../restore` brings one back as a new revision."""
    found = await container.content.revisions(content_id)
    if not found:
        raise ApiError(404, "content_not_found", f"No content {content_id}.")
    return found


def _command_route(
    path: str,
    summary: str,
    description: str,
    build: Callable[[str, str, Any], cc.ContentCommand],
    body_model: type[BaseModel] | None = None,
    permission: str = "content:write",
    errors: tuple[Responses, ...] = (),
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
        f"/{{content_id}}/{path}",
        endpoint,
        methods=["POST"],
        summary=summary,
        description=description,
        responses=documented(_NO_CONTENT, version_conflict(), _ARCHIVED, *errors, _KEY_REUSED),
        **_ACCEPTED,
    )


def _not_in(status: str, code: str, current: str = "draft") -> Responses:
    return fails(409, code, f"content {CONTENT_ID} is {current}, not {status}")


_command_route(
    "revise", "Change fields: a new revision (back to draft)",
    "Only the fields sent change; the result is a new revision, a draft again (a live "
    "revision stays live until the new one is published). A new slug must be free.",
    lambda cid, actor, d: cc.ReviseContent(content_id=cid, actor=actor, **d), ReviseContentRequest,
    errors=(_SLUG_TAKEN,),
)  # fmt: skip
_command_route(
    "ai-draft", "Keep a finished AI generation as a revision",
    "The gateway sends this when a streamed generation completes: the text becomes a new "
    "draft revision, recording the provider, model and prompt parameters. Sent for an id "
    "with no item yet, it creates the item.",
    lambda cid, actor, d: cc.RecordAIDraft(content_id=cid, actor=actor, **d), AIDraftRequest,
    errors=(_SLUG_TAKEN,),
)  # fmt: skip
_command_route(
    "restore", "Restore an old revision as a new one",
    "Copies the fields of `revision` into a new draft revision; history is never rewritten.",
    lambda cid, actor, d: cc.RestoreContentRevision(content_id=cid, actor=actor, **d),
    RestoreRequest,
)  # fmt: skip
_command_route(
    "submit", "Submit the draft for review",
    "The latest revision goes to review; it needs a body.",
    lambda cid, actor, _: cc.SubmitContentForReview(content_id=cid, actor=actor),
    errors=(fails(409, "content_body_empty", f"content {CONTENT_ID} has no body yet"),
            _not_in("draft", "content_not_draft", current="in_review")),
)  # fmt: skip
_command_route(
    "approve", "Approve the revision in review",
    "The revision in review becomes approved: ready to publish now or to schedule.",
    lambda cid, actor, _: cc.ApproveContent(content_id=cid, actor=actor),
    permission="content:publish", errors=(_not_in("in_review", "content_not_in_review"),),
)  # fmt: skip
_command_route(
    "reject", "Send the revision in review back to draft",
    "The revision in review goes back to draft, with the reason for its author.",
    lambda cid, actor, d: cc.RejectContent(content_id=cid, actor=actor, **d), RejectRequest,
    permission="content:publish", errors=(_not_in("in_review", "content_not_in_review"),),
)  # fmt: skip
_command_route(
    "schedule", "Publish the approved revision at a future time",
    "The publication scheduler publishes it when `publish_at` comes (one replica does, "
    "under a lease).",
    lambda cid, actor, d: cc.ScheduleContentPublication(content_id=cid, actor=actor, **d),
    ScheduleRequest, permission="content:publish",
    errors=(fails(409, "content_not_approved",
                  f"content {CONTENT_ID} is draft; only approved content is published"),
            fails(422, "publish_at_not_in_future", "a scheduled publication needs a time after "
                  "now", {"publish_at": "2026-01-01T09:00:00Z", "now": "2026-11-24T09:12:03Z"})),
)  # fmt: skip
_command_route(
    "cancel-schedule", "Cancel a scheduled publication",
    "The item goes back to approved; nothing is published.",
    lambda cid, actor, _: cc.CancelScheduledPublication(content_id=cid, actor=actor),
    permission="content:publish", errors=(_not_in("scheduled", "content_not_scheduled"),),
)  # fmt: skip
_command_route(
    "unpublish", "Take the live revision off the portals",
    "Visitors no longer see the item; its revisions stay, and it can be published again.",
    lambda cid, actor, _: cc.UnpublishContent(content_id=cid, actor=actor),
    permission="content:publish",
    errors=(fails(409, "content_not_published", f"content {CONTENT_ID} is not live"),),
)  # fmt: skip
_command_route(
    "archive", "Archive for good (unpublishes first)",
    "An archived item takes no further command; a live one is unpublished first.",
    lambda cid, actor, _: cc.ArchiveContent(content_id=cid, actor=actor),
    permission="content:publish",
)  # fmt: skip


class PublicationStarted(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"saga_id": f"content-publication-{CONTENT_ID}-r3", "revision": 3}]
        }
    )

    saga_id: str = Field(description="Follow it at `GET /api/sagas/{saga_id}`")
    revision: int = Field(description="The revision being published")


@router.post(
    "/{content_id}/publish",
    **_ACCEPTED,
    summary="Publish the approved revision now (runs the ContentPublicationSaga)",
    responses=documented(
        _NO_CONTENT,
        fails(
            409,
            "content_not_approved",
            f"Content {CONTENT_ID} is draft; only approved content is published.",
            {"status": "draft"},
        ),
    ),
)
async def publish(
    content_id: ContentId, container: ContainerDep, principal: Publisher
) -> PublicationStarted:
    """Starts the ContentPublicationSaga (publish, index for search and vectors, notify) and
    answers at once; publishing an item already live again is harmless."""
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
