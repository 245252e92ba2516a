"""One contract for every ``EventStore`` (SQLite, PostgreSQL) and for the migration runner."""

from __future__ import annotations

import asyncio
import dataclasses
import uuid
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import ClassVar

import psycopg
import pytest
from psycopg import sql

from aic.backend.adapters.eventstore import EVENT_STORE_MIGRATIONS, open_event_store
from aic.backend.application.ports import (
    ConcurrencyError,
    EventMetadata,
    EventStore,
    NewEvent,
    Snapshot,
    StoredEvent,
)
from aic.backend.application.serialization import EventCodec
from aic.backend.domain.messages import DomainEvent
from aic.storage import migrate

pytestmark = pytest.mark.anyio

STORE = [EVENT_STORE_MIGRATIONS]


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


def with_search_path(url: str, schema: str) -> str:
    """The same database with ``schema`` first on the search path: a fresh, private schema."""
    return f"{url}{'&' if '?' in url else '?'}options=-csearch_path%3D{schema}"


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty database per test: a new SQLite file, or a new PostgreSQL schema."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'events.db'}"
        return
    server_url: str = request.getfixturevalue("postgres_url")
    schema = f"t_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(server_url, autocommit=True) as admin:
        admin.execute(sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(schema)))
        try:
            yield with_search_path(server_url, schema)
        finally:
            admin.execute(sql.SQL("DROP SCHEMA {} CASCADE").format(sql.Identifier(schema)))


@pytest.fixture
async def store(database_url: str) -> AsyncIterator[EventStore]:
    await migrate(database_url, STORE)
    event_store = await open_event_store(database_url)
    try:
        yield event_store
    finally:
        await event_store.close()


def event(type_: str = "LeadCaptured", **data: object) -> NewEvent:
    return NewEvent(type=type_, data=data)


def ids(events: list[StoredEvent]) -> list[uuid.UUID]:
    return [e.event_id for e in events]


async def settled(store: EventStore, count: int) -> list[StoredEvent]:
    """The whole global order, once at least ``count`` events are readable.

    On PostgreSQL a reader stays behind every write transaction still open on the server,
    other tests' included, so what was just committed can take a moment to be readable.
    """
    for _ in range(1000):
        events = await store.read_all(limit=10_000)
        if len(events) >= count:
            return events
        await asyncio.sleep(0.01)
    raise AssertionError(f"fewer than {count} events readable after 10 s")


async def test_appending_to_a_new_stream_numbers_its_events_from_one(store: EventStore) -> None:
    first, second = event(n=1), event("LeadScored", n=2)
    result = await store.append("lead-1", [first, second], expected_version=0)
    assert (result.stream_id, result.version, result.duplicate) == ("lead-1", 2, False)
    assert len(set(result.positions)) == 2
    loaded = await store.load("lead-1")
    assert [(e.version, e.type, e.data) for e in loaded] == [
        (1, "LeadCaptured", {"n": 1}),
        (2, "LeadScored", {"n": 2}),
    ]
    assert ids(loaded) == [first.event_id, second.event_id]
    assert [e.position for e in loaded] == list(result.positions)
    assert await store.stream_version("lead-1") == 2


async def test_a_stream_loads_from_a_given_version(store: EventStore) -> None:
    await store.append("lead-1", [event(n=n) for n in range(1, 6)], expected_version=0)
    assert [e.version for e in await store.load("lead-1", from_version=4)] == [4, 5]
    assert await store.load("lead-1", from_version=6) == []


async def test_an_unknown_stream_is_at_version_zero_and_empty(store: EventStore) -> None:
    assert await store.stream_version("nobody") == 0
    assert await store.load("nobody") == []
    assert await store.load_snapshot("nobody") is None


async def test_expected_version_zero_requires_a_new_stream(store: EventStore) -> None:
    await store.append("lead-1", [event()], expected_version=0)
    with pytest.raises(ConcurrencyError) as caught:
        await store.append("lead-1", [event()], expected_version=0)
    assert (caught.value.stream_id, caught.value.expected_version) == ("lead-1", 0)
    assert caught.value.current_version == 1
    assert await store.stream_version("lead-1") == 1


