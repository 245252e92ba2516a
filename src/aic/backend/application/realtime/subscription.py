"""One subscriber's view of the global order: a replay from the store, then live events."""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Callable, Sequence
from enum import Enum
from typing import Literal, Protocol

from aic.backend.application.ports import StoredEvent

__all__ = ["CloseReason", "GlobalOrder", "Subscription", "SubscriptionClosed", "UnknownPosition"]

CloseReason = Literal["slow", "shutdown"]


class GlobalOrder(Protocol):
    """What realtime reads of the event store: its gap-safe global order (``EventStore``)."""

    async def read_all(self, after: int = 0, limit: int = 500) -> list[StoredEvent]: ...

    async def head_position(self) -> int: ...


class SubscriptionClosed(Exception):
    """The hub let go of this subscriber: too slow (its queue filled) or shutting down."""

    def __init__(self, reason: CloseReason) -> None:
        super().__init__(reason)
        self.reason: CloseReason = reason


class UnknownPosition(LookupError):
    """A resume position that no event has."""


class _Phase(Enum):
    CATCH_UP = 1  # reading the store, not yet attached to the hub
    REPLAY = 2  # attached: reading the store up to the hub's cursor at attachment
    LIVE = 3  # events the hub dispatches


class Subscription:
    """Events after ``after`` (``None``: from now on), each once, in the global order.

    Without ``after`` it attaches to the hub at once. With it, it first catches up from the
    store on its own (full pages), attaches once the store is nearly read, then replays up
    to the hub's cursor at attachment ``c`` while the hub queues live events after ``c``.
    The order is the same for both, but positions cannot be compared (on PostgreSQL the
    order is the commit order), so the seam is found by identity: the replay stops at ``c``;
    if the replay reaches the end of the store without meeting ``c``, the hub is behind and
    the live queue repeats what was replayed, up to and including the replay's last event,
    which is skipped.
    """

    def __init__(
        self,
        store: GlobalOrder,
        attach: Callable[[Subscription], int],
        *,
        label: str,
        capacity: int,
        after: int | None,
        page_size: int = 500,
    ) -> None:
        self.label = label
        self.capacity = capacity
        self._store = store
        self._attach = attach
        self._page_size = page_size
        self._after = after or 0  # the last position read from the store
        self._phase = _Phase.LIVE if after is None else _Phase.CATCH_UP
        self._attached_at = 0  # the hub's cursor when this attached
        self._skip_through: int | None = None  # live events up to this position were replayed
        self._buffer: deque[StoredEvent] = deque()
        self._ready = asyncio.Event()
        self._closed = asyncio.Event()
        self._close_reason: CloseReason | None = None
        if after is None:
            self._attached_at = attach(self)

    @property
    def close_reason(self) -> CloseReason | None:
        return self._close_reason

    @property
    def queued(self) -> int:
        return len(self._buffer)

    async def closed(self) -> CloseReason:
        """Wait until the hub lets go of this subscriber; why."""
        await self._closed.wait()
        assert self._close_reason is not None
        return self._close_reason

    async def next_batch(self, limit: int = 100) -> list[StoredEvent]:
        """The next events (at least one, at most ``limit``); raises ``SubscriptionClosed``."""
        while True:
            if self._close_reason is not None:
                raise SubscriptionClosed(self._close_reason)
            if self._phase is not _Phase.LIVE:
                batch = await self._replay_step()  # a page of the store: ``limit`` is for live
                if batch:
                    return batch
                continue
            batch = self._take(limit)
            if batch:
                return batch
            if not self._buffer:
                self._ready.clear()
                await self._ready.wait()

    # -- called by the hub ------------------------------------------------------------------

    def push(self, events: Sequence[StoredEvent]) -> bool:
        """Queue live events; ``False`` (nothing queued) if ``capacity`` events still wait.

        A batch is taken whole, so the queue holds at most ``capacity`` plus one batch.
        """
        if len(self._buffer) >= self.capacity:
            return False
        self._buffer.extend(events)
        self._ready.set()
        return True

    def close(self, reason: CloseReason) -> None:
        if self._close_reason is None:
            self._close_reason = reason
            self._buffer.clear()
            self._ready.set()
            self._closed.set()

    # -- inside -----------------------------------------------------------------------------

    async def _read_page(self) -> list[StoredEvent]:
        try:
            return await self._store.read_all(after=self._after, limit=self._page_size)
        except ValueError:
            raise UnknownPosition(f"no event has position {self._after}") from None

    async def _replay_step(self) -> list[StoredEvent]:
        """One page of the replay (possibly empty as it switches phase)."""
        if self._phase is _Phase.CATCH_UP:
            page = await self._read_page()
            if len(page) == self._page_size:
                self._after = page[-1].position
                return page
            # Nearly read: attach now and read that last page again, seam-aware.
            self._attached_at = self._attach(self)
            self._phase = _Phase.REPLAY
            if self._after == self._attached_at:  # the hub is exactly here: all live from now
                self._phase = _Phase.LIVE
            return []
        page = await self._read_page()
        for index, event in enumerate(page):
            if event.position == self._attached_at:  # the seam: live events follow it
                self._phase = _Phase.LIVE
                return page[: index + 1]
        if page:
            self._after = page[-1].position
            return page
        # The store is read to its end without meeting the hub's cursor: the hub is behind,
        # and will queue everything after its cursor, up to ``_after`` again.
        self._phase = _Phase.LIVE
        if self._after != self._attached_at:
            self._skip_through = self._after
        return []

    def _take(self, limit: int) -> list[StoredEvent]:
        batch: list[StoredEvent] = []
        while self._buffer and len(batch) < limit:
            event = self._buffer.popleft()
            if self._skip_through is not None:
                if event.position == self._skip_through:
                    self._skip_through = None
                continue
            batch.append(event)
        return batch
