"""``GET /api/events/stream``: Server-Sent Events of what the caller may see, resumable."""

from __future__ import annotations

import asyncio
import contextlib
from typing import Annotated, get_args

import orjson
from fastapi import APIRouter, Header, Query, Request, Response
from starlette.types import Message, Receive, Scope, Send

from aic.asgi import ApiError
from aic.asgi.responses import send_json_error
from aic.backend.application.ports import StoredEvent
from aic.backend.application.realtime import (
    Audience,
    HubUnavailable,
    RealtimeHub,
    TooManySubscribers,
    Visible,
)
from aic.backend.entrypoints.realtime.access import (
    MAX_POSITION,
    audience_for,
    check_position,
    credential_check,
    parse_topics,
    subscriber,
)
from aic.backend.entrypoints.realtime.credentials import CredentialCheck, Lost
from aic.backend.entrypoints.realtime.pump import GOODBYE_SECONDS, Ending, run_subscription
from aic.backend.entrypoints.realtime.wire import EncodedEvents, encoded_events
from aic.contracts.errors import JSON_ERROR_RESPONSES
from aic.contracts.streams import SSE_EVENT_SCHEMA
from aic.observability.logging import get_logger

__all__ = ["EventStream", "router"]

router = APIRouter(prefix="/api/events", tags=["events"])
_log = get_logger("aic.realtime")
_LOST = frozenset(get_args(Lost))

_RETRY_MS = 2000  # how long a browser's EventSource waits before it reconnects
_EXAMPLE = (
    f"retry: {_RETRY_MS}\nevent: subscribed\n"
    'data: {"topics":["leads","notifications"],"denied":[]}\n\n'
    "id: 10482\nevent: LeadScored\n"
    'data: {"id":"6a1e9c3d-58b2-4f0a-9e7d-3c2b1a0f9e8d","type":"LeadScored",'
    '"stream":"lead-3f6c1a52-9b8e-4c1d-a7f2-5e0b9d4c2a10","version":3,"position":10482,'
    '"recorded_at":"2026-11-24T09:12:04.311000+00:00","data":{"score":78.0,"model":"rules"}}\n\n'
    ": heartbeat\n\n"
)
_GOODBYE: dict[Ending, bytes] = {
    "slow": b": closed: too slow; reconnect with Last-Event-ID to continue\n\n",
    "shutdown": b": closed: the server is restarting; reconnect with Last-Event-ID\n\n",
    "expired": b": closed: the access token expired; reconnect with a new one and `after`\n\n",
    "revoked": b": closed: signed out or access revoked; sign in again\n\n",
    "roles_changed": b": closed: your roles changed; reconnect with Last-Event-ID\n\n",
}
_HEADERS = [
    (b"content-type", b"text/event-stream; charset=utf-8"),
    (b"cache-control", b"no-cache, no-transform"),
    (b"x-accel-buffering", b"no"),  # nginx and the like: pass each event on at once
]


def _body(chunk: bytes, more: bool = True) -> Message:
    return {"type": "http.response.body", "body": chunk, "more_body": more}


