"""Error responses that did not come from our handlers (a static file's Range error, a
framework default) are rewritten into the one JSON error format (by ``aic.asgi.edge``)."""

from __future__ import annotations

import json
from http import HTTPStatus

from aic.asgi.errors import code_for_status
from aic.contracts.errors import error_payload

__all__ = ["json_error_rewrite"]

_DROP = {b"content-type", b"content-length", b"content-encoding", b"transfer-encoding"}
Headers = list[tuple[bytes, bytes]]


def json_error_rewrite(status: int, headers: Headers) -> tuple[Headers, bytes] | None:
    """The headers and whole body replacing a non-JSON error response; ``None``: keep it."""
    if status < 400:
        return None
    content_type = next((v for k, v in headers if k.lower() == b"content-type"), b"")
    if b"json" in content_type:
        return None
    body = json.dumps(error_payload(code_for_status(status), _phrase(status))).encode()
    kept = [(k, v) for k, v in headers if k.lower() not in _DROP]
    return [
        *kept,
        (b"content-type", b"application/json"),
        (b"content-length", str(len(body)).encode()),
    ], body


def _phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"
