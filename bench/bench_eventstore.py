"""Event store appends/s versus raw single-row INSERTs of the same row, same run, interleaved.

PostgreSQL (127.0.0.1, a temporary database dropped afterwards): ``N`` concurrent writers
append one event each time, to streams of ten events with the expected version, through the
``PostgresEventStore``; the anchor is ``N`` writers on ``N`` connections each running a plain
autocommit ``INSERT`` of the same columns into a table with only a primary key. SQLite: the
same through ``SQLiteEventStore`` against ``INSERT`` + commit on one connection (its limit).
Both tables are emptied before every run; runs alternate store, raw, raw, store, ...
"""

from __future__ import annotations

import asyncio
import json
import statistics
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

import psycopg

from aic.backend.adapters.eventstore import EVENT_STORE_MIGRATIONS, open_event_store
from aic.backend.application.ports import EventMetadata, NewEvent
from aic.storage import migrate
from aic.storage.files import connect_sqlite
from bench.harness import Result, benchmark
from bench.pgtemp import temp_database

__all__ = ["eventstore_appends"]

_GOAL = 0.7  # x raw INSERT, at 8 writers
_RAW_TABLE = """CREATE TABLE raw_events (
    position bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, stream_id text NOT NULL,
    version integer NOT NULL, event_id uuid NOT NULL, type text NOT NULL, data jsonb NOT NULL,
    schema_version integer NOT NULL, metadata jsonb NOT NULL,
    recorded_at timestamptz NOT NULL DEFAULT now())"""
_RAW_INSERT = (
    "INSERT INTO raw_events (stream_id, version, event_id, type, data, schema_version, metadata)"
    " VALUES (%s, %s, %s, %s, %s::jsonb, %s, %s::jsonb)"
)
_SQLITE_RAW_TABLE = _RAW_TABLE.replace(
    "bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY", "INTEGER PRIMARY KEY"
).replace("DEFAULT now()", "")
_SQLITE_RAW_INSERT = (
    "INSERT INTO raw_events (stream_id, version, event_id, type, data, schema_version, metadata,"
    " recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
)
_METADATA = EventMetadata(correlation_id="c0ffee", causation_id="cmd-1", actor="acct-42")

Writer = Callable[[int, int], Awaitable[None]]  # (writer number, its n-th append)


def _data(writer: int, n: int) -> dict[str, object]:
    return {"name": "Ada Lovelace", "email": f"ada{writer}@example.com", "company": "AIC", "n": n}


async def _drive(writers: int, seconds: float, write: Writer) -> float:
    """Each writer writes as fast as it can until the deadline; returns writes per second."""
    counts = [0] * writers
    deadline = time.monotonic() + seconds

    async def loop(number: int) -> None:
        while time.monotonic() < deadline:
            await write(number, counts[number])
            counts[number] += 1

    begin = time.monotonic()
    await asyncio.gather(*(loop(number) for number in range(writers)))
    return sum(counts) / (time.monotonic() - begin)


async def _store_rate(url: str, writers: int, seconds: float) -> float:
    store = await open_event_store(url)
    run = uuid.uuid4().hex[:8]
    meta = _METADATA

    async def write(writer: int, n: int) -> None:
        event = NewEvent("LeadCaptured", _data(writer, n), metadata=meta)
        await store.append(f"lead-{run}-{writer}-{n // 10}", [event], n % 10)

    try:
        await store.append(f"warm-{run}", [NewEvent("Warm", {})], 0)
        return await _drive(writers, seconds, write)
    finally:
        await store.close()


async def _postgres_raw_rate(url: str, writers: int, seconds: float) -> float:
    connections = [
        await psycopg.AsyncConnection.connect(url, autocommit=True) for _ in range(writers)
    ]
    meta = json.dumps(_METADATA.to_dict())

    async def write(writer: int, n: int) -> None:
        row = (
            f"lead-{writer}-{n // 10}",
            n % 10 + 1,
            uuid.uuid4(),
            "LeadCaptured",
            json.dumps(_data(writer, n)),
            1,
            meta,
        )
        await connections[writer].execute(_RAW_INSERT, row)

    try:
        return await _drive(writers, seconds, write)
    finally:
        for connection in connections:
            await connection.close()


async def _sqlite_raw_rate(path: Path, writers: int, seconds: float) -> float:
    """Writers share one connection in one thread: SQLite takes one writer at a time."""
    loop = asyncio.get_running_loop()
    thread = ThreadPoolExecutor(max_workers=1)
    connection = await loop.run_in_executor(thread, connect_sqlite, path, 10.0)
    meta = json.dumps(_METADATA.to_dict())

    def insert(row: tuple[object, ...]) -> None:
        connection.execute("BEGIN IMMEDIATE")
        connection.execute(_SQLITE_RAW_INSERT, row)
        connection.execute("COMMIT")

    async def write(writer: int, n: int) -> None:
        row = (
            f"lead-{writer}-{n // 10}",
            n % 10 + 1,
            str(uuid.uuid4()),
            "LeadCaptured",
            json.dumps(_data(writer, n)),
            1,
            meta,
            datetime.now(UTC).isoformat(),
        )
        await loop.run_in_executor(thread, insert, row)

    try:
        return await _drive(writers, seconds, write)
    finally:
        await loop.run_in_executor(thread, connection.close)
        thread.shutdown()


