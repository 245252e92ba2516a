"""The HTTP stack every AIC app shares: errors, observability, security headers, limits, gzip."""

from __future__ import annotations

from collections.abc import Sequence

from fastapi import FastAPI, Response
from fastapi.telemetry import TelemetryConfig
from prometheus_client import CollectorRegistry
from starlette.middleware.gzip import GZipMiddleware

from aic.asgi.edge import EdgeMiddleware, Screen
from aic.asgi.errors import install_error_handlers
from aic.observability.metrics import HttpMetrics, render_metrics
from aic.settings import CommonSettings

__all__ = [
    "CORS_EXPOSED_HEADERS",
    "CORS_METHODS",
    "CORS_REQUEST_HEADERS",
    "NO_OPENTELEMETRY",
    "add_metrics_route",
    "install_http_stack",
]

# FastAPI's own OpenTelemetry hooks, off: the services export Prometheus metrics and JSON logs,
# and with the hooks on, every request asks OpenTelemetry for its providers (an environment
# lookup each time) only to find none configured.
NO_OPENTELEMETRY: TelemetryConfig = {"tracing": False, "metrics": False, "logs": False}

CORS_METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE")
CORS_REQUEST_HEADERS = (
    "Authorization",
    "Content-Type",
    "Idempotency-Key",
    "Last-Event-ID",
    "X-Correlation-ID",
    "X-CSRF-Token",
)
# What a page's script may read besides the CORS-safelisted headers.
CORS_EXPOSED_HEADERS = (
    "Retry-After",
    "X-Correlation-ID",
    "X-RateLimit-Limit",
    "X-RateLimit-Remaining",
    "X-RateLimit-Reset",
)


def install_http_stack(
    app: FastAPI,
    settings: CommonSettings,
    *,
    metrics: HttpMetrics | None = None,
    cors_origins: Sequence[str] = (),
    screen: Screen | None = None,
) -> None:
    """Wrap ``app`` in the edge middleware (``aic.asgi.edge``) and gzip.

    Order, outside in: security headers (so even a crash response has them), observability
    (correlation id, access log, metrics, JSON 500), CORS for ``cors_origins`` (none: no
    browser origin but the app's own may read its answers), JSON for any other error response,
    deferred headers (rate-limit standing), body limit, ``screen`` (a service's own early
    refusal), gzip, then the app. All but CORS and gzip are one middleware with one ``send``
    and one ``receive`` wrapper; CORS runs between its two halves (ADR 0001).
    """
    install_error_handlers(app)
    app.add_middleware(GZipMiddleware, minimum_size=1024)
    cors = (
        {
            "allow_origins": list(cors_origins),
            "allow_credentials": True,  # the portals' session cookie
            "allow_methods": list(CORS_METHODS),
            "allow_headers": list(CORS_REQUEST_HEADERS),
            "expose_headers": list(CORS_EXPOSED_HEADERS),
            "max_age": 600,
        }
        if cors_origins
        else None
    )
    app.add_middleware(
        EdgeMiddleware,
        max_body_bytes=settings.max_body_bytes,
        hsts=settings.tls_enabled,
        metrics=metrics,
        cors=cors,
        screen=screen,
    )


def add_metrics_route(app: FastAPI, registry: CollectorRegistry, path: str = "/metrics") -> None:
    """Prometheus text exposition, left out of the OpenAPI document."""

    async def metrics() -> Response:
        body, content_type = render_metrics(registry)
        return Response(body, media_type=content_type)

    app.add_api_route(path, metrics, methods=["GET"], include_in_schema=False)
