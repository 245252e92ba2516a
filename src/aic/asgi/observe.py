"""Observability pieces of the edge (``aic.asgi.edge``): the correlation id of a request,
the route template its access-log line and metrics carry, and the JSON 500 for crashes."""

from __future__ import annotations

from starlette.types import Scope, Send

from aic.asgi.responses import send_json_error
from aic.observability.correlation import (
    CORRELATION_HEADER,
    new_correlation_id,
    valid_correlation_id,
)

__all__ = [
    "CORRELATION_HEADER_RAW",
    "UNMATCHED_ROUTE",
    "correlation_id_of",
    "route_template",
    "send_internal_error",
]

CORRELATION_HEADER_RAW = CORRELATION_HEADER.lower().encode()
UNMATCHED_ROUTE = "<unmatched>"


def correlation_id_of(scope: Scope) -> str:
    """The request's valid ``X-Correlation-ID``, or a new one."""
    for name, value in scope["headers"]:
        if name == CORRELATION_HEADER_RAW:
            return valid_correlation_id(value.decode("latin-1")) or new_correlation_id()
    return new_correlation_id()


def route_template(scope: Scope) -> str:
    """The matched route's template (``/api/leads/{id}``), never the raw path.

    FastAPI (0.165+) includes routers lazily: ``scope["route"]`` is the route as its own
    router declared it, without the prefixes of the routers it was included through; the
    effective route context FastAPI leaves in the scope has the whole template.
    """
    fastapi_scope = scope.get("fastapi")
    if isinstance(fastapi_scope, dict):
        context = fastapi_scope.get("effective_route_context")
        full = getattr(context, "path_format", None) or getattr(context, "path", None)
        if isinstance(full, str) and full:
            return full
    route = scope.get("route")
    path = getattr(route, "path", None)
    return path if isinstance(path, str) and path else UNMATCHED_ROUTE


async def send_internal_error(send: Send) -> None:
    await send_json_error(
        send,
        500,
        "internal_error",
        "The service failed on this request; it is logged with the response's X-Correlation-ID.",
    )
