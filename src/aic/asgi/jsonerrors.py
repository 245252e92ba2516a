"""Error responses that did not come from our handlers (a static file's Range error, a
framework default) are rewritten into the one JSON error format."""

from __future__ import annotations

import json
from http import HTTPStatus

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from aic.asgi.errors import code_for_status
from aic.contracts.errors import error_payload

__all__ = ["JsonErrorsMiddleware"]

_DROP = {b"content-type", b"content-length", b"content-encoding", b"transfer-encoding"}


class JsonErrorsMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        replacing = False

        async def rewriting_send(message: Message) -> None:
            nonlocal replacing
            if message["type"] == "http.response.start":
                status = int(message["status"])
                headers = message.get("headers", [])
                content_type = next((v for k, v in headers if k.lower() == b"content-type"), b"")
                if status >= 400 and b"json" not in content_type:
                    replacing = True
                    body = json.dumps(
                        error_payload(code_for_status(status), _phrase(status))
                    ).encode()
                    kept = [(k, v) for k, v in headers if k.lower() not in _DROP]
                    await send(
                        {
                            **message,
                            "headers": [
                                *kept,
                                (b"content-type", b"application/json"),
                                (b"content-length", str(len(body)).encode()),
                            ],
                        }
                    )
                    await send({"type": "http.response.body", "body": body})
                    return
            elif message["type"] == "http.response.body" and replacing:
                return  # the original body is dropped; ours was sent whole
            await send(message)

        await self.app(scope, receive, rewriting_send)


def _phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"
