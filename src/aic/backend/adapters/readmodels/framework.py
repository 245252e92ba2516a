"""Projections: apply each event once, in stream order, with the checkpoint in the same transaction.

Consumers of a group may receive events out of order or twice (at-least-once delivery,
competing consumers). Each projection therefore keeps, per stream, the version it applied:
a duplicate is skipped; a gap (an event arriving before its predecessors) is healed by
loading the missing events from the store and applying them first. The row lock on that
per-stream record serialises two consumers working on the same stream.
"""

from __future__ import annotations

import asyncio
import time
from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import ClassVar

from aic.backend.application.ports import EventStore, StoredEvent
from aic.backend.application.serialization import EventCodec
from aic.backend.domain.messages import DomainEvent
from aic.storage import SqlDatabase, SqlTransaction

__all__ = ["Projection", "ProjectionEngine", "ProjectionStatus", "readmodel_schema"]

_SQL = Path(__file__).parent / "sql"


def readmodel_schema(dialect: str) -> str:
    folder = "sqlite" if dialect == "sqlite" else "postgres"
    return "\n".join(p.read_text() for p in sorted((_SQL / folder).glob("*.sql")))


class Projection(ABC):
    """One read model: the streams it reads, the tables it owns, how an event changes them."""

    name: ClassVar[str]
    stream_prefixes: ClassVar[tuple[str, ...]]  # e.g. ("lead-",): every event of those streams
    tables: ClassVar[tuple[str, ...]]  # emptied by a rebuild

    def uses(self, event: StoredEvent) -> bool:
        """Whether ``event`` matters to it: every event of its streams, unless a projection
        narrows this (the others then never cost it a transaction). A used event found after
        unused ones of its stream is checked against the store (a gap), so narrow it only
        to events that open a stream or are rare."""
        return event.stream_id.startswith(self.stream_prefixes)

    @abstractmethod
    async def apply(self, tx: SqlTransaction, stored: StoredEvent, event: DomainEvent) -> None:
        """Change the read model by one event (once per event, in stream order); events of a
        type the projection does not use are passed too and simply ignored."""


@dataclass(frozen=True, slots=True)
class ProjectionStatus:
    name: str
    position: int
    last_recorded_at: str | None
    updated_at: str | None


_CHECKPOINT = (
    "INSERT INTO projection_checkpoints (projection, position, last_recorded_at, updated_at) "
    "VALUES (:p, :pos, :rec, :now) ON CONFLICT (projection) DO UPDATE SET "
    "position = CASE WHEN projection_checkpoints.position > excluded.position "
    "THEN projection_checkpoints.position ELSE excluded.position END, "
    "updated_at = excluded.updated_at"
)
_CHECKPOINT_APPLIED = _CHECKPOINT + ", last_recorded_at = excluded.last_recorded_at"
_CHECKPOINT_PASSED = _CHECKPOINT  # an event it does not read: not "last applied"


def _now() -> str:
    return datetime.now(UTC).isoformat().replace("+00:00", "Z")


