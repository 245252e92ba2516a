"""Realtime entrypoints: ``GET /api/events/stream`` (SSE) and ``/api/ws`` (WebSocket)."""

from aic.backend.entrypoints.realtime import sse, ws

__all__ = ["sse", "ws"]
