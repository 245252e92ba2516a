"""The one ASGI middleware every AIC request passes: headers, observability, errors, limits.

Per HTTP request, with one ``send`` wrapper and one ``receive`` wrapper (see ADR 0001):

- a valid or generated ``X-Correlation-ID``, bound to the logs and echoed on the response;
- one access-log line and the request metrics, with the route template;
- the security headers on every response, a crash's JSON 500 included;
- a JSON 500 when the app raises before it started a response;
- then, for what passes the optional CORS layer (``cors``: Starlette's ``CORSMiddleware``,
  which answers preflights itself): ``Content-Length`` checked against the body limit
  (400 / 413), the ``screen`` hook (a service's own refusal, e.g. the backend's NUL check),
  a streamed body cut off at the limit (413), the deferred headers (rate-limit standing) on
  every response, and any non-JSON error response rewritten into the JSON error format.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from typing import Any, NamedTuple

from starlette.middleware.cors import CORSMiddleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from aic.asgi.bodylimit import PayloadTooLarge, refuse_bad_length, refuse_oversize
from aic.asgi.deferredheaders import with_deferred_headers
from aic.asgi.jsonerrors import json_error_rewrite
from aic.asgi.observe import (
    CORRELATION_HEADER_RAW,
    correlation_id_of,
    route_template,
    send_internal_error,
)
from aic.asgi.responses import send_json_error
from aic.observability.correlation import set_correlation_id
from aic.observability.logging import get_logger
from aic.observability.metrics import HttpMetrics
from aic.security.headers import security_headers

__all__ = ["EdgeMiddleware", "Refusal", "Screen"]

_EXCHANGE = "aic.edge"


class Refusal(NamedTuple):
    """A JSON error answer a ``Screen`` gives instead of running the app."""

    status: int
    code: str
    message: str
    details: Any = None


Screen = Callable[[Scope], Refusal | None]


class _Exchange:
    """One HTTP request's state, shared by the outer and the inner half of the edge."""

    __slots__ = ("inside", "replacing", "started", "status")

    def __init__(self) -> None:
        self.status = 500
        self.started = False
        self.inside = False  # past CORS: deferred headers and JSON rewriting apply
        self.replacing = False  # a non-JSON error body is being dropped for ours


class EdgeMiddleware:
    def __init__(
        self,
        app: ASGIApp,
        *,
        max_body_bytes: int,
        hsts: bool = False,
        metrics: HttpMetrics | None = None,
        cors: Mapping[str, Any] | None = None,
        screen: Screen | None = None,
    ) -> None:
        self.app = app
        self.max_bytes = max_body_bytes
        self.metrics = metrics
        self.screen = screen
        self.security = security_headers(hsts)
        self.replaced = {name for name, _ in self.security} | {CORRELATION_HEADER_RAW}
        self.log = get_logger("aic.access")
        # CORS sits between the two halves, as its own middleware did between ours.
        self.entry: ASGIApp = CORSMiddleware(self._inner, **cors) if cors else self._inner

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        kind = scope["type"]
        if kind != "http":
            if kind == "websocket":
                set_correlation_id(correlation_id_of(scope))
            await self.app(scope, receive, send)
            return
        correlation_id = correlation_id_of(scope)
        set_correlation_id(correlation_id)
        ours = [(CORRELATION_HEADER_RAW, correlation_id.encode()), *self.security]
        replaced = self.replaced
        exchange = _Exchange()
        scope[_EXCHANGE] = exchange

        async def edge_send(message: Message) -> None:
            if message["type"] == "http.response.start":
                exchange.started = True
                status = exchange.status = message["status"]
                headers = message.get("headers", [])
                if exchange.inside:
                    headers = with_deferred_headers(scope, headers)
                    rewritten = json_error_rewrite(int(status), headers)
                    if rewritten is not None:
                        exchange.replacing = True
                        headers, body = rewritten
                        kept = [h for h in headers if h[0].lower() not in replaced]
                        await send({**message, "headers": [*kept, *ours]})
                        await send({"type": "http.response.body", "body": body})
                        return
                kept = [h for h in headers if h[0].lower() not in replaced]
                message = {**message, "headers": [*kept, *ours]}
            elif exchange.replacing and message["type"] == "http.response.body":
                return  # the original body is dropped; ours was sent whole
            await send(message)

        begin = time.perf_counter()
        if self.metrics:
            self.metrics.request_started()
        try:
            await self.entry(scope, receive, edge_send)
        except Exception:
            self.log.exception("unhandled_error", path=scope.get("path"))
            if exchange.started:
                raise
            exchange.inside = exchange.replacing = False
            await send_internal_error(edge_send)
        finally:
            self._finished(scope, exchange.status, time.perf_counter() - begin)

    async def _inner(self, scope: Scope, receive: Receive, send: Send) -> None:
        """What CORS lets through (everything, without CORS): limits, screen, the app."""
        exchange: _Exchange = scope[_EXCHANGE]
        exchange.inside = True
        limit = self.max_bytes
        for name, value in scope["headers"]:
            if name == b"content-length":
                try:
                    declared = int(value)
                except ValueError:
                    await refuse_bad_length(send)
                    return
                if declared > limit:
                    await refuse_oversize(send, limit)
                    return
        if self.screen is not None:
            refusal = self.screen(scope)
            if refusal is not None:
                await send_json_error(send, *refusal)
                return
        received = 0

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise PayloadTooLarge(limit)
            return message

        try:
            await self.app(scope, limited_receive, send)
        except PayloadTooLarge:
            if exchange.started:
                raise
            await refuse_oversize(send, limit)

    def _finished(self, scope: Scope, status: int, duration: float) -> None:
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
