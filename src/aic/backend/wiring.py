"""Builders used by ``bootstrap``: the query bus, the transport and the leases by settings."""

from __future__ import annotations

import os
import socket
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import redis.asyncio as redis_async
from prometheus_client import CollectorRegistry, Gauge, Histogram

from aic.backend.adapters.eventstore import EVENT_STORE_MIGRATIONS
from aic.backend.adapters.leases import FileLease, PostgresAdvisoryLease, RedisLease
from aic.backend.adapters.readmodels.content import SqlContentReadModel
from aic.backend.adapters.readmodels.leads import SqlLeadReadModel
from aic.backend.adapters.readmodels.people import SqlNotificationReadModel
from aic.backend.adapters.transport.inprocess import InProcessEventTransport
from aic.backend.adapters.transport.redis_streams import RedisStreamsEventTransport
from aic.backend.application import queries as q
from aic.backend.application.bus import QueryBus
from aic.backend.application.ports import EventTransport, Lease, StoredEvent
from aic.backend.settings import BackendSettings
from aic.storage import MigrationSet, migrate

__all__ = [
    "MIGRATION_SETS",
    "build_query_bus",
    "build_transport",
    "consumer_name",
    "lease_for",
    "migrate_backend",
    "projection_metrics",
]

# Every table set of the backend database, in order.
MIGRATION_SETS: tuple[MigrationSet, ...] = (
    EVENT_STORE_MIGRATIONS,
    MigrationSet("readmodels", "aic.backend.adapters.readmodels"),
    MigrationSet("tracking", "aic.backend.adapters.tracking"),
    MigrationSet("sagas", "aic.backend.adapters.sagas"),
    MigrationSet("webhooks", "aic.backend.adapters.webhooks"),
    MigrationSet("auth", "aic.backend.adapters.identity"),
)


async def migrate_backend(settings: BackendSettings) -> list[str]:
    """Bring the backend database up to date; the applied migrations' labels."""
    if settings.database_url is None:  # the embedded default: its folder may not exist yet
        settings.data_dir.mkdir(parents=True, exist_ok=True)
    return await migrate(settings.resolved_database_url, MIGRATION_SETS)


def consumer_name() -> str:
    """Unique per process: a consumer group member's name."""
    return f"{socket.gethostname()}:{os.getpid()}"


def build_query_bus(
    leads: SqlLeadReadModel, content: SqlContentReadModel, notes: SqlNotificationReadModel
) -> QueryBus:
    bus = QueryBus()
    bus.register(q.ListLeads, leads.list_leads)
    bus.register(q.GetLead, leads.get_lead)
    bus.register(q.ListContent, content.list_content)
    bus.register(q.GetContentBySlug, content.get_by_slug)
    bus.register(q.ListNotifications, notes.list_notifications)
    return bus


def build_transport(
    settings: BackendSettings, redis_client: redis_async.Redis | None
) -> EventTransport:
    if redis_client is None or settings.redis_url is None:
        return InProcessEventTransport()
    # A client of its own: blocking reads hold connections, and it decodes replies.
    return RedisStreamsEventTransport.from_url(settings.redis_url, prefix=settings.redis_prefix)


def lease_for(
    name: str, settings: BackendSettings, redis_client: redis_async.Redis | None
) -> Lease:
    """Redis when configured; else the database's advisory lock; else a file lock."""
    if redis_client is not None:
        return RedisLease(redis_client, name, prefix=settings.redis_prefix)
    if settings.sqlite_path is None:
        return PostgresAdvisoryLease(settings.resolved_database_url, name)
    return FileLease(Path(settings.data_dir) / f"{name}.lease")


def projection_metrics(registry: CollectorRegistry) -> Callable[[str, StoredEvent], None]:
    """Lag (from an event's commit to its read-model write) and position, per projection."""
    lag = Histogram(
        "aic_backend_projection_lag_seconds",
        "Time from an event being stored to a projection applying it",
        ["projection"],
        buckets=(0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 60),
        registry=registry,
    )
    position = Gauge(
        "aic_backend_projection_position",
        "Global position of the last event a projection applied",
        ["projection"],
        registry=registry,
        multiprocess_mode="max",
    )

    def observe(name: str, event: StoredEvent) -> None:
        lag.labels(name).observe(max(0.0, (datetime.now(UTC) - event.recorded_at).total_seconds()))
        position.labels(name).set(event.position)

    return observe
