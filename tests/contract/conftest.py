"""Contract fixtures: the same code against SQLite and against the real PostgreSQL."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import psycopg
import pytest
from psycopg import sql

from aic.backend.adapters.eventstore import open_event_store
from aic.backend.application.ports import EventStore
from aic.backend.wiring import MIGRATION_SETS
from aic.storage import SqlDatabase, migrate, open_database


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, empty database per test: a SQLite file, or a new PostgreSQL schema."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path}/test.db"
        return
    base: str = request.getfixturevalue("postgres_url")
    schema = f"t_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(base, autocommit=True) as admin:
        admin.execute(sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(schema)))
    separator = "&" if "?" in base else "?"
    try:
        yield f"{base}{separator}options=-csearch_path%3D{schema}"
    finally:
        with psycopg.connect(base, autocommit=True) as admin:
            admin.execute(sql.SQL("DROP SCHEMA {} CASCADE").format(sql.Identifier(schema)))


@pytest.fixture
async def stores(database_url: str) -> AsyncIterator[tuple[EventStore, SqlDatabase]]:
    """The event store and the backend database, every backend migration applied."""
    await migrate(database_url, MIGRATION_SETS)
    store = await open_event_store(database_url)
    database = await open_database(database_url)
    try:
        yield store, database
    finally:
        await database.close()
        await store.close()
