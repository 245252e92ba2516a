"""Which consumers of a Redis stream are alive, and taking over the work of those that are not."""

from __future__ import annotations

import asyncio
import contextlib
import os
from pathlib import Path
from typing import Any

import redis.asyncio as aioredis

from aic.observability.logging import get_logger
from aic.tasks import cancel_and_wait

__all__ = ["Adopted", "ConsumerLiveness", "adopt_pending", "process_space"]

_log = get_logger("aic.transport.redis")

# Moves up to ARGV[4] entries pending at consumer ARGV[2] to ARGV[3], atomically, so two
# consumers adopting the same dead one never both take an entry; forgets ARGV[2] once it has
# nothing pending (unless it is ARGV[3] itself). Entries trimmed from the stream meanwhile
# leave the pending list without being returned.
_ADOPT = """
local limit = tonumber(ARGV[4])
local pending = redis.call('XPENDING', KEYS[1], ARGV[1], '-', '+', limit + 1, ARGV[2])
local adopted = {}
for i = 1, math.min(#pending, limit) do
  local entry = pending[i]
  local claimed = redis.call('XCLAIM', KEYS[1], ARGV[1], ARGV[3], 0, entry[1])
  if claimed[1] and claimed[1][2] then
    table.insert(adopted, {entry[1], entry[4] + 1, claimed[1][2]})
  end
end
local more = #pending > limit
if not more and ARGV[2] ~= ARGV[3] then
  redis.call('XGROUP', 'DELCONSUMER', KEYS[1], ARGV[1], ARGV[2])
end
return {more and 1 or 0, adopted}
"""

# (message id, times delivered counting this one, fields)
Adopted = tuple[str, int, dict[str, str]]


def _text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


def process_space() -> str:
    """The pid space this process runs in: the machine's boot id and its pid namespace.

    Two processes with the same space see each other's pids, so one can tell at once that
    the other has exited. Empty where Linux's /proc does not say (then only the TTL tells).
    """
    try:
        boot = Path("/proc/sys/kernel/random/boot_id").read_text().strip()
        namespace = os.readlink("/proc/self/ns/pid")
    except OSError:
        return ""
    return f"{boot}/{namespace}"


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process
        return True
    try:  # an exited child its parent has not reaped yet is gone all the same
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        return True


class ConsumerLiveness:
    """A key ``{stream}:consumer:{name}`` per consumer this process reads as.

    The key holds the process's pid space and pid, and lives ``ttl_ms``; a background task
    renews the keys of this process at a third of that, and ``close`` deletes them. Another
    consumer counts as gone when its key has expired, or at once when it ran in this pid
    space and its process has exited (a restart on the same machine).
    """

    def __init__(self, client: aioredis.Redis, stream_key: str, ttl_ms: int) -> None:
        self._redis = client
        self._prefix = f"{stream_key}:consumer:"
        self.ttl_ms = ttl_ms
        self._space = process_space()
        self._value = f"{self._space} {os.getpid()}"
        self._names: set[str] = set()
        self._renewing: asyncio.Task[None] | None = None

    def key(self, consumer: str) -> str:
        return f"{self._prefix}{consumer}"

    async def register(self, consumer: str) -> None:
        """Mark ``consumer`` alive now and keep it so while this process runs."""
        if consumer in self._names and self._renewing is not None:
            return
        await self._redis.set(self.key(consumer), self._value, px=self.ttl_ms)
        self._names.add(consumer)
        if self._renewing is None or self._renewing.done():
            self._renewing = asyncio.create_task(self._renew(), name="consumer-liveness")

    async def gone(self, consumers: list[str]) -> list[str]:
        """Those of ``consumers`` no live process reads as."""
        if not consumers:
            return []
        values: list[Any] = await self._redis.mget([self.key(name) for name in consumers])
        return [
            name for name, value in zip(consumers, values, strict=True) if not self._alive(value)
        ]

    def _alive(self, value: Any) -> bool:
        if value is None:
            return False
        space, _, pid = _text(value).rpartition(" ")
        if not self._space or space != self._space or not pid.isdigit():
            return True  # elsewhere: alive until its key expires
        return int(pid) == os.getpid() or _running(int(pid))

    async def _renew(self) -> None:
        while True:
            await asyncio.sleep(self.ttl_ms / 3000)
            try:
                async with self._redis.pipeline(transaction=False) as pipe:
                    for name in self._names:
                        pipe.set(self.key(name), self._value, px=self.ttl_ms)
                    await pipe.execute()
            except Exception as exc:  # Redis away: the next round tries again
                _log.warning("consumer_liveness_renewal_failed", error=repr(exc))

    async def close(self) -> None:
        """Stop renewing and let the others take over at once."""
        task, self._renewing = self._renewing, None
        if task is not None:
            await cancel_and_wait(task)
        names, self._names = self._names, set()
        if names:
            with contextlib.suppress(Exception):  # they expire anyway
                await self._redis.delete(*[self.key(name) for name in names])


async def adopt_pending(
    client: aioredis.Redis, stream_key: str, group: str, gone: str, consumer: str, count: int
) -> tuple[list[Adopted], bool]:
    """Up to ``count`` entries pending at ``gone``, now ``consumer``'s; and whether more wait."""
    more, adopted = await client.eval(_ADOPT, 1, stream_key, group, gone, consumer, count)
    entries = [
        (_text(message_id), int(times), _fields(flat)) for message_id, times, flat in adopted
    ]
    return entries, bool(more)


def _fields(flat: list[Any]) -> dict[str, str]:
    return {_text(flat[i]): _text(flat[i + 1]) for i in range(0, len(flat) - 1, 2)}
