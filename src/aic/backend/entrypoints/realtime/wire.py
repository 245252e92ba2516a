"""The JSON form of an event sent to realtime subscribers, encoded once per view."""

from __future__ import annotations

import uuid
from collections import OrderedDict
from typing import Any

import orjson

from aic.backend.application.ports import StoredEvent
from aic.backend.application.realtime import Visible

__all__ = ["EncodedEvents", "encoded_events", "event_message"]


def event_message(event: StoredEvent, visible: Visible) -> dict[str, Any]:
    """What a subscriber receives of ``event`` (``data`` as its view shows it)."""
    return {
        "id": str(event.event_id),
        "type": event.type,
        "stream": event.stream_id,
        "version": event.version,
        "position": event.position,
        "recorded_at": event.recorded_at.isoformat(),
        "data": visible.data,
    }


class EncodedEvents:
    """The frames of recent events, per view and transport: hundreds of subscribers receive
    the same event at about the same time, and encoding it once serves all of them.

    Bounded by size as well as by count: a content draft can weigh 200 kB.
    """

    def __init__(self, max_entries: int = 4096, max_bytes: int = 32 * 2**20) -> None:
        self._max_entries = max_entries
        self._max_bytes = max_bytes
        self._bytes = 0
        self._cache: OrderedDict[tuple[uuid.UUID, str, str], bytes | str] = OrderedDict()

    @property
    def held_bytes(self) -> int:
        return self._bytes

    def sse_frame(self, event: StoredEvent, visible: Visible) -> bytes:
        """``id`` is the global position: a reconnecting EventSource sends it back."""
        key = (event.event_id, visible.view, "sse")
        found = self._cache.get(key)
        if not isinstance(found, bytes):
            head = f"id: {event.position}\nevent: {event.type}\ndata: ".encode()
            found = head + orjson.dumps(event_message(event, visible)) + b"\n\n"
            self._keep(key, found)
        return found

    def ws_text(self, event: StoredEvent, visible: Visible) -> str:
        key = (event.event_id, visible.view, "ws")
        found = self._cache.get(key)
        if not isinstance(found, str):
            found = orjson.dumps({"type": "event", "event": event_message(event, visible)}).decode()
            self._keep(key, found)
        return found

    def _keep(self, key: tuple[uuid.UUID, str, str], frame: bytes | str) -> None:
        self._cache[key] = frame
        self._bytes += len(frame)
        while len(self._cache) > self._max_entries or self._bytes > self._max_bytes:
            _, dropped = self._cache.popitem(last=False)
            self._bytes -= len(dropped)


def encoded_events(app: Any) -> EncodedEvents:
    """The app's one cache (made on first use): shared by its SSE and WebSocket routes."""
    found: EncodedEvents | None = getattr(app.state, "realtime_encoded", None)
    if found is None:
        found = app.state.realtime_encoded = EncodedEvents()
    return found
