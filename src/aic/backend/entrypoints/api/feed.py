"""The audit feed of every stored event, in the global order, resumable by position."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, ConfigDict, Field

from aic.asgi import ApiError
from aic.backend.entrypoints.api.auth import Principal, authorize
from aic.backend.entrypoints.api.deps import ContainerDep
from aic.backend.entrypoints.api.examples import documented, fails

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
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "events": [
                        {
                            "position": 10481,
                            "stream_id": "lead-3f6c1a52-9b8e-4c1d-a7f2-5e0b9d4c2a10",
                            "version": 1,
                            "event_id": "8d2f0c7e-41a9-5b3e-9c6d-1f7a2b3c4d5e",
                            "type": "LeadCaptured",
                            "schema_version": 1,
                            "data": {
                                "lead_id": "3f6c1a52-9b8e-4c1d-a7f2-5e0b9d4c2a10",
                                "email": "ada@northwind.example",
                                "source_portal": "smb",
                            },
                            "metadata": {
                                "correlation_id": "c-5e1f0a",
                                "causation_id": "",
                                "actor": "public",
                            },
                            "recorded_at": "2026-11-24T09:12:03.512000+00:00",
                        }
                    ],
                    "next_after": 10481,
                }
            ]
        }
    )

    events: list[FeedEvent]
    next_after: int = Field(description="`after` for the next page (unchanged when empty)")


@router.get(
    "",
    summary="Audit feed: stored events after a position",
    responses=documented(
        fails(
            422,
            "unknown_position",
            "No event has position 99: use 0 or a position this feed returned.",
            {"after": 99},
        )
    ),
)
async def feed(
    container: ContainerDep,
    _: Annotated[Principal, Depends(authorize("events:read"))],
    after: Annotated[
        int, Query(ge=0, le=2**63 - 1, description="0: from the beginning; else a position")
    ] = 0,
    limit: Annotated[int, Query(ge=1, le=1000, description="Events per page")] = 100,
) -> Feed:
    """Every stored event in the global order of the event store, which never skips one that
    committed late. Pass `next_after` as `after` to read on; an empty page means the caller
    is up to date."""
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
