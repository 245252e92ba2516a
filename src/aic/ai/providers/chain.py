"""Providers tried in order: one retry loop for all of them, then the next, then a clear 5xx.

A provider's 429, 5xx or connection error is retried after a pause (a 429's ``Retry-After``
when it is short enough, else an exponential backoff); a timeout, a refusal (other 4xx) or a
longer ``Retry-After`` moves on to the next provider at once. When every provider failed,
``AllProvidersFailed`` is a 502/503/504 with each attempt's reason: a failure is never
answered as a 200 with empty text, and an empty answer counts as a failure. A stream falls
back only until its first text was passed on; after that, a failure ends it with
``StreamInterrupted``.
"""

from __future__ import annotations

import asyncio
import math
import random
import time
from collections.abc import AsyncGenerator, AsyncIterator, Awaitable, Callable, Sequence
from contextlib import aclosing
from dataclasses import replace
from typing import Any, TypeVar

from aic.ai.providers.metrics import LLMMetrics
from aic.ai.providers.ports import (
    Completion,
    CompletionChunk,
    CompletionRequest,
    ErrorKind,
    LLMProvider,
    ProviderError,
    ProviderStatus,
    Usage,
)
from aic.asgi.errors import ApiError
from aic.observability.logging import get_logger

__all__ = ["AllProvidersFailed", "ProviderChain", "StreamInterrupted", "UnknownModel"]

_log = get_logger("aic.ai.llm")
_Answer = TypeVar("_Answer")
# A timeout already cost the whole wait, and a refusal would be refused again.
_RETRIED: frozenset[ErrorKind] = frozenset({"rate_limited", "server_error", "connection"})


class UnknownModel(ApiError):
    def __init__(self, model: str, available: Sequence[str]) -> None:
        super().__init__(
            404,
            "model_not_found",
            f"No available provider serves the model {model!r}; GET /v1/models lists those "
            "that do.",
            {"model": model, "available": list(available)},
        )


class AllProvidersFailed(ApiError):
    """No provider answered: 504 if all timed out, 503 if none could be asked or all were
    rate-limited (with ``Retry-After``), else 502; ``details`` has every attempt's reason."""

    def __init__(self, failures: Sequence[ProviderError], skipped: Sequence[ProviderStatus]):
        kinds = {f.kind for f in failures}
        headers = None
        if not failures:
            status, code = 503, "llm_unavailable"
            message = "No LLM provider is available: see details for what to configure."
        elif kinds == {"timeout"}:
            status, code = 504, "llm_timeout"
            message = "Every LLM provider timed out."
        elif kinds == {"rate_limited"}:
            status, code = 503, "llm_rate_limited"
            message = "Every LLM provider is rate-limiting; try again later."
            waits = [f.retry_after for f in failures if f.retry_after is not None]
            if waits:
                headers = {"Retry-After": str(max(1, math.ceil(min(waits))))}
        else:
            status, code = 502, "llm_failed"
            message = "Every LLM provider failed: see details for each one's reason."
        attempts = [_attempt(f) for f in failures]
        attempts += [
            {"provider": s.name, "kind": "unavailable", "message": s.reason} for s in skipped
        ]
        super().__init__(status, code, message, {"attempts": attempts}, headers)
        self.failures = list(failures)


class StreamInterrupted(ApiError):
    """A stream failed after some of its text was sent: it cannot fall back any more."""

    def __init__(self, failure: ProviderError) -> None:
        super().__init__(
            502,
            "llm_stream_interrupted",
            "The LLM provider failed in the middle of its answer; what was sent is incomplete.",
            {"attempts": [_attempt(failure)]},
        )
        self.failure = failure


def _attempt(failure: ProviderError) -> dict[str, Any]:
    return {
        "provider": failure.provider,
        "model": failure.model,
        "kind": failure.kind,
        "status_code": failure.status_code,
        "retry_after": failure.retry_after,
        "message": failure.message,
    }


