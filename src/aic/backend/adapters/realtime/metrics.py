"""Prometheus metrics of the realtime hub: subscribers, deliveries, drops, lag."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

from aic.backend.application.ports import StoredEvent

__all__ = ["PrometheusRealtimeObserver"]


class PrometheusRealtimeObserver:
    """``transport`` is ``sse`` or ``ws``."""

    def __init__(self, registry: CollectorRegistry) -> None:
        self._subscribers = Gauge(
            "aic_backend_realtime_subscribers",
            "Realtime subscribers connected to this process",
            ["transport"],
            registry=registry,
            multiprocess_mode="livesum",
        )
        self._delivered = Counter(
            "aic_backend_realtime_events_delivered",
            "Events sent to realtime subscribers (one per subscriber and event)",
            ["transport"],
            registry=registry,
        )
        self._dropped = Counter(
            "aic_backend_realtime_dropped",
            "Realtime subscribers the hub let go of (reason: slow)",
            ["transport", "reason"],
            registry=registry,
        )
        self._lag = Histogram(
            "aic_backend_realtime_lag_seconds",
            "Time from an event being stored to the realtime hub handing it to subscribers",
            buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
            registry=registry,
        )

    def subscribed(self, label: str, delta: int) -> None:
        self._subscribers.labels(label).inc(delta)

    def dropped(self, label: str, reason: str) -> None:
        self._dropped.labels(label, reason).inc()

    def delivered(self, label: str, count: int) -> None:
        self._delivered.labels(label).inc(count)

    def dispatched(self, events: Sequence[StoredEvent]) -> None:
        now = datetime.now(UTC)
        for event in events:
            self._lag.observe(max(0.0, (now - event.recorded_at).total_seconds()))
