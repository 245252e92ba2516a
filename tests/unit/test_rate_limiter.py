"""Rate limits: exact windows, Retry-After, headers, metrics, and what happens without Redis."""

from __future__ import annotations

import asyncio
import time

import pytest
from prometheus_client import CollectorRegistry

from aic.asgi.errors import ApiError
from aic.security.ratelimit import RateLimiter, RateLimitMetrics, RateLimitState
from aic.settings import rate_limit_text


class FakeClock:
    """Wall time the `limits` library and the limiter read, moved by the test."""

    def __init__(self) -> None:
        self.now = 1_700_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> FakeClock:
    fake = FakeClock()
    monkeypatch.setattr(time, "time", fake)
    return fake


def limiter(
    registry: CollectorRegistry | None = None, enabled: bool = True, **policies: str
) -> RateLimiter:
    metrics = RateLimitMetrics(registry or CollectorRegistry(), "backend")
    return RateLimiter(policies, metrics=metrics, enabled=enabled)


def refusal(limiter: RateLimiter, identity: str, category: str) -> ApiError:
    with pytest.raises(ApiError) as caught:
        asyncio.run(limiter.check(identity, category))
    return caught.value


def test_the_request_past_the_limit_gets_429_rate_limited_with_retry_after(
    clock: FakeClock,
) -> None:
    limits = limiter(public="3/minute")

    async def three() -> list[RateLimitState | None]:
        return [await limits.check("ip:10.0.0.1", "public") for _ in range(3)]

    states = asyncio.run(three())
    assert [s.remaining for s in states if s] == [2, 1, 0]
    error = refusal(limits, "ip:10.0.0.1", "public")
    assert (error.status_code, error.code) == (429, "rate_limited")
    assert error.headers is not None
    assert error.headers["Retry-After"] == "60"
    assert error.headers["X-RateLimit-Limit"] == "3"
    assert error.headers["X-RateLimit-Remaining"] == "0"
    assert error.details == {
        "category": "public",
        "limits": "3 per 1 minute",
        "retry_after_seconds": 60,
    }


def test_retry_after_counts_down_to_when_the_oldest_request_leaves_the_window(
    clock: FakeClock,
) -> None:
    limits = limiter(login="2 per 10 seconds")

    async def scenario() -> None:
        await limits.check("ip:1.2.3.4", "login")
        clock.now += 4
        await limits.check("ip:1.2.3.4", "login")
        clock.now += 1

    asyncio.run(scenario())
    error = refusal(limits, "ip:1.2.3.4", "login")
    assert error.headers is not None
    assert error.headers["Retry-After"] == "5"
    clock.now += 5.5  # the first request has left the window: exactly one more fits
    asyncio.run(limits.check("ip:1.2.3.4", "login"))
    assert refusal(limits, "ip:1.2.3.4", "login").headers == {
        "X-RateLimit-Limit": "2",
        "X-RateLimit-Remaining": "0",
        "X-RateLimit-Reset": "4",
        "Retry-After": "4",
    }


def test_every_limit_of_a_category_must_hold(clock: FakeClock) -> None:
    limits = limiter(public="2/second;3/minute")

    async def burst() -> None:
        await limits.check("ip:9.9.9.9", "public")
        await limits.check("ip:9.9.9.9", "public")

    asyncio.run(burst())
    assert refusal(limits, "ip:9.9.9.9", "public").headers["Retry-After"] == "1"  # type: ignore[index]
    clock.now += 1.5
    asyncio.run(limits.check("ip:9.9.9.9", "public"))
    clock.now += 1.5
    error = refusal(limits, "ip:9.9.9.9", "public")
    assert error.details["limits"] == "2 per 1 second; 3 per 1 minute"
    assert error.headers is not None
    assert error.headers["X-RateLimit-Limit"] == "3"


def test_identities_and_categories_are_counted_apart(clock: FakeClock) -> None:
    limits = limiter(public="1/minute", authenticated="1/minute")

    async def each_once() -> None:
        await limits.check("ip:10.0.0.1", "public")
        await limits.check("ip:10.0.0.2", "public")
        await limits.check("ip:10.0.0.1", "authenticated")

    asyncio.run(each_once())
    refusal(limits, "ip:10.0.0.1", "public")


def test_the_header_standing_is_that_of_the_tightest_limit(clock: FakeClock) -> None:
    limits = limiter(public="10/second;12/minute")

    async def five() -> RateLimitState | None:
        state = None
        for _ in range(5):
            state = await limits.check("ip:10.0.0.1", "public")
        return state

    state = asyncio.run(five())
    assert state == RateLimitState(limit=10, remaining=5, reset_seconds=1)
    clock.now += 2
    assert asyncio.run(five()) == RateLimitState(limit=12, remaining=2, reset_seconds=58)


def test_a_guard_refuses_without_counting_a_request(clock: FakeClock) -> None:
    limits = limiter(failed_key="2/minute")

    async def scenario() -> None:
        for _ in range(5):
            await limits.refuse_if_exhausted("ip:10.0.0.1", "failed_key")
        await limits.check("ip:10.0.0.1", "failed_key")
        await limits.check("ip:10.0.0.1", "failed_key")

    asyncio.run(scenario())
    with pytest.raises(ApiError) as caught:
        asyncio.run(limits.refuse_if_exhausted("ip:10.0.0.1", "failed_key"))
    assert caught.value.status_code == 429
    assert caught.value.headers is not None
    assert caught.value.headers["Retry-After"] == "60"


def test_refusals_are_counted_per_service_and_category(clock: FakeClock) -> None:
    registry = CollectorRegistry()
    limits = limiter(registry, login="1/minute")
    asyncio.run(limits.check("ip:10.0.0.1", "login"))
    for _ in range(3):
        refusal(limits, "ip:10.0.0.1", "login")
    sample = registry.get_sample_value(
        "aic_rate_limited_total", {"service": "backend", "category": "login"}
    )
    assert sample == 3


def test_turned_off_the_limiter_counts_nothing_and_refuses_nothing(clock: FakeClock) -> None:
    limits = limiter(enabled=False, public="1/minute")

    async def many() -> list[RateLimitState | None]:
        return [await limits.check("ip:10.0.0.1", "public") for _ in range(10)]

    assert asyncio.run(many()) == [None] * 10


def test_an_unknown_category_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="no rate limit category 'publik'"):
        asyncio.run(limiter(public="1/minute").check("ip:10.0.0.1", "publik"))


@pytest.mark.parametrize("text", ["60/minute", "5 per 10 seconds", "10/second;300/hour", " 1/day "])
def test_rate_limit_settings_accept_the_limits_grammar(text: str) -> None:
    assert rate_limit_text(text) == text.strip()


@pytest.mark.parametrize("text", ["", "sixty/minute", "0/minute", "60/fortnight", "5/0 seconds"])
def test_rate_limit_settings_refuse_what_is_not_a_limit(text: str) -> None:
    with pytest.raises(ValueError, match=r"rate limit|at least 1 request"):
        rate_limit_text(text)