class ProviderChain:
    """The LLM of the ai service: an ``LLMProvider`` made of providers tried in order.

    ``missing`` are the providers that could not be built (no key): reported, never asked.
    """

    def __init__(
        self,
        providers: Sequence[LLMProvider],
        *,
        missing: Sequence[ProviderStatus] = (),
        metrics: LLMMetrics | None = None,
        retries: int = 1,
        retry_after_max: float = 5.0,
        backoff: float = 0.25,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self._providers = tuple(providers)
        self._missing = tuple(missing)
        self._metrics = metrics
        self._retries = retries
        self._retry_after_max = retry_after_max
        self._backoff = backoff
        self._sleep = sleep

    @property
    def name(self) -> str:
        return "chain"

    def models(self) -> Sequence[str]:
        return list(self.model_owners())

    def model_owners(self) -> dict[str, str]:
        """Every model an available provider serves → the first provider that serves it."""
        owners: dict[str, str] = {}
        for provider in self._available():
            for model in provider.models():
                owners.setdefault(model, provider.name)
        return owners

    def status(self) -> ProviderStatus:
        available = self._available()
        return ProviderStatus(
            self.name,
            available=bool(available),
            models=tuple(self.models()),
            reason=None if available else "no LLM provider is available",
        )

    def statuses(self) -> list[ProviderStatus]:
        """Every provider, in the order tried, then the ones not configured."""
        return [p.status() for p in self._providers] + list(self._missing)

    async def generate(self, request: CompletionRequest) -> Completion:
        completion, provider, model, started = await self._first_answer(request, _generated)
        if self._metrics:
            seconds = time.perf_counter() - started
            self._metrics.succeeded(provider.name, model, completion.usage, seconds)
        return completion

    async def stream(self, request: CompletionRequest) -> AsyncGenerator[CompletionChunk, None]:
        opened, provider, model, started = await self._first_answer(request, _opened)
        first, chunks = opened
        if self._metrics:
            self._metrics.first_token(provider.name, model, time.perf_counter() - started)
        rest = self._committed(first, chunks, provider, model, request, started)
        async with aclosing(rest):
            async for chunk in rest:
                yield chunk

    async def _first_answer(
        self,
        request: CompletionRequest,
        ask: Callable[[LLMProvider, CompletionRequest], Awaitable[_Answer]],
    ) -> tuple[_Answer, LLMProvider, str, float]:
        """The retry loop: each provider in turn until one answers; its answer, who, when."""
        plan, skipped = self._plan(request)
        failures: list[ProviderError] = []
        for provider, asked in plan:
            model = asked.model or _default_model(provider)
            for attempt in range(self._retries + 1):
                started = time.perf_counter()
                try:
                    return await ask(provider, asked), provider, model, started
                except Exception as exc:  # a crashing adapter falls back too (and is logged)
                    failure = self._failed(_as_provider_error(exc, provider), provider, model)
                failures.append(failure)
                pause = self._pause(failure, attempt)
                if pause is None:
                    break
                await self._sleep(pause)
        raise AllProvidersFailed(failures, skipped)

    async def _committed(
        self,
        first: CompletionChunk,
        chunks: AsyncIterator[CompletionChunk],
        provider: LLMProvider,
        model: str,
        request: CompletionRequest,
        started: float,
    ) -> AsyncGenerator[CompletionChunk, None]:
        """A stream whose first text is being passed on; its last chunk always has usage."""
        text: list[str] = []
        chunk: CompletionChunk | None = first
        try:
            while chunk is not None and chunk.finish_reason is None:
                text.append(chunk.text)
                yield chunk
                chunk = await anext(chunks, None)
            if chunk is None:
                raise ProviderError(provider.name, "connection", "the stream ended unfinished")
        except Exception as exc:
            failure = _as_provider_error(exc, provider)
            raise StreamInterrupted(self._failed(failure, provider, model)) from exc
        finally:
            await _close(chunks)
        text.append(chunk.text)
        usage = chunk.usage or Usage.estimate(request.prompt_text, "".join(text))
        if self._metrics:
            self._metrics.succeeded(provider.name, model, usage, time.perf_counter() - started)
        yield replace(chunk, usage=usage)

    async def aclose(self) -> None:
        for provider in self._providers:
            await provider.aclose()

    def _available(self) -> list[LLMProvider]:
        return [p for p in self._providers if p.status().available]

    def _plan(
        self, request: CompletionRequest
    ) -> tuple[list[tuple[LLMProvider, CompletionRequest]], list[ProviderStatus]]:
        """Who is asked, in order, with which request; who is skipped as unavailable.

        A named model's provider is asked first; the next ones fall back to their default.
        """
        statuses = {p.name: p.status() for p in self._providers}
        available = [p for p in self._providers if statuses[p.name].available]
        skipped = [s for s in statuses.values() if not s.available] + list(self._missing)
        if request.model is None:
            return [(p, request) for p in available], skipped
        owner = next((p for p in available if request.model in p.models()), None)
        if owner is None:
            raise UnknownModel(request.model, self.models())
        others = [(p, request.with_model(None)) for p in available if p is not owner]
        return [(owner, request), *others], skipped

    def _failed(self, exc: ProviderError, provider: LLMProvider, model: str) -> ProviderError:
        exc.model = exc.model or model
        _log.warning(
            "llm_provider_failed",
            provider=provider.name,
            model=exc.model,
            kind=exc.kind,
            status_code=exc.status_code,
            retry_after=exc.retry_after,
            reason=exc.message,
        )
        if self._metrics:
            self._metrics.failed(provider.name, exc.model, exc.kind)
        return exc

    def _pause(self, exc: ProviderError, attempt: int) -> float | None:
        """Seconds to wait before asking the same provider again; ``None``: ask the next."""
        if attempt >= self._retries or exc.kind not in _RETRIED:
            return None
        if exc.retry_after is not None:
            return exc.retry_after if exc.retry_after <= self._retry_after_max else None
        jitter = random.uniform(0.5, 1.0)  # noqa: S311 - spreads retries, no secret
        return self._backoff * 2.0**attempt * jitter


async def _generated(provider: LLMProvider, request: CompletionRequest) -> Completion:
    completion = await provider.generate(request)
    if not completion.text:
        raise ProviderError(provider.name, "empty", "answered with no text")
    return completion


async def _opened(
    provider: LLMProvider, request: CompletionRequest
) -> tuple[CompletionChunk, AsyncIterator[CompletionChunk]]:
    """A provider's stream up to its first text: a failure until then can still fall back."""
    chunks = provider.stream(request)
    try:
        return await _first_text(chunks, provider.name), chunks
    except BaseException:
        await _close(chunks)
        raise


def _as_provider_error(exc: Exception, provider: LLMProvider) -> ProviderError:
    """A ``ProviderError`` as it is; anything else is an adapter's bug, logged in full."""
    if isinstance(exc, ProviderError):
        return exc
    _log.error("llm_provider_crashed", provider=provider.name, exc_info=exc)
    return ProviderError(provider.name, "unexpected", f"{type(exc).__name__}: {exc}"[:300])


def _default_model(provider: LLMProvider) -> str:
    models = provider.models()
    return models[0] if models else "default"


async def _first_text(chunks: AsyncIterator[CompletionChunk], provider: str) -> CompletionChunk:
    """The first chunk with text (or a final one that brings text); an empty answer fails."""
    async for chunk in chunks:
        if chunk.text:
            return chunk
        if chunk.finish_reason is not None:
            break
    raise ProviderError(provider, "empty", "answered with no text")


async def _close(chunks: AsyncIterator[CompletionChunk]) -> None:
    aclose = getattr(chunks, "aclose", None)
    if aclose is not None:
        await aclose()
