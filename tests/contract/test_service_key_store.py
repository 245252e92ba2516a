"""Issued service keys on SQLite and PostgreSQL: hashed at rest, cached briefly, revocable."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from aic.ai.keys import BootstrapKeys, KeyStoreUnavailable
from aic.ai.servicekeys import (
    SERVICE_KEY_MIGRATIONS,
    IssuedKeys,
    ServiceKeyRing,
    SqlServiceKeyStore,
    hash_service_key,
)
from aic.storage import SqlDatabase, migrate, open_database

START = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


class Clocks:
    """Wall time for expiry and records, monotonic time for the cache: both moved by tests."""

    def __init__(self) -> None:
        self.wall = START
        self.mono = 1000.0

    def advance(self, seconds: float) -> None:
        self.wall += timedelta(seconds=seconds)
        self.mono += seconds


@asynccontextmanager
async def opened(url: str) -> AsyncIterator[SqlDatabase]:
    await migrate(url, [SERVICE_KEY_MIGRATIONS])
    database = await open_database(url, min_size=1, max_size=2)
    try:
        yield database
    finally:
        await database.close()


def run(url: str, scenario: Callable[[SqlDatabase, Clocks], Awaitable[None]]) -> None:
    async def main() -> None:
        async with opened(url) as database:
            await scenario(database, Clocks())

    asyncio.run(main())


def issued_keys(database: SqlDatabase, clocks: Clocks, **options: Any) -> IssuedKeys:
    store = SqlServiceKeyStore(database, clock=lambda: clocks.wall)
    return IssuedKeys(store, clock=lambda: clocks.wall, monotonic=lambda: clocks.mono, **options)


def test_only_a_hash_of_an_issued_key_is_stored(database_url: str) -> None:
    async def scenario(database: SqlDatabase, clocks: Clocks) -> None:
        issued = await SqlServiceKeyStore(database, clock=lambda: clocks.wall).issue("backend")
        assert issued.secret.startswith("aic_sk_")
        assert len(issued.secret) > 40
        rows = await database.fetch_all("SELECT * FROM service_keys")
        assert len(rows) == 1
        assert issued.secret not in repr(rows)
        assert rows[0]["key_hash"] == hash_service_key(issued.secret)
        assert issued.key.hint == issued.secret[-4:]
        assert issued.key.created_at == START

    run(database_url, scenario)


def test_issued_keys_verify_until_revoked_and_several_are_valid_at_once(
    database_url: str,
) -> None:
    async def scenario(database: SqlDatabase, clocks: Clocks) -> None:
        keys = issued_keys(database, clocks)
        old = await keys.issue("backend-2025")
        clocks.advance(1)
        new = await keys.issue("backend-2026")
        assert await keys.verify(old.secret) == old.key.id
        assert await keys.verify(new.secret) == new.key.id
        assert await keys.verify(old.secret + "x") is None
        revoked = await keys.revoke(old.key.id)
        assert revoked is not None
        assert revoked.status(clocks.wall) == "revoked"
        assert await keys.verify(old.secret) is None  # at once on the revoking process
        assert await keys.verify(new.secret) == new.key.id
        assert [k.name for k in await keys.list()] == ["backend-2026", "backend-2025"]

    run(database_url, scenario)


def test_another_process_sees_a_revocation_within_the_cache_time(database_url: str) -> None:
    async def scenario(database: SqlDatabase, clocks: Clocks) -> None:
        here = issued_keys(database, clocks, cache_seconds=5)
        elsewhere = issued_keys(database, clocks, cache_seconds=5)
        issued = await here.issue("backend")
        assert await elsewhere.verify(issued.secret) == issued.key.id
        await here.revoke(issued.key.id)
        clocks.advance(4.9)
        assert await elsewhere.verify(issued.secret) == issued.key.id  # still cached
        clocks.advance(0.1)
        assert await elsewhere.verify(issued.secret) is None

    run(database_url, scenario)


def test_an_expired_key_is_refused_even_from_the_cache(database_url: str) -> None:
    async def scenario(database: SqlDatabase, clocks: Clocks) -> None:
        keys = issued_keys(database, clocks, cache_seconds=60)
        issued = await keys.issue("temporary", START + timedelta(seconds=30))
        assert await keys.verify(issued.secret) == issued.key.id
        clocks.advance(30)
        assert await keys.verify(issued.secret) is None
        [listed] = await keys.list()
        assert listed.status(clocks.wall) == "expired"

    run(database_url, scenario)


def test_last_use_is_written_at_most_once_per_touch_interval(database_url: str) -> None:
    async def scenario(database: SqlDatabase, clocks: Clocks) -> None:
        keys = issued_keys(database, clocks, cache_seconds=1, touch_seconds=300)
        issued = await keys.issue("backend")
        await keys.verify(issued.secret)
        first = (await keys.list())[0].last_used_at
        assert first == START
        clocks.advance(120)
        await keys.verify(issued.secret)
        assert (await keys.list())[0].last_used_at == first
        clocks.advance(200)
        await keys.verify(issued.secret)
        assert (await keys.list())[0].last_used_at == START + timedelta(seconds=320)

    run(database_url, scenario)


def test_revoking_twice_keeps_the_first_time_and_unknown_ids_are_none(database_url: str) -> None:
    async def scenario(database: SqlDatabase, clocks: Clocks) -> None:
        store = SqlServiceKeyStore(database, clock=lambda: clocks.wall)
        issued = await store.issue("backend")
        first = await store.revoke(issued.key.id)
        clocks.advance(60)
        again = await store.revoke(issued.key.id)
        assert first is not None
        assert again is not None
        assert again.revoked_at == first.revoked_at == START
        assert await store.revoke("sk_0000000000000000") is None

    run(database_url, scenario)


def test_the_ring_accepts_bootstrap_keys_before_issued_ones(database_url: str) -> None:
    async def scenario(database: SqlDatabase, clocks: Clocks) -> None:
        keys = issued_keys(database, clocks)
        ring = ServiceKeyRing(BootstrapKeys(["boot-a", "boot-b"]), keys)
        issued = await keys.issue("backend")
        assert await ring.verify("boot-b") == "bootstrap-1"
        assert await ring.verify(issued.secret) == issued.key.id
        assert await ring.verify("nothing") is None

    run(database_url, scenario)


def test_a_store_that_cannot_answer_is_unavailable_not_a_wrong_key(tmp_path: Any) -> None:
    class BrokenStore(SqlServiceKeyStore):
        async def find(self, key_hash: str) -> None:
            raise OSError("connection refused")

    async def scenario() -> None:
        async with opened(f"sqlite:///{tmp_path}/ai.db") as database:
            keys = IssuedKeys(BrokenStore(database))
            ring = ServiceKeyRing(BootstrapKeys(["boot"]), keys)
            with pytest.raises(KeyStoreUnavailable):
                await ring.verify("aic_sk_anything")
            assert await ring.verify("boot") == "bootstrap-0"

    asyncio.run(scenario())
