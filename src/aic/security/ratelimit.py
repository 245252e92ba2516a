"""Rate limits per client and category, shared by every replica through Redis when configured.

Built on the ``limits`` library. Each category (``public``, ``authenticated``, ``login``,
``service`` ...) has one or more limits that must all hold. With ``AIC_REDIS_URL`` the counts
live in Redis, so a limit holds across replicas and workers; without it, in this process.

When Redis cannot answer (down, slow, refusing), a check never fails the request: it is counted
in this process instead, for ``storage_retry_seconds``, then Redis is tried again. Replicas
then enforce each limit separately (at most replicas x limit in total) until Redis is back; a
log line and ``aic_rate_limit_storage_errors_total`` tell the operator. See docs/adr/0008.
"""

from __future__ import annotations

import asyncio
import math
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

import redis.asyncio as redis_async
from limits import RateLimitItem, parse_many
from limits.aio import strategies
from limits.aio.storage import MemoryStorage, RedisStorage, Storage
from limits.errors import StorageError
from prometheus_client import CollectorRegistry, Counter
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff
from redis.exceptions import RedisError

from aic.asgi.errors import ApiError
from aic.observability.logging import get_logger
from aic.settings import CommonSettings, RateLimitStrategy

__all__ = ["RateLimitMetrics", "RateLimitState", "RateLimiter", "build_rate_limiter"]

_STORAGE_ERRORS = (StorageError, RedisError, OSError, TimeoutError)
Strategy = strategies.RateLimiter
_STRATEGIES: dict[RateLimitStrategy, Callable[[Storage], Strategy]] = {
    "moving-window": strategies.MovingWindowRateLimiter,
    "sliding-window-counter": strategies.SlidingWindowCounterRateLimiter,
}
T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class RateLimitState:
    """Where a client stands under the tightest limit of a category."""

    limit: int
    remaining: int
    reset_seconds: int  # until the window frees a request (delta seconds, as in the IETF draft)

    def headers(self) -> dict[str, str]:
        return {
            "X-RateLimit-Limit": str(self.limit),
            "X-RateLimit-Remaining": str(self.remaining),
            "X-RateLimit-Reset": str(self.reset_seconds),
        }


class RateLimitMetrics:
    """``aic_rate_limited_total{service,category}`` and storage failures."""

    def __init__(self, registry: CollectorRegistry, service: str) -> None:
        self.service = service
        self._limited = Counter(
            "aic_rate_limited_total",
            "Requests refused with 429 because a rate limit was reached",
            ["service", "category"],
            registry=registry,
        )
        self._storage_errors = Counter(
            "aic_rate_limit_storage_errors_total",
            "Rate-limit checks Redis could not answer (counted in the process instead)",
            ["service"],
            registry=registry,
        )

    def limited(self, category: str) -> None:
        self._limited.labels(self.service, category).inc()

    def storage_failed(self) -> None:
        self._storage_errors.labels(self.service).inc()


@dataclass(frozen=True, slots=True)
class _Outcome:
    allowed: bool
    state: RateLimitState


