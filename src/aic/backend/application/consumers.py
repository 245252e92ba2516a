"""One consumer of a consumer group: read, handle, acknowledge what was handled."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable

from aic.backend.application.ports import Delivery, EventTransport, StoredEvent
from aic.observability.logging import get_logger

__all__ = ["BatchHandler", "ConsumerGroupWorker", "EventHandler"]

_log = get_logger("aic.consumers")

EventHandler = Callable[[StoredEvent], Awaitable[None]]
BatchHandler = Callable[[list[StoredEvent]], Awaitable[None]]


class ConsumerGroupWorker:
    """Feeds a group's events to ``handler`` and acknowledges each one it handled.

    Delivery is at least once, so ``handler`` must be idempotent: a projection records the
    event id (or the stream version it reached) in the same transaction as its read-model
    write. A handler that raises leaves its event unacknowledged: the transport hands it
    again after its claim timeout and dead-letters it after too many deliveries. The other
    events of the batch still run, so one poison event does not hold the rest back.
    """

    def __init__(
        self,
        transport: EventTransport,
        group: str,
        consumer: str,
        handler: EventHandler,
        *,
        count: int = 100,
        block_ms: int = 1000,
        retry_after: float = 1.0,
        batch_handler: BatchHandler | None = None,
        pace: Callable[[], Awaitable[None]] | None = None,
    ) -> None:
        # Awaited before each read: a consumer whose work can wait (the sagas' intake) holds
        # back while more urgent work is behind; what it has not read stays in the group.
        self._pace = pace
        self._batch_handler = batch_handler  # one call per read; per event only on failure
        self._transport = transport
        self.group = group
        self.consumer = consumer
        self._handler = handler
        self._count = count
        self._block_ms = block_ms
        self._retry_after = retry_after

    async def run_once(self) -> int:
        """One read (blocking up to ``block_ms``); how many events were handled and acked."""
        if self._pace is not None:
            await self._pace()
        deliveries = await self._transport.read(
            self.group, self.consumer, count=self._count, block_ms=self._block_ms
        )
        if self._batch_handler is not None and deliveries:
            try:
                await self._batch_handler([d.event for d in deliveries])
            except Exception as exc:  # find the poison event: one at a time below
                _log.warning("batch_handler_failed", group=self.group, error=repr(exc))
            else:
                await self._transport.ack(self.group, deliveries)
                return len(deliveries)
        handled: list[Delivery] = []
        for delivery in deliveries:
            try:
                await self._handler(delivery.event)
            except Exception as exc:
                _log.warning(
                    "event_handler_failed",
                    group=self.group,
                    consumer=self.consumer,
                    event_id=str(delivery.event.event_id),
                    event_type=delivery.event.type,
                    delivery_count=delivery.delivery_count,
                    error=repr(exc),
                )
                continue
            handled.append(delivery)
        # One acknowledgement per batch: a crash before it only means redelivery.
        await self._transport.ack(self.group, handled)
        return len(handled)

    async def run(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            try:
                await self.run_once()
            except Exception as exc:  # the transport is down: wait, then read again
                _log.warning(
                    "consumer_read_failed",
                    group=self.group,
                    consumer=self.consumer,
                    error=repr(exc),
                )
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(self._retry_after):
                        await stop.wait()
