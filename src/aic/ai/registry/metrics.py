"""Prometheus metrics per model: instances predicted by version, and batch latency."""

from __future__ import annotations

from typing import ClassVar
from weakref import WeakKeyDictionary

from prometheus_client import CollectorRegistry, Counter, Histogram

__all__ = ["ModelMetrics"]

# A batch of linear predictions takes microseconds; heavier kinds may take tens of ms.
_BUCKETS = (0.0001, 0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1.0)


class ModelMetrics:
    """``aic_ai_model_predictions_total{model,version}``, ``..._predict_duration_seconds``."""

    _of: ClassVar[WeakKeyDictionary[CollectorRegistry, ModelMetrics]] = WeakKeyDictionary()

    @classmethod
    def of(cls, registry: CollectorRegistry) -> ModelMetrics:
        """The metrics on ``registry``, made once: an app started twice registers them once."""
        metrics = cls._of.get(registry)
        if metrics is None:
            metrics = cls._of[registry] = cls(registry)
        return metrics

    def __init__(self, registry: CollectorRegistry) -> None:
        self._predictions = Counter(
            "aic_ai_model_predictions_total",
            "Instances scored by a registered model",
            ["model", "version"],
            registry=registry,
        )
        self._duration = Histogram(
            "aic_ai_model_predict_duration_seconds",
            "Time to score one batch with a registered model",
            ["model"],
            buckets=_BUCKETS,
            registry=registry,
        )

    def observe(self, model: str, version: int, instances: int, seconds: float) -> None:
        self._predictions.labels(model, str(version)).inc(instances)
        self._duration.labels(model).observe(seconds)
