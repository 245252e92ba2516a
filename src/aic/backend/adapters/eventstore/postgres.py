"""The production event store on PostgreSQL: group commit, and a gap-safe global order."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from typing import Any

import psycopg
from psycopg.pq import TransactionStatus

from aic.backend.adapters.eventstore.appends import (
    AppendBatcher,
    AppendRequest,
    Outcome,
    encode_json,
)
from aic.backend.adapters.eventstore.postgres_appends import write_appends
from aic.backend.application.ports import (
    AppendResult,
    ConcurrencyError,
    EventMetadata,
    NewEvent,
    Snapshot,
    StoredEvent,
)
from aic.observability.logging import get_logger
from aic.tasks import Coalesced

__all__ = ["COMMIT_CHANNEL", "WRITER_APPLICATION_NAME", "ConnectionPool", "PostgresEventStore"]

COMMIT_CHANNEL = "aic_events"  # notified after each commit of appended events
# Its own transaction, committed without waiting for the WAL flush: it stores nothing (the
# events it announces were flushed by their own commit), and a flush per announcement was
# as many flushes again as the appends themselves. One simple query, one round trip.
_ANNOUNCE = (
    f"BEGIN; SET LOCAL synchronous_commit TO off; SELECT pg_notify('{COMMIT_CHANNEL}', ''); COMMIT"
)
_log = get_logger("aic.eventstore")
# Commits are announced at most this far apart per process (the rest wait for the next
# announcement): a relay woken by one reads every 5 ms for a while after (``OutboxRelay``),
# so closer announcements wake nothing sooner; under load, one per batch cost ~10 % of the
# write path's throughput (a round trip on the writer between batches).
ANNOUNCE_EVERY = 0.005

_COLUMNS = (
    "position, stream_id, version, event_id, type, data, schema_version, metadata, recorded_at"
)
# Only the store's writer connections append events (migration 0002 refuses any other), and
# they say so in their application_name. A reader of the global order first takes a bound:
# the oldest transaction of such a connection (to this database) that is still running, or
# its snapshot's xmax.
# Writer transactions are looked up (pg_stat_get_activity) after the statement's snapshot is
# taken, so one that was running then and has finished since is missed only when it finished
# before the next statement's snapshot, which the read then sees committed. Other
# transactions on the server (saga state, projections, anything long) do not hold readers.
WRITER_APPLICATION_NAME = "aic-event-writer"
_BOUND = (
    "SELECT least(pg_snapshot_xmax(s), (SELECT min(x) FROM pg_snapshot_xip(s) AS x "  # noqa: S608 -- constants
    "WHERE xid(x) IN (SELECT backend_xid FROM pg_stat_get_activity(NULL) "
    f"WHERE application_name = '{WRITER_APPLICATION_NAME}' AND backend_xid IS NOT NULL "
    "AND datid = (SELECT oid FROM pg_database WHERE datname = current_database()))))::text "
    "FROM pg_current_snapshot() AS s"
)
_HORIZON = "txid < %(bound)s::xid8"
_READ_FROM_START = (
    f"SELECT {_COLUMNS} FROM events WHERE {_HORIZON} ORDER BY txid, position LIMIT %(limit)s"  # noqa: S608 -- constants
)
_READ_AFTER = (
    f"SELECT {_COLUMNS} FROM events "  # noqa: S608 -- constants
    "WHERE (txid, position) > (SELECT txid, position FROM events WHERE position = %(after)s) "
    f"AND {_HORIZON} ORDER BY txid, position LIMIT %(limit)s"
)
# The latest snapshot (a row whose kind is 0) and the events after its version (kind 1), in
# one statement: ``load_with_snapshot`` is every command's load, one round trip instead of two.
_LOAD_WITH_SNAPSHOT = (
    "WITH snap AS (SELECT version, schema_version, state FROM snapshots "  # noqa: S608 -- constants
    "WHERE stream_id = %(stream)s) "
    f"SELECT kind, {_COLUMNS} FROM ("
    "SELECT 0 AS kind, NULL::bigint AS position, NULL::text AS stream_id, version, "
    "NULL::uuid AS event_id, NULL::text AS type, state AS data, schema_version, "
    "NULL::jsonb AS metadata, NULL::timestamptz AS recorded_at FROM snap "
    "UNION ALL "
    f"SELECT 1, {_COLUMNS} FROM events WHERE stream_id = %(stream)s "
    "AND version > coalesce((SELECT version FROM snap), 0)"
    ") AS found ORDER BY kind, version"
)
_HEAD = (
    f"SELECT position FROM events WHERE {_HORIZON} "  # noqa: S608 -- constants
    "ORDER BY txid DESC, position DESC LIMIT 1"
)


class ConnectionPool:
    """A few autocommit connections, opened on demand, reused while healthy.

    Enough for the store's reads; ``psycopg_pool`` would add health checks and sizing.
    """

    def __init__(self, url: str, size: int, *, connect_timeout: int = 5) -> None:
        self._url = url
        self._connect_timeout = connect_timeout
        self._idle: list[psycopg.AsyncConnection[Any]] = []
        self._slots = asyncio.Semaphore(size)

    async def open(self, *, writer: bool = False) -> psycopg.AsyncConnection[Any]:
        """A new connection; ``writer``: one that may append events (``_BOUND``)."""
        named: dict[str, Any] = {"application_name": WRITER_APPLICATION_NAME} if writer else {}
        connection = await psycopg.AsyncConnection.connect(
            self._url, autocommit=True, connect_timeout=self._connect_timeout, **named
        )
        try:
            # Every query of the store has an index path. psycopg prepares a statement after a
            # few runs and PostgreSQL may then keep one plan: made while the table was still
            # small, a sequential scan would stay and cost O(rows) per append or read.
            await connection.execute("SET enable_seqscan = off")
        except BaseException:
            await connection.close()
            raise
        return connection

    @asynccontextmanager
    async def connection(self) -> AsyncIterator[psycopg.AsyncConnection[Any]]:
        async with self._slots:
            connection = self._idle.pop() if self._idle else await self.open()
            try:
                yield connection
            finally:
                # Cancelled mid-query or broken: the connection's state is unknown; drop it.
                if (
                    connection.closed
                    or connection.info.transaction_status != TransactionStatus.IDLE
                ):
                    await connection.close()
                else:
                    self._idle.append(connection)

    async def close(self) -> None:
        idle, self._idle = self._idle, []
        for connection in idle:
            await connection.close()


def _event(row: tuple[Any, ...]) -> StoredEvent:
    position, stream_id, version, event_id, type_, data, schema, metadata, at = row
    return StoredEvent(
        stream_id=stream_id,
        version=version,
        position=position,
        event_id=event_id,
        type=type_,
        data=data,
        schema_version=schema,
        metadata=EventMetadata.from_dict(metadata),
        recorded_at=at,
    )


class PostgresEventStore:
    """``EventStore`` on PostgreSQL; run the migrations first (``migrate``).

    Appends: concurrent appends are written together by one statement on one dedicated
    connection (group commit, see ``AppendBatcher``); each caller is answered after the
    commit that holds its events. Reads use a small pool. The global order is
    ``(txid, position)`` below the oldest running transaction of a writer connection
    (``_BOUND``), so ``read_all`` never returns an event while an earlier one in that order
    may still commit; a writer's transaction is one statement, so readers wait for no more
    than that, and never for other transactions on the server.
    """

    def __init__(self, url: str, *, pool_size: int = 4, max_batch_events: int = 1000) -> None:
        self._pool = ConnectionPool(url, pool_size)
        self._writer: psycopg.AsyncConnection[Any] | None = None
        self._announcer = Coalesced(self._announce, ANNOUNCE_EVERY, "aic-commit-announcer")
        self._batcher = AppendBatcher(
            self._write, max_events=max_batch_events, after_write=self._announce_soon
        )

    async def _write(self, requests: list[AppendRequest]) -> list[Outcome]:
        writer = self._writer
        if writer is None or writer.closed:
            writer = self._writer = await self._pool.open(writer=True)
            # One statement, run over and over: plan it once; planning it anew for each batch
            # (a custom plan) would take about as long as running it.
            await writer.execute("SET plan_cache_mode = force_generic_plan")
        try:
            return await write_appends(writer, requests)
        finally:
            # A connection that failed, maybe mid-commit, is dropped: callers retry with the
            # same event ids, which is safe (idempotent); the next batch opens a new one.
            if writer.info.transaction_status != TransactionStatus.IDLE:
                await writer.close()

    async def _announce_soon(self) -> None:
        self._announcer.poke()

    async def _announce(self) -> None:
        """``NOTIFY aic_events`` after commits, in a transaction of its own: inside the
        appending one it would take PostgreSQL's notify lock through that commit's WAL flush,
        serialising the commits of every writer process. On a pooled connection, not the
        writer's, so the next batch does not wait for it; ``ANNOUNCE_EVERY`` apart at most."""
        try:
            async with self._pool.connection() as connection:
                await connection.execute(_ANNOUNCE)
        except psycopg.OperationalError:  # a pooled connection gone stale while idle: the
            async with self._pool.connection() as connection:  # pool dropped it; a fresh one
                await connection.execute(_ANNOUNCE)

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

    async def watch_commits(self, on_commit: Callable[[], None], stop: asyncio.Event) -> None:
        """Call ``on_commit`` whenever a store (of any process) commits appended events
        (``LISTEN aic_events``), until ``stop``; a lost connection is opened again after a
        second. A notification only wakes the caller early: readers still read the store."""
        while not stop.is_set():
            try:
                await self._listen(on_commit, stop)
            except Exception as exc:  # never silently: the caller would only poll from then on
                _log.warning("commit_listener_failed", error=repr(exc))
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), 1.0)

    async def _listen(self, on_commit: Callable[[], None], stop: asyncio.Event) -> None:
        connection = await self._pool.open()
        try:
            await connection.execute(f"LISTEN {COMMIT_CHANNEL}")
            on_commit()  # whatever was committed while nobody listened
            while not stop.is_set():
                notifies = connection.notifies(timeout=1.0)  # then look at `stop` again
                try:
                    async for _ in notifies:
                        on_commit()
                        if stop.is_set():
                            break
                finally:
                    await notifies.aclose()
        finally:
            await asyncio.shield(connection.close())

    async def _fetch(self, query: str, params: Sequence[Any] | dict[str, Any]) -> list[Any]:
        async with self._pool.connection() as connection:
            cursor = await connection.execute(query, params)
            return await cursor.fetchall()

    async def _fetch_settled(self, query: str, params: dict[str, Any]) -> list[Any]:
        """Run a read of the global order below the bound (``_BOUND``) taken just before it."""
        async with self._pool.connection() as connection:
            cursor = await connection.execute(_BOUND)
            row = await cursor.fetchone()
            assert row is not None  # one row, always
            cursor = await connection.execute(query, {**params, "bound": row[0]})
            return await cursor.fetchall()

    async def load(self, stream_id: str, from_version: int = 1) -> list[StoredEvent]:
        rows = await self._fetch(
            f"SELECT {_COLUMNS} FROM events WHERE stream_id = %s AND version >= %s "  # noqa: S608 -- constants
            "ORDER BY version",
            (stream_id, from_version),
        )
        return [_event(row) for row in rows]

    async def stream_version(self, stream_id: str) -> int:
        rows = await self._fetch(
            "SELECT coalesce(max(version), 0) FROM events WHERE stream_id = %s", (stream_id,)
        )
        return int(rows[0][0])

    async def read_all(self, after: int = 0, limit: int = 500) -> list[StoredEvent]:
        """Events after the one at position ``after`` in the global order (see the class).

        ``after`` must be 0 or a position that ``read_all`` or ``head_position`` returned: an
        ``AppendResult`` position may lie beyond events that are still to commit before it.
        """
        if after < 0 or limit < 1:
            raise ValueError("after must be >= 0 and limit >= 1")
        params = {"after": after, "limit": limit}
        rows = await self._fetch_settled(_READ_AFTER if after else _READ_FROM_START, params)
        if not rows and after:
            known = await self._fetch("SELECT 1 FROM events WHERE position = %s", (after,))
            if not known:  # a made-up position would otherwise look like "nothing new" forever
                raise ValueError(f"no event at position {after}; resume from a position read")
        return [_event(row) for row in rows]

    async def head_position(self) -> int:
        """The position of the last event ``read_all`` can return now (0: none).

        Not ``max(position)``: a reader starting there could skip a later-committing event.
        """
        rows = await self._fetch_settled(_HEAD, {})
        return int(rows[0][0]) if rows else 0

    async def save_snapshot(self, snapshot: Snapshot) -> None:
        """Keep the snapshot at the highest version: a slow writer never rolls one back."""
        await self._fetch(
            "INSERT INTO snapshots (stream_id, version, schema_version, state) "
            "VALUES (%s, %s, %s, %s::jsonb) ON CONFLICT (stream_id) DO UPDATE SET "
            "version = excluded.version, schema_version = excluded.schema_version, "
            "state = excluded.state, saved_at = now() "
            "WHERE excluded.version >= snapshots.version RETURNING 1",
            (
                snapshot.stream_id,
                snapshot.version,
                snapshot.schema_version,
                encode_json(snapshot.state),
            ),
        )

    async def load_snapshot(self, stream_id: str) -> Snapshot | None:
        rows = await self._fetch(
            "SELECT version, schema_version, state FROM snapshots WHERE stream_id = %s",
            (stream_id,),
        )
        if not rows:
            return None
        version, schema_version, state = rows[0]
        return Snapshot(stream_id, version, state, schema_version=schema_version)

    async def load_with_snapshot(self, stream_id: str) -> tuple[Snapshot | None, list[StoredEvent]]:
        rows = await self._fetch(_LOAD_WITH_SNAPSHOT, {"stream": stream_id})
        snapshot = None
        if rows and rows[0][0] == 0:
            _, _, _, version, _, _, state, schema_version, _, _ = rows[0]
            snapshot = Snapshot(stream_id, version, state, schema_version=schema_version)
            rows = rows[1:]
        return snapshot, [_event(row[1:]) for row in rows]

    async def ping(self) -> None:
        await self._fetch("SELECT 1", ())

    async def close(self) -> None:
        """Answer the appends already sent, then close every connection (idempotent)."""
        await self._batcher.wait_idle()
        await self._announcer.wait_idle()
        await self._announcer.aclose()
        if self._writer is not None:
            await self._writer.close()
        await self._pool.close()
