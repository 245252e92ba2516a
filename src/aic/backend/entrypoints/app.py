"""The backend's ASGI app (uvicorn factory: ``aic.backend.entrypoints.app:create_app``)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import Depends, FastAPI, WebSocketException
from prometheus_client import CollectorRegistry

from aic import __version__
from aic.asgi import NO_OPENTELEMETRY, add_metrics_route, install_http_stack
from aic.backend.bootstrap import bootstrap
from aic.backend.entrypoints.api import (
    accounts,
    content,
    feed,
    health,
    leads,
    notifications,
    sagas,
    sessions,
    track,
)
from aic.backend.entrypoints.api.auth import enforce_access
from aic.backend.entrypoints.api.capture_lane import CaptureLane
from aic.backend.entrypoints.api.openapi_access import document_access
from aic.backend.entrypoints.api.openapi_responses import document_responses
from aic.backend.entrypoints.api.storable import refuse_unstorable_params
from aic.backend.entrypoints.errors import install_domain_error_handlers
from aic.backend.entrypoints.realtime import sse, ws
from aic.backend.settings import BackendSettings
from aic.contracts.errors import ERROR_RESPONSES
from aic.observability.logging import configure_logging, get_logger
from aic.observability.metrics import BackendHttpMetrics
from aic.runtime import settle_heap

__all__ = ["create_app"]


def create_app(settings: BackendSettings | None = None) -> FastAPI:
    settings = settings or BackendSettings()
    configure_logging("backend", settings.log_level, settings.log_format)
    log = get_logger("aic.backend")
    registry = CollectorRegistry()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with bootstrap(settings, registry, run_loops=settings.loop_selection) as container:
            app.state.container = container
            settle_heap()
            log.info("started", database=container.readiness.dependencies[0].adapter)
            yield
        log.info("stopped")

    app = FastAPI(
        title="AIC backend",
        version=__version__,
        summary="Business logic: CQRS + event sourcing, sagas, realtime, auth, AI gateway.",
        openapi_url="/api/openapi.json",
        docs_url=None,
        redoc_url=None,
        lifespan=lifespan,
        responses=ERROR_RESPONSES,
        telemetry=NO_OPENTELEMETRY,
        # Every route, present and future, passes the access table (aic.security.rbac).
        dependencies=[Depends(enforce_access)],
    )
    install_http_stack(
        app,
        settings,
        metrics=BackendHttpMetrics(registry),
        cors_origins=settings.cors_origin_list,
        screen=refuse_unstorable_params,  # NUL in a path or query string: 422 before routing
    )
    install_domain_error_handlers(app)
    document_access(app)
    document_responses(app)
    app.add_exception_handler(WebSocketException, ws.close_refused_websocket)
    add_metrics_route(app, registry)
    api = (health, sessions, accounts, leads, content, feed, notifications, sagas, track)
    for router in (*api, sse, ws):
        app.include_router(router.router)
    # First: valid lead forms skip FastAPI's per-request machinery (ADR 0014).
    app.router.routes.insert(0, CaptureLane())
    return app
