"""Builders used by ``bootstrap``: the query bus, the transport and the leases by settings."""

from __future__ import annotations

import asyncio
import os
import socket
import time
from collections.abc import Awaitable, Callable
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
from aic.backend.application.background import Loop, leased, pause
from aic.backend.application.bus import QueryBus
from aic.backend.application.consumers import BatchHandler, ConsumerGroupWorker, EventHandler
from aic.backend.application.ports import EventTransport, Lease, StoredEvent
from aic.backend.settings import BackendSettings
from aic.observability.logging import get_logger
from aic.storage import MigrationSet, migrate
from aic.tasks import cancel_and_wait

__all__ = [
    "MIGRATION_SETS",
    "PROJECTIONS_GROUP",
    "build_query_bus",
    "build_transport",
    "consumer_name",
    "consumer_worker",
    "lease_for",
    "leased_loop",
    "migrate_backend",
    "projection_metrics",
    "projections_busy",
    "retiring_groups",
]

PROJECTIONS_GROUP = "projections"  # the consumer group (and loop) of every projection
LEGACY_PROJECTION_GROUPS = "projection:"  # before 0.2: a group per projection
_RETIRE_EVERY = 30.0  # seconds between looks for such groups
_log = get_logger("aic.backend")

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
    """Unique per process: a consumer group member's name.

    A process restarted in a container usually keeps both (the pod's hostname, pid 1), so it
    first takes back what it had pending; on a host, its predecessor's pid is gone, which
    the Redis transport notices at once (``ConsumerLiveness``).
    """
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
        return InProcessEventTransport(
            max_buffered=settings.event_buffer_size,
            visibility_timeout_ms=settings.event_claim_idle_ms,
            max_deliveries=settings.event_max_deliveries,
            max_dead=settings.event_dead_letters_kept,
        )
    # A client of its own: blocking reads hold connections, and it decodes replies.
    return RedisStreamsEventTransport.from_url(
        settings.redis_url,
        prefix=settings.redis_prefix,
        maxlen=settings.event_stream_maxlen,
        trim_every=settings.event_stream_trim_every,
        claim_idle_ms=settings.event_claim_idle_ms,
        max_deliveries=settings.event_max_deliveries,
        dead_maxlen=settings.event_dead_letters_kept,
        consumer_ttl_ms=settings.event_consumer_ttl_ms,
    )


def consumer_worker(
    settings: BackendSettings,
    transport: EventTransport,
    group: str,
    consumer: str,
    handler: EventHandler,
    batch_handler: BatchHandler | None = None,
    pace: Callable[[], Awaitable[None]] | None = None,
) -> ConsumerGroupWorker:
    """A member of ``group`` reading batches of the configured size and wait."""
    return ConsumerGroupWorker(
        transport,
        group,
        consumer,
        handler,
        count=settings.event_batch_size,
        block_ms=settings.event_block_ms,
        batch_handler=batch_handler,
        pace=pace,
    )


def leased_loop(
    name: str, loop: Loop, settings: BackendSettings, redis_client: redis_async.Redis | None
) -> Loop:
    """``loop`` run by one replica at a time, under the lease ``name``."""
    lease = lease_for(name, settings, redis_client)
    return leased(lease, loop, retry=settings.lease_renew_seconds)


def lease_for(
    name: str, settings: BackendSettings, redis_client: redis_async.Redis | None
) -> Lease:
    """Redis when configured; else the database's advisory lock; else a file lock."""
    if redis_client is not None:
        ttl_ms = round(settings.lease_ttl_seconds * 1000)
        return RedisLease(redis_client, name, ttl_ms=ttl_ms, prefix=settings.redis_prefix)
    if settings.sqlite_path is None:
        return PostgresAdvisoryLease(settings.resolved_database_url, name)
    return FileLease(Path(settings.data_dir) / f"{name}.lease")


def projection_metrics(registry: CollectorRegistry) -> Callable[[str, StoredEvent], None]:
    """Lag (from an event's commit to its read-model write) and position, per projection."""
    lag = Histogram(
        "aic_backend_projection_lag_seconds",
        "Time from an event being stored to a projection applying it",
        ["projection"],
        # Finer around 50 ms, the lag the platform aims to stay under: a p99 read from
        # (0.025, 0.05] alone was interpolated across half of the range that matters.
        buckets=(0.001, 0.005, 0.01, 0.02, 0.03, 0.04, 0.05, 0.075, 0.1, 0.25, 0.5, 1, 2.5, 10, 60),
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


def retiring_groups(
    transport: EventTransport, run: Callable[[asyncio.Event], Awaitable[None]]
) -> Callable[[asyncio.Event], Awaitable[None]]:
    """Versions before 0.2 had a consumer group per projection (``projection:NAME``): the
    shared group takes over from the slowest of them and they are removed, at the start and
    every ``_RETIRE_EVERY`` s after (an old worker still running during an upgrade creates
    its group again); left behind, one would hold back the stream's trimming for good."""
    retire = getattr(transport, "retire_groups", None)
    if retire is None:
        return run

    async def retire_now() -> None:
        await retire(LEGACY_PROJECTION_GROUPS, into=PROJECTIONS_GROUP)

    async def keep_retiring(stop: asyncio.Event) -> None:
        while not stop.is_set():
            await pause(_RETIRE_EVERY, stop)
            try:
                await retire_now()
            except Exception as exc:  # Redis away: the consumer says so too; try again later
                _log.warning("event_groups_retire_failed", error=repr(exc))

    async def retire_then_run(stop: asyncio.Event) -> None:
        await retire_now()
        sweeper = asyncio.create_task(keep_retiring(stop))
        try:
            await run(stop)
        finally:
            await cancel_and_wait(sweeper)

    return retire_then_run


def projections_busy(
    transport: EventTransport, threshold: int
) -> Callable[[], Awaitable[bool]] | None:
    """``busy()`` for the saga orchestrator: more than ``threshold`` events wait for the
    projections' group (looked up at most every 10 ms); None where nobody can tell."""
    backlog = getattr(transport, "backlog", None)
    if backlog is None or threshold <= 0:
        return None
    seen = {"at": 0.0, "busy": False}

    async def busy() -> bool:
        now = time.monotonic()
        if now - seen["at"] >= 0.01:
            seen["at"] = now
            try:
                seen["busy"] = await backlog(PROJECTIONS_GROUP) > threshold
            except Exception:  # Redis away: the consumers say so; sagas need not wait
                seen["busy"] = False
        return bool(seen["busy"])

    return busy