def _empty_postgres(url: str) -> None:
    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute("TRUNCATE events, raw_events")


def _postgres_events_per_commit(url: str) -> float:
    with psycopg.connect(url, autocommit=True) as connection:
        row = connection.execute("SELECT count(*), count(DISTINCT txid) FROM events").fetchone()
    return row[0] / row[1] if row and row[1] else 0.0


async def _measure(
    writers: tuple[int, ...],
    rounds: int,
    seconds: float,
    store: Callable[[int], Awaitable[float]],
    raw: Callable[[int], Awaitable[float]],
    empty: Callable[[], None],
    after_store: Callable[[], float] = lambda: 0.0,
) -> dict[int, tuple[list[float], list[float], list[float]]]:
    """Per writer count: store rates, raw rates, events per commit of the store's runs."""
    found: dict[int, tuple[list[float], list[float], list[float]]] = {}
    for count in writers:
        stores, raws, per_commit = found.setdefault(count, ([], [], []))
        for number in range(rounds):
            for kind in ("store", "raw") if number % 2 == 0 else ("raw", "store"):
                empty()
                if kind == "store":
                    stores.append(await store(count))
                    per_commit.append(after_store())
                else:
                    raws.append(await raw(count))
    return found


def _rows(
    engine: str,
    found: dict[int, tuple[list[float], list[float], list[float]]],
    seconds: float,
    goal_at: int | None,
    smoke: bool,
    anchor_label: str,
) -> list[Result]:
    results = []
    for count, (stores, raws, per_commit) in found.items():
        figure, anchor = statistics.median(stores), statistics.median(raws)
        note = (
            f"{engine}, {count} writer(s), {len(stores)} interleaved run(s) of {seconds:g} s each,"
            f" median; store: {', '.join(f'{r:,.0f}' for r in stores)}/s;"
            f" raw: {', '.join(f'{r:,.0f}' for r in raws)}/s"
        )
        if any(per_commit):
            note += f"; events per commit (group commit): {statistics.median(per_commit):.1f}"
        goal, met = "-", None
        if count == goal_at:
            goal = f">= {_GOAL:g}x raw INSERT"
            met = None if smoke else figure / anchor >= _GOAL
        results.append(
            Result(
                name=f"event store append, {engine}, {count} writer(s)",
                figure=figure,
                unit="appends/s",
                anchor=anchor,
                anchor_label=anchor_label,
                better="higher",
                goal=goal,
                met=met,
                note=note,
                smoke=smoke,
            )
        )
    return results


async def _postgres(smoke: bool, rounds: int, seconds: float) -> list[Result]:
    with temp_database() as url:
        await migrate(url, [EVENT_STORE_MIGRATIONS])
        with psycopg.connect(url, autocommit=True) as connection:
            connection.execute(_RAW_TABLE)
        found = await _measure(
            (1, 8, 64),
            rounds,
            seconds,
            lambda n: _store_rate(url, n, seconds),
            lambda n: _postgres_raw_rate(url, n, seconds),
            lambda: _empty_postgres(url),
            lambda: _postgres_events_per_commit(url),
        )
    label = "raw INSERT, N connections"
    return _rows("PostgreSQL", found, seconds, 8, smoke, label)


async def _sqlite(smoke: bool, rounds: int, seconds: float) -> list[Result]:
    with tempfile.TemporaryDirectory(prefix="aic-bench-es-") as folder:
        path = Path(folder) / "events.db"
        url = f"sqlite:///{path}"
        await migrate(url, [EVENT_STORE_MIGRATIONS])
        setup = connect_sqlite(path, busy_timeout=10.0)
        setup.execute(_SQLITE_RAW_TABLE)

        def empty() -> None:
            setup.execute("DELETE FROM events")
            setup.execute("DELETE FROM raw_events")

        try:
            found = await _measure(
                (1, 8),
                rounds,
                seconds,
                lambda n: _store_rate(url, n, seconds),
                lambda n: _sqlite_raw_rate(path, n, seconds),
                empty,
            )
        finally:
            setup.close()
    return _rows("SQLite", found, seconds, None, smoke, "raw INSERT+commit, 1 connection")


@benchmark("eventstore_appends")
def eventstore_appends(smoke: bool) -> list[Result]:
    """Event store appends/s (PostgreSQL, SQLite) versus raw single-row INSERTs, same run."""
    rounds, seconds = (1, 0.15) if smoke else (3, 2.5)
    results = asyncio.run(_postgres(smoke, rounds, seconds))
    return results + asyncio.run(_sqlite(smoke, rounds, seconds))
