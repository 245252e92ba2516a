"""A reader of the global order never skips an event whose transaction commits late."""

from __future__ import annotations

import asyncio
import sqlite3
import sys
import textwrap
import uuid
from asyncio.subprocess import PIPE
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from pathlib import Path

import psycopg
import pytest
from psycopg import sql

from aic.backend.adapters.eventstore import EVENT_STORE_MIGRATIONS, open_event_store
from aic.backend.adapters.eventstore.appends import AppendRequest
from aic.backend.adapters.eventstore.postgres import WRITER_APPLICATION_NAME
from aic.backend.adapters.eventstore.postgres_appends import write_appends
from aic.backend.adapters.eventstore.sqlite import write_append
from aic.backend.application.ports import EventStore, NewEvent, StoredEvent
from aic.storage import migrate
from aic.storage.files import connect_sqlite

pytestmark = pytest.mark.anyio


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


def event(**data: object) -> NewEvent:
    return NewEvent("LeadCaptured", data)


class Poller:
    """A reader that polls ``read_all`` from the last position it saw, like the outbox relay."""

    def __init__(self, store: EventStore) -> None:
        self.store = store
        self.seen: list[StoredEvent] = []
        self.polls = 0
        self._polled = asyncio.Condition()

    async def run(self) -> None:
        while True:
            after = self.seen[-1].position if self.seen else 0
            found = await self.store.read_all(after=after, limit=2)
            async with self._polled:
                self.seen += found
                self.polls += 1
                self._polled.notify_all()
            await asyncio.sleep(0.005)

    async def settle(self, polls: int = 5) -> None:
        """Let the poller look a few more times."""
        target = self.polls + polls
        async with self._polled:
            await self._polled.wait_for(lambda: self.polls >= target)

    async def wait_for(self, count: int) -> None:
        async with asyncio.timeout(10), self._polled:
            await self._polled.wait_for(lambda: len(self.seen) >= count)

    def ids(self) -> list[uuid.UUID]:
        return [e.event_id for e in self.seen]


@asynccontextmanager
async def polling(store: EventStore) -> AsyncIterator[Poller]:
    poller = Poller(store)
    task = asyncio.create_task(poller.run())
    try:
        yield poller
    finally:
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task


@pytest.fixture
def postgres_schema_url(postgres_url: str) -> Iterator[str]:
    """The session database with a fresh schema first on the search path."""
    schema = f"t_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(postgres_url, autocommit=True) as admin:
        admin.execute(sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(schema)))
        try:
            glue = "&" if "?" in postgres_url else "?"
            yield f"{postgres_url}{glue}options=-csearch_path%3D{schema}"
        finally:
            admin.execute(sql.SQL("DROP SCHEMA {} CASCADE").format(sql.Identifier(schema)))


@pytest.mark.postgres
async def test_on_postgresql_a_late_commit_is_read_in_its_place_and_never_skipped(
    postgres_schema_url: str,
) -> None:
    url = postgres_schema_url
    await migrate(url, [EVENT_STORE_MIGRATIONS])
    store = await open_event_store(url)
    # Not autocommit: we commit. A writer, as another process's store would be.
    slow = await psycopg.AsyncConnection.connect(url, application_name=WRITER_APPLICATION_NAME)
    try:
        first = event(n="first")
        await store.append(f"early-{uuid.uuid4()}", [first], 0)
        async with polling(store) as poller:
            await poller.wait_for(1)
            late = event(n="late")
            # The slow command's transaction writes first (lower position and txid) ...
            await write_appends(slow, [AppendRequest.create(f"late-{uuid.uuid4()}", [late], 0)])
            # ... while later commands commit before it does.
            after = [event(n=n) for n in range(5)]
            for one in after:
                await store.append(f"after-{uuid.uuid4()}", [one], 0)
            await poller.settle()
            assert poller.ids() == [first.event_id]  # held back behind the open transaction
            assert await store.head_position() == poller.seen[0].position
            naive = await slow_reader_by_position(url, poller.seen[0].position)
            assert naive == [e.event_id for e in after]  # a position checkpoint would skip late

            await slow.commit()
            await poller.wait_for(7)
            await poller.settle()
        assert poller.ids() == [first.event_id, late.event_id, *(e.event_id for e in after)]
    finally:
        await slow.close()
        await store.close()


