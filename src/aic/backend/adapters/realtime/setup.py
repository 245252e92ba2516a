"""Builds the realtime hub a backend process serves its subscribers from."""

from __future__ import annotations

import redis.asyncio as redis_async
from prometheus_client import CollectorRegistry

from aic.backend.adapters.realtime.metrics import PrometheusRealtimeObserver
from aic.backend.adapters.realtime.redis_wake import RedisStreamWake
from aic.backend.adapters.transport.redis_streams import RedisStreamsEventTransport
from aic.backend.application.ports import EventStore, EventTransport
from aic.backend.application.realtime import RealtimeHub
from aic.backend.settings import BackendSettings

__all__ = ["build_realtime_hub"]


def build_realtime_hub(
    settings: BackendSettings,
    store: EventStore,
    transport: EventTransport,
    redis_client: redis_async.Redis | None,
    registry: CollectorRegistry,
) -> RealtimeHub:
    """With Redis Streams, every replica's hub wakes on every publication of the relay
    (whichever replica holds its lease); the caller also wires local commits to
    ``hub.notify``."""
    hub = RealtimeHub(
        store,
        capacity=settings.realtime_queue_size,
        max_subscribers=settings.realtime_max_subscribers,
        poll_seconds=settings.realtime_poll_seconds,
        observer=PrometheusRealtimeObserver(registry),
    )
    if redis_client is not None and isinstance(transport, RedisStreamsEventTransport):
        hub.add_waker(RedisStreamWake(redis_client, transport.key, hub.notify).run)
    return hub
