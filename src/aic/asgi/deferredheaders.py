"""Response headers decided before the response exists (a dependency's rate-limit standing)."""

from __future__ import annotations

from starlette.requests import HTTPConnection
from starlette.types import Scope

__all__ = ["defer_headers", "with_deferred_headers"]

_KEY = "deferred_response_headers"


def defer_headers(connection: HTTPConnection, headers: dict[str, str]) -> None:
    """Add ``headers`` to whatever response this request gets, streamed or not, error or not."""
    pending: dict[str, str] = connection.scope.setdefault("state", {}).setdefault(_KEY, {})
    pending.update(headers)


def with_deferred_headers(
    scope: Scope, headers: list[tuple[bytes, bytes]]
) -> list[tuple[bytes, bytes]]:
    """``headers`` plus those ``defer_headers`` left in the request state; a handler's own win.

    Called by ``aic.asgi.edge`` on every response start; ``headers`` itself is not changed.
    """
    state = scope.get("state")
    pending: dict[str, str] | None = state.get(_KEY) if state else None
    if not pending:
        return headers
    headers = list(headers)
    present = {name.lower() for name, _ in headers}
    for name, value in pending.items():
        if name.lower().encode() not in present:
            headers.append((name.lower().encode(), value.encode("latin-1")))
    return headers
