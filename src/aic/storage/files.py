"""SQLite files: URLs to paths, WAL mode, connections that wait on other writers."""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

__all__ = ["connect_sqlite", "enable_wal", "sqlite_path"]


def sqlite_path(url: str) -> Path:
    """``sqlite:///relative/file.db`` or ``sqlite:////absolute/file.db`` -> the file."""
    if not url.startswith("sqlite:///") or url.endswith(("/", ":memory:")):
        raise ValueError(f"not an SQLite file URL: {url!r} (use sqlite:///path/to/file.db)")
    return Path(url.removeprefix("sqlite:///"))


def connect_sqlite(path: Path, busy_timeout: float) -> sqlite3.Connection:
    """A connection that manages its own transactions, waits on other writers, syncs commits."""
    connection = sqlite3.connect(path, timeout=busy_timeout, isolation_level=None)
    enable_wal(connection, busy_timeout)  # readers never block the writer
    connection.execute("PRAGMA synchronous=FULL")  # an acknowledged append survives power loss
    return connection


def enable_wal(connection: sqlite3.Connection, busy_timeout: float) -> None:
    """Switch to WAL, waiting out other connections: the switch needs the file to itself for
    a moment and, unlike other statements, may answer "database is locked" at once."""
    deadline = time.monotonic() + busy_timeout
    delay = 0.005
    while True:
        try:
            connection.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(delay)
            delay = min(delay * 2, 0.2)
