"""How the OpenAPI documents describe a Server-Sent Events response: the shape of each event."""

from __future__ import annotations

from typing import Any

__all__ = ["SSE_EVENT_SCHEMA"]

# Tools read a `text/event-stream` schema as the schema of one event, parsed from its
# `event:`, `data:`, `id:` and `retry:` lines (OpenAPI 3.2 calls it `itemSchema`).
SSE_EVENT_SCHEMA: dict[str, Any] = {
    "type": "object",
    "description": "One server-sent event; `data` is JSON text unless the event says otherwise.",
    "properties": {
        "event": {"type": "string"},
        "data": {"type": "string"},
        "id": {"type": "string"},
        "retry": {"type": "integer", "minimum": 0},
    },
}
