"""The ai service's ASGI app (uvicorn factory: ``aic.ai.entrypoints.app:create_app``)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from prometheus_client import CollectorRegistry

from aic import __version__
from aic.ai.bootstrap import bootstrap
from aic.ai.entrypoints import health, v1
from aic.ai.providers import LLMProvider
from aic.ai.providers.metrics import LLMMetrics
from aic.ai.settings import AISettings
from aic.asgi import NO_OPENTELEMETRY, add_metrics_route, install_http_stack
from aic.contracts.errors import ERROR_RESPONSES
from aic.observability.logging import configure_logging, get_logger
from aic.observability.metrics import AIHttpMetrics
from aic.runtime import settle_heap

__all__ = ["create_app"]


def create_app(
    settings: AISettings | None = None, *, offline_llm: LLMProvider | None = None
) -> FastAPI:
    settings = settings or AISettings()
    configure_logging("ai", settings.log_level, settings.log_format)
    log = get_logger("aic.ai")

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with bootstrap(
            settings, offline_llm=offline_llm, llm_metrics=llm_metrics, registry=registry
        ) as container:
            app.state.container = container
            settle_heap()
            log.info("started")
            yield
        log.info("stopped")

    app = FastAPI(
        title="AIC ai service",
        version=__version__,
        summary="LLM content generation, lead scoring, personalization, search, vectors.",
        docs_url=None,
        redoc_url=None,
        lifespan=lifespan,
        responses=ERROR_RESPONSES,
        telemetry=NO_OPENTELEMETRY,
    )
    registry = CollectorRegistry()
    install_http_stack(app, settings, metrics=AIHttpMetrics(registry))
    llm_metrics = LLMMetrics(registry)
    add_metrics_route(app, registry)
    app.include_router(health.router)
    app.include_router(v1.router)
    return app
