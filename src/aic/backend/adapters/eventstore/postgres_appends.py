"""Appending on PostgreSQL: a whole batch of appends in one statement, one commit."""

from __future__ import annotations

import uuid
from collections import defaultdict
from typing import Any

import psycopg
from psycopg import errors

from aic.backend.adapters.eventstore.appends import (
    JSON,
    AppendRequest,
    Outcome,
    duplicate_result,
)
from aic.backend.application.ports import AppendResult, ConcurrencyError

__all__ = ["write_appends"]

# Per append: its stream's current version and whether its event ids are stored already (a
# retry). Per stream, the first append that is not a retry and expects the current version
# (or any) wins and is inserted; the rest conflict. Two JSON documents carry the batch, one
# parameter each: cheaper to build and to parse than a dozen arrays.
_APPEND_SQL = """
WITH a AS (
    SELECT a.app, a.stream_id, a.expected,
           coalesce((SELECT max(s.version) FROM events s WHERE s.stream_id = a.stream_id), 0)
               AS current,
           EXISTS (SELECT 1 FROM unnest(a.event_ids) AS i(id) JOIN events s ON s.event_id = i.id)
               AS stored
    FROM jsonb_to_recordset(%(appends)s::jsonb)
         AS a(app int, stream_id text, expected int, event_ids uuid[])
),
winner AS (
    SELECT DISTINCT ON (stream_id) app FROM a
    WHERE NOT stored AND (expected IS NULL OR expected = current)
    ORDER BY stream_id, app
),
inserted AS (
    INSERT INTO events (stream_id, version, event_id, type, data, schema_version, metadata)
    SELECT a.stream_id, a.current + e.ord, e.event_id, e.type, e.data, e.schema_version,
           e.metadata
    FROM jsonb_to_recordset(%(events)s::jsonb)
         AS e(app int, ord int, event_id uuid, type text, data jsonb, schema_version int,
              metadata jsonb)
    JOIN winner USING (app) JOIN a USING (app)
    ORDER BY e.app, e.ord
    RETURNING stream_id, version, position
)
SELECT a.app, a.current, a.stored, i.position
FROM a LEFT JOIN winner w USING (app)
     LEFT JOIN inserted i ON w.app IS NOT NULL AND i.stream_id = a.stream_id
ORDER BY a.app, i.version
"""

_LOOKUP_SQL = "SELECT event_id, stream_id, version, position FROM events WHERE event_id = ANY (%s)"

_RACES = 5  # a single append that keeps losing a race with another process fails after this


async def write_appends(
    connection: psycopg.AsyncConnection[Any], requests: list[AppendRequest]
) -> list[Outcome]:
    """Append a batch on an autocommit ``connection``: one statement, so one transaction.

    A unique violation means a writer outside this batch (another process) committed the
    same version or event id between our check and our insert; a bad value (a NUL character
    in text) fails the statement. Either way the batch is written again one append at a time,
    so each append gets its own answer; a lost race is simply checked again.
    """
    for attempt in range(_RACES):
        try:
            return await _write_once(connection, requests)
        except errors.UniqueViolation as exc:
            if len(requests) > 1:
                break
            if attempt == _RACES - 1:
                return [exc]
        except (errors.DataError, errors.IntegrityError) as exc:
            if len(requests) > 1:
                break
            return [exc]
    return [
        outcome for request in requests for outcome in await write_appends(connection, [request])
    ]


def _documents(requests: list[AppendRequest]) -> dict[str, str]:
    """The batch as two JSON arrays; each event's data and metadata, already JSON, are
    spliced in as they are rather than encoded again (and parsed twice by the server)."""
    appends: list[dict[str, Any]] = []
    events: list[str] = []
    for app, request in enumerate(requests):
        ids = [str(event_id) for event_id in request.event_ids]
        appends.append(
            {
                "app": app,
                "stream_id": request.stream_id,
                "expected": request.expected_version,
                "event_ids": ids,
            }
        )
        events += [
            f'{{"app":{app},"ord":{offset + 1},"event_id":"{ids[offset]}",'
            f'"type":{JSON.encode(event.type)},"schema_version":{event.schema_version:d},'
            f'"data":{request.payloads[offset]},"metadata":{request.metadata[offset]}}}'
            for offset, event in enumerate(request.events)
        ]
    return {"appends": JSON.encode(appends), "events": f"[{','.join(events)}]"}


async def _write_once(
    connection: psycopg.AsyncConnection[Any], requests: list[AppendRequest]
) -> list[Outcome]:
    cursor = await connection.execute(_APPEND_SQL, _documents(requests))
    current: dict[int, int] = {}
    stored: list[int] = []
    positions: dict[int, list[int]] = defaultdict(list)
    for app, version, is_stored, position in await cursor.fetchall():
        current[app] = version
        if is_stored and app not in stored:
            stored.append(app)
        if position is not None:
            positions[app].append(position)
    retried = await _original_results(connection, [requests[app] for app in stored])
    won = {requests[app].stream_id: len(requests[app].events) for app in positions}
    outcomes: list[Outcome] = []
    for app, request in enumerate(requests):
        expected = request.expected_version
        if app in positions:
            version = current[app] + len(request.events)
            outcomes.append(AppendResult(request.stream_id, version, tuple(positions[app])))
        elif app in stored:
            outcomes.append(retried[stored.index(app)])
        elif expected is None:  # lost to another append of this batch: append after it
            outcomes += await write_appends(connection, [request])
        else:
            now = current[app] + won.get(request.stream_id, 0)
            outcomes.append(ConcurrencyError(request.stream_id, expected, now))
    return outcomes


async def _original_results(
    connection: psycopg.AsyncConnection[Any], retries: list[AppendRequest]
) -> list[Outcome]:
    """Retried appends get their original result back, read from the stored events."""
    if not retries:
        return []
    ids = [event_id for request in retries for event_id in request.event_ids]
    cursor = await connection.execute(_LOOKUP_SQL, (ids,))
    found: dict[uuid.UUID, tuple[str, int, int]] = {
        row[0]: (row[1], row[2], row[3]) for row in await cursor.fetchall()
    }
    outcomes: list[Outcome] = []
    for request in retries:
        try:
            outcomes.append(duplicate_result(request, found))
        except ValueError as exc:
            outcomes.append(exc)
    return outcomes
