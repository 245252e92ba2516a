"""Event store adapters (SQLite, PostgreSQL), their migrations, and ``open_event_store``."""

from __future__ import annotations

from aic.backend.adapters.eventstore.migrations import (
    BACKEND_MIGRATIONS,
    EVENT_STORE_MIGRATIONS,
    MigrationError,
    MigrationSet,
    migrate,
    run_migrations,
)
from aic.backend.adapters.eventstore.postgres import PostgresEventStore
from aic.backend.adapters.eventstore.sqlite import SQLiteEventStore, sqlite_path
from aic.backend.application.ports import EventStore

__all__ = [
    "BACKEND_MIGRATIONS",
    "EVENT_STORE_MIGRATIONS",
    "MigrationError",
    "MigrationSet",
    "PostgresEventStore",
    "SQLiteEventStore",
    "migrate",
    "open_event_store",
    "run_migrations",
]


async def open_event_store(url: str) -> EventStore:
    """The store for ``url`` (``sqlite:///path`` or ``postgresql://...``), checked reachable.

    The schema must exist: run ``migrate``/``run_migrations`` first.
    """
    store: EventStore
    if url.startswith("sqlite:"):
        store = SQLiteEventStore(sqlite_path(url))
    elif url.startswith(("postgresql://", "postgres://")):
        store = PostgresEventStore(url)
    else:
        raise ValueError(f"unsupported database URL scheme: {url.split(':', 1)[0]}")
    try:
        await store.ping()
    except BaseException:
        await store.close()
        raise
    return store
