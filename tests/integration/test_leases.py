"""What each lease does when its holder stalls or its connection drops."""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path

import psycopg
import pytest
import redis.asyncio as aioredis

from aic.backend.adapters.leases import (
    FileLease,
    PostgresAdvisoryLease,
    RedisLease,
    advisory_key,
)


async def eventually(attempt: Callable[[], Awaitable[bool]], seconds: float = 2.0) -> bool:
    for _ in range(int(seconds / 0.02)):
        if await attempt():
            return True
        await asyncio.sleep(0.02)
    return False


@pytest.mark.redis
def test_an_expired_redis_lease_is_taken_over_and_the_old_holder_cannot_touch_it(
    redis_url: str, redis_prefix: str
) -> None:
    async def scenario() -> None:
        client = aioredis.Redis.from_url(redis_url, decode_responses=True)
        name = f"relay-{uuid.uuid4().hex[:8]}"
        stalled = RedisLease(client, name, ttl_ms=150, prefix=redis_prefix)
        successor = RedisLease(client, name, ttl_ms=5_000, prefix=redis_prefix)
        try:
            assert await stalled.acquire()
            assert not await successor.acquire()
            await asyncio.sleep(0.25)  # the holder stalls past its time-to-live
            assert await successor.acquire()
            assert not await stalled.renew()
            await stalled.release()  # must not delete the successor's key
            assert not await stalled.acquire()
            assert await client.get(successor.key) == successor.token
            assert 0 < await client.pttl(successor.key) <= 5_000
        finally:
            await successor.release()
            await client.aclose()

    asyncio.run(scenario())


@pytest.mark.postgres
def test_a_postgres_lease_is_lost_when_its_connection_drops(postgres_url: str) -> None:
    name = f"relay-{uuid.uuid4().hex[:8]}"
    key = advisory_key(name)

    async def scenario() -> None:
        holder = PostgresAdvisoryLease(postgres_url, name)
        successor = PostgresAdvisoryLease(postgres_url, name)
        try:
            assert await holder.acquire()
            assert not await successor.acquire()
            async with await psycopg.AsyncConnection.connect(
                postgres_url, autocommit=True
            ) as admin:
                # A bigint advisory key is stored as two 32-bit halves in pg_locks.
                await admin.execute(
                    "SELECT pg_terminate_backend(pid) FROM pg_locks WHERE locktype = 'advisory'"
                    " AND classid::bigint = %s AND objid::bigint = %s AND objsubid = 1",
                    ((key >> 32) & 0xFFFFFFFF, key & 0xFFFFFFFF),
                )
            # Termination is a signal: the backend frees the lock when it has exited.
            assert await eventually(successor.acquire)
            assert not await holder.renew()
            assert not await holder.acquire()
        finally:
            await holder.release()
            await successor.release()

    asyncio.run(scenario())


def test_a_file_lease_whose_file_is_deleted_is_lost_rather_than_held_twice(
    tmp_path: Path,
) -> None:
    path = tmp_path / "data" / "outbox.lease"

    async def scenario() -> None:
        holder, newcomer = FileLease(path), FileLease(path)
        try:
            assert await holder.acquire()
            assert path.read_text().strip() == str(os.getpid())
            path.unlink()  # an over-eager clean-up of the data folder
            assert await newcomer.acquire()  # locks a new file ...
            assert not await holder.renew()  # ... so the old holder must stop
        finally:
            await holder.release()
            await newcomer.release()

    asyncio.run(scenario())
