"""The embedded event transport: consumer groups over one bounded in-memory buffer."""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from aic.backend.adapters.transport.codec import DeadLetter
from aic.backend.application.ports import Delivery, StoredEvent

__all__ = ["InProcessEventTransport"]


@dataclass(slots=True)
class _Pending:
    consumer: str
    deliveries: int
    visible_at: float  # monotonic time after which another consumer may take it


@dataclass(slots=True)
class _Group:
    cursor: int  # sequence number of the next event never delivered to this group
    pending: dict[int, _Pending] = field(default_factory=dict)  # insertion order = seq order
    dead: deque[DeadLetter] = field(default_factory=deque)


class InProcessEventTransport:
    """Consumer groups in one process, with the delivery rules of Redis Streams.

    Memory is bounded by ``max_buffered`` events: an event stays buffered while some group
    has not read it or still has it pending. When the buffer is full, ``publish`` waits
    (backpressure: the relay falls behind in the event store, where nothing is lost) instead
    of dropping. Only while no group exists yet are the oldest events dropped, as nobody
    needs them; a group created later starts at the oldest event still buffered.

    A delivery not acknowledged within ``visibility_timeout_ms`` goes to the next reader of
    the group; one delivered ``max_deliveries`` times goes to the group's dead letters
    (``dead_letters(group)``, the last ``max_dead`` kept) instead.
    """

    def __init__(
        self,
        *,
        max_buffered: int = 10_000,
        visibility_timeout_ms: int = 30_000,
        max_deliveries: int = 5,
        max_dead: int = 1_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if max_buffered < 1 or max_deliveries < 1:
            raise ValueError("max_buffered and max_deliveries must be at least 1")
        self._max_buffered = max_buffered
        self._visibility = visibility_timeout_ms / 1000
        self._max_deliveries = max_deliveries
        self._max_dead = max_dead
        self._clock = clock
        self._buffer: deque[StoredEvent] = deque()
        self._first_seq = 1  # sequence number of self._buffer[0]
        self._groups: dict[str, _Group] = {}
        self._changed = asyncio.Condition()
        self._closed = False
        self._expected: frozenset[str] = frozenset()

    async def publish(self, events: Sequence[StoredEvent]) -> None:
        async with self._changed:
            for event in events:
                while len(self._buffer) >= self._max_buffered:
                    if self._closed:
                        raise RuntimeError("the transport is closed")
                    if not self._groups:
                        self._buffer.popleft()
                        self._first_seq += 1
                    else:
                        await self._changed.wait()
                self._buffer.append(event)
            self._changed.notify_all()

    async def read(
        self, group: str, consumer: str, *, count: int = 100, block_ms: int = 1000
    ) -> list[Delivery]:
        deadline = self._clock() + max(block_ms, 0) / 1000
        async with self._changed:
            state = self._groups.get(group)
            if state is None:
                state = self._groups[group] = _Group(cursor=self._first_seq)
            while True:
                deliveries = self._take(group, state, consumer, count)
                now = self._clock()
                if deliveries or now >= deadline or self._closed:
                    return deliveries
                wake_at = min([deadline, *(p.visible_at for p in state.pending.values())])
                try:
                    async with asyncio.timeout(max(wake_at - now, 0.001)):
                        await self._changed.wait()
                except TimeoutError:
                    pass

    async def ack(self, group: str, deliveries: Sequence[Delivery]) -> None:
        async with self._changed:
            state = self._groups.get(group)
            if state is None:
                return
            for delivery in deliveries:
                state.pending.pop(int(delivery.message_id), None)
            self._release_read()
            self._changed.notify_all()

    async def dead_letters(self, group: str) -> list[DeadLetter]:
        state = self._groups.get(group)
        return list(state.dead) if state else []

    def expect_groups(self, groups: Sequence[str]) -> None:
        """The consumer groups of this process: ``delivered`` waits for all of them."""
        self._expected = frozenset(groups)

    async def delivered(self) -> None:
        async with self._changed:
            while not self._closed and not self._all_acknowledged():
                await self._changed.wait()

    def _all_acknowledged(self) -> bool:
        end = self._first_seq + len(self._buffer)
        for group in self._expected:
            state = self._groups.get(group)
            if state is None or state.cursor < end or state.pending:
                return False
        return True

    async def ping(self) -> None:
        return None

    async def close(self) -> None:
        async with self._changed:
            self._closed = True
            self._changed.notify_all()

    def _take(self, group: str, state: _Group, consumer: str, count: int) -> list[Delivery]:
        """Expired pending deliveries first (to this consumer or the dead letters), then new."""
        now = self._clock()
        taken: list[Delivery] = []
        for seq, pending in list(state.pending.items()):
            if len(taken) >= count:
                break
            if pending.visible_at > now:
                continue
            event = self._buffer[seq - self._first_seq]
            if pending.deliveries >= self._max_deliveries:
                del state.pending[seq]
                self._bury(group, state, event, seq, consumer, pending.deliveries)
                continue
            pending.consumer, pending.visible_at = consumer, now + self._visibility
            pending.deliveries += 1
            taken.append(Delivery(event, str(seq), pending.deliveries))
        end = self._first_seq + len(self._buffer)
        while len(taken) < count and state.cursor < end:
            seq = state.cursor
            state.cursor += 1
            state.pending[seq] = _Pending(consumer, 1, now + self._visibility)
            taken.append(Delivery(self._buffer[seq - self._first_seq], str(seq), 1))
        self._release_read()
        return taken

    def _bury(
        self, group: str, state: _Group, event: StoredEvent, seq: int, consumer: str, times: int
    ) -> None:
        reason = f"not acknowledged after {times} deliveries"
        state.dead.append(DeadLetter(event, str(seq), group, consumer, times, reason))
        while len(state.dead) > self._max_dead:
            state.dead.popleft()

    def _release_read(self) -> None:
        """Drop events every group has read and acknowledged; wake waiting publishers."""
        if not self._groups:
            return
        keep_from = min(
            min(state.cursor, next(iter(state.pending), state.cursor))
            for state in self._groups.values()
        )
        dropped = False
        while self._first_seq < keep_from and self._buffer:
            self._buffer.popleft()
            self._first_seq += 1
            dropped = True
        if dropped:
            self._changed.notify_all()