async def test_expected_version_n_requires_the_stream_at_n_and_writes_nothing_if_not(
    store: EventStore,
) -> None:
    await store.append("lead-1", [event(), event()], expected_version=0)
    for stale in (0, 1, 3):
        with pytest.raises(ConcurrencyError) as caught:
            await store.append("lead-1", [event(stale=stale)], expected_version=stale)
        assert caught.value.current_version == 2
    assert (await store.append("lead-1", [event()], expected_version=2)).version == 3
    assert [e.data for e in await store.load("lead-1")] == [{}, {}, {}]


async def test_no_expected_version_appends_whatever_the_version(store: EventStore) -> None:
    assert (await store.append("lead-1", [event()], expected_version=None)).version == 1
    assert (await store.append("lead-1", [event(), event()], None)).version == 3


async def test_an_empty_append_checks_the_version_and_writes_nothing(store: EventStore) -> None:
    await store.append("lead-1", [event()], expected_version=0)
    result = await store.append("lead-1", [], expected_version=1)
    assert (result.version, result.positions) == (1, ())
    with pytest.raises(ConcurrencyError):
        await store.append("lead-1", [], expected_version=0)
    [only] = await settled(store, 1)
    assert only.stream_id == "lead-1"


async def test_a_retried_append_returns_the_original_result_and_writes_nothing(
    store: EventStore,
) -> None:
    events = [event(n=1), event(n=2)]
    original = await store.append("lead-1", events, expected_version=0)
    await store.append("lead-1", [event(n=3)], expected_version=2)
    for expected in (0, None, 3):  # the stale version it was first sent with, or any
        retry = await store.append("lead-1", events, expected_version=expected)
        assert retry == type(original)(original.stream_id, 2, original.positions, duplicate=True)
    assert await store.stream_version("lead-1") == 3
    assert len(await settled(store, 3)) == 3


async def test_concurrent_retries_of_one_append_write_it_once(store: EventStore) -> None:
    events = [event(n=1)]
    results = await asyncio.gather(*(store.append("lead-1", events, None) for _ in range(5)))
    assert sorted(r.duplicate for r in results) == [False, True, True, True, True]
    assert {(r.version, r.positions) for r in results} == {(1, results[0].positions)}
    assert len(await settled(store, 1)) == 1


async def test_reusing_some_event_ids_of_another_append_is_refused(store: EventStore) -> None:
    stored = event()
    await store.append("lead-1", [stored], expected_version=0)
    with pytest.raises(ValueError, match="event ids"):
        await store.append("lead-1", [stored, event()], expected_version=None)
    with pytest.raises(ValueError, match="event ids"):
        await store.append("lead-2", [stored], expected_version=None)
    with pytest.raises(ValueError, match="same event id"):
        await store.append("lead-3", [stored, stored], expected_version=None)
    assert len(await settled(store, 1)) == 1


async def test_data_that_is_not_json_is_refused_before_anything_is_written(
    store: EventStore,
) -> None:
    with pytest.raises(ValueError, match="JSON"):
        await store.append("lead-1", [event(score=float("nan"))], expected_version=0)
    with pytest.raises(TypeError):
        await store.append("lead-1", [event(tags={"a", "b"})], expected_version=0)
    assert await store.stream_version("lead-1") == 0


async def test_metadata_schema_version_and_recorded_time_are_kept(store: EventStore) -> None:
    metadata = EventMetadata(correlation_id="corr-1", causation_id="cmd-9", actor="acct-7")
    new = NewEvent("LeadCaptured", {"name": "Zoë", "nested": {"a": [1, 2.5, None]}}, 3, metadata)
    before = datetime.now(UTC)
    await store.append("lead-1", [new, event()], expected_version=0)
    after = datetime.now(UTC)
    stored = (await store.load("lead-1"))[0]
    assert (stored.event_id, stored.type, stored.schema_version) == (new.event_id, new.type, 3)
    assert stored.data == {"name": "Zoë", "nested": {"a": [1, 2.5, None]}}
    assert stored.metadata == metadata
    assert stored.recorded_at.tzinfo is not None
    slack = timedelta(seconds=1)  # PostgreSQL's clock, same machine
    assert before - slack <= stored.recorded_at <= after + slack
    assert (await settled(store, 2))[0] == stored


