"""The loop shared by SSE and WebSocket: visible events out, heartbeats when idle."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Awaitable, Callable
from typing import Literal

from aic.backend.application.ports import StoredEvent
from aic.backend.application.realtime import (
    Audience,
    CloseReason,
    RealtimeHub,
    Subscription,
    SubscriptionClosed,
    Visible,
)
from aic.backend.entrypoints.realtime.credentials import CredentialCheck, CredentialLost, Lost
from aic.observability.logging import get_logger

__all__ = [
    "GOODBYE_SECONDS",
    "ClientGone",
    "Ending",
    "SendEvents",
    "pump",
    "run_subscription",
]

_log = get_logger("aic.realtime")

# How long the last words to a dropped client (why it ends) may take before it is cut off:
# a client stuck for good must not hold the connection's task.
GOODBYE_SECONDS = 5.0

SendEvents = Callable[[list[tuple[StoredEvent, Visible]]], Awaitable[None]]
# Why a subscriber's stream ended: the hub let go (slow, shutdown), the client left, its
# credential no longer holds (the access token expired, signed out or revoked, roles changed),
# or sending, reading the store or checking the credential failed (logged).
Ending = CloseReason | Lost | Literal["gone", "failed"]


class ClientGone(Exception):
    """Raised by a send function: the client has left (not a failure worth a warning)."""


async def pump(
    hub: RealtimeHub,
    subscription: Subscription,
    audience: Audience,
    heartbeat_seconds: float,
    send_events: SendEvents,
    send_heartbeat: Callable[[], Awaitable[None]],
    credential: CredentialCheck | None = None,
) -> CloseReason:
    """Send what ``audience`` may see of each batch, and a heartbeat after every
    ``heartbeat_seconds`` without a write, until the hub closes the subscription (why).
    ``credential`` is verified before each batch is sent (``CredentialLost`` when it no
    longer holds: that batch and any later one are never sent)."""
    pending: asyncio.Future[list[StoredEvent]] | None = None
    last_write = time.monotonic()
    try:
        while True:
            if pending is None:
                # A task, not a timeout around the call: a heartbeat never cancels a
                # replay's store read halfway.
                pending = asyncio.ensure_future(subscription.next_batch())
            wait = last_write + heartbeat_seconds - time.monotonic()
            done, _ = await asyncio.wait({pending}, timeout=max(0.0, wait))
            if not done:
                await send_heartbeat()
                last_write = time.monotonic()
                continue
            finished, pending = pending, None
            try:
                events = finished.result()
            except SubscriptionClosed as closed:
                return closed.reason
            visible = [(e, v) for e in events if (v := audience.view(e)) is not None]
            if visible:
                if credential is not None and (lost := await credential.verify()) is not None:
                    raise CredentialLost(lost)
                await send_events(visible)
                hub.record_delivered(subscription, len(visible))
                last_write = time.monotonic()
    finally:
        if pending is not None:
            pending.cancel()
            with contextlib.suppress(asyncio.CancelledError, SubscriptionClosed):
                await pending


async def run_subscription(
    hub: RealtimeHub,
    subscription: Subscription,
    audience: Audience,
    heartbeat_seconds: float,
    send_events: SendEvents,
    send_heartbeat: Callable[[], Awaitable[None]],
    client_gone: Awaitable[object],
    credential: CredentialCheck | None = None,
) -> Ending:
    """``pump`` until the hub lets go (even of a client stuck in a send: the send is
    cancelled), the client leaves, its ``credential`` no longer holds (re-checked on its
    interval and before each batch), or something fails."""
    feed = pump(
        hub, subscription, audience, heartbeat_seconds, send_events, send_heartbeat, credential
    )
    tasks: dict[asyncio.Future[object], Ending] = {
        asyncio.ensure_future(feed): "failed",
        asyncio.ensure_future(subscription.closed()): "failed",
        asyncio.ensure_future(client_gone): "gone",
    }
    if credential is not None:
        tasks[asyncio.ensure_future(_watch(credential))] = "failed"
    try:
        done, _ = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
    if subscription.close_reason is not None:
        return subscription.close_reason
    ended = next(iter(done))
    error = ended.exception()
    if isinstance(error, ClientGone):
        return "gone"
    if isinstance(error, CredentialLost):
        return error.reason
    if error is not None:
        _log.warning("realtime_stream_failed", transport=subscription.label, error=repr(error))
        return "failed"
    return tasks[ended]


async def _watch(credential: CredentialCheck) -> None:
    raise CredentialLost(await credential.watch())
