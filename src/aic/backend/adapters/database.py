"""Reachability of the backend database: the SQLite file or the PostgreSQL server."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

import psycopg

__all__ = ["ping_postgres", "ping_sqlite"]


async def ping_sqlite(path: Path) -> None:
    """Open the database file (creating it in WAL mode if new) and run a query."""

    def ping() -> None:
        connection = sqlite3.connect(path, timeout=1.0)
        try:
            connection.execute("PRAGMA journal_mode=WAL")
            connection.execute("SELECT 1").fetchone()
        finally:
            connection.close()

    await asyncio.to_thread(ping)


async def ping_postgres(url: str, connect_timeout: float) -> None:
    """Connect and run a query; the caller bounds the whole probe with its own time limit."""
    async with await psycopg.AsyncConnection.connect(
        url, connect_timeout=max(1, int(connect_timeout)), autocommit=True
    ) as connection:
        await connection.execute("SELECT 1")
