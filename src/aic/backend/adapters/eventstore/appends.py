"""Append requests, checked once, and group commit: concurrent appends share one transaction."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections import deque
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from aic.backend.application.ports import AppendResult, NewEvent
from aic.observability.logging import get_logger

__all__ = [
    "JSON",
    "AppendBatcher",
    "AppendRequest",
    "Outcome",
    "duplicate_result",
    "encode_json",
]

_log = get_logger("aic.eventstore")

Outcome = AppendResult | Exception  # what one append came to inside a batch
WriteBatch = Callable[[list["AppendRequest"]], Awaitable[list[Outcome]]]


# Built once: json.dumps with options builds an encoder per call. ASCII output escapes lone
# surrogates and NULs, so the database (not the encoder) refuses them, for that append alone.
JSON = json.JSONEncoder(separators=(",", ":"), allow_nan=False)


def encode_json(value: Mapping[str, Any]) -> str:
    """Compact JSON of a mapping; NaN and infinities refused (neither store accepts them)."""
    return JSON.encode(value if isinstance(value, dict) else dict(value))


@dataclass(frozen=True, slots=True)
class AppendRequest:
    """One ``append`` call, validated and with its payloads already encoded as JSON."""

    stream_id: str
    events: tuple[NewEvent, ...]
    expected_version: int | None
    payloads: tuple[str, ...]  # JSON of each event's data
    metadata: tuple[str, ...]  # JSON of each event's metadata (``EventMetadata.to_dict``)

    @classmethod
    def create(
        cls, stream_id: str, events: Sequence[NewEvent], expected_version: int | None
    ) -> AppendRequest:
        """Raise in the caller's own task for what would otherwise fail a shared batch."""
        if not stream_id:
            raise ValueError("stream_id must not be empty")
        if expected_version is not None and expected_version < 0:
            raise ValueError(f"expected_version must be None or >= 0, not {expected_version}")
        ids = [event.event_id for event in events]
        if len(set(ids)) != len(ids):
            raise ValueError("an append must not carry the same event id twice")
        for event in events:
            if not isinstance(event.type, str) or not event.type:
                raise ValueError(f"an event type must be a non-empty string, not {event.type!r}")
            if type(event.schema_version) is not int or event.schema_version < 1:
                raise ValueError(f"schema_version must be an int >= 1: {event.schema_version!r}")
        return cls(
            stream_id,
            tuple(events),
            expected_version,
            tuple(encode_json(event.data) for event in events),
            tuple(encode_json(event.metadata.to_dict()) for event in events),
        )

    @property
    def event_ids(self) -> list[uuid.UUID]:
        return [event.event_id for event in self.events]


def duplicate_result(
    request: AppendRequest, stored: Mapping[uuid.UUID, tuple[str, int, int]]
) -> AppendResult:
    """The original result of an append whose event ids are stored (``id -> stream, version,
    position``); refuses an append that reuses only some of them, or another stream's."""
    found = [stored.get(event_id) for event_id in request.event_ids]
    if any(row is None or row[0] != request.stream_id for row in found):
        raise ValueError(
            f"append to {request.stream_id} reuses event ids stored by another append; "
            "a retry must resend exactly the same events"
        )
    rows = [row for row in found if row is not None]
    return AppendResult(
        stream_id=request.stream_id,
        version=max(version for _, version, _ in rows),
        positions=tuple(position for _, _, position in rows),
        duplicate=True,
    )


@dataclass(slots=True)
class _Pending:
    request: AppendRequest
    future: asyncio.Future[AppendResult]


class AppendBatcher:
    """Group commit: appends waiting while a batch is written go together into the next one.

    ``write_batch`` writes a batch in one transaction and returns one outcome per request, in
    order, after the commit; so each caller is answered only once its own events are durable,
    and a conflicting append fails alone. One batch is in flight at a time. A batch holds each
    stream once, except appends that expect the same version of it (the hot-stream race: one
    may win, the rest conflict); it never holds the same event id twice.
    """

    def __init__(
        self,
        write_batch: WriteBatch,
        *,
        max_events: int = 1000,
        after_write: Callable[[], Awaitable[None]] | None = None,
    ) -> None:
        self._write_batch = write_batch
        # Awaited after a batch that stored events, once its callers are answered (a wake-up
        # for readers elsewhere); its failure is logged, never the callers' problem.
        self._after_write = after_write
        self._max_events = max_events
        self._queue: deque[_Pending] = deque()
        self._worker: asyncio.Task[None] | None = None

    async def append(self, request: AppendRequest) -> AppendResult:
        future: asyncio.Future[AppendResult] = asyncio.get_running_loop().create_future()
        self._queue.append(_Pending(request, future))
        if self._worker is None or self._worker.done():
            self._worker = asyncio.create_task(self._drain(), name="aic-event-store-commit")
        return await future

    async def wait_idle(self) -> None:
        """Return once every append submitted so far has been answered."""
        while self._worker is not None and not self._worker.done():
            await asyncio.shield(self._worker)

    async def _drain(self) -> None:
        while self._queue:
            batch = self._take_batch()
            if not batch:
                continue
            try:
                outcomes = await self._write_batch([pending.request for pending in batch])
            except Exception as exc:  # the batch as a whole failed: every caller hears why
                outcomes = [exc] * len(batch)
            except BaseException:  # cancelled (the loop is closing): nobody may wait forever
                for pending in (*batch, *self._queue):
                    pending.future.cancel()
                self._queue.clear()
                raise
            for pending, outcome in zip(batch, outcomes, strict=True):
                if pending.future.done():  # the caller gave up; its retry will be idempotent
                    continue
                if isinstance(outcome, Exception):
                    pending.future.set_exception(outcome)
                else:
                    pending.future.set_result(outcome)
            wrote = any(isinstance(o, AppendResult) and not o.duplicate for o in outcomes)
            if wrote and self._after_write is not None:
                try:
                    await self._after_write()
                except Exception as exc:
                    _log.warning("after_append_hook_failed", error=repr(exc))

    def _take_batch(self) -> list[_Pending]:
        batch: list[_Pending] = []
        expected: dict[str, int | None] = {}  # streams in this batch -> their expected version
        ids: set[uuid.UUID] = set()
        blocked: set[str] = set()  # streams with a deferred append: keep their order
        deferred: deque[_Pending] = deque()
        events = 0
        while self._queue:
            pending = self._queue.popleft()
            if pending.future.done():
                continue
            request = pending.request
            if batch and events + len(request.events) > self._max_events:
                deferred.append(pending)
                deferred.extend(self._queue)
                self._queue.clear()
                break
            stream = request.stream_id
            joins = stream not in blocked and (
                stream not in expected
                or (
                    request.expected_version is not None
                    and expected[stream] == request.expected_version
                )
            )
            if joins and ids.isdisjoint(request.event_ids):
                batch.append(pending)
                expected[stream] = request.expected_version
                ids.update(request.event_ids)
                events += len(request.events)
            else:
                blocked.add(stream)
                deferred.append(pending)
        self._queue = deferred
        return batch
