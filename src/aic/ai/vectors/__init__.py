"""Vector operations: the ``VectorIndex`` port, the embedded index on the ai database, Qdrant."""

from aic.ai.vectors.ports import (
    MAX_K,
    CollectionConflict,
    CollectionInfo,
    CollectionNotFound,
    DimensionMismatch,
    Distance,
    InvalidFilter,
    InvalidPoint,
    InvalidQuery,
    MetadataFilter,
    ScoredPoint,
    StoredPoint,
    VectorIndex,
    VectorIndexError,
    VectorPoint,
)

__all__ = [
    "MAX_K",
    "CollectionConflict",
    "CollectionInfo",
    "CollectionNotFound",
    "DimensionMismatch",
    "Distance",
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
