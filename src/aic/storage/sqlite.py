"""SQLite behind ``SqlDatabase``: one writer connection on one thread, readers on others (WAL)."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
from collections.abc import AsyncIterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from aic.storage.database import Dialect, Params
from aic.storage.files import enable_wal

__all__ = ["SqliteDatabase", "connect_sqlite"]


def connect_sqlite(path: str | Path) -> sqlite3.Connection:
    """A connection in WAL mode that waits for the write lock instead of failing at once."""
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    connection = sqlite3.connect(path, timeout=30.0, isolation_level=None, check_same_thread=False)
    connection.row_factory = sqlite3.Row
    enable_wal(connection, 30.0)
    connection.execute("PRAGMA synchronous=NORMAL")  # durable in WAL across app crashes
    connection.execute("PRAGMA busy_timeout=30000")
    connection.execute("PRAGMA foreign_keys=ON")
    return connection


def _rows(cursor: sqlite3.Cursor) -> list[dict[str, Any]]:
    return [dict(row) for row in cursor.fetchall()]


class _SqliteTransaction:
    def __init__(self, connection: sqlite3.Connection, run: Any) -> None:
        self._connection = connection
        self._run = run

    async def execute(self, sql: str, params: Params = None) -> int:
        cursor: sqlite3.Cursor = await self._run(self._connection.execute, sql, dict(params or {}))
        return cursor.rowcount

    async def execute_many(self, sql: str, rows: Sequence[Mapping[str, Any]]) -> None:
        await self._run(self._connection.executemany, sql, [dict(r) for r in rows])

    async def fetch_all(self, sql: str, params: Params = None) -> list[dict[str, Any]]:
        def query() -> list[dict[str, Any]]:
            return _rows(self._connection.execute(sql, dict(params or {})))

        result: list[dict[str, Any]] = await self._run(query)
        return result

    async def fetch_one(self, sql: str, params: Params = None) -> dict[str, Any] | None:
        rows = await self.fetch_all(sql, params)
        return rows[0] if rows else None


class SqliteDatabase:
    """Writes are serialised (SQLite allows one writer); reads run in parallel on a pool."""

    dialect: Dialect = "sqlite"

    def __init__(self, path: str | Path, readers: int = 4) -> None:
        self.path = Path(path)
        self._writer_thread = ThreadPoolExecutor(1, thread_name_prefix="sqlite-writer")
        self._reader_threads = ThreadPoolExecutor(readers, thread_name_prefix="sqlite-reader")
        self._writer: sqlite3.Connection | None = None
        self._write_lock = asyncio.Lock()
        self._local = threading.local()
        self._readers: list[sqlite3.Connection] = []
        self._readers_lock = threading.Lock()

    async def _on_writer(self, fn: Any, *args: Any) -> Any:
        return await asyncio.get_running_loop().run_in_executor(self._writer_thread, fn, *args)

    def _writer_connection(self) -> sqlite3.Connection:
        if self._writer is None:
            self._writer = connect_sqlite(self.path)
        return self._writer

    @asynccontextmanager
    async def transaction(self, *, pipeline: bool = False) -> AsyncIterator[_SqliteTransaction]:
        async with self._write_lock:
            connection = await self._on_writer(self._writer_connection)
            await self._on_writer(connection.execute, "BEGIN IMMEDIATE")
            try:
                yield _SqliteTransaction(connection, self._on_writer)
            except BaseException:
                await self._on_writer(connection.execute, "ROLLBACK")
                raise
            await self._on_writer(connection.execute, "COMMIT")

    def _reader(self) -> sqlite3.Connection:
        connection: sqlite3.Connection | None = getattr(self._local, "connection", None)
        if connection is None:
            connection = connect_sqlite(self.path)
            self._local.connection = connection
            with self._readers_lock:
                self._readers.append(connection)
        return connection

    async def fetch_all(self, sql: str, params: Params = None) -> list[dict[str, Any]]:
        def query() -> list[dict[str, Any]]:
            return _rows(self._reader().execute(sql, dict(params or {})))

        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._reader_threads, query)

    async def fetch_one(self, sql: str, params: Params = None) -> dict[str, Any] | None:
        rows = await self.fetch_all(sql, params)
        return rows[0] if rows else None

    async def execute_script(self, script: str) -> None:
        async with self._write_lock:
            connection = await self._on_writer(self._writer_connection)
            await self._on_writer(connection.executescript, script)

    async def ping(self) -> None:
        await self.fetch_one("SELECT 1 AS ok")

    async def close(self) -> None:
        async with self._write_lock:
            if self._writer is not None:
                await self._on_writer(self._writer.close)
                self._writer = None
        with self._readers_lock:
            for connection in self._readers:
                connection.close()
            self._readers.clear()
        self._writer_thread.shutdown(wait=True)
        self._reader_threads.shutdown(wait=True)