@pytest.mark.postgres
async def test_on_postgresql_readers_wait_for_writers_only_and_others_cannot_append(
    postgres_schema_url: str,
) -> None:
    url = postgres_schema_url
    await migrate(url, [EVENT_STORE_MIGRATIONS])
    store = await open_event_store(url)
    busy = await psycopg.AsyncConnection.connect(url)  # a long transaction that is no writer
    try:
        await busy.execute("CREATE TABLE IF NOT EXISTS chores (n int)")
        await busy.commit()
        await busy.execute("INSERT INTO chores VALUES (1)")  # holds an xid from here on
        async with polling(store) as poller:
            appended = [event(n=n) for n in range(3)]
            for one in appended:
                await store.append(f"s-{uuid.uuid4()}", [one], 0)
            await poller.wait_for(3)  # not held back behind `busy`
            assert poller.ids() == [e.event_id for e in appended]
        await busy.rollback()

        request = AppendRequest.create(f"x-{uuid.uuid4()}", [event(n="sneaky")], 0)
        with pytest.raises(psycopg.errors.InsufficientPrivilege) as refused:
            await write_appends(busy, [request])
        assert "aic-event-writer" in str(refused.value.diag.message_hint)
        await busy.rollback()
        assert await store.load(request.stream_id) == []
    finally:
        await busy.close()
        await store.close()


async def slow_reader_by_position(url: str, after: int) -> list[uuid.UUID]:
    """What a reader ordering by position alone would see (and checkpoint past)."""
    async with await psycopg.AsyncConnection.connect(url, autocommit=True) as connection:
        cursor = await connection.execute(
            "SELECT event_id FROM events WHERE position > %s ORDER BY position", (after,)
        )
        return [row[0] for row in await cursor.fetchall()]


async def test_on_sqlite_a_second_writer_waits_for_the_first_so_position_is_commit_order(
    tmp_path: Path,
) -> None:
    url = f"sqlite:///{tmp_path / 'events.db'}"
    await migrate(url, [EVENT_STORE_MIGRATIONS])
    store = await open_event_store(url)
    slow = connect_sqlite(tmp_path / "events.db", busy_timeout=5.0)  # another process, say
    try:
        first = event(n="first")
        await store.append("early", [first], 0)
        async with polling(store) as poller:
            await poller.wait_for(1)
            late = event(n="late")
            slow.execute("BEGIN IMMEDIATE")
            write_append(slow, AppendRequest.create("late", [late], 0))
            second = event(n="second")
            waiting = asyncio.create_task(store.append("after", [second], 0))
            await poller.settle()
            assert not waiting.done()  # the writer waits for the write lock (busy_timeout)
            assert poller.ids() == [first.event_id]  # readers are not blocked, see no draft

            slow.execute("COMMIT")
            result = await waiting
            await poller.wait_for(3)
        assert poller.ids() == [first.event_id, late.event_id, second.event_id]
        assert result.positions[0] == poller.seen[1].position + 1
    finally:
        slow.close()
        await store.close()


WRITER = textwrap.dedent(
    """
    import asyncio, sys
    from aic.backend.adapters.eventstore import EVENT_STORE_MIGRATIONS, open_event_store
    from aic.storage import migrate
    from aic.backend.application.ports import ConcurrencyError, NewEvent

    async def main(url: str, name: str, count: int) -> None:
        await migrate(url, [EVENT_STORE_MIGRATIONS])  # both processes migrate at once
        print("ready", flush=True)
        sys.stdin.readline()  # go
        store = await open_event_store(url)
        for n in range(count):
            await store.append(f"{name}-{n}", [NewEvent("Own", {"n": n})], 0)
            expected = await store.stream_version("shared")
            while True:
                try:
                    await store.append("shared", [NewEvent("Shared", {"by": name})], expected)
                    break
                except ConcurrencyError as exc:
                    expected = exc.current_version
        await store.close()

    asyncio.run(main(sys.argv[1], sys.argv[2], int(sys.argv[3])))
    """
)


async def test_on_sqlite_two_processes_append_to_one_file_without_losing_anything(
    tmp_path: Path,
) -> None:
    url, count = f"sqlite:///{tmp_path / 'events.db'}", 40
    writers = [
        await asyncio.create_subprocess_exec(
            sys.executable, "-c", WRITER, url, name, str(count), stdin=PIPE, stdout=PIPE
        )
        for name in ("one", "two")
    ]
    try:
        async with asyncio.timeout(60):
            for writer in writers:
                assert writer.stdout is not None
                assert await writer.stdout.readline() == b"ready\n"
            for writer in writers:  # start together, so their appends interleave
                assert writer.stdin is not None
                writer.stdin.write(b"go\n")
                await writer.stdin.drain()
            for writer in writers:
                assert await writer.wait() == 0
    finally:
        for writer in writers:
            if writer.returncode is None:
                writer.kill()
                await writer.wait()
    store = await open_event_store(url)
    try:
        shared = await store.load("shared")
        assert [e.version for e in shared] == list(range(1, 2 * count + 1))
        assert sorted(e.data["by"] for e in shared) == ["one"] * count + ["two"] * count
        everything = await store.read_all(limit=10_000)
        assert [e.position for e in everything] == list(range(1, 4 * count + 1))
        assert len({e.event_id for e in everything}) == 4 * count
    finally:
        await store.close()
    check = sqlite3.connect(tmp_path / "events.db")
    try:
        assert check.execute("PRAGMA journal_mode").fetchone() == ("wal",)
    finally:
        check.close()
