"""Prometheus figures of LLM calls, per provider and model: outcomes, errors, tokens, latency."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Histogram

from aic.ai.providers.ports import ErrorKind, Usage

__all__ = ["LLMMetrics"]

# LLM answers take from a fraction of a second (offline) to minutes (a long local generation).
_SECONDS = (0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 20.0, 30.0, 60.0, 120.0)
_TOKENS = (16, 64, 256, 1024, 4096, 16384, 65536)


class LLMMetrics:
    """One call of one provider is one observation; a fallback shows as an error, then a call."""

    def __init__(self, registry: CollectorRegistry) -> None:
        self._requests = Counter(
            "aic_ai_llm_requests_total",
            "LLM provider calls by outcome (ok or error)",
            ["provider", "model", "outcome"],
            registry=registry,
        )
        self._errors = Counter(
            "aic_ai_llm_errors_total",
            "Failed LLM provider calls by kind (rate_limited, timeout, server_error ...)",
            ["provider", "model", "kind"],
            registry=registry,
        )
        self._tokens = Histogram(
            "aic_ai_llm_tokens",
            "Tokens of an LLM call, prompt or completion (the sum is the usage)",
            ["provider", "model", "type"],
            buckets=_TOKENS,
            registry=registry,
        )
        self._duration = Histogram(
            "aic_ai_llm_request_duration_seconds",
            "Duration of a successful LLM call (of the whole stream when streaming)",
            ["provider", "model"],
            buckets=_SECONDS,
            registry=registry,
        )
        self._first_token = Histogram(
            "aic_ai_llm_time_to_first_token_seconds",
            "Time from asking a provider to stream until its first text arrived",
            ["provider", "model"],
            buckets=_SECONDS,
            registry=registry,
        )

    def succeeded(self, provider: str, model: str, usage: Usage, seconds: float) -> None:
        self._requests.labels(provider, model, "ok").inc()
        self._tokens.labels(provider, model, "prompt").observe(usage.prompt_tokens)
        self._tokens.labels(provider, model, "completion").observe(usage.completion_tokens)
        self._duration.labels(provider, model).observe(seconds)

    def failed(self, provider: str, model: str, kind: ErrorKind) -> None:
        self._requests.labels(provider, model, "error").inc()
        self._errors.labels(provider, model, kind).inc()

    def first_token(self, provider: str, model: str, seconds: float) -> None:
        self._first_token.labels(provider, model).observe(seconds)
