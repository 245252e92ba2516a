"""Request bodies over a size limit are refused with 413, before any handler sees them.

``aic.asgi.edge`` checks the declared ``Content-Length`` and counts a streamed body in its
``receive`` wrapper; this module holds the refusals.
"""

from __future__ import annotations

from starlette.exceptions import HTTPException
from starlette.types import Send

from aic.asgi.responses import send_json_error

__all__ = ["PayloadTooLarge", "refuse_bad_length", "refuse_oversize"]


class PayloadTooLarge(HTTPException):
    """Raised from ``receive`` when a streamed body passes the limit.

    An ``HTTPException`` on purpose: FastAPI re-raises those from body parsing unchanged,
    so the error handlers turn it into the JSON 413.
    """

    def __init__(self, limit: int) -> None:
        super().__init__(413, f"The request body is over the limit of {limit} bytes.")
        self.details = {"limit_bytes": limit}


async def refuse_oversize(send: Send, limit: int) -> None:
    await send_json_error(
        send,
        413,
        "payload_too_large",
        f"The request body is over the limit of {limit} bytes.",
        {"limit_bytes": limit},
    )


async def refuse_bad_length(send: Send) -> None:
    await send_json_error(send, 400, "bad_request", "Invalid Content-Length.")
