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
    """The JSON of recent events, per view: hundreds of subscribers receive the same event
    at about the same time, and encoding it once per view serves all of them."""

    def __init__(self, size: int = 4096) -> None:
        self._size = size
        self._cache: OrderedDict[tuple[uuid.UUID, str], bytes] = OrderedDict()

    def json(self, event: StoredEvent, visible: Visible) -> bytes:
        key = (event.event_id, visible.view)
        found = self._cache.get(key)
        if found is None:
            found = orjson.dumps(event_message(event, visible))
            self._cache[key] = found
            if len(self._cache) > self._size:
                self._cache.popitem(last=False)
        return found

    def sse_frame(self, event: StoredEvent, visible: Visible) -> bytes:
        """``id`` is the global position: a reconnecting EventSource sends it back."""
        head = f"id: {event.position}\nevent: {event.type}\ndata: ".encode()
        return head + self.json(event, visible) + b"\n\n"

    def ws_text(self, event: StoredEvent, visible: Visible) -> str:
        return '{"type":"event","event":' + self.json(event, visible).decode() + "}"


def encoded_events(app: Any) -> EncodedEvents:
    """The app's one cache (made on first use): shared by its SSE and WebSocket routes."""
    found: EncodedEvents | None = getattr(app.state, "realtime_encoded", None)
    if found is None:
        found = app.state.realtime_encoded = EncodedEvents()
    return found
