"""Throwaway PostgreSQL databases and Redis key prefixes, removed again on exit.

The machine's PostgreSQL and Redis are shared: a benchmark never reconfigures them, it
creates ``aic_bench_<random>`` (dropped ``WITH (FORCE)`` afterwards) and uses a Redis key
prefix of its own (every key under it deleted afterwards).
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import LiteralString

import psycopg
import redis
from psycopg import sql

__all__ = ["ADMIN_URL", "REDIS_URL", "count_rows", "redis_prefix", "temp_database"]

ADMIN_URL = os.environ.get(
    "AIC_BENCH_POSTGRES_URL",
    os.environ.get("AIC_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres"),
)
REDIS_URL = os.environ.get(
    "AIC_BENCH_REDIS_URL", os.environ.get("AIC_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
)
_SCAN_LIMIT = 100_000  # keys deleted under one prefix at most (a run makes a handful)


@contextmanager
def temp_database() -> Iterator[str]:
    """A new empty database on the admin URL's server; yields its URL, drops it after."""
    name = f"aic_bench_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(ADMIN_URL, autocommit=True, connect_timeout=5) as admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        try:
            address, _, query = ADMIN_URL.partition("?")
            yield f"{address.rpartition('/')[0]}/{name}" + (f"?{query}" if query else "")
        finally:
            admin.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )


@contextmanager
def redis_prefix() -> Iterator[str]:
    """A unique key prefix (``aic-bench-<random>:``); every key under it is deleted after."""
    prefix = f"aic-bench-{uuid.uuid4().hex[:10]}:"
    try:
        yield prefix
    finally:
        client = redis.Redis.from_url(REDIS_URL, socket_timeout=5)
        try:
            keys = []
            for key in client.scan_iter(match=f"{prefix}*", count=1000):
                keys.append(key)
                if len(keys) >= _SCAN_LIMIT:
                    break
            if keys:
                client.delete(*keys)
        finally:
            client.close()


def count_rows(url: str, query: LiteralString, params: tuple[object, ...] = ()) -> tuple[int, ...]:
    """One row of integers (``SELECT count(*) ...``); zeros while the table does not exist."""
    with psycopg.connect(url, autocommit=True, connect_timeout=5) as connection:
        try:
            row = connection.execute(query, params).fetchone()
        except psycopg.errors.UndefinedTable:
            return ()
    return tuple(int(value) for value in row) if row else ()
