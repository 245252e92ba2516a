"""Run a decision on an aggregate: load, decide, append; a keyed retry gets the first result."""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Callable
from typing import Any, TypeVar

from aic.backend.application.bus import CommandContext, CommandResult
from aic.backend.application.ports import ConcurrencyError
from aic.backend.application.repository import AggregateRepository
from aic.backend.domain.aggregate import Aggregate
from aic.backend.domain.errors import InvalidValue

__all__ = ["IdempotencyKeyReused", "derived_id", "execute", "request_hash"]

A = TypeVar("A", bound=Aggregate)
_NAMESPACE = uuid.UUID("6f1d8c52-8a3e-4c6b-9f0e-2a7d5b1c9e44")


class IdempotencyKeyReused(InvalidValue):
    def __init__(self, key: str) -> None:
        super().__init__(
            "idempotency_key_reused",
            "This Idempotency-Key was already used with a different request; use a new key.",
            {"idempotency_key": key},
        )


def derived_id(*parts: str) -> uuid.UUID:
    """A stable id from a retry's identity, so a retried command writes the same event ids."""
    return uuid.uuid5(_NAMESPACE, "|".join(parts))


def request_hash(payload: Any) -> str:
    canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


async def execute(
    repository: AggregateRepository,
    cls: type[A],
    aggregate_id: str,
    decide: Callable[[A | None], A],
    context: CommandContext,
    *,
    creates: bool = False,
) -> CommandResult:
    """Load ``cls`` ``aggregate_id``; ``decide`` gets it (``None`` if its stream is empty) and
    returns the aggregate holding the new events, which are appended.

    With an idempotency key in the context, event ids derive from (stream, key, index): a
    retry finds its events already in the stream and returns the first result, writing
    nothing; the same key with another request hash is refused.
    """
    if creates:
        created = await _create(repository, cls, aggregate_id, decide, context)
        if created is not None:
            return created
    loaded = await repository.load(cls, aggregate_id)
    aggregate = loaded.aggregate
    metadata = context.metadata
    key = metadata.idempotency_key
    if key is not None:
        first = derived_id(aggregate.stream_id, key, "0")
        prior = loaded.find_event(first)
        if prior is not None:
            if prior.metadata.request_hash != metadata.request_hash:
                raise IdempotencyKeyReused(key)
            same = [e for e in loaded.events if e.metadata.idempotency_key == key]
            return CommandResult(
                aggregate_id=aggregate_id,
                version=max(e.version for e in same),
                event_ids=tuple(str(e.event_id) for e in same),
                duplicate=True,
            )
    aggregate = decide(aggregate if aggregate.version > 0 else None)
    if not aggregate.pending:
        return CommandResult(aggregate_id=aggregate_id, version=aggregate.version)
    count = len(aggregate.pending)
    ids = (
        [derived_id(aggregate.stream_id, key, str(i)) for i in range(count)]
        if key is not None
        else [uuid.uuid4() for _ in range(count)]
    )
    result = await repository.save(aggregate, metadata, ids)
    return CommandResult(
        aggregate_id=aggregate_id,
        version=result.version,
        event_ids=tuple(str(i) for i in ids),
        duplicate=result.duplicate,
    )


async def _create(
    repository: AggregateRepository,
    cls: type[A],
    aggregate_id: str,
    decide: Callable[[A | None], A],
    context: CommandContext,
) -> CommandResult | None:
    """A command that starts a stream skips loading it: the append at version 0 checks it
    is new. ``None`` sends the caller down the full path: the stream exists, or the events
    are already stored (a keyed retry, whose request hash must still be compared)."""
    aggregate = decide(None)
    key = context.metadata.idempotency_key
    count = len(aggregate.pending)
    ids = (
        [derived_id(aggregate.stream_id, key, str(i)) for i in range(count)]
        if key is not None
        else [uuid.uuid4() for _ in range(count)]
    )
    try:
        result = await repository.save(aggregate, context.metadata, ids)
    except ConcurrencyError:
        return None
    if result.duplicate:
        return None
    return CommandResult(
        aggregate_id=aggregate_id,
        version=result.version,
        event_ids=tuple(str(i) for i in ids),
    )
