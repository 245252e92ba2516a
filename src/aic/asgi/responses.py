"""Raw ASGI JSON error responses, for middleware that answers before the app runs."""

from __future__ import annotations

import json
from typing import Any

from starlette.types import Send

from aic.contracts.errors import error_payload

__all__ = ["send_json_error"]


async def send_json_error(
    send: Send, status: int, code: str, message: str, details: Any = None
) -> None:
    body = json.dumps(error_payload(code, message, details)).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
