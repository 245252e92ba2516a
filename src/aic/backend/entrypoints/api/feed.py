"""The audit feed of every stored event, in the global order, resumable by position."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, Field

from aic.asgi import ApiError
from aic.backend.entrypoints.api.auth import Principal, authorize
from aic.backend.entrypoints.api.deps import ContainerDep

__all__ = ["router"]

router = APIRouter(prefix="/api/events", tags=["events"])


class FeedEvent(BaseModel):
    position: int = Field(description="Pass the last one as `after` to continue")
    stream_id: str
    version: int
    event_id: str
    type: str
    schema_version: int
    data: dict[str, Any]
    metadata: dict[str, str | None]
    recorded_at: str


class Feed(BaseModel):
    events: list[FeedEvent]
    next_after: int = Field(description="`after` for the next page (unchanged when empty)")


@router.get("", summary="Audit feed: stored events after a position")
async def feed(
    container: ContainerDep,
    _: Annotated[Principal, Depends(authorize("events:read"))],
    after: Annotated[
        int, Query(ge=0, le=2**63 - 1, description="0: from the beginning; else a position")
    ] = 0,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> Feed:
    try:
        stored = await container.store.read_all(after=after, limit=limit)
    except ValueError:  # no event has that position
        raise ApiError(
            422,
            "unknown_position",
            f"No event has position {after}: use 0 or a position this feed returned.",
            {"after": after},
        ) from None
    events = [
        FeedEvent(
            position=e.position,
            stream_id=e.stream_id,
            version=e.version,
            event_id=str(e.event_id),
            type=e.type,
            schema_version=e.schema_version,
            data=dict(e.data),
            metadata=e.metadata.to_dict(),
            recorded_at=e.recorded_at.isoformat(),
        )
        for e in stored
    ]
    return Feed(events=events, next_after=events[-1].position if events else after)
