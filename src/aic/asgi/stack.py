"""The HTTP stack every AIC app shares: errors, observability, security headers, limits, gzip."""

from __future__ import annotations

from fastapi import FastAPI, Response
from prometheus_client import CollectorRegistry
from starlette.middleware.gzip import GZipMiddleware

from aic.asgi.bodylimit import BodySizeLimitMiddleware
from aic.asgi.errors import install_error_handlers
from aic.asgi.jsonerrors import JsonErrorsMiddleware
from aic.asgi.observe import ObservabilityMiddleware
from aic.observability.metrics import HttpMetrics, render_metrics
from aic.security.headers import SecurityHeadersMiddleware
from aic.settings import CommonSettings

__all__ = ["add_metrics_route", "install_http_stack"]


def install_http_stack(
    app: FastAPI,
    settings: CommonSettings,
    *,
    metrics: HttpMetrics | None = None,
) -> None:
    """Wrap ``app``; the last middleware added is the outermost.

    Order, outside in: security headers (so even a crash response has them), observability
    (correlation id, access log, metrics, JSON 500), JSON for any other error response,
    body limit, gzip, then the app.
    """
    install_error_handlers(app)
    app.add_middleware(GZipMiddleware, minimum_size=1024)
    app.add_middleware(BodySizeLimitMiddleware, max_bytes=settings.max_body_bytes)
    app.add_middleware(JsonErrorsMiddleware)
    app.add_middleware(ObservabilityMiddleware, metrics=metrics)
    app.add_middleware(SecurityHeadersMiddleware, hsts=settings.tls_enabled)


def add_metrics_route(app: FastAPI, registry: CollectorRegistry, path: str = "/metrics") -> None:
    """Prometheus text exposition, left out of the OpenAPI document."""

    async def metrics() -> Response:
        body, content_type = render_metrics(registry)
        return Response(body, media_type=content_type)

    app.add_api_route(path, metrics, methods=["GET"], include_in_schema=False)
