"""Server-sent events: named events with JSON data, and an error event for a failed stream."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import orjson
from fastapi.responses import StreamingResponse

from aic.asgi.errors import ApiError
from aic.contracts.errors import error_payload
from aic.contracts.streams import SSE_EVENT_SCHEMA
from aic.observability.logging import get_logger

__all__ = ["SSE_RESPONSES", "sse_event", "sse_response"]

_log = get_logger("aic.ai.sse")

SSE_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "JSON, or with `stream: true` server-sent events",
        "content": {"text/event-stream": {"schema": SSE_EVENT_SCHEMA}},
    }
}


def sse_event(event: str, data: Any) -> bytes:
    return b"event: " + event.encode() + b"\ndata: " + orjson.dumps(data) + b"\n\n"


async def _guarded(events: AsyncIterator[bytes]) -> AsyncIterator[bytes]:
    """A failure after the response started becomes an ``error`` event in the one format."""
    try:
        async for chunk in events:
            yield chunk
    except ApiError as exc:
        _log.warning("stream_failed", code=exc.code, details=exc.details)
        yield sse_event("error", error_payload(exc.code, exc.message, exc.details))
    except Exception as exc:  # a bug: reported to the client as a 500-class error event
        _log.exception("stream_crashed")
        yield sse_event(
            "error", error_payload("internal_error", f"The stream failed: {type(exc).__name__}.")
        )


def sse_response(
    events: AsyncIterator[bytes], headers: dict[str, str] | None = None
) -> StreamingResponse:
    return StreamingResponse(
        _guarded(events),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no", **(headers or {})},
    )
