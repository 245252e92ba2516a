"""Wire DTOs of ai's vector operations: collections, upserts, filtered queries, deletes."""

from __future__ import annotations

from typing import Any, Literal, Self

from pydantic import BaseModel, ConfigDict, Field, StrictBool, model_validator

__all__ = [
    "MAX_BATCH",
    "CollectionCreate",
    "CollectionList",
    "CollectionOut",
    "DeleteRequest",
    "DeleteResult",
    "FilterValue",
    "PointIn",
    "PointOut",
    "PointsOut",
    "QueryHit",
    "QueryRequest",
    "QueryResult",
    "RetrieveRequest",
    "UpsertRequest",
    "UpsertResult",
]

MAX_BATCH = 1000  # points per upsert, ids per delete or retrieve
_MAX_DIMENSIONS = 4096
_MAX_TEXT = 20_000

FilterValue = str | int | bool | list[str | int | bool]
_FILTER_DOC = (
    'Payload key -> value (equality) or list of values ("in"); all keys must match. '
    "A list in a payload matches when one of its elements does; true never matches 1."
)
_FILTER_EXAMPLE = {"portal": "smb", "content_type": ["guide", "case_study"], "published": True}


class CollectionCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    dimensions: int = Field(ge=1, le=_MAX_DIMENSIONS, examples=[384])
    distance: Literal["cosine"] = "cosine"


class CollectionOut(BaseModel):
    name: str
    dimensions: int
    distance: Literal["cosine"]
    count: int = Field(description="Points in the collection.")


class CollectionList(BaseModel):
    collections: list[CollectionOut]


class PointIn(BaseModel):
    """A point: give its ``vector``, or a ``text`` for ai's embedding model to embed."""

    model_config = ConfigDict(extra="forbid")

    id: str = Field(min_length=1, max_length=256)
    vector: list[float] | None = Field(default=None, min_length=1, max_length=_MAX_DIMENSIONS)
    text: str | None = Field(default=None, min_length=1, max_length=_MAX_TEXT)
    payload: dict[str, Any] = Field(default_factory=dict, examples=[{"portal": "smb"}])

    @model_validator(mode="after")
    def _vector_or_text(self) -> Self:
        if (self.vector is None) == (self.text is None):
            raise ValueError("give exactly one of `vector` and `text`")
        return self


class UpsertRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    points: list[PointIn] = Field(min_length=1, max_length=MAX_BATCH)


class UpsertResult(BaseModel):
    upserted: int = Field(description="Distinct ids written (a repeated id counts once).")
    count: int = Field(description="Points in the collection now.")


class QueryRequest(BaseModel):
    """Search by ``vector``, or by ``text`` embedded with ai's embedding model."""

    model_config = ConfigDict(extra="forbid")

    vector: list[float] | None = Field(default=None, min_length=1, max_length=_MAX_DIMENSIONS)
    text: str | None = Field(default=None, min_length=1, max_length=_MAX_TEXT)
    k: int = Field(default=10, ge=1, le=1000, description="How many hits at most.")
    filter: dict[str, FilterValue] | None = Field(
        default=None, description=_FILTER_DOC, examples=[_FILTER_EXAMPLE]
    )

    @model_validator(mode="after")
    def _vector_or_text(self) -> Self:
        if (self.vector is None) == (self.text is None):
            raise ValueError("give exactly one of `vector` and `text`")
        return self


class QueryHit(BaseModel):
    id: str
    score: float = Field(description="Cosine similarity: 1 same direction, -1 opposite.")
    payload: dict[str, Any]


class QueryResult(BaseModel):
    collection: str
    results: list[QueryHit] = Field(description="Best first; equal scores by id.")


class DeleteRequest(BaseModel):
    """Delete by ``ids``, or every point matching ``filter``."""

    model_config = ConfigDict(extra="forbid")

    ids: list[str] | None = Field(default=None, min_length=1, max_length=MAX_BATCH)
    filter: dict[str, FilterValue] | None = Field(
        default=None, min_length=1, description=_FILTER_DOC, examples=[{"content_id": "c-42"}]
    )

    @model_validator(mode="after")
    def _ids_or_filter(self) -> Self:
        if (self.ids is None) == (self.filter is None):
            raise ValueError("give exactly one of `ids` and `filter`")
        return self


class DeleteResult(BaseModel):
    deleted: int = Field(description="Points that existed and are gone.")
    count: int = Field(description="Points in the collection now.")


class RetrieveRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    ids: list[str] = Field(min_length=1, max_length=MAX_BATCH)
    with_vectors: StrictBool = False


class PointOut(BaseModel):
    id: str
    vector: list[float] | None = Field(description="Unit length, when asked for.")
    payload: dict[str, Any]


class PointsOut(BaseModel):
    points: list[PointOut] = Field(description="The ids that exist, in the order asked.")
