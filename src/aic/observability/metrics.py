"""Prometheus metrics with the seed's names; multiprocess-aware so several workers add up."""

from __future__ import annotations

import os
from typing import Protocol

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
)

__all__ = [
    "MULTIPROCESS_ENV",
    "AIHttpMetrics",
    "BackendHttpMetrics",
    "HttpMetrics",
    "render_metrics",
]

MULTIPROCESS_ENV = "PROMETHEUS_MULTIPROC_DIR"
# Latency buckets from 5 ms to 30 s: API calls sit at the low end, LLM generation at the high.
_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)


class HttpMetrics(Protocol):
    """What the HTTP middleware reports for each request."""

    def request_started(self) -> None: ...

    def request_finished(
        self, method: str, route: str, status_code: int, duration_seconds: float
    ) -> None: ...


class BackendHttpMetrics:
    """``aic_backend_http_request_duration_seconds{method,route,status_code}``."""

    def __init__(self, registry: CollectorRegistry) -> None:
        self._duration = Histogram(
            "aic_backend_http_request_duration_seconds",
            "Duration of HTTP requests in seconds",
            ["method", "route", "status_code"],
            buckets=_BUCKETS,
            registry=registry,
        )
        self._children: dict[tuple[str, str, int], Histogram] = {}

    def request_started(self) -> None:
        return None

    def request_finished(
        self, method: str, route: str, status_code: int, duration_seconds: float
    ) -> None:
        key = (method, route, status_code)
        child = self._children.get(key)
        if child is None:  # label lookup costs more than the observation: keep the children
            child = self._children[key] = self._duration.labels(method, route, str(status_code))
        child.observe(duration_seconds)


class AIHttpMetrics:
    """The ai service's request count, duration and in-flight gauge, named as in the seed."""

    def __init__(self, registry: CollectorRegistry) -> None:
        self._total = Counter(
            "aic_ai_requests_total",
            "Total AI service requests",
            ["method", "route", "status_code"],
            registry=registry,
        )
        self._duration = Histogram(
            "aic_ai_request_duration_seconds",
            "AI service request duration in seconds",
            ["method", "route"],
            buckets=_BUCKETS,
            registry=registry,
        )
        self._active = Gauge(
            "aic_ai_active_connections",
            "HTTP requests being served right now (streams included)",
            registry=registry,
            multiprocess_mode="livesum",
        )

    def request_started(self) -> None:
        self._active.inc()

    def request_finished(
        self, method: str, route: str, status_code: int, duration_seconds: float
    ) -> None:
        self._active.dec()
        self._total.labels(method, route, str(status_code)).inc()
        self._duration.labels(method, route).observe(duration_seconds)


def render_metrics(registry: CollectorRegistry) -> tuple[bytes, str]:
    """Exposition of ``registry``, or of every worker's files in multiprocess mode."""
    if os.environ.get(MULTIPROCESS_ENV):
        combined = CollectorRegistry()
        multiprocess.MultiProcessCollector(combined)  # type: ignore[no-untyped-call]
        return generate_latest(combined), CONTENT_TYPE_LATEST
    return generate_latest(registry), CONTENT_TYPE_LATEST