class EventStream(Response):
    """The streaming response: subscribes as it starts; ends when the client leaves, the hub
    lets go of it (too slow, shutdown) or its credential no longer holds (the access token
    expired, signed out, revoked, roles changed); always unsubscribes."""

    media_type = "text/event-stream"

    def __init__(
        self,
        hub: RealtimeHub,
        audience: Audience,
        after: int | None,
        heartbeat_seconds: float,
        encoded: EncodedEvents,
        credential: CredentialCheck | None = None,
    ) -> None:
        super().__init__()
        self._hub = hub
        self._audience = audience
        self._credential = credential
        self._after = after
        self._heartbeat = heartbeat_seconds
        self._encoded = encoded

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            async with self._hub.subscribe(label="sse", after=self._after) as subscription:
                await send({"type": "http.response.start", "status": 200, "headers": _HEADERS})
                await send(_body(self._preamble()))

                async def send_events(batch: list[tuple[StoredEvent, Visible]]) -> None:
                    frames = [self._encoded.sse_frame(event, view) for event, view in batch]
                    await send(_body(b"".join(frames)))

                async def send_heartbeat() -> None:
                    await send(_body(b": heartbeat\n\n"))

                async def disconnected() -> None:
                    while (await receive())["type"] != "http.disconnect":
                        pass

                reason = await run_subscription(
                    self._hub, subscription, self._audience, self._heartbeat,
                    send_events, send_heartbeat, disconnected(), self._credential,
                )  # fmt: skip
        except TooManySubscribers as exc:
            await send_json_error(send, 503, "too_many_subscribers", f"{exc}; retry later.")
            return
        except HubUnavailable as exc:
            await send_json_error(send, 503, "realtime_unavailable", f"{exc}; retry shortly.")
            return
        if reason == "gone":
            return
        if reason in _LOST:
            _log.info("realtime_credential_lost", transport="sse", reason=reason)
        goodbye = _GOODBYE.get(reason, b"")
        # A client too slow to take even this is given up on after a moment.
        with contextlib.suppress(Exception):
            async with asyncio.timeout(GOODBYE_SECONDS):
                await send(_body(goodbye, more=False))

    def _preamble(self) -> bytes:
        subscribed = orjson.dumps(
            {"topics": self._audience.topics, "denied": list(self._audience.denied)}
        )
        return b"retry: %d\nevent: subscribed\ndata: %s\n\n" % (_RETRY_MS, subscribed)


@router.get(
    "/stream",
    summary="Live events the caller may see (Server-Sent Events), resumable",
    response_class=EventStream,
    status_code=200,  # EventStream takes no status_code, so FastAPI cannot infer one
    responses={
        200: {"content": {"text/event-stream": {"schema": SSE_EVENT_SCHEMA, "example": _EXAMPLE}}},
        **JSON_ERROR_RESPONSES,
    },
    response_description="`id:` global position, `event:` type, `data:` the event as JSON",
)
async def stream(
    request: Request,
    topics: Annotated[
        list[str] | None,
        Query(description="Comma-separated: leads, content, notifications, sagas, accounts"),
    ] = None,
    after: Annotated[
        int | None,
        Query(ge=0, le=MAX_POSITION, description="Replay the events after this position first"),
    ] = None,
    last_event_id: Annotated[
        str | None,
        Header(description="Sent by a reconnecting EventSource: resume after it (wins)"),
    ] = None,
) -> EventStream:
    """One `subscribed` event names the topics granted (and those the caller's roles deny),
    then each stored event the caller may see as it commits: `id:` is its global position,
    `data:` its JSON. Idle streams get a `: heartbeat` comment. A reconnecting client sends
    `Last-Event-ID` (browsers do) or `after`, and gets what it missed first. Browsers pass
    the access token as `access_token` in the query, or use the session cookie."""
    principal = await subscriber(request)
    audience = audience_for(principal, parse_topics(topics))
    container = request.app.state.container
    resume = _resume_position(last_event_id, after)
    if resume is not None:
        await check_position(container.store, resume)
    return EventStream(
        container.realtime,
        audience,
        resume,
        container.settings.realtime_heartbeat_seconds,
        encoded_events(request.app),
        credential_check(request, principal),
    )


def _resume_position(last_event_id: str | None, after: int | None) -> int | None:
    if last_event_id is None or not last_event_id.strip():
        return after
    value = last_event_id.strip()
    if not (value.isascii() and value.isdigit()) or int(value) > MAX_POSITION:
        raise ApiError(
            422,
            "invalid_last_event_id",
            "Last-Event-ID must be the position (`id:`) of an event this stream sent.",
            {"last_event_id": last_event_id[:40]},
        )
    return int(value)