async def test_read_all_returns_every_event_once_in_order_page_by_page(store: EventStore) -> None:
    appended = []
    for n in range(7):
        batch = [event(n=n), event(n=n)]
        await store.append(f"lead-{n % 3}", batch, expected_version=None)
        appended += [e.event_id for e in batch]
    assert ids(await settled(store, 14)) == appended
    pages, after = [], 0
    while page := await store.read_all(after=after, limit=3):
        assert len(page) <= 3
        pages.append(page)
        after = page[-1].position
    assert [len(page) for page in pages] == [3, 3, 3, 3, 2]
    assert ids([e for page in pages for e in page]) == appended


async def test_read_all_after_a_position_returns_only_what_follows_it(store: EventStore) -> None:
    await store.append("lead-1", [event(n=1), event(n=2)], expected_version=0)
    later = [event(n=3), event(n=4)]
    await store.append("lead-2", later, expected_version=0)
    everything = await settled(store, 4)
    assert ids(await store.read_all(after=everything[1].position)) == ids_of(later)
    assert await store.read_all(after=everything[-1].position) == []


def ids_of(events: list[NewEvent]) -> list[uuid.UUID]:
    return [e.event_id for e in events]


async def test_reading_after_a_position_no_event_has_is_refused(store: EventStore) -> None:
    await store.append("lead-1", [event()], expected_version=0)
    [only] = await settled(store, 1)
    with pytest.raises(ValueError, match="no event at position"):
        await store.read_all(after=only.position + 1000)


async def test_head_position_is_the_last_event_read_all_returns(store: EventStore) -> None:
    assert await store.head_position() == 0
    await store.append("lead-1", [event(), event()], expected_version=0)
    await store.append("lead-2", [event()], expected_version=0)
    last = (await settled(store, 3))[-1].position
    head = await store.head_position()
    assert head == last
    assert await store.read_all(after=head) == []


async def test_the_latest_snapshot_wins_and_an_older_one_never_replaces_it(
    store: EventStore,
) -> None:
    await store.save_snapshot(Snapshot("lead-1", 5, {"score": 50}))
    await store.save_snapshot(Snapshot("lead-1", 10, {"score": 100}, schema_version=2))
    await store.save_snapshot(Snapshot("lead-1", 7, {"score": 70}))  # a slow writer
    assert await store.load_snapshot("lead-1") == Snapshot("lead-1", 10, {"score": 100}, 2)
    await store.save_snapshot(Snapshot("lead-1", 10, {"score": 101}, schema_version=3))
    assert await store.load_snapshot("lead-1") == Snapshot("lead-1", 10, {"score": 101}, 3)
    assert await store.load_snapshot("lead-2") is None


async def test_load_with_snapshot_without_a_snapshot_returns_the_whole_stream(
    store: EventStore,
) -> None:
    appended = [event(n=n) for n in range(1, 4)]
    await store.append("lead-1", appended, expected_version=0)
    snapshot, tail = await store.load_with_snapshot("lead-1")
    assert snapshot is None
    assert tail == await store.load("lead-1")
    assert [e.version for e in tail] == [1, 2, 3]
    assert ids(tail) == [e.event_id for e in appended]


async def test_load_with_snapshot_returns_the_snapshot_and_only_the_events_after_it(
    store: EventStore,
) -> None:
    await store.append("lead-1", [event(n=n) for n in range(1, 8)], expected_version=0)
    await store.append("lead-2", [event(n=n) for n in range(1, 4)], expected_version=0)
    await store.save_snapshot(Snapshot("lead-1", 5, {"score": 50, "tags": ["a"]}, 2))
    snapshot, tail = await store.load_with_snapshot("lead-1")
    assert snapshot == Snapshot("lead-1", 5, {"score": 50, "tags": ["a"]}, 2)
    assert snapshot == await store.load_snapshot("lead-1")
    assert tail == await store.load("lead-1", from_version=6)
    assert [(e.stream_id, e.version, e.data) for e in tail] == [
        ("lead-1", 6, {"n": 6}),
        ("lead-1", 7, {"n": 7}),
    ]


async def test_load_with_snapshot_at_the_head_returns_no_events(store: EventStore) -> None:
    await store.append("lead-1", [event(n=n) for n in range(1, 4)], expected_version=0)
    await store.save_snapshot(Snapshot("lead-1", 3, {"score": 30}))
    snapshot, tail = await store.load_with_snapshot("lead-1")
    assert snapshot == Snapshot("lead-1", 3, {"score": 30})
    assert tail == []


