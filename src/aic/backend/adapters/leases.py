"""Leases for work that must run once: a Redis key, a PostgreSQL advisory lock, a file lock."""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import hashlib
import os
import secrets
from pathlib import Path
from typing import Any

import psycopg
import redis.asyncio as aioredis

from aic.observability.logging import get_logger

__all__ = ["FileLease", "PostgresAdvisoryLease", "RedisLease"]

_log = get_logger("aic.leases")

# Extend only while the key still holds our token: after an expiry another holder's key
# may be there, and it must not be touched.
_ACQUIRE = """
local current = redis.call('GET', KEYS[1])
if current == false then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
  return 1
end
if current == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return 1
end
return 0
"""
_RENEW = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return 0
"""
_RELEASE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
"""


class RedisLease:
    """A key ``{prefix}lease:{name}`` set with a random token and a time-to-live.

    A holder that stops renewing (dies, hangs, loses Redis) loses the lease after ``ttl_ms``;
    renew it at a third of that. Renew and release act only while the token is ours.
    """

    def __init__(
        self, client: aioredis.Redis, name: str, *, ttl_ms: int = 10_000, prefix: str = "aic:"
    ) -> None:
        self._redis = client
        self.key = f"{prefix}lease:{name}"
        self.ttl_ms = ttl_ms
        self.token = secrets.token_hex(16)

    async def acquire(self) -> bool:
        return await self._run(_ACQUIRE, self.token, self.ttl_ms) == 1

    async def renew(self) -> bool:
        return await self._run(_RENEW, self.token, self.ttl_ms) == 1

    async def release(self) -> None:
        await self._run(_RELEASE, self.token)

    async def _run(self, script: str, *args: Any) -> int:
        # EVAL each time: a few bytes, and no NOSCRIPT handling after a Redis restart.
        result = await self._redis.eval(script, 1, self.key, *args)
        return int(result)


def advisory_key(name: str) -> int:
    """A stable signed 64-bit key for ``pg_advisory_lock`` from a lease name."""
    digest = hashlib.blake2b(name.encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


class PostgresAdvisoryLease:
    """A session-level advisory lock held on a connection of its own.

    The lock lives exactly as long as that connection: a process that dies or a connection
    that drops frees it at once; a silent network loss frees it once the server's TCP
    keepalive (set here per session) gives up on the client.
    """

    def __init__(self, url: str, name: str, *, connect_timeout: float = 5.0) -> None:
        self._url = url
        self.name = name
        self.key = advisory_key(name)
        self._connect_timeout = connect_timeout
        self._connection: psycopg.AsyncConnection[Any] | None = None
        self._held = False

    async def acquire(self) -> bool:
        if self._held:
            return await self.renew()
        try:
            connection = await self._connect()
            cursor = await connection.execute("SELECT pg_try_advisory_lock(%s)", (self.key,))
            row = await cursor.fetchone()
        except psycopg.Error as exc:
            _log.warning("lease_unavailable", lease=self.name, error=str(exc))
            await self._drop()
            return False
        # A second pg_try_advisory_lock in the same session would stack, so only once.
        self._held = bool(row and row[0])
        return self._held

    async def renew(self) -> bool:
        if not self._held or self._connection is None:
            return False
        try:
            async with asyncio.timeout(self._connect_timeout):
                await self._connection.execute("SELECT 1")
        except (psycopg.Error, TimeoutError) as exc:
            _log.warning("lease_lost", lease=self.name, error=str(exc))
            await self._drop()
            return False
        return True

    async def release(self) -> None:
        if self._held and self._connection is not None:
            # Closing the connection below frees the lock anyway.
            with contextlib.suppress(psycopg.Error):
                await self._connection.execute("SELECT pg_advisory_unlock(%s)", (self.key,))
        await self._drop()

    async def _connect(self) -> psycopg.AsyncConnection[Any]:
        if self._connection is None or self._connection.closed:
            connection = await psycopg.AsyncConnection.connect(
                self._url, autocommit=True, connect_timeout=max(1, int(self._connect_timeout))
            )
            self._connection = connection
            # The server frees the lock when it notices the client is gone: make that
            # ~25 s after a silent network loss instead of the two-hour kernel default.
            await connection.execute(
                "SELECT set_config('tcp_keepalives_idle', '10', false),"
                " set_config('tcp_keepalives_interval', '5', false),"
                " set_config('tcp_keepalives_count', '3', false)"
            )
        return self._connection

    async def _drop(self) -> None:
        self._held = False
        connection, self._connection = self._connection, None
        if connection is not None and not connection.closed:
            await connection.close()


class FileLease:
    """``flock`` on a file, for several processes on one machine (the SQLite default).

    The kernel frees the lock when the holding process exits, however it exits. The file
    keeps the holder's pid, for whoever wonders who has it. Deleting the file breaks the
    lease (a newcomer would lock a new file), so the holder checks it is still there.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self._fd: int | None = None

    async def acquire(self) -> bool:
        if self._fd is None:
            self._fd = self._try_lock()
            return self._fd is not None
        return await self.renew()

    async def renew(self) -> bool:
        if self._fd is not None and not self._still_ours(self._fd):
            await self.release()
        return self._fd is not None

    async def release(self) -> None:
        fd, self._fd = self._fd, None
        if fd is not None:
            fcntl.flock(fd, fcntl.LOCK_UN)
            os.close(fd)

    def _try_lock(self) -> int | None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            return None
        if not self._still_ours(fd):  # deleted between our open and our lock
            os.close(fd)
            return None
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        return fd

    def _still_ours(self, fd: int) -> bool:
        try:
            return os.stat(self.path).st_ino == os.fstat(fd).st_ino
        except FileNotFoundError:
            return False
