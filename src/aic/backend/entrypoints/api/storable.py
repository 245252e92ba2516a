"""Values no database can store (NUL, lone surrogates, NaN) are refused with 422, not a 500."""

from __future__ import annotations

import math
from typing import Any

from fastapi import Request

from aic.asgi import ApiError

__all__ = ["require_storable", "storable_params", "unstorable_fields"]


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


async def storable_params(request: Request) -> None:
    """An app-wide dependency: query and path parameters must be storable text too."""
    require_storable(dict(request.query_params), "query")
    require_storable(dict(request.path_params), "path")
