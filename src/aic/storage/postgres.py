"""PostgreSQL behind ``SqlDatabase``: a psycopg 3 async pool, ``:name`` turned into ``%(name)s``."""

from __future__ import annotations

import contextlib
import re
from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import asynccontextmanager
from functools import lru_cache
from typing import Any

from psycopg import AsyncClientCursor, AsyncConnection
from psycopg.rows import dict_row
from psycopg_pool import AsyncConnectionPool

from aic.storage.database import Dialect, Params

__all__ = ["PostgresDatabase", "to_pyformat"]

# ``:name`` but not ``::type`` casts (nor the second colon of one).
_NAMED = re.compile(r"(?<![:\w]):([A-Za-z_]\w*)")


@lru_cache(maxsize=512)
def to_pyformat(sql: str) -> str:
    """``:name`` placeholders → psycopg's ``%(name)s``; literal ``%`` doubled."""
    return _NAMED.sub(r"%(\1)s", sql.replace("%", "%%"))


class _PostgresTransaction:
    def __init__(self, connection: AsyncConnection[dict[str, Any]]) -> None:
        self._connection = connection

    async def execute(self, sql: str, params: Params = None) -> int:
        cursor = await self._connection.execute(to_pyformat(sql), dict(params or {}))
        return cursor.rowcount

    async def execute_many(self, sql: str, rows: Sequence[Mapping[str, Any]]) -> None:
        async with self._connection.cursor() as cursor:
            await cursor.executemany(to_pyformat(sql), [dict(r) for r in rows])

    async def fetch_all(self, sql: str, params: Params = None) -> list[dict[str, Any]]:
        cursor = await self._connection.execute(to_pyformat(sql), dict(params or {}))
        return await cursor.fetchall()

    async def fetch_one(self, sql: str, params: Params = None) -> dict[str, Any] | None:
        cursor = await self._connection.execute(to_pyformat(sql), dict(params or {}))
        return await cursor.fetchone()


class _HeldTransaction:
    """Writes are held and go out together with the next read, or with the commit: one
    multi-statement query, parameters bound client-side (psycopg's ``ClientCursor``
    quoting, as Django uses by default). A projection batch of a dozen statements costs two
    round trips and two wake-ups of the server process, not one per statement (libpq's
    pipeline mode, tried first, still sends, and wakes the server, statement by statement:
    measured here 2.1-3.0 ms and 1.0-1.4 ms of client CPU per batch against 0.9 and 0.5)."""

    def __init__(self, connection: AsyncConnection[dict[str, Any]]) -> None:
        self._connection = connection
        self._render = AsyncClientCursor(connection).mogrify
        self._held: list[str] = ["BEGIN"]
        self.begun = False  # BEGIN has reached the server: a failure needs a ROLLBACK

    async def execute(self, sql: str, params: Params = None) -> int:
        self._held.append(self._render(to_pyformat(sql), dict(params or {})))
        return -1  # not answered yet

    async def execute_many(self, sql: str, rows: Sequence[Mapping[str, Any]]) -> None:
        query = to_pyformat(sql)
        self._held += [self._render(query, dict(row)) for row in rows]

    async def fetch_all(self, sql: str, params: Params = None) -> list[dict[str, Any]]:
        return await self._send(self._render(to_pyformat(sql), dict(params or {})))

    async def fetch_one(self, sql: str, params: Params = None) -> dict[str, Any] | None:
        rows = await self.fetch_all(sql, params)
        return rows[0] if rows else None

    async def commit(self) -> None:
        await self._send("COMMIT")

    async def _send(self, last: str) -> list[dict[str, Any]]:
        """The held statements and ``last``; the rows ``last`` returned."""
        statements, self._held = [*self._held, last], []
        self.begun = True
        # No parameters: psycopg sends the text as one simple query, every statement in it.
        # Each on lines of its own: a statement ending in a -- comment cannot swallow the `;`.
        cursor = await self._connection.execute("\n;\n".join(statements))
        while cursor.nextset():
            pass
        return await cursor.fetchall() if cursor.description is not None else []


class PostgresDatabase:
    dialect: Dialect = "postgresql"

    def __init__(self, url: str, *, min_size: int = 1, max_size: int = 10) -> None:
        self.pool: AsyncConnectionPool[AsyncConnection[dict[str, Any]]] = AsyncConnectionPool(
            url,
            min_size=min_size,
            max_size=max_size,
            kwargs={"row_factory": dict_row, "autocommit": True},
            open=False,
            name="aic-backend",
        )

    async def open(self) -> None:
        await self.pool.open(wait=True, timeout=10)

    @asynccontextmanager
    async def transaction(
        self, *, pipeline: bool = False
    ) -> AsyncIterator[_PostgresTransaction | _HeldTransaction]:
        async with self.pool.connection() as connection:
            if not pipeline:
                async with connection.transaction():
                    yield _PostgresTransaction(connection)
                return
            held = _HeldTransaction(connection)
            try:
                yield held
                await held.commit()
            except BaseException:
                if held.begun and not connection.closed:
                    # Never in place of the error that got us here; the pool checks the
                    # connection on its return and discards a broken one.
                    with contextlib.suppress(Exception):
                        await connection.execute("ROLLBACK")
                raise

    async def fetch_all(self, sql: str, params: Params = None) -> list[dict[str, Any]]:
        async with self.pool.connection() as connection:
            return await _PostgresTransaction(connection).fetch_all(sql, params)

    async def fetch_one(self, sql: str, params: Params = None) -> dict[str, Any] | None:
        async with self.pool.connection() as connection:
            return await _PostgresTransaction(connection).fetch_one(sql, params)

    async def execute_script(self, script: str) -> None:
        async with self.pool.connection() as connection, connection.transaction():
            await connection.execute(script.encode())

    async def ping(self) -> None:
        await self.fetch_one("SELECT 1 AS ok")

    async def close(self) -> None:
        await self.pool.close()
