"""The backend's composition root: settings in, wired adapters out."""

from __future__ import annotations

import functools
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

import redis.asyncio as redis_async

from aic import __version__
from aic.backend.adapters.database import ping_postgres, ping_sqlite
from aic.backend.adapters.gateway import AIServiceClient
from aic.backend.application.health import Dependency, ReadinessCheck
from aic.backend.settings import BackendSettings
from aic.security.service_keys import load_or_create_service_key

__all__ = ["BackendContainer", "bootstrap"]


@dataclass
class BackendContainer:
    """Everything the entrypoints use, built once per process."""

    settings: BackendSettings
    ai: AIServiceClient
    readiness: ReadinessCheck
    redis: redis_async.Redis | None = None
    _closed: bool = field(default=False, repr=False)

    async def aclose(self) -> None:
        if self._closed:
            return
        self._closed = True
        await self.ai.aclose()
        if self.redis is not None:
            await self.redis.aclose()


async def _noop() -> None:
    """In-process components answer whenever the process does."""


def _database_dependency(settings: BackendSettings) -> Dependency:
    sqlite_path = settings.sqlite_path
    if sqlite_path is not None:
        return Dependency(
            "event_store", "sqlite", True, functools.partial(ping_sqlite, sqlite_path)
        )
    url = settings.resolved_database_url
    ping = functools.partial(ping_postgres, url, settings.health_timeout_seconds)
    return Dependency("event_store", "postgresql", True, ping)


@asynccontextmanager
async def bootstrap(settings: BackendSettings) -> AsyncIterator[BackendContainer]:
    """Build the container (the only place that does I/O at start) and close it after."""
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    api_key = settings.service_api_key or load_or_create_service_key(settings.data_dir)
    ai = AIServiceClient(settings.ai_url, api_key, timeout=settings.health_timeout_seconds * 5)
    redis_client = (
        redis_async.Redis.from_url(
            settings.redis_url,
            socket_connect_timeout=settings.health_timeout_seconds,
            socket_timeout=settings.health_timeout_seconds,
        )
        if settings.redis_url
        else None
    )
    dependencies = [_database_dependency(settings)]
    if redis_client is not None:

        async def ping_redis() -> None:
            await redis_client.ping()

        dependencies += [
            Dependency("event_bus", "redis-streams", True, ping_redis),
            Dependency("cache", "redis", False, ping_redis),
        ]
    else:
        dependencies += [
            Dependency("event_bus", "inprocess", True, _noop),
            Dependency("cache", "memory", False, _noop),
        ]
    dependencies.append(Dependency("ai", "http", False, ai.health))
    readiness = ReadinessCheck(
        "backend", __version__, dependencies, settings.health_timeout_seconds
    )
    container = BackendContainer(settings=settings, ai=ai, readiness=readiness, redis=redis_client)
    try:
        yield container
    finally:
        await container.aclose()
