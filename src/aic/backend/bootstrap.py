"""The backend's composition root: settings in, wired adapters and loops out."""

from __future__ import annotations

import asyncio
import ssl
from collections.abc import AsyncIterator, Awaitable, Callable, Collection
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass, field
from datetime import timedelta

import redis.asyncio as redis_async
from prometheus_client import CollectorRegistry

from aic import __version__
from aic.backend.adapters.eventstore import open_event_store
from aic.backend.adapters.gateway import AIServiceClient
from aic.backend.adapters.readmodels.checkpoints import SqlCheckpointStore
from aic.backend.adapters.readmodels.content import ContentProjection, SqlContentReadModel
from aic.backend.adapters.readmodels.framework import ProjectionEngine
from aic.backend.adapters.readmodels.leads import LeadProjection, SqlLeadReadModel
from aic.backend.adapters.readmodels.people import (
    AccountProjection,
    NotificationProjection,
    SqlAccountReadModel,
    SqlNotificationReadModel,
)
from aic.backend.adapters.readmodels.sagas import SagaProjection, SqlSagaReadModel
from aic.backend.adapters.readmodels.visitors import VisitorLinkProjection
from aic.backend.adapters.realtime import build_realtime_hub
from aic.backend.adapters.rules import RecordingIndexer, RuleBasedLeadScorer
from aic.backend.adapters.sagas.timers import SqlSagaTimers
from aic.backend.adapters.tracking import SqlTrackingStore
from aic.backend.adapters.transport.inprocess import InProcessEventTransport
from aic.backend.adapters.webhooks import WebhookSender
from aic.backend.application.background import BackgroundLoops, poll_loop
from aic.backend.application.bus import (
    CommandBus,
    QueryBus,
    logging_middleware,
    metrics_middleware,
    retry_on_conflict,
)
from aic.backend.application.engagement import EngagementSignals
from aic.backend.application.handlers import register_aggregate_handlers, utc_now
from aic.backend.application.health import Dependency, ReadinessCheck
from aic.backend.application.ports import EventStore, EventTransport, StoredEvent
from aic.backend.application.realtime import RealtimeHub
from aic.backend.application.relay import OutboxRelay
from aic.backend.application.repository import AggregateRepository
from aic.backend.application.sagas import SagaOrchestrator
from aic.backend.application.sagas.content_publication import (
    ContentSagaDependencies,
    content_publication_saga,
)
from aic.backend.application.sagas.lead_qualification import (
    LeadSagaDependencies,
    lead_qualification_saga,
    lead_rescoring_saga,
)
from aic.backend.application.sagas.scheduler import PublicationScheduler
from aic.backend.application.serialization import EventCodec
from aic.backend.demo.clock import seed_aware_clock
from aic.backend.identity import IdentityServices, build_identity
from aic.backend.settings import BackendSettings
from aic.backend.wiring import (
    PROJECTIONS_GROUP,
    build_query_bus,
    build_transport,
    consumer_name,
    consumer_worker,
    lease_for,
    leased_loop,
    migrate_backend,
    projection_metrics,
    projections_busy,
    retiring_groups,
)
from aic.security.ratelimit import RateLimiter, build_rate_limiter
from aic.security.service_keys import load_or_create_secret, load_or_create_service_key
from aic.storage import SqlDatabase, open_database
from aic.tasks import cancel_and_wait

__all__ = ["BackendContainer", "bootstrap"]


@dataclass
class BackendContainer:
    """Everything the entrypoints use, built once per process."""

    settings: BackendSettings
    ai: AIServiceClient
    readiness: ReadinessCheck
    store: EventStore
    database: SqlDatabase
    transport: EventTransport
    commands: CommandBus
    queries: QueryBus
    leads: SqlLeadReadModel
    content: SqlContentReadModel
    accounts: SqlAccountReadModel
    notifications: SqlNotificationReadModel
    tracking: SqlTrackingStore
    projections: ProjectionEngine
    relay: OutboxRelay
    sagas: SagaOrchestrator
    saga_views: SqlSagaReadModel
    webhooks: WebhookSender
    identity: IdentityServices
    loops: BackgroundLoops
    realtime: RealtimeHub
    rate_limiter: RateLimiter
    redis: redis_async.Redis | None = None
    _engagement_wake: asyncio.Event = field(default_factory=asyncio.Event)

    def wake_engagement(self) -> None:
        self._engagement_wake.set()


async def _noop() -> None:
    """In-process components answer whenever the process does."""


