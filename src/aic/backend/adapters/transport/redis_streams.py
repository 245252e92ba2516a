"""The scale-out event transport: one Redis stream, a consumer group per reader."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any

import redis.asyncio as aioredis
from redis.asyncio.retry import Retry
from redis.backoff import ExponentialWithJitterBackoff
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import ResponseError
from redis.exceptions import TimeoutError as RedisTimeoutError
from redis.typing import EncodableT, FieldT

from aic.backend.adapters.transport.codec import (
    DeadLetter,
    decode_event,
    decode_event_or_none,
    encode_event,
)
from aic.backend.adapters.transport.redis_consumers import (
    Adopted,
    ConsumerLiveness,
    adopt_pending,
)
from aic.backend.adapters.transport.stream_ids import id_before, id_key
from aic.backend.application.ports import Delivery, StoredEvent
from aic.observability.logging import get_logger

__all__ = ["RedisStreamsEventTransport"]

_log = get_logger("aic.transport.redis")


def _text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


class RedisStreamsEventTransport:
    """Events on the stream ``{prefix}events``; each group reads it with XREADGROUP.

    Reclaim: a read first adopts what consumers that are gone left pending: its own name's
    entries from before a restart (a container keeps its hostname and pid), then those of
    consumers whose liveness key (``ConsumerLiveness``, renewed at a third of
    ``consumer_ttl_ms``) has expired or whose process on this machine has exited. It looks
    at its group's consumers on its first read and then every ``consumer_ttl_ms / 2``. Then
    it takes, with XAUTOCLAIM, messages of the group idle (delivered, not acknowledged) for
    ``claim_idle_ms``: those of a consumer alive but stuck. A message that would be
    delivered more than ``max_deliveries`` times is written to ``{stream}:dead:{group}``
    with the reason and acknowledged instead (dead streams keep about ``dead_maxlen``).

    Trimming: every ``trim_every`` published events the stream is trimmed (XTRIM MINID) up
    to the oldest message some group has not read or not acknowledged, so no group ever
    loses one. ``maxlen`` bounds the stream: when full, ``publish`` waits for the slowest
    group (backpressure; the events wait in the event store) and logs which group it is.
    Only while no group exists is the stream trimmed to ``maxlen`` regardless.

    The client must speak RESP2 (redis-py's default); ``from_url`` makes one.
    """

    def __init__(
        self,
        client: aioredis.Redis,
        *,
        prefix: str = "aic:",
        stream: str = "events",
        maxlen: int = 1_000_000,
        trim_every: int = 1_000,
        claim_idle_ms: int = 30_000,
        max_deliveries: int = 5,
        dead_maxlen: int = 100_000,
        consumer_ttl_ms: int = 10_000,
        backpressure_poll: float = 0.5,
    ) -> None:
        if client.connection_pool.connection_kwargs.get("protocol") not in (None, 2, "2"):
            raise ValueError("RedisStreamsEventTransport parses RESP2 replies")
        self._redis = client
        self.key = f"{prefix}{stream}"
        self._maxlen = maxlen
        self._trim_every = trim_every
        self._claim_idle_ms = claim_idle_ms
        self._max_deliveries = max_deliveries
        self._dead_maxlen = dead_maxlen
        self._backpressure_poll = backpressure_poll
        self._consumer_ttl_ms = consumer_ttl_ms
        self._liveness = ConsumerLiveness(client, self.key, consumer_ttl_ms)
        self._adopt_due: dict[str, float] = {}  # next look for gone consumers, per group
        self._started: set[tuple[str, str]] = set()  # (group, consumer) read since start
        self._own_backlog: set[tuple[str, str]] = set()  # pending from a previous run
        self._groups: set[str] = set()
        self._claim_from: dict[str, str] = {}  # XAUTOCLAIM cursor per group
        self._claim_idle_until: dict[str, float] = {}  # skip scans right after an empty one
        self._since_trim = 0
        self._length_hint = 0  # stream length at the last trim plus what we added since

    @classmethod
    def from_url(cls, url: str, **options: Any) -> RedisStreamsEventTransport:
        """A client of its own that rides out a Redis restart of a second or two."""
        client = aioredis.Redis.from_url(
            url,
            decode_responses=True,
            protocol=2,
            # from_url clients do not retry by default; a retried XADD or XREADGROUP at
            # worst duplicates or strands a message, which at-least-once delivery absorbs.
            retry=Retry(ExponentialWithJitterBackoff(base=0.05, cap=1.0), retries=5),
            retry_on_error=[RedisConnectionError, RedisTimeoutError],
        )
        return cls(client, **options)

    def dead_key(self, group: str) -> str:
        return f"{self.key}:dead:{group}"

    async def publish(self, events: Sequence[StoredEvent]) -> None:
        if not events:
            return
        await self._wait_for_room(min(len(events), self._maxlen))
        # One MULTI/EXEC: a batch is added whole or not at all, in order.
        async with self._redis.pipeline(transaction=True) as pipe:
            for event in events:
                pipe.xadd(self.key, {"event": encode_event(event)})
            await pipe.execute()
        self._since_trim += len(events)
        self._length_hint += len(events)
        if self._since_trim >= self._trim_every:
            try:
                await self.trim()
            except Exception as exc:  # published already: a failed trim waits for the next
                _log.warning("event_stream_trim_failed", stream=self.key, error=repr(exc))

    async def read(
        self, group: str, consumer: str, *, count: int = 100, block_ms: int = 1000
    ) -> list[Delivery]:
        try:
            return await self._read(group, consumer, count, block_ms)
        except ResponseError as exc:
            if "NOGROUP" not in str(exc):
                raise
            # The stream or group vanished (a Redis restart without persistence): recreate.
            self._groups.discard(group)
            return await self._read(group, consumer, count, block_ms)

    async def ack(self, group: str, deliveries: Sequence[Delivery]) -> None:
        if deliveries:
            await self._redis.xack(self.key, group, *[d.message_id for d in deliveries])

    async def dead_letters(self, group: str, count: int = 100) -> list[DeadLetter]:
        entries: Any = await self._redis.xrange(self.dead_key(group), count=count)
        return [
            DeadLetter(
                event=decode_event_or_none(fields["event"]),
                message_id=_text(fields["message_id"]),
                group=_text(fields["group"]),
                consumer=_text(fields["consumer"]),
                deliveries=int(fields["deliveries"]),
                reason=_text(fields["reason"]),
            )
            for _, fields in entries
        ]

    async def trim(self, *, exact: bool = False) -> None:
        """Drop what every group has read and acknowledged (all but ``maxlen`` if no group).

        Approximate trimming (the default) only drops whole internal nodes, so it is cheap
        but may leave some entries; ``exact`` is for when room is needed now.
        """
        self._since_trim = 0
        floor = await self._low_water()
        if floor is None:
            await self._redis.xtrim(self.key, maxlen=self._maxlen, approximate=not exact)
        else:
            await self._redis.xtrim(self.key, minid=floor[0], approximate=not exact)
        self._length_hint = await self._redis.xlen(self.key)

    async def delivered(self) -> None:
        """Messages stay in the stream until acknowledged: published is delivered."""

    async def ping(self) -> None:
        await self._redis.ping()

    async def close(self) -> None:
        await self._liveness.close()
        await self._redis.aclose()

    async def _read(self, group: str, consumer: str, count: int, block_ms: int) -> list[Delivery]:
        if group not in self._groups:
            try:
                # From "0": a new group sees what is still in the stream.
                await self._redis.xgroup_create(self.key, group, id="0", mkstream=True)
            except ResponseError as exc:
                if "BUSYGROUP" not in str(exc):
                    raise
            self._groups.add(group)
        deliveries = await self._adopt(group, consumer, count)
        if len(deliveries) < count:
            deliveries += await self._reclaim(group, consumer, count - len(deliveries))
        if len(deliveries) < count:
            block = None if deliveries or block_ms <= 0 else block_ms
            reply: Any = await self._redis.xreadgroup(
                group, consumer, {self.key: ">"}, count=count - len(deliveries), block=block
            )
            for _, entries in reply or []:
                for message_id, fields in entries:
                    delivery = await self._delivery(group, consumer, _text(message_id), fields, 1)
                    if delivery is not None:
                        deliveries.append(delivery)
        return deliveries

    async def _delivery(
        self, group: str, consumer: str, message_id: str, fields: Any, times: int
    ) -> Delivery | None:
        """The message as a delivery; an unreadable one goes to the dead letters at once."""
        payload = _text(fields.get("event", ""))
        try:
            return Delivery(decode_event(payload), message_id, times)
        except (ValueError, KeyError, TypeError) as exc:  # no retry can make it readable
            await self._bury(group, consumer, message_id, payload, times, f"unreadable: {exc!r}")
            return None

    async def _reclaim(self, group: str, consumer: str, count: int) -> list[Delivery]:
        """Take over messages idle too long in the group; bury those delivered too often."""
        if time.monotonic() < self._claim_idle_until.get(group, 0.0):
            return []
        start = self._claim_from.get(group, "0-0")
        next_start, claimed, *deleted = await self._redis.xautoclaim(
            self.key, group, consumer, self._claim_idle_ms, start, count=count
        )
        self._claim_from[group] = _text(next_start)
        if deleted and deleted[0]:
            _log.warning("pending_messages_trimmed", group=group, ids=deleted[0])
        claimed = [(_text(mid), fields) for mid, fields in claimed if mid and fields]
        if not claimed and _text(next_start) == "0-0":
            self._claim_idle_until[group] = time.monotonic() + self._claim_idle_ms / 4000
            return []
        if not claimed:
            return []
        async with self._redis.pipeline(transaction=False) as pipe:
            for message_id, _ in claimed:
                pipe.xpending_range(self.key, group, message_id, message_id, 1)
            counts = await pipe.execute()
        taken = [
            (message_id, int(pending[0]["times_delivered"]), fields)
            for (message_id, fields), pending in zip(claimed, counts, strict=True)
            if pending  # not acknowledged after all by its late first consumer
        ]
        return await self._deliveries(group, consumer, taken)

    async def _adopt(self, group: str, consumer: str, count: int) -> list[Delivery]:
        """Take over at once what consumers that are gone left pending in the group."""
        first = (group, consumer) not in self._started
        now = time.monotonic()
        if not first and now < self._adopt_due.get(group, 0.0):
            return []
        await self._liveness.register(consumer)
        self._started.add((group, consumer))
        self._adopt_due[group] = now + self._consumer_ttl_ms / 2000
        infos: Any = await self._redis.xinfo_consumers(self.key, group)
        others = [_text(info["name"]) for info in infos]
        if first and consumer in others:  # ours from before a restart under the same name
            self._own_backlog.add((group, consumer))
        gone = await self._liveness.gone([name for name in others if name != consumer])
        if (group, consumer) in self._own_backlog:
            gone.insert(0, consumer)
        adopted: list[Adopted] = []
        for name in gone:
            if len(adopted) >= count:
                self._adopt_due[group] = 0.0  # the others on the next read
                break
            entries, more = await adopt_pending(
                self._redis, self.key, group, name, consumer, count - len(adopted)
            )
            if entries:
                _log.info("pending_messages_adopted", group=group, gone=name, count=len(entries))
            adopted += entries
            if name == consumer and not more:
                self._own_backlog.discard((group, consumer))
            if more:
                self._adopt_due[group] = 0.0  # the rest on the next read
                break
        return await self._deliveries(group, consumer, adopted)

    async def _deliveries(
        self, group: str, consumer: str, taken: list[tuple[str, int, Any]]
    ) -> list[Delivery]:
        """Claimed messages as deliveries; those delivered too often go to the dead letters."""
        deliveries: list[Delivery] = []
        for message_id, times, fields in taken:
            if times > self._max_deliveries:
                reason = f"not acknowledged after {times - 1} deliveries"
                await self._bury(group, consumer, message_id, fields["event"], times - 1, reason)
            elif delivery := await self._delivery(group, consumer, message_id, fields, times):
                deliveries.append(delivery)
        return deliveries

    async def _bury(
        self, group: str, consumer: str, message_id: str, payload: str, deliveries: int, reason: str
    ) -> None:
        letter: dict[FieldT, EncodableT] = {
            "event": payload,
            "message_id": message_id,
            "group": group,
            "consumer": consumer,
            "deliveries": deliveries,
            "reason": reason,
            "dead_at": datetime.now(UTC).isoformat(),
        }
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.xadd(self.dead_key(group), letter, maxlen=self._dead_maxlen, approximate=True)
            pipe.xack(self.key, group, message_id)
            await pipe.execute()
        _log.warning("event_dead_lettered", group=group, message_id=message_id, reason=reason)

    async def backlog(self, group: str) -> int:
        """How many events ``group`` has still to handle: not yet delivered to it (Redis
        keeps that count, ``lag``; else counted, up to 1,000) plus delivered and not yet
        acknowledged; 0 without the group."""
        try:
            groups = await self._redis.xinfo_groups(self.key)
        except ResponseError:  # no stream yet
            return 0
        for info in groups:
            if _text(info["name"]) != group:
                continue
            lag = info.get("lag")
            if lag is None:  # Redis can't tell (a group created mid-stream, or before 7.0)
                after = f"({_text(info['last-delivered-id'])}"
                lag = len(await self._redis.xrange(self.key, after, "+", count=1000) or ())
            return int(lag) + int(info["pending"])
        return 0

    async def retire_groups(self, prefix: str, *, into: str) -> None:
        """Replace every group named ``prefix...`` (but ``into``) by the group ``into``, which
        starts at the oldest event one of them still needed (consumers are idempotent: what
        another of them had handled is handed again, nothing is missed). Nothing to do when
        no such group exists; when ``into`` exists already, they are only removed."""
        marks = await self._marks(lambda name: name.startswith(prefix) and name != into)
        if not marks:
            return
        _, first_needed, _ = min(marks)
        try:
            await self._redis.xgroup_create(self.key, into, id=id_before(first_needed))
        except ResponseError as exc:
            if "BUSYGROUP" not in str(exc):
                raise
        for _, _, name in marks:
            await self._redis.xgroup_destroy(self.key, name)
        _log.info("event_groups_retired", groups=[name for _, _, name in marks], into=into)

    async def _low_water(self) -> tuple[str, str] | None:
        """The oldest id some group still needs, and that group; None without groups."""
        marks = await self._marks(lambda name: True)
        if not marks:
            return None
        _, mark, name = min(marks)
        return mark, name

    async def _marks(self, chosen: Callable[[str], bool]) -> list[tuple[tuple[int, int], str, str]]:
        """For each ``chosen`` group: the oldest id it still needs (delivered but not
        acknowledged, or not delivered yet), as a sort key, the id, and the group's name."""
        try:
            groups = await self._redis.xinfo_groups(self.key)
        except ResponseError:  # no stream yet
            return []
        marks: list[tuple[tuple[int, int], str, str]] = []
        for info in groups:
            name = _text(info["name"])
            if not chosen(name):
                continue
            millis, seq = id_key(_text(info["last-delivered-id"]))
            mark = f"{millis}-{seq + 1}"  # the first id not yet delivered
            if int(info["pending"]):
                summary = await self._redis.xpending(self.key, name)
                oldest = summary.get("min")  # None when acknowledged since XINFO
                if oldest is not None:
                    mark = min(mark, _text(oldest), key=id_key)
            marks.append((id_key(mark), mark, name))
        return marks

    async def _wait_for_room(self, incoming: int) -> None:
        if self._length_hint + incoming <= self._maxlen:
            return
        warned = False
        while True:
            floor = await self._low_water()
            if floor is None:  # nobody reads yet: the oldest events go
                keep = max(self._maxlen - incoming, 0)
                await self._redis.xtrim(self.key, maxlen=keep, approximate=False)
                self._length_hint = keep
                return
            await self._redis.xtrim(self.key, minid=floor[0], approximate=False)
            self._length_hint = await self._redis.xlen(self.key)
            if self._length_hint + incoming <= self._maxlen:
                return
            if not warned:
                _log.warning("event_stream_full", stream=self.key, slowest_group=floor[1])
                warned = True
            await asyncio.sleep(self._backpressure_poll)
