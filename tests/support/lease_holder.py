"""A process that takes a lease and keeps renewing it until it is killed.

``python -m tests.support.lease_holder redis|postgres|file TARGET NAME [PREFIX TTL_MS]``
prints ``held`` once it has the lease (or ``refused`` and exits 2).
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

import redis.asyncio as aioredis

from aic.backend.adapters.leases import FileLease, PostgresAdvisoryLease, RedisLease
from aic.backend.application.ports import Lease


def make_lease(kind: str, target: str, name: str, prefix: str, ttl_ms: int) -> Lease:
    if kind == "redis":
        return RedisLease(aioredis.Redis.from_url(target), name, ttl_ms=ttl_ms, prefix=prefix)
    if kind == "postgres":
        return PostgresAdvisoryLease(target, name)
    return FileLease(Path(target))


async def hold(lease: Lease, renew_every: float) -> None:
    if not await lease.acquire():
        print("refused", flush=True)
        sys.exit(2)
    print("held", flush=True)
    for _ in range(int(60 / renew_every)):  # bounded: the test kills us long before
        await asyncio.sleep(renew_every)
        await lease.renew()


if __name__ == "__main__":
    kind, target, name = sys.argv[1:4]
    prefix, ttl_ms = (sys.argv[4], int(sys.argv[5])) if len(sys.argv) > 5 else ("", 10_000)
    asyncio.run(hold(make_lease(kind, target, name, prefix, ttl_ms), ttl_ms / 5000))
