"""``EmbeddedVectorIndex``: points in the ai database (SQLite or PostgreSQL), searched in memory.

The database is the truth, so every worker and replica sees the same points; each process
keeps a ``LocalCollection`` per collection as a cache and, before a query (at most every
``sync_interval`` seconds), reads the collection's version: if another process wrote since,
it applies just the rows stamped with a newer version, or reloads the collection if it fell
behind the purge of tombstones or the collection was dropped and created again.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import numpy as np
import numpy.typing as npt
import orjson

from aic.ai.vectors.local import LocalCollection, PlannerSettings
from aic.ai.vectors.ports import (
    CollectionConflict,
    CollectionInfo,
    CollectionNotFound,
    DimensionMismatch,
    Distance,
    InvalidQuery,
    MetadataFilter,
    ScoredPoint,
    StoredPoint,
    VectorPoint,
)
from aic.ai.vectors.validation import (
    check_collection_name,
    check_dimensions,
    check_ids,
    check_k,
    parse_filter,
    prepare_points,
    unit_vector,
)
from aic.storage import MigrationSet, SqlDatabase, SqlTransaction, json_value

__all__ = ["VECTOR_MIGRATIONS", "EmbeddedVectorIndex"]

# The tables of this module (``sql/{sqlite,postgres}/``), a set of the ai database.
VECTOR_MIGRATIONS = MigrationSet("vectors", "aic.ai.vectors")

_CHUNK = 500  # ids per ``IN (...)``: far below both databases' parameter limits
_PURGE_EVERY = 64  # versions between purges of old tombstones
_KEEP_TOMBSTONES = 1024  # versions a tombstone is kept so that lagging processes learn of it
_INLINE_APPLY = 4096  # changes below which a catch-up runs on the event loop (no thread hop)


@dataclass(frozen=True, slots=True)
class _Head:
    dimensions: int
    incarnation: str
    version: int
    purged_through: int


def _chunks(items: Sequence[str]) -> Iterator[tuple[str, dict[str, Any]]]:
    for start in range(0, len(items), _CHUNK):
        part = items[start : start + _CHUNK]
        params = {f"id{i}": point_id for i, point_id in enumerate(part)}
        yield ", ".join(f":id{i}" for i in range(len(part))), params


class EmbeddedVectorIndex:
    """A ``VectorIndex`` whose points live in ``database`` (tables of ``aic.ai.vectors``)."""

    def __init__(
        self,
        database: SqlDatabase,
        *,
        sync_interval: float = 0.0,
        planner: PlannerSettings | None = None,
        on_error: Callable[[BaseException], None] | None = None,
    ) -> None:
        self._db = database
        self._sync_interval = sync_interval
        self._planner = planner or PlannerSettings()
        self._on_error = on_error
        self._caches: dict[str, LocalCollection] = {}
        self._checked_at: dict[str, float] = {}
        self._locks: dict[str, asyncio.Lock] = {}
        jsonb = "CAST(:payload AS jsonb)" if database.dialect == "postgresql" else ":payload"
        self._upsert_sql = (
            "INSERT INTO vector_points (collection, id, seq, vector, payload) "  # noqa: S608
            f"VALUES (:collection, :id, :seq, :vector, {jsonb}) "
            "ON CONFLICT (collection, id) DO UPDATE SET seq = excluded.seq, "
            "vector = excluded.vector, payload = excluded.payload"
        )

    # -- collections -------------------------------------------------------------------------

    async def create_collection(
        self, name: str, dimensions: int, distance: Distance = "cosine"
    ) -> tuple[CollectionInfo, bool]:
        check_collection_name(name)
        check_dimensions(dimensions)
        if distance != "cosine":
            raise InvalidQuery("The only distance is 'cosine'.", {"distance": distance})
        async with self._db.transaction() as tx:
            created = await tx.execute(
                "INSERT INTO vector_collections (name, dimensions, distance, incarnation, "
                "created_at) VALUES (:name, :dimensions, :distance, :incarnation, :now) "
                "ON CONFLICT (name) DO NOTHING",
                {
                    "name": name,
                    "dimensions": dimensions,
                    "distance": distance,
                    "incarnation": uuid.uuid4().hex,
                    "now": datetime.now(UTC).isoformat(),
                },
            )
            info = await self._info(tx, name)
        assert info is not None
        if info.dimensions != dimensions or info.distance != distance:
            raise CollectionConflict(
                f"Collection {name!r} exists with {info.dimensions} dimensions and "
                f"{info.distance} distance.",
                {"collection": name, "dimensions": info.dimensions, "distance": info.distance},
            )
        return info, created == 1

    async def _info(self, tx: SqlTransaction | SqlDatabase, name: str) -> CollectionInfo | None:
        row = await tx.fetch_one(
            "SELECT name, dimensions, distance, point_count FROM vector_collections "
            "WHERE name = :name",
            {"name": name},
        )
        if row is None:
            return None
        return CollectionInfo(row["name"], row["dimensions"], row["distance"], row["point_count"])

    async def list_collections(self) -> list[CollectionInfo]:
        rows = await self._db.fetch_all(
            "SELECT name, dimensions, distance, point_count FROM vector_collections ORDER BY name"
        )
        return [
            CollectionInfo(r["name"], r["dimensions"], r["distance"], r["point_count"])
            for r in rows
        ]

    async def collection_info(self, name: str) -> CollectionInfo:
        info = await self._info(self._db, check_collection_name(name))
        if info is None:
            raise CollectionNotFound(name)
        return info

    async def drop_collection(self, name: str) -> None:
        check_collection_name(name)
        async with self._db.transaction() as tx:
            await tx.execute("DELETE FROM vector_points WHERE collection = :name", {"name": name})
            dropped = await tx.execute(
                "DELETE FROM vector_collections WHERE name = :name", {"name": name}
            )
        self._caches.pop(name, None)
        if dropped == 0:
            raise CollectionNotFound(name)

    # -- writes ------------------------------------------------------------------------------

    async def _begin_write(self, tx: SqlTransaction, collection: str) -> tuple[int, int]:
        """Take the collection's next version (and, on PostgreSQL, its row lock until commit:
        versions then become visible in order, so a reader never skips a late commit)."""
        row = await tx.fetch_one(
            "UPDATE vector_collections SET version = version + 1 WHERE name = :name "
            "RETURNING version, dimensions",
            {"name": collection},
        )
        if row is None:
            raise CollectionNotFound(collection)
        return int(row["version"]), int(row["dimensions"])

    async def upsert(self, collection: str, points: Sequence[VectorPoint]) -> None:
        head = await self._head(check_collection_name(collection))
        ids, matrix, payloads = prepare_points(points, head.dimensions)
        if not ids:
            return
        async with self._db.transaction() as tx:
            version, dimensions = await self._begin_write(tx, collection)
            if dimensions != head.dimensions:  # dropped and created again meanwhile
                raise DimensionMismatch(dimensions, head.dimensions, "points")
            existing = await self._count_existing(tx, collection, ids)
            await tx.execute_many(
                self._upsert_sql,
                [
                    {
                        "collection": collection,
                        "id": point_id,
                        "seq": version,
                        "vector": matrix[row].tobytes(),
                        "payload": orjson.dumps(payloads[row]).decode(),
                    }
                    for row, point_id in enumerate(ids)
                ],
            )
            await tx.execute(
                "UPDATE vector_collections SET point_count = point_count + :added "
                "WHERE name = :name",
                {"added": len(ids) - existing, "name": collection},
            )
        await self._fresh(collection, force=True)

    async def _count_existing(self, tx: SqlTransaction, collection: str, ids: list[str]) -> int:
        existing = 0
        for placeholders, params in _chunks(ids):
            row = await tx.fetch_one(
                "SELECT count(*) AS n FROM vector_points "  # noqa: S608 -- :idN placeholders
                f"WHERE collection = :collection AND vector IS NOT NULL AND id IN ({placeholders})",
                {"collection": collection, **params},
            )
            existing += int(row["n"]) if row else 0
        return existing

    async def delete(self, collection: str, ids: Sequence[str]) -> int:
        check_collection_name(collection)
        unique = check_ids(ids)
        async with self._db.transaction() as tx:
            version, _ = await self._begin_write(tx, collection)
            deleted = await self._tombstone(tx, collection, unique, version)
        await self._fresh(collection, force=True)
        return deleted

    async def delete_where(self, collection: str, where: MetadataFilter) -> int:
        check_collection_name(collection)
        conditions = parse_filter(where)
        if not conditions:
            raise InvalidQuery("delete_where needs a filter; drop the collection to empty it.")
        async with self._db.transaction() as tx:
            version, _ = await self._begin_write(tx, collection)
            # No other writer can commit to this collection now: what the cache matches after
            # catching up is exactly what the filter matches in the database.
            cache = await self._fresh(collection, force=True)
            deleted = await self._tombstone(tx, collection, cache.matching_ids(conditions), version)
        await self._fresh(collection, force=True)
        return deleted

    async def _tombstone(
        self, tx: SqlTransaction, collection: str, ids: list[str], version: int
    ) -> int:
        deleted = 0
        for placeholders, params in _chunks(ids):
            deleted += await tx.execute(
                "UPDATE vector_points SET seq = :seq, vector = NULL, payload = NULL "  # noqa: S608
                "WHERE collection = :collection AND vector IS NOT NULL "
                f"AND id IN ({placeholders})",
                {"seq": version, "collection": collection, **params},
            )
        await tx.execute(
            "UPDATE vector_collections SET point_count = point_count - :deleted WHERE name = :name",
            {"deleted": deleted, "name": collection},
        )
        horizon = version - _KEEP_TOMBSTONES
        if version % _PURGE_EVERY == 0 and horizon > 0:
            await tx.execute(
                "DELETE FROM vector_points WHERE collection = :collection "
                "AND vector IS NULL AND seq <= :horizon",
                {"collection": collection, "horizon": horizon},
            )
            await tx.execute(
                "UPDATE vector_collections SET purged_through = :horizon WHERE name = :name",
                {"horizon": horizon, "name": collection},
            )
        return deleted

    # -- reads -------------------------------------------------------------------------------

    async def query(
        self,
        collection: str,
        vector: Sequence[float] | npt.NDArray[np.floating[Any]],
        k: int = 10,
        where: MetadataFilter | None = None,
    ) -> list[ScoredPoint]:
        check_collection_name(collection)
        check_k(k)
        conditions = parse_filter(where)
        cache = await self._fresh(collection)
        query = unit_vector(vector, cache.dimensions, "vector")
        if cache.search_is_bounded(conditions):
            hits = cache.search(query, k, conditions)
        else:
            hits = await asyncio.to_thread(cache.search, query, k, conditions)
        return [ScoredPoint(point_id, score, payload) for point_id, score, payload in hits]

    async def retrieve(
        self, collection: str, ids: Sequence[str], with_vectors: bool = False
    ) -> list[StoredPoint]:
        check_collection_name(collection)
        wanted = check_ids(ids)
        cache = await self._fresh(collection)
        return [
            StoredPoint(point_id, tuple(vector.tolist()) if with_vectors else None, payload)
            for point_id, vector, payload in cache.get(wanted)
        ]

    async def close(self) -> None:
        self._caches.clear()

    # -- keeping the cache in step -----------------------------------------------------------

    async def _head(self, collection: str) -> _Head:
        row = await self._db.fetch_one(
            "SELECT dimensions, incarnation, version, purged_through FROM vector_collections "
            "WHERE name = :name",
            {"name": collection},
        )
        if row is None:
            self._caches.pop(collection, None)
            raise CollectionNotFound(collection)
        return _Head(
            int(row["dimensions"]),
            row["incarnation"],
            int(row["version"]),
            int(row["purged_through"]),
        )

    async def _fresh(self, collection: str, force: bool = False) -> LocalCollection:
        """The cache of ``collection``, caught up with the database."""
        cache = self._caches.get(collection)
        checked = self._checked_at.get(collection, -1.0)
        if cache is not None and not force and time.monotonic() - checked < self._sync_interval:
            return cache
        lock = self._locks.setdefault(collection, asyncio.Lock())
        async with lock:
            started = time.monotonic()
            head = await self._head(collection)
            cache = self._caches.get(collection)
            if (
                cache is None
                or cache.incarnation != head.incarnation
                or cache.version < head.purged_through
            ):
                cache = await self._load(collection, head)
            elif cache.version < head.version:
                await self._catch_up(collection, cache, head.version)
            self._caches[collection] = cache
            self._checked_at[collection] = started
            return cache

    def _decode(self, row: dict[str, Any], dimensions: int) -> tuple[Any, Any, Any]:
        if row["vector"] is None:
            return row["id"], None, None
        vector = np.frombuffer(bytes(row["vector"]), dtype=np.float32)
        if vector.shape[0] != dimensions:
            raise DimensionMismatch(dimensions, vector.shape[0], f"stored point {row['id']!r}")
        return row["id"], vector, json_value(row["payload"])

    async def _load(self, collection: str, head: _Head) -> LocalCollection:
        cache = LocalCollection(head.dimensions, head.incarnation, self._planner, self._on_error)
        # Every live row, even those newer than ``head.version``: the next catch-up applies
        # them again (an upsert replaces), so nothing is ever missing in between.
        rows = await self._db.fetch_all(
            "SELECT id, vector, payload FROM vector_points WHERE collection = :collection "
            "AND vector IS NOT NULL",
            {"collection": collection},
        )
        await asyncio.to_thread(cache.apply, (self._decode(r, head.dimensions) for r in rows))
        cache.version = head.version
        return cache

    async def _catch_up(self, collection: str, cache: LocalCollection, version: int) -> None:
        rows = await self._db.fetch_all(
            "SELECT id, vector, payload FROM vector_points WHERE collection = :collection "
            "AND seq > :since AND seq <= :version ORDER BY seq",
            {"collection": collection, "since": cache.version, "version": version},
        )
        changes = [self._decode(r, cache.dimensions) for r in rows]
        if len(changes) > _INLINE_APPLY:
            await asyncio.to_thread(cache.apply, changes)
        else:
            cache.apply(changes)
        cache.version = version
