"""Per request: correlation id, one access-log line, metrics, and a JSON 500 for crashes."""

from __future__ import annotations

import time

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from aic.asgi.responses import send_json_error
from aic.observability.correlation import (
    CORRELATION_HEADER,
    new_correlation_id,
    set_correlation_id,
    valid_correlation_id,
)
from aic.observability.logging import get_logger
from aic.observability.metrics import HttpMetrics

__all__ = ["UNMATCHED_ROUTE", "ObservabilityMiddleware", "route_template"]

_HEADER = CORRELATION_HEADER.lower().encode()
UNMATCHED_ROUTE = "<unmatched>"


def route_template(scope: Scope) -> str:
    """The matched route's template (``/api/leads/{id}``), never the raw path.

    FastAPI (0.165+) includes routers lazily: ``scope["route"]`` is the route as its own
    router declared it, without the prefixes of the routers it was included through; the
    effective route context FastAPI leaves in the scope has the whole template.
    """
    fastapi_scope = scope.get("fastapi")
    if isinstance(fastapi_scope, dict):
        context = fastapi_scope.get("effective_route_context")
        full = getattr(context, "path_format", None) or getattr(context, "path", None)
        if isinstance(full, str) and full:
            return full
    route = scope.get("route")
    path = getattr(route, "path", None)
    return path if isinstance(path, str) and path else UNMATCHED_ROUTE


class ObservabilityMiddleware:
    def __init__(self, app: ASGIApp, *, metrics: HttpMetrics | None = None) -> None:
        self.app = app
        self.metrics = metrics
        self.log = get_logger("aic.access")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        incoming = next((v for k, v in scope["headers"] if k == _HEADER), None)
        correlation_id = (
            valid_correlation_id(incoming.decode("latin-1") if incoming else None)
            or new_correlation_id()
        )
        set_correlation_id(correlation_id)
        if scope["type"] == "websocket":
            await self.app(scope, receive, send)
            return

        status = 500
        started = False
        begin = time.perf_counter()
        if self.metrics:
            self.metrics.request_started()

        async def observed_send(message: Message) -> None:
            nonlocal status, started
            if message["type"] == "http.response.start":
                started = True
                status = message["status"]
                headers = [h for h in message.get("headers", []) if h[0].lower() != _HEADER]
                headers.append((_HEADER, correlation_id.encode()))
                message = {**message, "headers": headers}
            await send(message)

        try:
            await self.app(scope, receive, observed_send)
        except Exception:
            self.log.exception("unhandled_error", path=scope.get("path"))
            if started:
                raise
            await observed_send_error(observed_send)
        finally:
            duration = time.perf_counter() - begin
            route = route_template(scope)
            method = scope["method"]
            if self.metrics:
                self.metrics.request_finished(method, route, status, duration)
            self.log.info(
                "request",
                method=method,
                route=route,
                path=scope.get("path"),
                status=status,
                duration_ms=round(duration * 1000, 3),
            )


async def observed_send_error(send: Send) -> None:
    await send_json_error(
        send,
        500,
        "internal_error",
        "The service failed on this request; it is logged with the response's X-Correlation-ID.",
    )
