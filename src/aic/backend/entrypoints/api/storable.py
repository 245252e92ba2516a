"""Values no database can store (NUL, lone surrogates, NaN) are refused with 422, not a 500."""

from __future__ import annotations

import math
from typing import Any

from starlette.types import ASGIApp, Receive, Scope, Send

from aic.asgi import ApiError
from aic.asgi.responses import send_json_error

__all__ = ["StorableParamsMiddleware", "require_storable", "unstorable_fields"]


def _bad_text(value: str) -> bool:
    if "\x00" in value:
        return True
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate from a "\ud800" JSON escape
        return True
    return False


def unstorable_fields(value: Any, path: str = "body") -> list[str]:
    """Dotted paths of the strings (keys included) that cannot be stored."""
    if isinstance(value, str):
        return [path] if _bad_text(value) else []
    if isinstance(value, float) and not math.isfinite(value):  # JSON has no NaN/Infinity
        return [path]
    if isinstance(value, dict):
        found = []
        for key, item in value.items():
            if isinstance(key, str) and _bad_text(key):
                found.append(f"{path}.<key>")
            found += unstorable_fields(item, f"{path}.{key}")
        return found
    if isinstance(value, list | tuple):
        return [f for i, item in enumerate(value) for f in unstorable_fields(item, f"{path}.{i}")]
    return []


def require_storable(value: Any, path: str = "body") -> None:
    bad = unstorable_fields(value, path)
    if bad:
        raise ApiError(
            422,
            "validation_error",
            "Text must not contain NUL characters or unpaired surrogates; numbers must be finite.",
            [
                {"field": f, "message": "unstorable character", "type": "unstorable_text"}
                for f in bad
            ],
        )


class StorableParamsMiddleware:
    """Query strings and paths with a NUL are refused before routing (cheaper than a
    dependency on every route; lone surrogates cannot arrive there: URLs decode to UTF-8
    with replacement characters)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and (
            "\x00" in scope["path"] or b"%00" in scope.get("query_string", b"")
        ):
            await send_json_error(
                send,
                422,
                "validation_error",
                "Paths and query parameters must not contain NUL characters.",
                [
                    {
                        "field": "query" if b"%00" in scope.get("query_string", b"") else "path",
                        "message": "unstorable character",
                        "type": "unstorable_text",
                    }
                ],
            )
            return
        await self.app(scope, receive, send)
