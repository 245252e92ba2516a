"""A brute-force in-memory ``VectorIndex`` for fast unit tests of code that uses the port."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

from aic.ai.vectors import (
    CollectionInfo,
    CollectionNotFound,
    Distance,
    MetadataFilter,
    ScoredPoint,
    StoredPoint,
    VectorPoint,
)

__all__ = ["MemoryVectorIndex"]


def _matches(payload: dict[str, Any], where: MetadataFilter | None) -> bool:
    for key, wanted in (where or {}).items():
        allowed = list(wanted) if isinstance(wanted, list | tuple) else [wanted]
        value = payload.get(key)
        values = value if isinstance(value, list) else [value]
        if not any(
            type(v) is type(a) and v == a
            for v in values
            for a in allowed  # True is not 1
        ):
            return False
    return True


class MemoryVectorIndex:
    def __init__(self) -> None:
        self.collections: dict[str, tuple[int, dict[str, tuple[np.ndarray, dict[str, Any]]]]] = {}

    def _points(self, name: str) -> dict[str, tuple[np.ndarray, dict[str, Any]]]:
        if name not in self.collections:
            raise CollectionNotFound(name)
        return self.collections[name][1]

    async def create_collection(
        self, name: str, dimensions: int, distance: Distance = "cosine"
    ) -> tuple[CollectionInfo, bool]:
        created = name not in self.collections
        if created:
            self.collections[name] = (dimensions, {})
        return await self.collection_info(name), created

    async def list_collections(self) -> list[CollectionInfo]:
        return [await self.collection_info(n) for n in sorted(self.collections)]

    async def collection_info(self, name: str) -> CollectionInfo:
        points = self._points(name)
        return CollectionInfo(name, self.collections[name][0], "cosine", len(points))

    async def drop_collection(self, name: str) -> None:
        self._points(name)
        del self.collections[name]

    async def upsert(self, collection: str, points: Sequence[VectorPoint]) -> None:
        stored = self._points(collection)
        for point in points:
            vector = np.asarray(point.vector, dtype=np.float32)
            stored[point.id] = (vector / np.linalg.norm(vector), dict(point.payload))

    async def delete(self, collection: str, ids: Sequence[str]) -> int:
        stored = self._points(collection)
        return sum(stored.pop(i, None) is not None for i in set(ids))

    async def delete_where(self, collection: str, where: MetadataFilter) -> int:
        stored = self._points(collection)
        doomed = [i for i, (_, payload) in stored.items() if _matches(payload, where)]
        return await self.delete(collection, doomed)

    async def query(
        self,
        collection: str,
        vector: Sequence[float] | npt.NDArray[np.floating[Any]],
        k: int = 10,
        where: MetadataFilter | None = None,
    ) -> list[ScoredPoint]:
        query = np.asarray(vector, dtype=np.float32)
        query = query / np.linalg.norm(query)
        hits = [
            ScoredPoint(i, float(v @ query), dict(payload))
            for i, (v, payload) in self._points(collection).items()
            if _matches(payload, where)
        ]
        return sorted(hits, key=lambda h: (-h.score, h.id))[:k]

    async def retrieve(
        self, collection: str, ids: Sequence[str], with_vectors: bool = False
    ) -> list[StoredPoint]:
        stored = self._points(collection)
        return [
            StoredPoint(i, tuple(stored[i][0].tolist()) if with_vectors else None, stored[i][1])
            for i in ids
            if i in stored
        ]

    async def close(self) -> None:
        return None
