"""The realtime hub of one backend process: one tail of the event store, fanned out."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from typing import Protocol

from aic.backend.application.background import pause
from aic.backend.application.ports import StoredEvent
from aic.backend.application.realtime.subscription import GlobalOrder, Subscription
from aic.observability.logging import get_logger
from aic.tasks import cancel_and_wait

__all__ = ["HubUnavailable", "RealtimeHub", "RealtimeObserver", "TooManySubscribers", "Waker"]

_log = get_logger("aic.realtime")

# Runs until its stop event is set, calling the hub's ``notify`` when new events may exist.
Waker = Callable[[asyncio.Event], Awaitable[None]]


class RealtimeObserver(Protocol):
    """Metrics of the hub; ``label`` is the subscriber's transport (``sse``, ``ws``)."""

    def subscribed(self, label: str, delta: int) -> None: ...

    def dropped(self, label: str, reason: str) -> None: ...

    def delivered(self, label: str, count: int) -> None: ...

    def dispatched(self, events: Sequence[StoredEvent]) -> None: ...


class HubUnavailable(RuntimeError):
    """The hub has not read the store's head yet (starting, or the store is down)."""


class TooManySubscribers(RuntimeError):
    """This process serves as many subscribers as it is configured to."""


class RealtimeHub:
    """Reads new events in the global order (the store's gap-safe ``read_all``) and hands
    each batch to every subscriber's bounded queue.

    One store query per batch serves every subscriber of the process. ``notify()`` (a
    commit in this process, the relay's publication, or another replica's publication seen
    through Redis) makes it read at once; otherwise it reads every ``poll_seconds``. Right
    after activity it looks again every few milliseconds for a moment: on PostgreSQL a
    commit can stay behind the transaction horizon briefly. A subscriber whose queue is
    full is closed (``slow``) at once, so nobody waits for it.

    The hub starts with its first subscriber (a process nobody subscribes to never reads)
    and runs, with its wakers, until ``aclose``.
    """

    def __init__(
        self,
        store: GlobalOrder,
        *,
        capacity: int = 1000,
        max_subscribers: int = 10_000,
        page_size: int = 500,
        poll_seconds: float = 0.5,
        retry_seconds: float = 1.0,
        observer: RealtimeObserver | None = None,
    ) -> None:
        self._store = store
        self.capacity = capacity
        self.max_subscribers = max_subscribers
        self._page_size = page_size
        self._poll_seconds = poll_seconds
        self._retry_seconds = retry_seconds
        self._observer = observer
        self._subscribers: set[Subscription] = set()
        self._cursor: int | None = None  # the last position read; None until started
        self._started = asyncio.Event()
        self._wake = asyncio.Event()
        self._eager_sleep = 0.005
        self._eager_for = 0.25
        self._wakers: list[Waker] = []
        self._stop = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []

    def add_waker(self, waker: Waker) -> None:
        self._wakers.append(waker)

    async def aclose(self) -> None:
        """Stop reading; every subscriber is closed (``shutdown``)."""
        self._stop.set()
        with contextlib.suppress(Exception):
            await cancel_and_wait(*self._tasks)  # a waker may be inside a Redis call
        self._tasks.clear()

    def _ensure_running(self) -> None:
        if not self._tasks and not self._stop.is_set():
            self._tasks = [
                asyncio.create_task(self._guarded(loop), name="realtime-hub")
                for loop in (self.run, *self._wakers)
            ]

    async def _guarded(self, loop: Waker) -> None:
        while not self._stop.is_set():
            try:
                await loop(self._stop)
            except Exception as exc:  # never expected: log, and start again after a pause
                _log.error("realtime_loop_crashed", error=repr(exc))
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._stop.wait(), self._retry_seconds)

    @property
    def cursor(self) -> int | None:
        return self._cursor

    @property
    def subscriber_count(self) -> int:
        return len(self._subscribers)

    def notify(self) -> None:
        """New events may be in the store: read now rather than after the poll interval."""
        self._wake.set()

    @asynccontextmanager
    async def subscribe(
        self, *, label: str, after: int | None = None, wait: float = 5.0
    ) -> AsyncIterator[Subscription]:
        """A subscription to events after ``after`` (``None``: from now on); ends with the
        block. Raises ``HubUnavailable`` if the hub has not started within ``wait`` seconds,
        ``TooManySubscribers`` at the configured limit."""
        if self._stop.is_set():
            raise HubUnavailable("the realtime hub is shut down")
        self._ensure_running()
        if not self._started.is_set():
            try:
                await asyncio.wait_for(self._started.wait(), wait)
            except TimeoutError:
                raise HubUnavailable("the realtime hub has not started") from None
        if len(self._subscribers) >= self.max_subscribers:
            raise TooManySubscribers(f"{self.max_subscribers} subscribers already")
        subscription = Subscription(
            self._store,
            self._attach,
            label=label,
            capacity=self.capacity,
            after=after,
            page_size=self._page_size,
        )
        try:
            yield subscription
        finally:
            if subscription in self._subscribers:
                self._subscribers.discard(subscription)
                self._count(subscription.label, -1)

    def record_delivered(self, subscription: Subscription, count: int) -> None:
        if self._observer is not None and count:
            self._observer.delivered(subscription.label, count)

    async def run(self, stop: asyncio.Event) -> None:
        """Tail the store until ``stop``; then close every subscriber (``shutdown``)."""
        try:
            await self._start(stop)
            last_activity = 0.0
            while not stop.is_set():
                if self._wake.is_set():
                    last_activity = time.monotonic()
                self._wake.clear()
                try:
                    events = await self._read()
                except Exception as exc:  # a store outage: subscribers wait, never lose events
                    _log.warning("realtime_read_failed", error=repr(exc))
                    await pause(self._retry_seconds, stop)
                    continue
                now = time.monotonic()
                if events:
                    last_activity = now
                    if len(events) == self._page_size:
                        continue
                busy = now - last_activity < self._eager_for
                await pause(self._eager_sleep if busy else self._poll_seconds, stop, self._wake)
        finally:
            for subscription in list(self._subscribers):
                subscription.close("shutdown")

    async def _start(self, stop: asyncio.Event) -> None:
        while self._cursor is None and not stop.is_set():
            try:
                self._cursor = await self._store.head_position()
            except Exception as exc:
                _log.warning("realtime_start_failed", error=repr(exc))
                await pause(self._retry_seconds, stop)
        self._started.set()

    async def _read(self) -> list[StoredEvent]:
        assert self._cursor is not None
        events = await self._store.read_all(after=self._cursor, limit=self._page_size)
        if events:
            self._cursor = events[-1].position
            self._dispatch(events)
        return events

    def _dispatch(self, events: list[StoredEvent]) -> None:
        if self._observer is not None:
            self._observer.dispatched(events)
        for subscription in list(self._subscribers):
            if not subscription.push(events):
                self._drop(subscription)

    def _drop(self, subscription: Subscription) -> None:
        self._subscribers.discard(subscription)
        subscription.close("slow")
        self._count(subscription.label, -1)
        if self._observer is not None:
            self._observer.dropped(subscription.label, "slow")
        _log.info("realtime_subscriber_dropped", transport=subscription.label, reason="slow")

    def _attach(self, subscription: Subscription) -> int:
        """Register ``subscription`` for live events; the cursor it continues from."""
        assert self._cursor is not None
        self._subscribers.add(subscription)
        self._count(subscription.label, 1)
        return self._cursor

    def _count(self, label: str, delta: int) -> None:
        if self._observer is not None:
            self._observer.subscribed(label, delta)
