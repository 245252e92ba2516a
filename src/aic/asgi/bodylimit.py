"""Refuse request bodies over a size limit with 413, before any handler sees them."""

from __future__ import annotations

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from aic.asgi.responses import send_json_error

__all__ = ["BodySizeLimitMiddleware", "PayloadTooLarge"]


class PayloadTooLarge(HTTPException):
    """Raised from ``receive`` when a streamed body passes the limit.

    An ``HTTPException`` on purpose: FastAPI re-raises those from body parsing unchanged,
    so the error handlers turn it into the JSON 413.
    """

    def __init__(self, limit: int) -> None:
        super().__init__(413, f"The request body is over the limit of {limit} bytes.")
        self.details = {"limit_bytes": limit}


class BodySizeLimitMiddleware:
    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        for name, value in scope["headers"]:
            if name == b"content-length":
                try:
                    declared = int(value)
                except ValueError:
                    await send_json_error(send, 400, "bad_request", "Invalid Content-Length.")
                    return
                if declared > self.max_bytes:
                    await _refuse(send, self.max_bytes)
                    return
        received = 0
        response_started = False

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    raise PayloadTooLarge(self.max_bytes)
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal response_started
            if message["type"] == "http.response.start":
                response_started = True
            await send(message)

        try:
            await self.app(scope, limited_receive, tracking_send)
        except PayloadTooLarge:
            if response_started:
                raise
            await _refuse(send, self.max_bytes)


async def _refuse(send: Send, limit: int) -> None:
    await send_json_error(
        send,
        413,
        "payload_too_large",
        f"The request body is over the limit of {limit} bytes.",
        {"limit_bytes": limit},
    )