def _dependencies(
    settings: BackendSettings,
    store: EventStore,
    transport: EventTransport,
    redis_client: redis_async.Redis | None,
    ai: AIServiceClient,
) -> list[Dependency]:
    adapter = "sqlite" if settings.sqlite_path is not None else "postgresql"
    found = [Dependency("event_store", adapter, True, store.ping)]
    if redis_client is not None:

        async def ping_redis() -> None:
            await redis_client.ping()

        found += [
            Dependency("event_bus", "redis-streams", True, transport.ping),
            Dependency("cache", "redis", False, ping_redis),
        ]
    else:
        found += [
            Dependency("event_bus", "inprocess", True, transport.ping),
            Dependency("cache", "memory", False, _noop),
        ]
    found.append(Dependency("ai", "http", False, ai.health))
    return found


@asynccontextmanager
async def bootstrap(
    settings: BackendSettings,
    registry: CollectorRegistry | None = None,
    *,
    run_loops: bool | Collection[str] = True,
) -> AsyncIterator[BackendContainer]:
    """Build the container (the only place that does I/O at start) and close it after.

    ``run_loops``: every background loop (``True``), none, or the names (or name prefixes,
    like ``"saga"``) of those to run, as ``aic worker`` does.
    """
    registry = registry or CollectorRegistry()
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    async with AsyncExitStack() as stack:
        api_key = settings.service_api_key or load_or_create_service_key(settings.data_dir)
        ai = AIServiceClient(
            settings.ai_url,
            api_key,
            timeout=settings.health_timeout_seconds * 5,
            verify=ssl.create_default_context(cafile=settings.tls_ca_file)
            if settings.tls_ca_file
            else True,
        )
        stack.push_async_callback(ai.aclose)
        rate_limiter = build_rate_limiter(
            settings, settings.rate_limit_policies, service="backend", registry=registry
        )
        stack.push_async_callback(rate_limiter.aclose)
        redis_client = None
        if settings.redis_url:
            redis_client = redis_async.Redis.from_url(
                settings.redis_url,
                socket_connect_timeout=settings.health_timeout_seconds,
                health_check_interval=30,
            )
            stack.push_async_callback(redis_client.aclose)
        await migrate_backend(settings)
        store = await open_event_store(settings.resolved_database_url)
        stack.push_async_callback(store.close)
        database = await open_database(settings.resolved_database_url)
        stack.push_async_callback(database.close)
        transport = build_transport(settings, redis_client)
        stack.push_async_callback(transport.close)

        codec = EventCodec()
        realtime = build_realtime_hub(settings, store, transport, redis_client, registry)
        stack.push_async_callback(realtime.aclose)
        relay = OutboxRelay(
            store,
            transport,
            SqlCheckpointStore(database),
            lease_for("outbox-relay", settings, redis_client),
            batch_size=settings.relay_batch_size,
            renew_every=settings.lease_renew_seconds,
            on_published=lambda _count: realtime.notify(),
        )
        commands = CommandBus(
            [logging_middleware(), metrics_middleware(registry), retry_on_conflict()]
        )
        repository = AggregateRepository(store, codec)
        # The demo seed dates its facts in the past; any other command gets the real time.
        register_aggregate_handlers(commands, repository, clock=seed_aware_clock())
        commands.after_commit(relay.notify)
        commands.after_commit(realtime.notify)

        leads, content = SqlLeadReadModel(database), SqlContentReadModel(database)
        notes = SqlNotificationReadModel(database)
        projections = ProjectionEngine(
            database,
            store,
            codec,
            [
                LeadProjection(),
                ContentProjection(),
                AccountProjection(),
                NotificationProjection(),
                SagaProjection(database.dialect),
                VisitorLinkProjection(),
            ],
            projection_metrics(registry),
        )
        tracking = SqlTrackingStore(database)
        accounts = SqlAccountReadModel(database)
        identity = build_identity(settings, database, repository, commands, accounts, api_key)
        lead_deps = LeadSagaDependencies(
            repository,
            tracking,
            RuleBasedLeadScorer(),
            accounts,
            settings.qualify_threshold,
            settings.nurture_threshold,
        )
        webhooks = WebhookSender(
            database,
            settings.webhook_url_list,
            settings.webhook_secret or load_or_create_secret(settings.data_dir, "webhook_secret"),
            frozenset(t.strip() for t in settings.webhook_events.split(",") if t.strip()),
        )
        stack.push_async_callback(webhooks.aclose)
        sagas = SagaOrchestrator(
            [
                lead_qualification_saga(lead_deps),
                lead_rescoring_saga(lead_deps),
                content_publication_saga(ContentSagaDependencies(repository, RecordingIndexer())),
            ],
            repository,
            commands,
            SqlSagaTimers(database),
            utc_now,
            busy=projections_busy(transport, settings.saga_yield_backlog),
        )
        container = BackendContainer(
            settings=settings,
            ai=ai,
            readiness=ReadinessCheck(
                "backend",
                __version__,
                _dependencies(settings, store, transport, redis_client, ai),
                settings.health_timeout_seconds,
            ),
            store=store,
            database=database,
            transport=transport,
            commands=commands,
            queries=build_query_bus(leads, content, notes),
            leads=leads,
            content=content,
            accounts=accounts,
            notifications=notes,
            tracking=tracking,
            projections=projections,
            relay=relay,
            sagas=sagas,
            saga_views=SqlSagaReadModel(database),
            webhooks=webhooks,
            identity=identity,
            loops=BackgroundLoops(),
            realtime=realtime,
            rate_limiter=rate_limiter,
            redis=redis_client,
        )
        _add_loops(container)
        if run_loops:
            container.loops.start(None if run_loops is True else run_loops)
            stack.push_async_callback(container.loops.aclose)
        yield container