class RateLimiter:
    """``await check(identity, category)``: counts a request, or raises a 429 ``ApiError``."""

    def __init__(
        self,
        policies: Mapping[str, str],
        *,
        metrics: RateLimitMetrics,
        shared: Storage | None = None,
        strategy: RateLimitStrategy = "moving-window",
        enabled: bool = True,
        storage_timeout: float = 0.5,
        storage_retry_seconds: float = 5.0,
        on_close: Callable[[], Awaitable[None]] | None = None,
    ) -> None:
        self.enabled = enabled
        self._limits: dict[str, list[RateLimitItem]] = {
            category: parse_many(text) for category, text in policies.items()
        }
        self._metrics = metrics
        self._memory = MemoryStorage()
        self._local = _STRATEGIES[strategy](self._memory)
        self._shared = _STRATEGIES[strategy](shared) if shared is not None else None
        self._timeout = storage_timeout
        self._retry_seconds = storage_retry_seconds
        self._shared_down_until = 0.0
        self._shared_down = False
        self._on_close = on_close

    @property
    def categories(self) -> frozenset[str]:
        return frozenset(self._limits)

    def limits_of(self, category: str) -> list[RateLimitItem]:
        try:
            return self._limits[category]
        except KeyError:
            raise ValueError(f"no rate limit category {category!r}") from None

    async def check(self, identity: str, category: str) -> RateLimitState | None:
        """Count one request of ``identity``; ``None`` when limits are off."""
        if not self.enabled:
            return None
        items = self.limits_of(category)
        outcome = await self._with_storage(lambda s: _hit(s, items, category, identity))
        if not outcome.allowed:
            self._refuse(category, items, outcome.state)
        return outcome.state

    async def refuse_if_exhausted(self, identity: str, category: str) -> None:
        """Raise the 429 ``check`` would, without counting a request (guards before work)."""
        if not self.enabled:
            return
        items = self.limits_of(category)
        outcome = await self._with_storage(lambda s: _test(s, items, category, identity))
        if not outcome.allowed:
            self._refuse(category, items, outcome.state)

    async def aclose(self) -> None:
        timer = self._memory.timer
        if timer is not None and not timer.done():
            timer.cancel()
        if self._on_close is not None:
            await self._on_close()

    async def _with_storage(self, run: Callable[[Strategy], Awaitable[T]]) -> T:
        if self._shared is not None and time.monotonic() >= self._shared_down_until:
            try:
                async with asyncio.timeout(self._timeout):
                    result = await run(self._shared)
            except _STORAGE_ERRORS as exc:
                self._shared_failed(exc)
            else:
                if self._shared_down:
                    self._shared_down = False
                    get_logger("aic.ratelimit").info("rate_limit_storage_recovered")
                return result
        return await run(self._local)

    def _shared_failed(self, exc: BaseException) -> None:
        self._metrics.storage_failed()
        self._shared_down_until = time.monotonic() + self._retry_seconds
        if not self._shared_down:  # one line per outage, not one per request
            self._shared_down = True
            get_logger("aic.ratelimit").warning(
                "rate_limit_storage_unavailable",
                error=repr(exc) if str(exc) else type(exc).__name__,
                fallback="per-process limits",
                retry_in_seconds=self._retry_seconds,
            )

    def _refuse(self, category: str, items: Sequence[RateLimitItem], state: RateLimitState) -> None:
        self._metrics.limited(category)
        wait = max(1, state.reset_seconds)
        allowed = "; ".join(str(item) for item in items)
        raise ApiError(
            429,
            "rate_limited",
            f"Too many requests ({category}: {allowed}). Try again in {wait} s.",
            details={"category": category, "limits": allowed, "retry_after_seconds": wait},
            headers={**state.headers(), "Retry-After": str(wait)},
        )


async def _hit(
    strategy: Strategy, items: Sequence[RateLimitItem], category: str, identity: str
) -> _Outcome:
    tightest: RateLimitState | None = None
    for item in items:
        allowed = await strategy.hit(item, category, identity)
        state = await _state(strategy, item, category, identity)
        if not allowed:
            return _Outcome(False, state)
        if tightest is None or state.remaining < tightest.remaining:
            tightest = state
    assert tightest is not None  # parse_many never returns an empty list
    return _Outcome(True, tightest)


async def _test(
    strategy: Strategy, items: Sequence[RateLimitItem], category: str, identity: str
) -> _Outcome:
    state: RateLimitState | None = None
    for item in items:
        state = await _state(strategy, item, category, identity)
        if not await strategy.test(item, category, identity):
            return _Outcome(False, state)
    assert state is not None
    return _Outcome(True, state)


async def _state(
    strategy: Strategy, item: RateLimitItem, category: str, identity: str
) -> RateLimitState:
    stats = await strategy.get_window_stats(item, category, identity)
    reset = math.ceil(max(0.0, stats.reset_time - time.time()))
    return RateLimitState(item.amount, max(0, stats.remaining), reset)


def build_rate_limiter(
    settings: CommonSettings,
    policies: Mapping[str, str],
    *,
    service: str,
    registry: CollectorRegistry,
    storage_timeout: float = 0.5,
    storage_retry_seconds: float = 5.0,
) -> RateLimiter:
    """Redis storage when ``AIC_REDIS_URL`` is set (same URL, so ``rediss://`` and its TLS
    parameters apply), else process memory. No I/O here: Redis is first reached by a check."""
    shared: Storage | None = None
    on_close: Callable[[], Awaitable[None]] | None = None
    if settings.redis_url:
        # A client of its own: short timeouts and no retries, because a check that waits on
        # a sick Redis delays a request, and the fallback is there for exactly that case.
        client = redis_async.Redis.from_url(
            settings.redis_url,
            socket_connect_timeout=storage_timeout,
            socket_timeout=storage_timeout,
            retry=Retry(NoBackoff(), 0),
        )
        pool: dict[str, Any] = {"connection_pool": client.connection_pool}
        shared = RedisStorage(
            "async+redis://",
            implementation="redispy",
            key_prefix=f"{settings.redis_prefix}ratelimit",
            wrap_exceptions=True,
            **pool,
        )
        on_close = client.aclose
    return RateLimiter(
        policies,
        metrics=RateLimitMetrics(registry, service),
        shared=shared,
        strategy=settings.rate_limit_strategy,
        enabled=settings.rate_limits_enabled,
        storage_timeout=storage_timeout,
        storage_retry_seconds=storage_retry_seconds,
        on_close=on_close,
    )
