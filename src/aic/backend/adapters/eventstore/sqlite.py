"""The embedded event store: one SQLite file in WAL mode, safe for several local processes."""

from __future__ import annotations

import asyncio
import json
import sqlite3
import uuid
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

from aic.backend.adapters.eventstore.appends import (
    AppendBatcher,
    AppendRequest,
    Outcome,
    duplicate_result,
    encode_json,
)
from aic.backend.application.ports import (
    AppendResult,
    ConcurrencyError,
    EventMetadata,
    NewEvent,
    Snapshot,
    StoredEvent,
)
from aic.storage.files import connect_sqlite, sqlite_path

__all__ = ["SQLiteEventStore", "connect_sqlite", "sqlite_path", "write_append"]


T = TypeVar("T")

_COLUMNS = (
    "position, stream_id, version, event_id, type, data, schema_version, metadata, recorded_at"
)
_INSERT = (
    "INSERT INTO events (stream_id, version, event_id, type, data, schema_version, metadata, "
    "recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
)


class _Worker:
    """One thread owning one connection: sqlite3 blocks, so it never runs on the event loop."""

    def __init__(self, path: Path, busy_timeout: float, name: str) -> None:
        self._path = path
        self._busy_timeout = busy_timeout
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix=name)
        self._connection: sqlite3.Connection | None = None

    async def run(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        return await asyncio.get_running_loop().run_in_executor(self._executor, self._call, fn)

    def _call(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        if self._connection is None:
            self._connection = connect_sqlite(self._path, self._busy_timeout)
        return fn(self._connection)

    async def close(self) -> None:
        def close() -> None:
            if self._connection is not None:
                self._connection.close()
                self._connection = None

        await asyncio.get_running_loop().run_in_executor(self._executor, close)
        self._executor.shutdown(wait=True)


def _event(row: sqlite3.Row | tuple[Any, ...]) -> StoredEvent:
    position, stream_id, version, event_id, type_, data, schema, metadata, at = row
    return StoredEvent(
        stream_id=stream_id,
        version=version,
        position=position,
        event_id=uuid.UUID(event_id),
        type=type_,
        data=json.loads(data),
        schema_version=schema,
        metadata=EventMetadata.from_dict(json.loads(metadata)),
        recorded_at=datetime.fromisoformat(at),
    )


def write_append(connection: sqlite3.Connection, request: AppendRequest) -> AppendResult:
    """Append inside the caller's write transaction (``BEGIN IMMEDIATE``): holding the write
    lock, the duplicate and version checks below cannot go stale before the insert."""
    ids = [str(event_id) for event_id in request.event_ids]
    marks = ",".join("?" * len(ids))
    stored = connection.execute(
        f"SELECT event_id, stream_id, version, position FROM events WHERE event_id IN ({marks})",  # noqa: S608 -- only "?" marks are formatted in
        ids,
    ).fetchall()
    if stored:
        return duplicate_result(request, {uuid.UUID(row[0]): row[1:] for row in stored})
    (current,) = connection.execute(
        "SELECT coalesce(max(version), 0) FROM events WHERE stream_id = ?", (request.stream_id,)
    ).fetchone()
    expected = request.expected_version
    if expected is not None and expected != current:
        raise ConcurrencyError(request.stream_id, expected, current)
    recorded_at = datetime.now(UTC).isoformat()
    positions = []
    for offset, event in enumerate(request.events):
        cursor = connection.execute(
            _INSERT,
            (
                request.stream_id,
                current + offset + 1,
                str(event.event_id),
                event.type,
                request.payloads[offset],
                event.schema_version,
                request.metadata[offset],
                recorded_at,
            ),
        )
        positions.append(int(cursor.lastrowid or 0))
    return AppendResult(request.stream_id, current + len(request.events), tuple(positions))


def _write_batch(connection: sqlite3.Connection, requests: list[AppendRequest]) -> list[Outcome]:
    """One write transaction for the batch; a savepoint per append lets one fail alone."""
    outcomes: list[Outcome] = []
    connection.execute("BEGIN IMMEDIATE")  # take the write lock now: no upgrade deadlocks
    try:
        for request in requests:
            connection.execute("SAVEPOINT append")
            try:
                outcomes.append(write_append(connection, request))
            except (ConcurrencyError, ValueError, sqlite3.IntegrityError) as exc:
                connection.execute("ROLLBACK TO append")
                outcomes.append(exc)
            connection.execute("RELEASE append")
        connection.execute("COMMIT")
    except BaseException:
        if connection.in_transaction:
            connection.execute("ROLLBACK")
        raise
    return outcomes


class SQLiteEventStore:
    """``EventStore`` on one SQLite file; run the migrations first (``migrate``).

    Appends go through one writer thread that commits concurrent appends together; reads use
    their own thread and connection (WAL readers see committed data and never wait on the
    writer). Several processes may share the file: ``BEGIN IMMEDIATE`` serialises their
    writes and ``busy_timeout`` makes them wait their turn, so position order is commit order.
    """

    def __init__(self, path: Path, *, busy_timeout: float = 10.0) -> None:
        self.path = path
        self._writer = _Worker(path, busy_timeout, "aic-sqlite-writer")
        self._reader = _Worker(path, busy_timeout, "aic-sqlite-reader")
        self._batcher = AppendBatcher(self._write)
        self._closed = False

    async def _write(self, requests: list[AppendRequest]) -> list[Outcome]:
        return await self._writer.run(lambda connection: _write_batch(connection, requests))

    async def append(
        self, stream_id: str, events: Sequence[NewEvent], expected_version: int | None
    ) -> AppendResult:
        request = AppendRequest.create(stream_id, events, expected_version)
        if not events:
            current = await self.stream_version(stream_id)
            if expected_version is not None and expected_version != current:
                raise ConcurrencyError(stream_id, expected_version, current)
            return AppendResult(stream_id, current, ())
        return await self._batcher.append(request)

    async def load(self, stream_id: str, from_version: int = 1) -> list[StoredEvent]:
        rows = await self._reader.run(
            lambda c: c.execute(
                f"SELECT {_COLUMNS} FROM events WHERE stream_id = ? AND version >= ? "  # noqa: S608 -- constant column list
                "ORDER BY version",
                (stream_id, from_version),
            ).fetchall()
        )
        return [_event(row) for row in rows]

    async def stream_version(self, stream_id: str) -> int:
        (version,) = await self._reader.run(
            lambda c: c.execute(
                "SELECT coalesce(max(version), 0) FROM events WHERE stream_id = ?", (stream_id,)
            ).fetchone()
        )
        return int(version)

    async def read_all(self, after: int = 0, limit: int = 500) -> list[StoredEvent]:
        """Events after position ``after`` (0 or a position read), in position order."""
        if after < 0 or limit < 1:
            raise ValueError("after must be >= 0 and limit >= 1")

        def read(c: sqlite3.Connection) -> tuple[list[Any], bool]:
            rows = c.execute(
                f"SELECT {_COLUMNS} FROM events WHERE position > ? ORDER BY position LIMIT ?",  # noqa: S608 -- constant column list
                (after, limit),
            ).fetchall()
            known = bool(rows) or not after
            if not known:
                known = c.execute("SELECT 1 FROM events WHERE position = ?", (after,)).fetchone()
            return rows, bool(known)

        rows, known = await self._reader.run(read)
        if not known:  # a made-up position would otherwise look like "nothing new" forever
            raise ValueError(f"no event at position {after}; resume from a position read")
        return [_event(row) for row in rows]

    async def head_position(self) -> int:
        (position,) = await self._reader.run(
            lambda c: c.execute("SELECT coalesce(max(position), 0) FROM events").fetchone()
        )
        return int(position)

    async def save_snapshot(self, snapshot: Snapshot) -> None:
        """Keep the snapshot at the highest version: a slow writer never rolls one back."""
        values = (
            snapshot.stream_id,
            snapshot.version,
            snapshot.schema_version,
            encode_json(snapshot.state),
            datetime.now(UTC).isoformat(),
        )
        await self._writer.run(
            lambda c: c.execute(
                "INSERT INTO snapshots (stream_id, version, schema_version, state, saved_at) "
                "VALUES (?, ?, ?, ?, ?) ON CONFLICT (stream_id) DO UPDATE SET "
                "version = excluded.version, schema_version = excluded.schema_version, "
                "state = excluded.state, saved_at = excluded.saved_at "
                "WHERE excluded.version >= snapshots.version",
                values,
            )
        )

    async def load_snapshot(self, stream_id: str) -> Snapshot | None:
        row = await self._reader.run(
            lambda c: c.execute(
                "SELECT version, schema_version, state FROM snapshots WHERE stream_id = ?",
                (stream_id,),
            ).fetchone()
        )
        if row is None:
            return None
        return Snapshot(stream_id, row[0], json.loads(row[2]), schema_version=row[1])

    async def load_with_snapshot(self, stream_id: str) -> tuple[Snapshot | None, list[StoredEvent]]:
        """Both reads in one call on the reader thread (one hop, not two). A snapshot is
        saved only after the events it covers committed, so the tail read after it is whole.
        """

        def read(c: sqlite3.Connection) -> tuple[Any, list[Any]]:
            snapshot = c.execute(
                "SELECT version, schema_version, state FROM snapshots WHERE stream_id = ?",
                (stream_id,),
            ).fetchone()
            rows = c.execute(
                f"SELECT {_COLUMNS} FROM events WHERE stream_id = ? AND version > ? "  # noqa: S608 -- constant column list
                "ORDER BY version",
                (stream_id, snapshot[0] if snapshot else 0),
            ).fetchall()
            return snapshot, rows

        row, rows = await self._reader.run(read)
        snapshot = None
        if row is not None:
            snapshot = Snapshot(stream_id, row[0], json.loads(row[2]), schema_version=row[1])
        return snapshot, [_event(r) for r in rows]

    async def ping(self) -> None:
        await self._reader.run(lambda c: c.execute("SELECT 1").fetchone())

    async def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        await self._batcher.wait_idle()
        await self._writer.close()
        await self._reader.close()