def _relay_loop(container: BackendContainer) -> Callable[[asyncio.Event], Awaitable[None]]:
    """The relay; on PostgreSQL with a commit listener beside it, so commits made by other
    processes (API replicas, saga workers) wake it at once rather than at its next poll."""
    relay, store = container.relay, container.store
    watch = getattr(store, "watch_commits", None)
    if watch is None:
        return relay.run

    async def run(stop: asyncio.Event) -> None:
        listener = asyncio.create_task(watch(relay.notify, stop), name="aic-commit-listener")
        try:
            await relay.run(stop)
        finally:
            await cancel_and_wait(listener)

    return run


def _add_loops(container: BackendContainer) -> None:
    loops, name = container.loops, consumer_name()
    settings, redis_client, transport = container.settings, container.redis, container.transport
    groups = [PROJECTIONS_GROUP, "sagas"]
    if container.webhooks.urls:
        groups.append("webhooks")  # it only queues deliveries: it cannot stall the bus
        webhooks = consumer_worker(settings, transport, "webhooks", name, container.webhooks.handle)
        loops.add("webhooks", webhooks.run)
        sender = poll_loop("webhook-delivery", container.webhooks.deliver_due, 0.5)
        loops.add(
            "webhook-delivery", leased_loop("webhook-delivery", sender, settings, redis_client)
        )
    if isinstance(transport, InProcessEventTransport):
        transport.expect_groups(groups)
    loops.add("outbox-relay", _relay_loop(container))
    # One group for every projection: each batch is read and decoded once, then applied to
    # all of them at once (each keeps its own checkpoint and stream versions).
    engine = container.projections

    async def project(event: StoredEvent) -> None:
        await engine.handle_everywhere([event])

    projections = consumer_worker(
        settings, transport, PROJECTIONS_GROUP, name, project, engine.handle_everywhere
    )
    loops.add(PROJECTIONS_GROUP, retiring_groups(transport, projections.run))
    # Starting a saga can wait while the projections are behind (``give_way``); its steps do.
    orchestrator = container.sagas
    sagas = consumer_worker(
        settings, transport, "sagas", name, orchestrator.handle_event, pace=orchestrator.give_way
    )
    loops.add("sagas", sagas.run)
    timer = poll_loop("saga-timer", container.sagas.run_due, 1.0, container.sagas.wake)
    loops.add("saga-timer", leased_loop("saga-timer", timer, settings, redis_client))
    scheduler = PublicationScheduler(container.content, container.sagas, utc_now)
    publisher = poll_loop("publication-scheduler", scheduler.run_once, 5.0)
    loops.add(
        "publication-scheduler",
        leased_loop("publication-scheduler", publisher, settings, redis_client),
    )
    signals = EngagementSignals(container.tracking, container.commands, timedelta(minutes=10))
    loops.add(
        "engagement-signals",
        poll_loop("engagement-signals", signals.run_once, 2.0, container._engagement_wake),
    )
    sessions = container.identity.sessions
    loops.add("session-pruning", poll_loop("session-pruning", sessions.prune, 3600.0))
