"""The two SQL databases behind one interface: named ``:params``, dict rows, transactions."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from contextlib import AbstractAsyncContextManager
from typing import Any, Literal, Protocol

__all__ = ["Dialect", "Params", "SqlDatabase", "SqlTransaction", "json_value", "open_database"]

Dialect = Literal["sqlite", "postgresql"]
Params = Mapping[str, Any] | None


class SqlTransaction(Protocol):
    """Statements inside one transaction; it commits when the ``transaction()`` block ends."""

    async def execute(self, sql: str, params: Params = None) -> int: ...

    async def execute_many(self, sql: str, rows: Sequence[Mapping[str, Any]]) -> None: ...

    async def fetch_all(self, sql: str, params: Params = None) -> list[dict[str, Any]]: ...

    async def fetch_one(self, sql: str, params: Params = None) -> dict[str, Any] | None: ...


class SqlDatabase(Protocol):
    """SQL written once with ``:name`` parameters; JSON in as text, out via ``json_value``."""

    dialect: Dialect

    def transaction(self, *, pipeline: bool = False) -> AbstractAsyncContextManager[SqlTransaction]:
        """One transaction. ``pipeline``: writes do not wait for answers (on PostgreSQL
        they are held and sent with the next fetch or the commit, so a batch of writes costs
        one round trip); ``execute`` then returns -1, errors surface at the next fetch or at
        the commit, and the whole transaction fails. SQLite runs in-process and ignores it."""
        ...

    async def fetch_all(self, sql: str, params: Params = None) -> list[dict[str, Any]]: ...

    async def fetch_one(self, sql: str, params: Params = None) -> dict[str, Any] | None: ...

    async def execute_script(self, script: str) -> None: ...

    async def ping(self) -> None: ...

    async def close(self) -> None: ...


def json_value(value: Any) -> Any:
    """A JSON column as Python: PostgreSQL returns it decoded, SQLite as text."""
    if isinstance(value, str | bytes):
        return json.loads(value)
    return value


async def open_database(url: str, *, min_size: int = 1, max_size: int = 10) -> SqlDatabase:
    if url.startswith("sqlite://"):
        from aic.storage.sqlite import SqliteDatabase

        return SqliteDatabase(url.removeprefix("sqlite:///"))
    if url.startswith(("postgresql://", "postgres://")):
        from aic.storage.postgres import PostgresDatabase

        database = PostgresDatabase(url, min_size=min_size, max_size=max_size)
        await database.open()
        return database
    raise ValueError(f"unsupported database URL: {url.split(':', 1)[0]}://")
