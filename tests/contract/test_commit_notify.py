"""A PostgreSQL store announces appended events (``NOTIFY aic_events`` after the commit): a
relay in another process wakes at once instead of at its next poll."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import pytest

from aic.backend.adapters.eventstore import EVENT_STORE_MIGRATIONS, PostgresEventStore
from aic.backend.application.ports import EventMetadata, NewEvent
from aic.storage import migrate

pytestmark = [pytest.mark.anyio, pytest.mark.postgres]
parametrized = pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)


def _event() -> NewEvent:
    return NewEvent(type="Noted", data={"n": 1}, metadata=EventMetadata(), event_id=uuid.uuid4())


async def _woken(wakes: asyncio.Queue[None], within: float) -> bool:
    try:
        await asyncio.wait_for(wakes.get(), within)
    except TimeoutError:
        return False
    return True


@asynccontextmanager
async def _watched(
    database_url: str,
) -> AsyncIterator[tuple[PostgresEventStore, asyncio.Queue[None], list[float]]]:
    """A writing store, and the wakes (a queue, and their times) of another store's listener,
    once the listener has made its first call ("look once, in case you missed any")."""
    await migrate(database_url, [EVENT_STORE_MIGRATIONS])
    listener, writer = PostgresEventStore(database_url), PostgresEventStore(database_url)
    loop = asyncio.get_running_loop()
    wakes: asyncio.Queue[None] = asyncio.Queue()
    woken_at: list[float] = []

    def on_commit() -> None:
        woken_at.append(loop.time())
        wakes.put_nowait(None)

    stop = asyncio.Event()
    watching = asyncio.create_task(listener.watch_commits(on_commit, stop))
    try:
        assert await _woken(wakes, 5.0)
        while not wakes.empty():
            wakes.get_nowait()
        woken_at.clear()
        yield writer, wakes, woken_at
    finally:
        stop.set()
        await asyncio.wait_for(watching, 5.0)
        await listener.close()
        await writer.close()


@parametrized
async def test_an_append_by_another_store_wakes_the_listener_and_a_duplicate_does_not(
    database_url: str,
) -> None:
    async with _watched(database_url) as (writer, wakes, _):
        stream, noted = f"note-{uuid.uuid4()}", _event()
        await writer.append(stream, [noted], 0)
        assert await _woken(wakes, 5.0)
        # A retry of the same append writes nothing, so it announces nothing.
        assert (await writer.append(stream, [noted], 0)).duplicate
        assert not await _woken(wakes, 1.5)


@parametrized
async def test_the_listener_stops_when_asked_even_with_nothing_committed(
    database_url: str,
) -> None:
    await migrate(database_url, [EVENT_STORE_MIGRATIONS])
    store = PostgresEventStore(database_url)
    stop = asyncio.Event()
    watching = asyncio.create_task(store.watch_commits(lambda: None, stop))
    await asyncio.sleep(0.2)
    stop.set()
    await asyncio.wait_for(watching, 3.0)  # notifies() times out each second to look at stop
    await store.close()


@parametrized
async def test_a_failed_announcement_costs_the_next_append_nothing(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from aic.backend.adapters.eventstore import postgres

    await migrate(database_url, [EVENT_STORE_MIGRATIONS])
    store = PostgresEventStore(database_url)
    # The announcement fails inside its transaction (as a full notification queue would).
    monkeypatch.setattr(postgres, "_ANNOUNCE", "BEGIN; SELECT 1 / 0; COMMIT")
    try:
        await store.append(f"note-{uuid.uuid4()}", [_event()], 0)
        await store.append(f"note-{uuid.uuid4()}", [_event()], 0)  # not InFailedSqlTransaction
        await asyncio.sleep(0.05)  # the announcements have run (and failed) meanwhile
        assert await store.read_all(0, 1)  # reads work: the pool dropped the aborted connection
        monkeypatch.undo()
        result = await store.append(f"note-{uuid.uuid4()}", [_event()], 0)
        assert result.version == 1
    finally:
        await store.close()


@parametrized
async def test_a_burst_of_appends_is_announced_a_few_times_the_last_commit_included(
    database_url: str,
) -> None:
    from aic.backend.adapters.eventstore.postgres import ANNOUNCE_EVERY

    loop = asyncio.get_running_loop()
    async with _watched(database_url) as (writer, _, woken_at):
        began = loop.time()
        for _ in range(100):  # one at a time: each its own batch and commit
            await writer.append(f"note-{uuid.uuid4()}", [_event()], 0)
        last_commit = loop.time()
        await asyncio.sleep(0.5)
        assert any(at >= last_commit for at in woken_at)  # the last commit was announced too
        assert len(woken_at) <= (last_commit - began) / ANNOUNCE_EVERY + 2
