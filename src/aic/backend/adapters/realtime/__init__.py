"""Realtime adapters: the Redis wake-up shared by replicas, Prometheus metrics."""

from aic.backend.adapters.realtime.metrics import PrometheusRealtimeObserver
from aic.backend.adapters.realtime.redis_wake import RedisStreamWake
from aic.backend.adapters.realtime.setup import build_realtime_hub

__all__ = ["PrometheusRealtimeObserver", "RedisStreamWake", "build_realtime_hub"]
