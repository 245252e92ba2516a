"""Event store adapters (SQLite, PostgreSQL), their migrations, and ``open_event_store``."""

from __future__ import annotations

from aic.backend.adapters.eventstore.postgres import PostgresEventStore
from aic.backend.adapters.eventstore.sqlite import SQLiteEventStore
from aic.backend.application.ports import EventStore
from aic.storage import MigrationSet
from aic.storage.files import sqlite_path

__all__ = ["EVENT_STORE_MIGRATIONS", "PostgresEventStore", "SQLiteEventStore", "open_event_store"]

# The event store's tables: ``sql/{sqlite,postgres}/NNNN_*.sql`` of this package.
EVENT_STORE_MIGRATIONS = MigrationSet("eventstore", "aic.backend.adapters.eventstore")


async def open_event_store(url: str) -> EventStore:
    """The store for ``url`` (``sqlite:///path`` or ``postgresql://...``), checked reachable.

    The schema must exist: run ``aic.storage.migrate`` (``aic migrate``) first.
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
