"""Response headers decided before the response exists (a dependency's rate-limit standing)."""

from __future__ import annotations

from starlette.requests import HTTPConnection
from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = ["DeferredHeadersMiddleware", "defer_headers"]

_KEY = "deferred_response_headers"


def defer_headers(connection: HTTPConnection, headers: dict[str, str]) -> None:
    """Add ``headers`` to whatever response this request gets, streamed or not, error or not."""
    pending: dict[str, str] = connection.scope.setdefault("state", {}).setdefault(_KEY, {})
    pending.update(headers)


class DeferredHeadersMiddleware:
    """Writes the headers ``defer_headers`` left in the request state; a handler's own win."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                pending: dict[str, str] = scope.get("state", {}).get(_KEY) or {}
                if pending:
                    headers = list(message.get("headers", []))
                    present = {name.lower() for name, _ in headers}
                    for name, value in pending.items():
                        if name.lower().encode() not in present:
                            headers.append((name.lower().encode(), value.encode("latin-1")))
                    message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)
