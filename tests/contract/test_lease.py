"""One contract for every ``Lease``: Redis key, PostgreSQL advisory lock, file lock."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
import redis.asyncio as aioredis

from aic.backend.adapters.leases import FileLease, PostgresAdvisoryLease, RedisLease
from aic.backend.application.ports import Lease

TTL_MS = 400
ROOT = Path(__file__).resolve().parents[2]


@dataclass
class LeaseKind:
    open: Callable[[], AbstractAsyncContextManager[Lease]]  # a new holder, released on exit
    holder_args: list[str]  # for tests.support.lease_holder
    handover_limit: float  # seconds from a holder's death to another holder taking over


@pytest.fixture(
    params=[
        pytest.param("redis", marks=pytest.mark.redis),
        pytest.param("postgres", marks=pytest.mark.postgres),
        "file",
    ]
)
def lease_kind(request: pytest.FixtureRequest, tmp_path: Path) -> LeaseKind:
    name = f"relay-{uuid.uuid4().hex[:8]}"
    if request.param == "redis":
        url, prefix = request.getfixturevalue("redis_url"), request.getfixturevalue("redis_prefix")

        @asynccontextmanager
        async def open_redis() -> AsyncIterator[Lease]:
            client = aioredis.Redis.from_url(url)
            lease = RedisLease(client, name, ttl_ms=TTL_MS, prefix=prefix)
            try:
                yield lease
            finally:
                await lease.release()
                await client.aclose()

        return LeaseKind(open_redis, ["redis", url, name, prefix, str(TTL_MS)], TTL_MS / 1000 + 1)
    if request.param == "postgres":
        url = request.getfixturevalue("postgres_url")
        return LeaseKind(
            lambda: _released(PostgresAdvisoryLease(url, name)), ["postgres", url, name], 1.0
        )
    path = tmp_path / "data" / f"{name}.lease"
    return LeaseKind(lambda: _released(FileLease(path)), ["file", str(path), name], 1.0)


@asynccontextmanager
async def _released(lease: Lease) -> AsyncIterator[Lease]:
    try:
        yield lease
    finally:
        await lease.release()


def test_only_one_holder_has_the_lease_at_a_time(lease_kind: LeaseKind) -> None:
    async def scenario() -> None:
        async with lease_kind.open() as first, lease_kind.open() as second:
            assert await first.acquire()
            assert not await second.acquire()
            assert await first.renew()
            assert not await second.renew()
            assert await first.acquire()  # asking again while holding keeps it

    asyncio.run(scenario())


def test_a_released_lease_goes_to_the_next_holder_at_once(lease_kind: LeaseKind) -> None:
    async def scenario() -> None:
        async with lease_kind.open() as first, lease_kind.open() as second:
            assert await first.acquire()
            assert await first.acquire()  # held twice must still be freed by one release
            await first.release()
            assert not await first.renew()
            assert await second.acquire()
            assert not await first.acquire()

    asyncio.run(scenario())


def test_a_holder_process_that_dies_hands_the_lease_over(lease_kind: LeaseKind) -> None:
    holder = subprocess.Popen(
        [sys.executable, "-m", "tests.support.lease_holder", *lease_kind.holder_args],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None
        assert holder.stdout.readline().strip() == "held"

        async def scenario() -> float:
            async with lease_kind.open() as successor:
                assert not await successor.acquire()
                os.kill(holder.pid, signal.SIGKILL)
                died = time.monotonic()
                for _ in range(100):
                    if await successor.acquire():
                        return time.monotonic() - died
                    await asyncio.sleep(0.05)
                raise AssertionError("the lease was never handed over")

        assert asyncio.run(scenario()) < lease_kind.handover_limit
    finally:
        holder.kill()
        holder.wait()
        assert holder.stdout is not None
        holder.stdout.close()