async def test_load_with_snapshot_of_an_unknown_stream_is_empty(store: EventStore) -> None:
    await store.append("lead-1", [event()], expected_version=0)
    await store.save_snapshot(Snapshot("lead-1", 1, {"score": 1}))
    assert await store.load_with_snapshot("nobody") == (None, [])


async def test_load_with_snapshot_keeps_old_schema_versions_for_the_codec_to_upcast(
    store: EventStore,
) -> None:
    """The tail comes back as stored (type, schema version, data, metadata), so an old
    payload is still upcast by the codec when an aggregate is rebuilt from it."""
    codec = EventCodec()
    codec.register_upcaster("StoreContractSubscribed", 1, lambda d: {"email": d["mail"]})
    metadata = EventMetadata(correlation_id="c-1", actor="user:ada")
    await store.append("newsletter-1", [event("Other", n=1)], expected_version=0)
    await store.save_snapshot(Snapshot("newsletter-1", 1, {"seen": 1}))
    old = NewEvent(
        type="StoreContractSubscribed", data={"mail": "a@b.example"}, schema_version=1,
        metadata=metadata,
    )  # fmt: skip
    await store.append("newsletter-1", [old], expected_version=1)
    snapshot, tail = await store.load_with_snapshot("newsletter-1")
    assert snapshot is not None
    assert snapshot.version == 1
    (stored,) = tail
    assert (stored.version, stored.schema_version, stored.metadata) == (2, 1, metadata)
    assert stored.recorded_at.tzinfo is not None
    assert codec.decode(stored) == StoreContractSubscribed(email="a@b.example")


@dataclasses.dataclass(frozen=True, kw_only=True)
class StoreContractSubscribed(DomainEvent):
    """Version 2 renamed v1's ``mail`` to ``email``."""

    schema_version: ClassVar[int] = 2
    email: str


async def test_100_concurrent_appends_to_one_stream_have_one_winner_per_version(
    store: EventStore,
) -> None:
    winners: dict[int, int] = {}
    conflicts: list[tuple[int, int]] = []  # (expected, current) of each refused append

    async def writer(number: int) -> None:
        expected = await store.stream_version("hot")
        while True:
            try:
                result = await store.append("hot", [event(writer=number)], expected)
            except ConcurrencyError as exc:
                conflicts.append((expected, exc.current_version))
                expected = exc.current_version  # reload and retry, as a command handler does
                continue
            assert result.version not in winners
            winners[result.version] = number
            return

    await asyncio.gather(*(writer(number) for number in range(100)))
    assert sorted(winners) == list(range(1, 101))
    loaded = await store.load("hot")
    assert {e.version: e.data["writer"] for e in loaded} == winners  # no update lost
    assert conflicts
    assert all(current > expected for expected, current in conflicts)


async def test_a_conflicting_append_fails_alone_among_concurrent_ones(store: EventStore) -> None:
    await store.append("taken", [event()], expected_version=0)
    outcomes = await asyncio.gather(
        *(store.append(f"lead-{n}", [event()], 0) for n in range(10)),
        store.append("taken", [event()], expected_version=0),
        return_exceptions=True,
    )
    assert [type(o).__name__ for o in outcomes] == ["AppendResult"] * 10 + ["ConcurrencyError"]
    assert len(await settled(store, 11)) == 11


async def test_concurrent_appends_to_different_streams_all_land(store: EventStore) -> None:
    results = await asyncio.gather(
        *(store.append(f"lead-{n}", [event(n=n), event(n=n)], 0) for n in range(50))
    )
    assert all(r.version == 2 for r in results)
    positions = [p for r in results for p in r.positions]
    assert len(set(positions)) == 100
    everything = await settled(store, 100)
    assert sorted(e.position for e in everything) == sorted(positions)
    for n in range(50):  # a stream's events stay in version order in the global order
        versions = [e.version for e in everything if e.stream_id == f"lead-{n}"]
        assert versions == [1, 2]


async def test_a_store_answers_ping_and_closes_cleanly(store: EventStore) -> None:
    await store.ping()
    await store.append("lead-1", [event()], expected_version=0)
    await store.close()
    await store.close()


# The migration runner: the same contract on both dialects.
