"""``POST /api/track``: a batch of visitor events; bad ones are refused one by one."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, StringConstraints, TypeAdapter
from pydantic import ValidationError as PydanticValidationError

from aic.asgi.errors import validation_details
from aic.backend.application.tracking import TrackedEvent
from aic.backend.entrypoints.api.auth import Principal, authorize
from aic.backend.entrypoints.api.deps import ContainerDep
from aic.backend.entrypoints.api.storable import unstorable_fields

__all__ = ["router"]

router = APIRouter(prefix="/api/track", tags=["tracking"])

Id = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$")]
Short = Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)]
Url = Annotated[str, StringConstraints(max_length=2000)]


class TrackEventIn(BaseModel):
    """One behaviour. ``event_id`` lets a client resend a batch without double counting."""

    model_config = ConfigDict(extra="forbid")

    event_id: Id | None = None
    kind: Literal[
        "page_view", "click", "form_submit", "search", "download", "email_open", "email_click"
    ]
    visitor_id: Id
    session_id: Id | None = None
    portal: Literal["main", "smb", "enterprise", "nexus", "admin", "email"] | None = None
    path: Url | None = Field(default=None, examples=["/pricing"])
    referrer: Url | None = None
    form: Short | None = Field(default=None, examples=["demo"])
    query: Short | None = None
    utm_source: Short | None = None
    utm_medium: Short | None = None
    utm_campaign: Short | None = None
    occurred_at: AwareDatetime | None = Field(default=None, description="Default: when received")
    properties: dict[str, str | int | float | bool | None] = Field(
        default_factory=dict, max_length=20
    )


class TrackBatch(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "events": [
                        {
                            "event_id": "te-81c2",
                            "kind": "page_view",
                            "visitor_id": "v-7f3a2c",
                            "session_id": "s-19d4",
                            "portal": "smb",
                            "path": "/pricing",
                            "referrer": "https://www.google.com/",
                            "occurred_at": "2026-11-24T09:11:40Z",
                        },
                        {
                            "event_id": "te-81c3",
                            "kind": "form_submit",
                            "visitor_id": "v-7f3a2c",
                            "session_id": "s-19d4",
                            "portal": "smb",
                            "path": "/demo",
                            "form": "demo",
                        },
                    ]
                }
            ]
        },
    )

    # Validated one by one in the route (a bad event is refused alone), so typed ``Any`` here;
    # the document still shows clients what each event is.
    events: list[Any] = Field(
        min_length=1,
        max_length=500,
        description="Visitor events; an invalid one is refused alone (see `rejected`).",
        json_schema_extra={"items": TrackEventIn.model_json_schema()},
    )


class Rejected(BaseModel):
    index: int
    errors: list[dict[str, str]]


class TrackResult(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "accepted": 2,
                    "stored": 1,
                    "rejected": [
                        {
                            "index": 2,
                            "errors": [
                                {
                                    "field": "kind",
                                    "message": "Input should be 'page_view', 'click', "
                                    "'form_submit', 'search', 'download', 'email_open' or "
                                    "'email_click'",
                                    "type": "literal_error",
                                }
                            ],
                        }
                    ],
                }
            ]
        }
    )

    accepted: int = Field(description="Events in the batch that were valid")
    stored: int = Field(description="Of those, new ones (a resent event_id is stored once)")
    rejected: list[Rejected]


_EVENT = TypeAdapter(TrackEventIn)


@router.post("", summary="Record a batch of visitor events (public)")
async def track(
    batch: TrackBatch,
    container: ContainerDep,
    _: Annotated[Principal, Depends(authorize("tracking:write"))],
) -> TrackResult:
    """What visitors do on the portals (page views, clicks, forms, downloads, e-mail opens)
    goes to the tracking store, not to aggregates. Each event is checked alone: valid ones are
    stored and invalid ones listed in `rejected` by their index, so one bad event does not
    lose the batch. A resent `event_id` is stored once. A pricing view or a demo request by a
    visitor linked to a lead wakes the engagement signals, which rescore the lead."""
    received = datetime.now(UTC)
    good: list[TrackedEvent] = []
    rejected: list[Rejected] = []
    for index, raw in enumerate(batch.events):
        try:
            item = _EVENT.validate_python(raw)
        except PydanticValidationError as exc:
            rejected.append(Rejected(index=index, errors=validation_details(exc.errors())))
            continue
        unstorable = unstorable_fields(raw, "")
        if unstorable:
            errors = [
                {
                    "field": f.lstrip("."),
                    "message": "unstorable character",
                    "type": "unstorable_text",
                }
                for f in unstorable
            ]
            rejected.append(Rejected(index=index, errors=errors))
            continue
        data = item.model_dump(exclude={"occurred_at", "event_id"})
        try:
            occurred = _iso(item.occurred_at or received)
        except OverflowError:
            error = {"field": "occurred_at", "message": "out of range", "type": "out_of_range"}
            rejected.append(Rejected(index=index, errors=[error]))
            continue
        good.append(
            TrackedEvent(
                event_id=item.event_id or uuid.uuid4().hex,
                occurred_at=occurred,
                **data,
            )
        )
    stored = await container.tracking.append(good, _iso(received)) if good else 0
    if stored:
        container.wake_engagement()
    return TrackResult(accepted=len(good), stored=stored, rejected=rejected)


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")
