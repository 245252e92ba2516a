"""Schema migrations: versioned ``.sql`` files per dialect, applied once, in order, per set.

A module that owns tables ships a ``MigrationSet``: a folder of its package holding
``sqlite/NNNN_name.sql`` and ``postgres/NNNN_name.sql``. ``migrate(url, sets)`` applies the
files not yet recorded in ``schema_migrations``, each in its own transaction, and refuses to
run if an applied file was edited since. On PostgreSQL an advisory lock makes replicas that
start together wait for each other; on SQLite ``BEGIN IMMEDIATE`` does.
"""

from __future__ import annotations

import asyncio
import hashlib
import re
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources
from typing import Any, Literal

import psycopg

from aic.storage.files import connect_sqlite, sqlite_path

__all__ = [
    "Migration",
    "MigrationError",
    "MigrationSet",
    "migrate",
]

Dialect = Literal["sqlite", "postgres"]

_FILE_NAME = re.compile(r"^(\d{4})_([a-z0-9_]+)\.sql$")
_SET_NAME = re.compile(r"^[a-z][a-z0-9_]*$")
_LOCK_KEY = 0x41_49_43_4D_49_47  # "AICMIG": the advisory lock every migrator takes
_TABLE = {
    "sqlite": "CREATE TABLE IF NOT EXISTS schema_migrations (migration_set TEXT NOT NULL, "
    "version INTEGER NOT NULL, name TEXT NOT NULL, checksum TEXT NOT NULL, "
    "applied_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')), "
    "PRIMARY KEY (migration_set, version))",
    "postgres": "CREATE TABLE IF NOT EXISTS schema_migrations (migration_set text NOT NULL, "
    "version integer NOT NULL, name text NOT NULL, checksum text NOT NULL, "
    "applied_at timestamptz NOT NULL DEFAULT now(), PRIMARY KEY (migration_set, version))",
}


class MigrationError(RuntimeError):
    """The migrations cannot be applied as they are (a malformed or edited file)."""


@dataclass(frozen=True, slots=True)
class Migration:
    migration_set: str
    version: int
    name: str
    sql: str

    @property
    def label(self) -> str:
        return f"{self.migration_set}/{self.version:04d}_{self.name}"

    @property
    def checksum(self) -> str:
        return hashlib.sha256(self.sql.encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class MigrationSet:
    """The migrations of one module: ``<package>/<folder>/<dialect>/NNNN_name.sql``."""

    name: str
    package: str
    folder: str = "sql"

    def migrations(self, dialect: Dialect) -> list[Migration]:
        if not _SET_NAME.match(self.name):
            raise MigrationError(f"migration set name {self.name!r} must be lower_snake_case")
        folder = resources.files(self.package).joinpath(self.folder, dialect)
        found: dict[int, Migration] = {}
        for entry in folder.iterdir() if folder.is_dir() else ():
            match = _FILE_NAME.match(entry.name)
            if not match:
                raise MigrationError(f"{self.name}: {entry.name} is not NNNN_name.sql")
            version = int(match.group(1))
            if version in found:
                raise MigrationError(f"{self.name}: two migrations numbered {version:04d}")
            found[version] = Migration(self.name, version, match.group(2), entry.read_text())
        return [found[version] for version in sorted(found)]


def _pending(
    sets: Sequence[MigrationSet], dialect: Dialect, applied: dict[tuple[str, int], str]
) -> list[Migration]:
    pending = []
    for migration_set in sets:
        for migration in migration_set.migrations(dialect):
            checksum = applied.get((migration.migration_set, migration.version))
            if checksum is None:
                pending.append(migration)
            elif checksum != migration.checksum:
                raise MigrationError(
                    f"{migration.label} was edited after it was applied; "
                    "add a new migration instead"
                )
    return pending


_RECORD = "INSERT INTO schema_migrations (migration_set, version, name, checksum) VALUES "
_APPLIED = "SELECT migration_set, version, checksum FROM schema_migrations"


async def migrate(database_url: str, sets: Sequence[MigrationSet]) -> list[str]:
    """Apply what is pending of ``sets`` (in order); return the labels applied, e.g.
    ``["eventstore/0001_event_store"]``; ``[]`` when the schema is up to date."""
    if database_url.startswith("sqlite:"):
        return await asyncio.to_thread(_migrate_sqlite, database_url, sets)
    if database_url.startswith(("postgresql://", "postgres://")):
        return await _migrate_postgres(database_url, sets)
    raise ValueError(f"unsupported database URL scheme: {database_url.split(':', 1)[0]}")


def _migrate_sqlite(url: str, sets: Sequence[MigrationSet]) -> list[str]:
    connection = connect_sqlite(sqlite_path(url), busy_timeout=30.0)
    try:
        connection.execute(_TABLE["sqlite"])
        done: list[str] = []
        for migration in _pending(sets, "sqlite", _applied_sqlite(connection)):
            connection.execute("BEGIN IMMEDIATE")  # one migrator at a time, across processes
            try:
                if (migration.migration_set, migration.version) in _applied_sqlite(connection):
                    connection.execute("ROLLBACK")  # another process applied it meanwhile
                    continue
                for statement in _sqlite_statements(migration.sql):
                    connection.execute(statement)
                connection.execute(
                    _RECORD + "(?, ?, ?, ?)",
                    (
                        migration.migration_set,
                        migration.version,
                        migration.name,
                        migration.checksum,
                    ),
                )
                connection.execute("COMMIT")
            except BaseException:
                if connection.in_transaction:
                    connection.execute("ROLLBACK")
                raise
            done.append(migration.label)
        return done
    finally:
        connection.close()


def _applied_sqlite(connection: sqlite3.Connection) -> dict[tuple[str, int], str]:
    return {(row[0], row[1]): row[2] for row in connection.execute(_APPLIED)}


def _sqlite_statements(script: str) -> list[str]:
    """Split a script into statements (``executescript`` would commit our transaction)."""
    statements, buffer = [], ""
    for line in script.splitlines(keepends=True):
        buffer += line
        if sqlite3.complete_statement(buffer):
            statements.append(buffer)
            buffer = ""
    leftover = [
        line for line in buffer.splitlines() if line.strip() and not line.lstrip().startswith("--")
    ]
    if leftover:
        raise MigrationError(f"unterminated SQL statement: {leftover[0].strip()[:80]!r}")
    return statements


async def _migrate_postgres(url: str, sets: Sequence[MigrationSet]) -> list[str]:
    async with await psycopg.AsyncConnection.connect(url, autocommit=True) as connection:
        await connection.execute("SELECT pg_advisory_lock(%s)", (_LOCK_KEY,))
        try:
            await connection.execute(_TABLE["postgres"])
            done: list[str] = []
            for migration in _pending(sets, "postgres", await _applied_postgres(connection)):
                async with connection.transaction():
                    # No parameters: psycopg sends the file as one simple query, all statements.
                    await connection.execute(migration.sql.encode())
                    await connection.execute(
                        _RECORD + "(%s, %s, %s, %s)",
                        (
                            migration.migration_set,
                            migration.version,
                            migration.name,
                            migration.checksum,
                        ),
                    )
                done.append(migration.label)
            return done
        finally:
            if not connection.broken:
                await connection.execute("SELECT pg_advisory_unlock(%s)", (_LOCK_KEY,))


async def _applied_postgres(connection: psycopg.AsyncConnection[Any]) -> dict[tuple[str, int], str]:
    cursor = await connection.execute(_APPLIED)
    return {(row[0], row[1]): row[2] for row in await cursor.fetchall()}
