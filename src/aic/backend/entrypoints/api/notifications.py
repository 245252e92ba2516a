"""In-app notifications of the signed-in account (and of the roles it holds)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query

from aic.backend.application.queries import ListNotifications, NotificationView, Page
from aic.backend.entrypoints.api.auth import Principal, authorize
from aic.backend.entrypoints.api.deps import ContainerDep
from aic.backend.entrypoints.api.examples import NOTIFICATION, documented, ok, page

__all__ = ["router"]

router = APIRouter(prefix="/api/notifications", tags=["notifications"])


@router.get(
    "",
    summary="My notifications, newest first",
    responses=documented(ok(page([NOTIFICATION], total=3))),
)
async def list_notifications(
    container: ContainerDep,
    principal: Annotated[Principal, Depends(authorize("notifications:read"))],
    unread: Annotated[bool, Query(description="Only the unread ones")] = False,
    limit: Annotated[int, Query(ge=1, le=200, description="Notifications per page")] = 50,
    offset: Annotated[
        int, Query(ge=0, le=100_000, description="Notifications to skip (the page's start)")
    ] = 0,
) -> Page[NotificationView]:
    """Those sent to my account and those sent to a role I hold (`role:sales`, ...). New
    ones also arrive live on `GET /api/events/stream?topics=notifications`."""
    query = ListNotifications(
        account_id=principal.id,
        roles=tuple(sorted(principal.roles)),
        unread_only=unread,
        limit=limit,
        offset=offset,
    )
    page: Page[NotificationView] = await container.queries.ask(query)
    return page
