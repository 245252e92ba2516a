"""Values no database can store (NUL, lone surrogates, NaN) are refused with 422, not a 500."""

from __future__ import annotations

import math
from typing import Any

from starlette.types import Scope

from aic.asgi import ApiError
from aic.asgi.edge import Refusal

__all__ = ["refuse_unstorable_params", "require_storable", "unstorable_fields"]


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


def refuse_unstorable_params(scope: Scope) -> Refusal | None:
    """The edge's ``screen``: paths and query strings with a NUL are refused before routing
    (cheaper than a dependency on every route; lone surrogates cannot arrive there: URLs
    decode to UTF-8 with replacement characters)."""
    in_query = b"%00" in scope.get("query_string", b"")
    if not in_query and "\x00" not in scope["path"]:
        return None
    return Refusal(
        422,
        "validation_error",
        "Paths and query parameters must not contain NUL characters.",
        [
            {
                "field": "query" if in_query else "path",
                "message": "unstorable character",
                "type": "unstorable_text",
            }
        ],
    )
