"""The outbox relay: publishes stored events, in order, while it holds the lease."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Awaitable, Callable

from aic.backend.application.background import pause
from aic.backend.application.ports import (
    CheckpointStore,
    EventStore,
    EventTransport,
    Lease,
    StoredEvent,
)
from aic.observability.logging import get_logger
from aic.tasks import cancel_and_wait

__all__ = ["OutboxRelay"]

_log = get_logger("aic.relay")


class OutboxRelay:
    """Reads the event store after its checkpoint, publishes, then moves the checkpoint.

    Publishing comes before the checkpoint, so a crash in between publishes those events
    again (at least once; consumers deduplicate by event id). While busy, the checkpoint is
    stored at most every ``checkpoint_every`` seconds (and whenever nothing new is left).
    Only the lease holder publishes: ``run`` renews the lease every ``renew_every`` seconds
    (well under the lease's time-to-live) and, the moment a renewal fails, cancels publishing
    and goes back to waiting for the lease. ``notify()`` after an append cuts the idle wait
    short; for a moment after activity the relay also looks again every few milliseconds:
    a commit's own wake-up can come late (its process niced, or busy).
    ``on_published(count)`` is a hook for metrics.
    """

    def __init__(
        self,
        store: EventStore,
        transport: EventTransport,
        checkpoints: CheckpointStore,
        lease: Lease,
        *,
        name: str = "outbox",
        batch_size: int = 500,
        idle_sleep: float = 0.1,
        renew_every: float = 3.0,
        retry_after: float = 1.0,
        checkpoint_every: float = 0.1,
        on_published: Callable[[int], None] | None = None,
    ) -> None:
        self._store = store
        self._transport = transport
        self._checkpoints = checkpoints
        self._lease = lease
        self.name = name
        self._batch_size = batch_size
        self._idle_sleep = idle_sleep
        self._renew_every = renew_every
        self._retry_after = retry_after
        self._on_published = on_published
        self._wake = asyncio.Event()
        self._eager_sleep = 0.005  # between reads for a moment after activity ...
        self._eager_for = 0.25  # ... this long; then ``idle_sleep``
        self._checkpoint_every = checkpoint_every

    def notify(self) -> None:
        """New events were stored: publish them now rather than after the idle wait."""
        self._wake.set()

    async def run_once(self) -> int:
        """Publish one batch if this relay holds (or can take) the lease; how many."""
        if not await self._lease.acquire():
            return 0
        return len(await self._publish_after(await self._checkpoints.load(self.name)))

    async def run(self, stop: asyncio.Event) -> None:
        """Take the lease when free, publish while held, until ``stop`` is set."""
        try:
            while not stop.is_set():
                if await self._try_lease(self._lease.acquire):
                    _log.info("relay_lease_acquired", relay=self.name)
                    await self._lead(stop)
                else:
                    await pause(self._renew_every, stop)
        finally:
            # Best effort: handing over now spares the others the wait for the expiry.
            with contextlib.suppress(Exception):
                await asyncio.shield(self._lease.release())

    async def _lead(self, stop: asyncio.Event) -> None:
        publisher = asyncio.create_task(self._publish_until(stop))
        try:
            while not publisher.done():
                await asyncio.wait({publisher}, timeout=self._renew_every)
                if not publisher.done() and not await self._try_lease(self._lease.renew):
                    _log.warning("relay_lease_lost", relay=self.name)
                    return
        finally:
            await cancel_and_wait(publisher)  # until it has ended: no publishing without the lease

    async def _publish_until(self, stop: asyncio.Event) -> None:
        after: int | None = None  # how far we published, kept in memory while we lead
        saved: int | None = None  # ... and the checkpoint stored last
        saved_at, last_activity = 0.0, 0.0
        while not stop.is_set():
            if self._wake.is_set():  # an append was just committed somewhere in this process
                last_activity = time.monotonic()
            self._wake.clear()
            try:
                if after is None:
                    after = saved = await self._checkpoints.load(self.name)
                events = await self._publish_after(after, checkpoint=False)
                now = time.monotonic()
                if events:
                    after = events[-1].position
                    last_activity = now
                # At most every `checkpoint_every` s while busy, and whenever a read comes
                # back empty: a crash re-publishes no more than that (consumers deduplicate).
                if after != saved and (not events or now - saved_at >= self._checkpoint_every):
                    await self._checkpoints.save(self.name, after)
                    saved, saved_at = after, now
            except Exception as exc:  # a store or transport outage: retry, never give up
                _log.warning("relay_publish_failed", relay=self.name, error=repr(exc))
                await pause(self._retry_after, stop)
                continue
            if len(events) < self._batch_size:
                # Just after activity, look again soon: a notified commit can stay behind
                # the store's horizon for a few milliseconds, and the commit that moves the
                # horizon may announce itself late (a saga worker at a lower priority).
                busy = now - last_activity < self._eager_for
                await pause(self._eager_sleep if busy else self._idle_sleep, stop, self._wake)
        if after is not None and after != saved:  # stopping: spare the next leader repeats
            with contextlib.suppress(Exception):
                await self._checkpoints.save(self.name, after)

    async def _publish_after(self, after: int, *, checkpoint: bool = True) -> list[StoredEvent]:
        events = await self._store.read_all(after=after, limit=self._batch_size)
        if not events:
            return events
        await self._transport.publish(events)
        await self._transport.delivered()  # the in-process bus: wait until consumers have them
        if checkpoint:
            await self._checkpoints.save(self.name, events[-1].position)
        if self._on_published is not None:
            self._on_published(len(events))
        return events

    async def _try_lease(self, attempt: Callable[[], Awaitable[bool]]) -> bool:
        """A lease call that fails or hangs counts as not holding the lease."""
        try:
            async with asyncio.timeout(self._renew_every):
                return await attempt()
        except Exception as exc:
            _log.warning("relay_lease_unavailable", relay=self.name, error=repr(exc))
            return False
