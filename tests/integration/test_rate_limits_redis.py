"""Rate limits in Redis: shared by every limiter on the same prefix, and never a 5xx without it."""

from __future__ import annotations

import asyncio
import socket
import threading
import time
import uuid
from collections.abc import Iterator

import pytest
import redis
from prometheus_client import CollectorRegistry
from structlog.testing import capture_logs

from aic.asgi.errors import ApiError
from aic.security.ratelimit import RateLimiter, build_rate_limiter
from aic.settings import CommonSettings, RateLimitStrategy
from tests.support.private_redis import PrivateRedis
from tests.support.services import free_ports, require_tool

pytestmark = pytest.mark.redis


def limiter_on(
    url: str,
    prefix: str,
    registry: CollectorRegistry | None = None,
    strategy: RateLimitStrategy = "moving-window",
    limit: str = "3/minute",
    **options: float,
) -> RateLimiter:
    settings = CommonSettings(
        redis_url=url,
        redis_prefix=prefix,
        rate_limits_enabled=True,
        rate_limit_strategy=strategy,
    )
    return build_rate_limiter(
        settings,
        {"public": limit},
        service="backend",
        registry=registry or CollectorRegistry(),
        **options,
    )


async def allowed(limiter: RateLimiter, identity: str = "ip:10.0.0.1") -> bool:
    try:
        await limiter.check(identity, "public")
    except ApiError as error:
        if error.status_code != 429:
            raise
        return False
    return True


@pytest.fixture
def prefix(redis_prefix: str) -> str:
    return f"{redis_prefix}{uuid.uuid4().hex[:8]}:"


@pytest.mark.parametrize("strategy", ["moving-window", "sliding-window-counter"])
def test_two_limiters_on_one_redis_share_each_clients_count(
    redis_url: str, prefix: str, strategy: RateLimitStrategy
) -> None:
    async def scenario() -> list[bool]:
        # A day: the sliding-window counter forgives at a window's end, so keep clear of one.
        first = limiter_on(redis_url, prefix, strategy=strategy, limit="3/day")
        second = limiter_on(redis_url, prefix, strategy=strategy, limit="3/day")
        try:
            return [await allowed(first if i % 2 else second) for i in range(5)]
        finally:
            await first.aclose()
            await second.aclose()

    assert asyncio.run(scenario()) == [True, True, True, False, False]
    client = redis.Redis.from_url(redis_url)
    try:
        assert list(client.scan_iter(match=f"{prefix}ratelimit:*"))
    finally:
        client.close()


@pytest.fixture
def private_redis() -> Iterator[PrivateRedis]:
    server = PrivateRedis(require_tool("redis-server"))
    server.start()
    try:
        yield server
    finally:
        server.stop()


def test_while_redis_is_down_limits_hold_per_process_and_redis_is_used_again_after(
    private_redis: PrivateRedis,
) -> None:
    registry = CollectorRegistry()

    async def scenario() -> None:
        limiter = limiter_on(private_redis.url, "t:", registry, storage_retry_seconds=0.2)
        try:
            assert await allowed(limiter, "ip:10.0.0.1")
            private_redis.stop()
            with capture_logs() as logs:
                # Counted in this process now: three fit, the fourth is refused, no 5xx.
                assert [await allowed(limiter, "ip:10.0.0.2") for _ in range(4)] == [
                    True,
                    True,
                    True,
                    False,
                ]
            down = [line for line in logs if line["event"] == "rate_limit_storage_unavailable"]
            assert len(down) == 1
            assert down[0]["fallback"] == "per-process limits"
            private_redis.start()  # empty: no persistence
            deadline = time.monotonic() + 5
            client = redis.Redis.from_url(private_redis.url)
            try:
                while not list(client.scan_iter(match="t:ratelimit:*")):
                    assert time.monotonic() < deadline, "the limiter never went back to Redis"
                    await allowed(limiter, "ip:10.0.0.3")
                    await asyncio.sleep(0.05)
            finally:
                client.close()
        finally:
            await limiter.aclose()

    asyncio.run(scenario())
    errors = registry.get_sample_value(
        "aic_rate_limit_storage_errors_total", {"service": "backend"}
    )
    assert errors is not None
    assert errors >= 1


def test_a_redis_that_refuses_connections_costs_a_request_nothing(prefix: str) -> None:
    nobody = f"redis://127.0.0.1:{free_ports(1)[0]}/0"

    async def scenario() -> float:
        limiter = limiter_on(nobody, prefix)
        try:
            started = time.monotonic()
            for _ in range(3):
                assert await allowed(limiter)
            return time.monotonic() - started
        finally:
            await limiter.aclose()

    assert asyncio.run(scenario()) < 1.0


def test_a_redis_that_never_answers_delays_one_check_by_the_timeout_at_most(prefix: str) -> None:
    silent = socket.create_server(("127.0.0.1", 0))
    accepted: list[socket.socket] = []

    def accept_and_say_nothing() -> None:
        try:
            while True:
                accepted.append(silent.accept()[0])
        except OSError:
            return

    threading.Thread(target=accept_and_say_nothing, daemon=True).start()
    url = f"redis://127.0.0.1:{silent.getsockname()[1]}/0"

    async def scenario() -> list[float]:
        limiter = limiter_on(url, prefix, storage_timeout=0.2)
        try:
            durations = []
            for _ in range(3):
                started = time.monotonic()
                assert await allowed(limiter)
                durations.append(time.monotonic() - started)
            return durations
        finally:
            await limiter.aclose()

    try:
        first, *rest = asyncio.run(scenario())
    finally:
        silent.shutdown(socket.SHUT_RDWR)  # wakes the accepting thread, which then ends
        silent.close()
        for connection in accepted:
            connection.close()
    assert 0.15 < first < 1.0
    assert all(d < 0.05 for d in rest)  # Redis is left alone until the retry time
