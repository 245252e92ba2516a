"""The ``VectorIndex`` port: collections of id, vector, payload points; filtered cosine top-k."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal, Protocol

if TYPE_CHECKING:  # numpy is imported where vectors are searched, not when this port is
    import numpy as np
    import numpy.typing as npt

__all__ = [
    "MAX_K",
    "CollectionConflict",
    "CollectionInfo",
    "CollectionNotFound",
    "DimensionMismatch",
    "Distance",
    "FilterScalar",
    "InvalidFilter",
    "InvalidPoint",
    "InvalidQuery",
    "MetadataFilter",
    "ScoredPoint",
    "StoredPoint",
    "VectorIndex",
    "VectorIndexError",
    "VectorPoint",
]

Distance = Literal["cosine"]
FilterScalar = str | int | bool
# ``{"portal": "smb", "content_type": ["article", "case_study"], "published": True}``: a
# scalar is equality, a list is ``in``; every key must match (AND). A payload value that is a
# list matches when any of its elements does (as in Qdrant), so ``{"tags": "ai"}`` finds
# ``{"tags": ["ai", "crm"]}``. Booleans never match integers (``True`` is not ``1``).
MetadataFilter = Mapping[str, FilterScalar | Sequence[FilterScalar]]

MAX_K = 1000  # the most results one query returns


@dataclass(frozen=True, slots=True)
class CollectionInfo:
    name: str
    dimensions: int
    distance: Distance
    count: int


@dataclass(frozen=True, slots=True)
class VectorPoint:
    """A point to upsert: an upsert of an existing id replaces its vector and whole payload."""

    id: str
    vector: Sequence[float] | npt.NDArray[np.floating[Any]]
    payload: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class ScoredPoint:
    """A query hit: ``score`` is the cosine similarity (1 identical, 0 orthogonal, -1 opposite)."""

    id: str
    score: float
    payload: dict[str, Any]


@dataclass(frozen=True, slots=True)
class StoredPoint:
    """A point as stored: its vector is unit length (the index normalises on upsert)."""

    id: str
    vector: tuple[float, ...] | None
    payload: dict[str, Any]


class VectorIndexError(Exception):
    """A request the index refuses; ``code`` is machine-readable, ``details`` is JSON."""

    code = "vector_index_error"

    def __init__(self, message: str, details: Any = None) -> None:
        super().__init__(message)
        self.message = message
        self.details = details


class CollectionNotFound(VectorIndexError):
    code = "collection_not_found"

    def __init__(self, name: str) -> None:
        super().__init__(f"No vector collection named {name!r}.", {"collection": name})
        self.name = name


class CollectionConflict(VectorIndexError):
    """The collection exists with another dimension or distance."""

    code = "collection_conflict"


class DimensionMismatch(VectorIndexError):
    code = "dimension_mismatch"

    def __init__(self, expected: int, got: int, where: str) -> None:
        super().__init__(
            f"{where} has {got} dimensions; the collection's vectors have {expected}.",
            {"expected": expected, "got": got, "at": where},
        )
        self.expected = expected
        self.got = got


class InvalidPoint(VectorIndexError):
    """A malformed id, a NaN/infinite or zero vector, a payload that is not a JSON object."""

    code = "invalid_point"


class InvalidFilter(VectorIndexError):
    code = "invalid_filter"


class InvalidQuery(VectorIndexError):
    """``k`` out of ``1..MAX_K``, a malformed collection name or query vector."""

    code = "invalid_query"


class VectorIndex(Protocol):
    """Named collections of unit vectors with JSON payloads, searched by cosine similarity.

    Every process that opens the same store sees the same points: an upsert or delete is
    visible to the next ``query`` of any process once it has returned. Collection names are
    ``[A-Za-z0-9_-]{1,64}``; point ids non-empty strings of at most 256 characters; filter
    keys ``[A-Za-z_][A-Za-z0-9_]*``. Scores are ordered best first, ties by id.
    """

    async def create_collection(
        self, name: str, dimensions: int, distance: Distance = "cosine"
    ) -> tuple[CollectionInfo, bool]:
        """Create it (``True``), or return the same existing one (``False``);
        ``CollectionConflict`` if it exists with another dimension or distance."""
        ...

    async def list_collections(self) -> list[CollectionInfo]: ...

    async def collection_info(self, name: str) -> CollectionInfo: ...

    async def drop_collection(self, name: str) -> None:
        """Drop it and every point in it; ``CollectionNotFound`` if there is none."""
        ...

    async def upsert(self, collection: str, points: Sequence[VectorPoint]) -> None:
        """All or nothing: one invalid point refuses the batch; a repeated id, the last wins."""
        ...

    async def delete(self, collection: str, ids: Sequence[str]) -> int:
        """Delete these ids (unknown ones are ignored); how many were deleted."""
        ...

    async def delete_where(self, collection: str, where: MetadataFilter) -> int:
        """Delete every point matching ``where``; how many were deleted."""
        ...

    async def query(
        self,
        collection: str,
        vector: Sequence[float] | npt.NDArray[np.floating[Any]],
        k: int = 10,
        where: MetadataFilter | None = None,
    ) -> list[ScoredPoint]:
        """The ``k`` points most similar to ``vector`` among those matching ``where``."""
        ...

    async def retrieve(
        self, collection: str, ids: Sequence[str], with_vectors: bool = False
    ) -> list[StoredPoint]:
        """The points with these ids that exist, in the order asked."""
        ...

    async def close(self) -> None: ...
