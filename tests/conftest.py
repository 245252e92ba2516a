"""Fixtures shared by every test: real PostgreSQL and Redis, free ports, strict skips in CI."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import psycopg
import pytest
import redis
from psycopg import sql

from aic.runtime import SETTLE_HEAP_ENV
from tests.support.services import require

POSTGRES_ADMIN_URL = os.environ.get(
    "AIC_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)
REDIS_URL = os.environ.get("AIC_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
# Tests send bursts from one address; those about rate limits turn them on themselves.
os.environ.setdefault("AIC_RATE_LIMITS_ENABLED", "false")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    """With AIC_TEST_REQUIRE_SERVICES=1 (CI), a test skipped for a missing service fails."""
    outcome = yield
    report = outcome.get_result()  # type: ignore[attr-defined]
    expected_failure = hasattr(report, "wasxfail")
    if (
        report.skipped
        and not expected_failure
        and os.environ.get("AIC_TEST_REQUIRE_SERVICES") == "1"
    ):
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else report.longrepr
        report.outcome = "failed"
        report.longrepr = f"skipped, but CI requires every service: {reason}"


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A fresh database for this test session on the real server, dropped afterwards."""
    try:
        admin = psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True, connect_timeout=3)
    except psycopg.OperationalError as exc:
        require(False, f"PostgreSQL not reachable at {POSTGRES_ADMIN_URL}: {exc}")
        raise
    name = f"aic_test_{uuid.uuid4().hex[:12]}"
    with admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        try:
            yield _with_database(POSTGRES_ADMIN_URL, name)
        finally:
            admin.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )


def _with_database(url: str, name: str) -> str:
    """The same server URL with another database name (query parameters kept)."""
    address, _, query = url.partition("?")
    base, _, _ = address.rpartition("/")
    return f"{base}/{name}" + (f"?{query}" if query else "")


@pytest.fixture(scope="session")
def redis_prefix() -> Iterator[str]:
    """A Redis key prefix of this test session on the real server; its keys deleted afterwards."""
    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=3)
    try:
        client.ping()
    except redis.RedisError as exc:
        require(False, f"Redis not reachable at {REDIS_URL}: {exc}")
    prefix = f"aic-test-{uuid.uuid4().hex[:12]}:"
    try:
        yield prefix
    finally:
        for key in client.scan_iter(match=f"{prefix}*", count=500):
            client.delete(key)
        client.close()


@pytest.fixture(scope="session")
def redis_url(redis_prefix: str) -> str:
    return REDIS_URL


@pytest.fixture(autouse=True)
def _no_heap_freezing_after_the_test() -> Iterator[None]:
    """The CLI's server code sets ``AIC_SETTLE_HEAP`` for the processes it starts; a test that
    runs it in-process must not leave it set (every later app would freeze its heap)."""
    yield
    os.environ.pop(SETTLE_HEAP_ENV, None)