class ProjectionEngine:
    def __init__(
        self,
        database: SqlDatabase,
        store: EventStore,
        codec: EventCodec,
        projections: Sequence[Projection],
        on_applied: Callable[[str, StoredEvent], None] | None = None,
    ) -> None:
        self.on_applied = on_applied  # after the commit: metrics (lag, position)
        self.database = database
        self.store = store
        self.codec = codec
        self.projections = {p.name: p for p in projections}
        self._lock = " FOR UPDATE" if database.dialect == "postgresql" else ""
        self._passed_at: dict[str, float] = {}

    def projection(self, name: str) -> Projection:
        try:
            return self.projections[name]
        except KeyError:
            known = ", ".join(sorted(self.projections))
            raise LookupError(f"no projection {name!r}; known: {known}") from None

    async def handle_everywhere(self, events: Sequence[StoredEvent]) -> None:
        """Apply a delivered batch to every projection, each in a transaction of its own, all
        at once (their round trips overlap). Every projection runs even when one fails; the
        first failure is raised then, and a redelivery is skipped where it was applied."""
        outcomes = await asyncio.gather(
            *(self.handle_batch(name, events) for name in self.projections),
            return_exceptions=True,
        )
        for outcome in outcomes:
            if isinstance(outcome, BaseException):
                raise outcome

    async def handle(self, name: str, stored: StoredEvent) -> int:
        """Apply ``stored`` (and any missing predecessors) to projection ``name``.

        Returns how many events were applied: 0 for a duplicate.
        """
        return await self.handle_batch(name, [stored])

    async def handle_batch(self, name: str, events: Sequence[StoredEvent]) -> int:
        """Apply a delivered batch in one transaction: one version lookup per stream, one
        checkpoint. Same guarantees as ``handle`` (duplicates skipped, gaps healed)."""
        projection = self.projection(name)
        relevant = [e for e in events if projection.uses(e)]
        if not relevant:
            if events:
                await self._passed(name, events[-1])
            return 0
        applied_events: list[StoredEvent] = []
        # Pipelined: the projection's writes go out back to back, answered at the commit.
        async with self.database.transaction(pipeline=True) as tx:
            # Lock every stream's row first, in one global order: two consumers of the group
            # (replicas) whose batches share streams then wait on each other, never deadlock.
            versions = await self._locked_versions(
                tx, name, sorted({e.stream_id for e in relevant})
            )
            start = dict(versions)
            for event in sorted(relevant, key=lambda e: e.position):
                applied = versions[event.stream_id]
                if event.version <= applied:
                    continue
                batch = [event]
                if event.version > applied + 1:
                    earlier = await self.store.load(event.stream_id, applied + 1)
                    batch = [e for e in earlier if e.version <= event.version]
                    batch = [e for e in batch if projection.uses(e)]
                for each in batch:
                    await projection.apply(tx, each, self.codec.decode(each))
                    applied_events.append(each)
                versions[event.stream_id] = event.version
            moved = {s: v for s, v in versions.items() if v > start[s]}
            if moved:
                await self._store_versions(tx, name, moved)
            if applied_events:
                last = max(applied_events, key=lambda e: e.position)
                await self._checkpoint(tx, name, last)
        if self.on_applied is not None:
            for event in applied_events:
                self.on_applied(name, event)
        return len(applied_events)

    async def _locked_versions(
        self, tx: SqlTransaction, name: str, streams: list[str]
    ) -> dict[str, int]:
        """Each stream's applied version (0 for a new one), its row locked until the commit.

        PostgreSQL: two statements for the whole batch (arrays), rows locked in one order (the
        database's collation) by every consumer;
        SQLite (one writer at a time, no row locks): two per stream, in-process and cheap.
        """
        if self.database.dialect == "postgresql":
            await tx.execute(
                "INSERT INTO projection_streams (projection, stream_id, version) "
                "SELECT :p, s, 0 FROM unnest(CAST(:streams AS text[])) AS s "
                "ON CONFLICT DO NOTHING",
                {"p": name, "streams": streams},
            )
            rows = await tx.fetch_all(
                "SELECT stream_id, version FROM projection_streams WHERE projection = :p "
                "AND stream_id = ANY(CAST(:streams AS text[])) ORDER BY stream_id FOR UPDATE",
                {"p": name, "streams": streams},
            )
            found = {str(r["stream_id"]): int(r["version"]) for r in rows}
            return {stream_id: found.get(stream_id, 0) for stream_id in streams}
        versions: dict[str, int] = {}
        for stream_id in streams:
            await tx.execute(
                "INSERT INTO projection_streams (projection, stream_id, version) "
                "VALUES (:p, :s, 0) ON CONFLICT DO NOTHING",
                {"p": name, "s": stream_id},
            )
            row = await tx.fetch_one(
                "SELECT version FROM projection_streams WHERE projection = :p AND stream_id = :s",
                {"p": name, "s": stream_id},
            )
            versions[stream_id] = int(row["version"]) if row else 0
        return versions

    async def _store_versions(self, tx: SqlTransaction, name: str, moved: dict[str, int]) -> None:
        if self.database.dialect == "postgresql":
            await tx.execute(
                "UPDATE projection_streams AS p SET version = m.version "
                "FROM unnest(CAST(:streams AS text[]), CAST(:versions AS integer[])) "
                "AS m(stream_id, version) WHERE p.projection = :p AND p.stream_id = m.stream_id",
                {"p": name, "streams": list(moved), "versions": list(moved.values())},
            )
            return
        await tx.execute_many(
            "UPDATE projection_streams SET version = :v WHERE projection = :p AND stream_id = :s",
            [{"v": v, "p": name, "s": s} for s, v in moved.items()],
        )

    async def _passed(self, name: str, event: StoredEvent) -> None:
        """An event the projection does not read still moves its position (at most once a
        second, outside any row change), so "how far behind" means the whole store."""
        now = time.monotonic()
        if now - self._passed_at.get(name, 0.0) < 1.0:
            return
        self._passed_at[name] = now
        async with self.database.transaction(pipeline=True) as tx:
            await self._checkpoint(tx, name, event, keep_recorded=True)

    async def _checkpoint(
        self, tx: SqlTransaction, name: str, last: StoredEvent, *, keep_recorded: bool = False
    ) -> None:
        recorded = last.recorded_at.isoformat().replace("+00:00", "Z")
        await tx.execute(
            _CHECKPOINT_PASSED if keep_recorded else _CHECKPOINT_APPLIED,
            {"p": name, "pos": last.position, "rec": recorded, "now": _now()},
        )

    async def rebuild(
        self, name: str, *, batch_size: int = 500, progress: Callable[[int], None] | None = None
    ) -> int:
        """Empty the projection's tables and replay every event from the start of the store."""
        projection = self.projection(name)
        async with self.database.transaction() as tx:
            for table in projection.tables:
                await tx.execute(f"DELETE FROM {table}")  # noqa: S608 - class constant
            await tx.execute("DELETE FROM projection_streams WHERE projection = :p", {"p": name})
            await tx.execute(
                "DELETE FROM projection_checkpoints WHERE projection = :p", {"p": name}
            )
        after, applied = 0, 0
        while True:
            events = await self.store.read_all(after=after, limit=batch_size)
            if not events:
                return applied
            for event in events:
                applied += await self.handle(name, event)
            after = events[-1].position
            if progress is not None:
                progress(len(events))

    async def status(self) -> list[ProjectionStatus]:
        rows = await self.database.fetch_all(
            "SELECT projection, position, last_recorded_at, updated_at FROM projection_checkpoints"
        )
        found = {r["projection"]: r for r in rows}
        return [
            ProjectionStatus(
                name=name,
                position=int(found[name]["position"]) if name in found else 0,
                last_recorded_at=found[name]["last_recorded_at"] if name in found else None,
                updated_at=found[name]["updated_at"] if name in found else None,
            )
            for name in sorted(self.projections)
        ]
