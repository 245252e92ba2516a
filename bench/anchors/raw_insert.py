"""The anchor of the command benchmarks: plain single-row INSERTs of an event-shaped row.

``N`` asyncio tasks, each on its own autocommit psycopg connection, insert one row per
statement (so one commit each) as fast as they can until the deadline: the database's own
limit for this row with this client, on this machine, with no event store, HTTP or Python
service in between. The row is what the backend's event store writes for a captured lead:
stream id, version, event id, type, the ``LeadCaptured`` JSON data and the metadata JSON.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from dataclasses import dataclass

import psycopg

__all__ = ["RAW_TABLE", "RawRate", "raw_insert_rate", "reset_raw_table"]

RAW_TABLE = """CREATE TABLE IF NOT EXISTS raw_events (
    position bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, stream_id text NOT NULL,
    version integer NOT NULL, event_id uuid NOT NULL, type text NOT NULL, data jsonb NOT NULL,
    schema_version integer NOT NULL, metadata jsonb NOT NULL,
    recorded_at timestamptz NOT NULL DEFAULT now())"""
_INSERT = (
    "INSERT INTO raw_events (stream_id, version, event_id, type, data, schema_version, metadata)"
    " VALUES (%s, %s, %s, %s, %s::jsonb, %s, %s::jsonb)"
)
_MAX_INSERTS = 10_000_000  # per run: a bound besides the deadline


@dataclass(frozen=True)
class RawRate:
    inserts: int
    seconds: float
    errors: int

    @property
    def rate(self) -> float:
        return self.inserts / self.seconds if self.seconds else 0.0


def reset_raw_table(url: str) -> None:
    with psycopg.connect(url, autocommit=True, connect_timeout=5) as connection:
        connection.execute(RAW_TABLE)
        connection.execute("TRUNCATE raw_events")


async def _rate(url: str, connections: int, seconds: float, data: str, metadata: str) -> RawRate:
    opened = [
        await psycopg.AsyncConnection.connect(url, autocommit=True, connect_timeout=5)
        for _ in range(connections)
    ]
    counts, errors = [0] * connections, [0]
    try:
        deadline = time.monotonic() + seconds

        async def writer(number: int) -> None:
            connection = opened[number]
            while time.monotonic() < deadline and sum(counts) < _MAX_INSERTS:
                row = (f"lead-{uuid.uuid4()}", 1, uuid.uuid4(), "LeadCaptured", data, 1, metadata)
                try:
                    await connection.execute(_INSERT, row)
                except psycopg.Error:
                    errors[0] += 1
                    continue
                counts[number] += 1

        begin = time.monotonic()
        await asyncio.gather(*(writer(n) for n in range(connections)))
        return RawRate(sum(counts), time.monotonic() - begin, errors[0])
    finally:
        for connection in opened:
            await connection.close()


def raw_insert_rate(
    url: str, connections: int, seconds: float, data: str, metadata: str
) -> RawRate:
    """Inserts per second of ``connections`` concurrent writers for ``seconds``."""
    reset_raw_table(url)
    return asyncio.run(_rate(url, connections, seconds, data, metadata))
