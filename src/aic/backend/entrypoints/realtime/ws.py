"""``/api/ws``: the realtime WebSocket (subscribe to topics, resume by position, ping)."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Coroutine
from typing import Any

import orjson
from fastapi import APIRouter, WebSocket, WebSocketException
from starlette.websockets import WebSocketDisconnect, WebSocketState

from aic.asgi import ApiError
from aic.backend.application.ports import StoredEvent
from aic.backend.application.realtime import (
    HubUnavailable,
    RealtimeHub,
    TooManySubscribers,
    Visible,
)
from aic.backend.entrypoints.api.auth import Principal
from aic.backend.entrypoints.realtime.access import (
    audience_for,
    check_position,
    credential_check,
    subscriber,
)
from aic.backend.entrypoints.realtime.credentials import Lost
from aic.backend.entrypoints.realtime.pump import (
    GOODBYE_SECONDS,
    ClientGone,
    Ending,
    run_subscription,
)
from aic.backend.entrypoints.realtime.wire import EncodedEvents, encoded_events
from aic.backend.entrypoints.realtime.ws_messages import (
    CLOSE_FAILED,
    CLOSE_FORBIDDEN,
    CLOSE_SHUTDOWN,
    CLOSE_SLOW,
    CLOSE_TRY_LATER,
    CLOSE_UNAUTHENTICATED,
    InvalidMessage,
    Ping,
    Subscribe,
    error_message,
    parse_client_message,
)
from aic.observability.logging import get_logger

__all__ = ["close_refused_websocket", "router"]

router = APIRouter()

_HEARTBEAT = '{"type":"heartbeat"}'
# The close of a connection whose credentials no longer hold: sign in (or refresh) again, or
# (roles changed) reconnect and get what the roles now allow.
_LOST: dict[Lost, tuple[int, str]] = {
    "expired": (CLOSE_UNAUTHENTICATED, "token_expired"),
    "revoked": (CLOSE_UNAUTHENTICATED, "credentials_revoked"),
    "roles_changed": (CLOSE_FORBIDDEN, "roles_changed"),
}
_log = get_logger("aic.realtime")


@router.websocket("/api/ws")
async def realtime_socket(websocket: WebSocket) -> None:
    try:
        principal = await subscriber(websocket)
    except ApiError as exc:
        # Accepted first, so that a browser sees the code (a refused handshake shows none).
        await websocket.accept()
        code = CLOSE_UNAUTHENTICATED if exc.status_code == 401 else CLOSE_FORBIDDEN
        await websocket.close(code, exc.code)
        return
    await websocket.accept()
    await _Session(websocket, principal).run()


async def close_refused_websocket(websocket: WebSocket, exc: Exception) -> None:
    """The app's handler of ``WebSocketException`` (the access check refusing a handshake):
    accept, then close with the code, since a browser never learns why a handshake failed."""
    assert isinstance(exc, WebSocketException)
    if websocket.client_state is WebSocketState.CONNECTING:
        await websocket.accept()
    await websocket.close(exc.code, exc.reason[:120])


class _Session:
    """One connection: reads client messages; one feed task at a time sends events."""

    def __init__(self, websocket: WebSocket, principal: Principal) -> None:
        container = websocket.app.state.container
        self._socket = websocket
        self._principal = principal
        self._credential = credential_check(websocket, principal)
        self._hub: RealtimeHub = container.realtime
        self._store = container.store
        self._heartbeat: float = container.settings.realtime_heartbeat_seconds
        self._encoded: EncodedEvents = encoded_events(websocket.app)
        self._send_lock = asyncio.Lock()
        self._feed: asyncio.Task[None] | None = None
        self._last_position: int | None = None
        self._closing = False
        self._closed = asyncio.Event()  # the server closed (or gave up on) the connection

    async def run(self) -> None:
        """Until the client leaves or the server closes the connection."""
        self._start(self._idle())
        tasks = [
            asyncio.ensure_future(self._read()),
            asyncio.ensure_future(self._closed.wait()),
            asyncio.ensure_future(self._watch()),
        ]
        try:
            await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            await self._stop_feed()

    async def _watch(self) -> None:
        """Close when the credentials the connection opened with no longer hold (re-checked
        every ``AIC_REALTIME_RECHECK_SECONDS``, subscribed or not). Once lost, the feed sends
        no further event (it verifies the same check before each batch)."""
        try:
            lost = await self._credential.watch()
        except Exception as exc:  # the identity store failed: end rather than go unchecked
            _log.warning("realtime_credential_check_failed", error=repr(exc))
            await self._close(CLOSE_FAILED, "credential check failed: reconnect")
            return
        await self._lose(lost)

    async def _lose(self, lost: Lost) -> None:
        _log.info("realtime_credential_lost", transport="ws", reason=lost)
        await self._close(*_LOST[lost])

    async def _read(self) -> None:
        try:
            while True:
                message = await self._socket.receive()
                if message["type"] == "websocket.disconnect":
                    return
                text = message.get("text")
                await self._handle(text if text is not None else message.get("bytes") or b"")
        except ClientGone:
            return
        except Exception as exc:  # never expected: end this connection, say why in the log
            _log.warning("realtime_socket_failed", error=repr(exc))

    async def _handle(self, text: str | bytes) -> None:
        try:
            message = parse_client_message(text)
        except InvalidMessage as exc:
            await self._send(error_message(exc.code, exc.message, exc.details))
            return
        if isinstance(message, Ping):
            await self._send(orjson.dumps({"type": "pong", "id": message.id}).decode())
        elif isinstance(message, Subscribe):
            await self._subscribe(message)
        else:
            await self._stop_feed()
            self._start(self._idle())
            await self._send('{"type":"unsubscribed"}')

    async def _subscribe(self, message: Subscribe) -> None:
        lost = await self._credential.verify()
        if lost is not None:
            await self._lose(lost)
            return
        try:
            audience = audience_for(self._principal, message.topics or None)  # []: all
            if message.after is not None:
                await check_position(self._store, message.after)
        except ApiError as exc:
            await self._send(error_message(exc.code, exc.message, exc.details))
            return
        await self._stop_feed()
        reply = {
            "type": "subscribed",
            "topics": audience.topics,
            "denied": list(audience.denied),
            "after": message.after,
        }
        await self._send(orjson.dumps(reply).decode())

        async def feed() -> None:
            try:
                async with self._hub.subscribe(label="ws", after=message.after) as subscription:
                    ending = await run_subscription(
                        self._hub, subscription, audience, self._heartbeat,
                        self._send_events, self._send_heartbeat, asyncio.Event().wait(),
                        self._credential,
                    )  # fmt: skip
            except (HubUnavailable, TooManySubscribers) as exc:
                await self._close(CLOSE_TRY_LATER, f"{exc}; retry shortly")
                return
            await self._end(ending)

        self._start(feed())

    async def _end(self, ending: Ending) -> None:
        resume = f"after={self._last_position}" if self._last_position is not None else "after"
        if ending == "slow":
            await self._close(CLOSE_SLOW, f"too slow: reconnect and subscribe with {resume}")
        elif ending == "shutdown":
            await self._close(CLOSE_SHUTDOWN, f"server restarting: reconnect with {resume}")
        elif ending == "failed":
            await self._close(CLOSE_FAILED, f"stream failed: reconnect with {resume}")
        elif ending in _LOST:
            await self._close(*_LOST[ending])

    async def _idle(self) -> None:
        """Heartbeats while no subscription is active."""
        while True:
            await asyncio.sleep(self._heartbeat)
            await self._send_heartbeat()

    async def _send_events(self, batch: list[tuple[StoredEvent, Visible]]) -> None:
        for event, view in batch:
            await self._send(self._encoded.ws_text(event, view))
            self._last_position = event.position

    async def _send_heartbeat(self) -> None:
        await self._send(_HEARTBEAT)

    async def _send(self, text: str) -> None:
        async with self._send_lock:
            try:
                await self._socket.send_text(text)
            except WebSocketDisconnect:
                raise ClientGone from None

    async def _close(self, code: int, reason: str) -> None:
        """Close once: a second caller (the feed and the credential watcher may both end the
        connection) waits for the first close to finish."""
        if self._closing:
            await self._closed.wait()
            return
        self._closing = True
        try:
            if self._socket.application_state is WebSocketState.DISCONNECTED:
                return
            # A client too slow to take the close frame is cut off after a moment (the
            # server drops the connection once this handler returns).
            with contextlib.suppress(Exception):
                async with asyncio.timeout(GOODBYE_SECONDS):
                    await self._socket.close(code, reason[:120])
        finally:
            self._closed.set()

    def _start(self, work: Coroutine[Any, Any, None]) -> None:
        self._feed = asyncio.ensure_future(work)

    async def _stop_feed(self) -> None:
        if self._feed is not None:
            self._feed.cancel()
            await asyncio.gather(self._feed, return_exceptions=True)
            self._feed = None
