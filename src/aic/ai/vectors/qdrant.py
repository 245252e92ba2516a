"""``QdrantVectorIndex``: the ``VectorIndex`` port on a Qdrant server (or the client's local mode).

Qdrant point ids are integers or UUIDs, so a point's id is stored as a UUID derived from the
string id (uuid5) and the string itself under the reserved payload key ``aic:id``. Only the
client's local mode is tested here (no Qdrant server can run in this environment): the
server's behaviour across processes is Qdrant's own and stays an open gap (ADR 0011).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt
from qdrant_client import AsyncQdrantClient, models
from qdrant_client.http.exceptions import UnexpectedResponse

from aic.ai.vectors.ports import (
    CollectionConflict,
    CollectionInfo,
    CollectionNotFound,
    Distance,
    InvalidQuery,
    MetadataFilter,
    ScoredPoint,
    StoredPoint,
    VectorPoint,
)
from aic.ai.vectors.validation import (
    Condition,
    check_collection_name,
    check_dimensions,
    check_ids,
    check_k,
    parse_filter,
    prepare_points,
    unit_vector,
)

__all__ = ["QdrantVectorIndex"]

_ID_KEY = "aic:id"
_NAMESPACE = uuid.UUID("5b0c3f0e-8f4e-4f39-9a4b-6d1f1c3e7a21")  # fixed: ids must stay stable
_BATCH = 256  # points per upsert request


def _point_uuid(point_id: str) -> str:
    return str(uuid.uuid5(_NAMESPACE, point_id))


def _qdrant_filter(conditions: Sequence[Condition]) -> models.Filter | None:
    if not conditions:
        return None
    must: list[Any] = []
    for condition in conditions:
        matches = [
            models.FieldCondition(key=condition.key, match=models.MatchValue(value=value))
            for _, value in sorted(condition.values, key=repr)
        ]
        # One value: the condition itself; several: any of them (their JSON types may differ,
        # which ``MatchAny`` cannot express, so a nested ``should``).
        must.append(matches[0] if len(matches) == 1 else models.Filter(should=list(matches)))
    return models.Filter(must=must)


def _payload(raw: dict[str, Any] | None) -> dict[str, Any]:
    return {k: v for k, v in (raw or {}).items() if k != _ID_KEY}


class QdrantVectorIndex:
    """``client`` is ``AsyncQdrantClient(url=..., api_key=...)``, or ``(path=...)`` locally."""

    def __init__(self, client: AsyncQdrantClient) -> None:
        self._client = client

    async def _dimensions(self, name: str) -> int:
        check_collection_name(name)
        try:
            info = await self._client.get_collection(name)
        except (ValueError, UnexpectedResponse) as exc:
            if isinstance(exc, UnexpectedResponse) and exc.status_code != 404:
                raise
            raise CollectionNotFound(name) from exc
        params = info.config.params.vectors
        if not isinstance(params, models.VectorParams):
            raise CollectionConflict(f"Collection {name!r} has named vectors; not ours.")
        return int(params.size)

    async def create_collection(
        self, name: str, dimensions: int, distance: Distance = "cosine"
    ) -> tuple[CollectionInfo, bool]:
        check_collection_name(name)
        check_dimensions(dimensions)
        if distance != "cosine":
            raise InvalidQuery("The only distance is 'cosine'.", {"distance": distance})
        created = False
        if not await self._client.collection_exists(name):
            try:
                created = await self._client.create_collection(
                    name,
                    vectors_config=models.VectorParams(
                        size=dimensions, distance=models.Distance.COSINE
                    ),
                )
            except (ValueError, UnexpectedResponse):  # created by another process meanwhile
                created = False
        info = await self.collection_info(name)
        if info.dimensions != dimensions:
            raise CollectionConflict(
                f"Collection {name!r} exists with {info.dimensions} dimensions.",
                {"collection": name, "dimensions": info.dimensions, "distance": info.distance},
            )
        return info, created

    async def list_collections(self) -> list[CollectionInfo]:
        response = await self._client.get_collections()
        names = sorted(c.name for c in response.collections)
        found = []
        for name in names:
            try:
                found.append(await self.collection_info(name))
            except (CollectionNotFound, CollectionConflict):  # dropped meanwhile, or not ours
                continue
        return found

    async def collection_info(self, name: str) -> CollectionInfo:
        dimensions = await self._dimensions(name)
        count = await self._client.count(name, exact=True)
        return CollectionInfo(name, dimensions, "cosine", int(count.count))

    async def drop_collection(self, name: str) -> None:
        await self._dimensions(name)
        await self._client.delete_collection(name)

    async def upsert(self, collection: str, points: Sequence[VectorPoint]) -> None:
        dimensions = await self._dimensions(collection)
        ids, matrix, payloads = prepare_points(points, dimensions)
        structs = [
            models.PointStruct(
                id=_point_uuid(point_id),
                vector=matrix[row].tolist(),
                payload={**payloads[row], _ID_KEY: point_id},
            )
            for row, point_id in enumerate(ids)
        ]
        for start in range(0, len(structs), _BATCH):
            await self._client.upsert(collection, structs[start : start + _BATCH], wait=True)

    async def delete(self, collection: str, ids: Sequence[str]) -> int:
        await self._dimensions(collection)
        unique = check_ids(ids)
        if not unique:
            return 0
        uuids: list[models.ExtendedPointId] = [_point_uuid(i) for i in unique]
        existing = await self._client.retrieve(
            collection, uuids, with_payload=False, with_vectors=False
        )
        if existing:
            await self._client.delete(
                collection, models.PointIdsList(points=[p.id for p in existing]), wait=True
            )
        return len(existing)

    async def delete_where(self, collection: str, where: MetadataFilter) -> int:
        await self._dimensions(collection)
        selector = _qdrant_filter(parse_filter(where))
        if selector is None:
            raise InvalidQuery("delete_where needs a filter; drop the collection to empty it.")
        count = await self._client.count(collection, count_filter=selector, exact=True)
        await self._client.delete(collection, models.FilterSelector(filter=selector), wait=True)
        return int(count.count)

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
        query = unit_vector(vector, await self._dimensions(collection), "vector")
        response = await self._client.query_points(
            collection,
            query=query.tolist(),
            query_filter=_qdrant_filter(conditions),
            limit=k,
            with_payload=True,
        )
        hits = [
            ScoredPoint(str((p.payload or {}).get(_ID_KEY)), float(p.score), _payload(p.payload))
            for p in response.points
        ]
        hits.sort(key=lambda hit: (-hit.score, hit.id))
        return hits

    async def retrieve(
        self, collection: str, ids: Sequence[str], with_vectors: bool = False
    ) -> list[StoredPoint]:
        await self._dimensions(collection)
        wanted = check_ids(ids)
        if not wanted:
            return []
        uuids: list[models.ExtendedPointId] = [_point_uuid(i) for i in wanted]
        records = await self._client.retrieve(
            collection, uuids, with_payload=True, with_vectors=with_vectors
        )
        by_id = {str((r.payload or {}).get(_ID_KEY)): r for r in records}
        found = []
        for point_id in wanted:
            record = by_id.get(point_id)
            if record is None:
                continue
            vector = None
            if with_vectors and isinstance(record.vector, list):
                vector = tuple(float(x) for x in record.vector)  # type: ignore[arg-type]
            found.append(StoredPoint(point_id, vector, _payload(record.payload)))
        return found

    async def close(self) -> None:
        await self._client.close()
