"""``/v1/vectors``: collections of vectors with payloads; upsert, filtered query, delete.

A point or a query gives a ``vector``, or a ``text`` that ai embeds with its embedding model
(the collection must then have that model's dimensions). Errors of the index become 4xx:
an unknown collection 404, a collection that exists otherwise 409, a wrong length, NaN or
zero vector, a malformed filter or id 422.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated, Any, NoReturn

import numpy as np
import numpy.typing as npt
from fastapi import APIRouter, Depends, Path, Request, Response, status

from aic.ai.embeddings import Embedder
from aic.ai.vectors import (
    CollectionConflict,
    CollectionInfo,
    CollectionNotFound,
    VectorIndex,
    VectorIndexError,
    VectorPoint,
)
from aic.asgi.errors import ApiError
from aic.contracts.vectors import (
    CollectionCreate,
    CollectionList,
    CollectionOut,
    DeleteRequest,
    DeleteResult,
    PointOut,
    PointsOut,
    QueryHit,
    QueryRequest,
    QueryResult,
    RetrieveRequest,
    UpsertRequest,
    UpsertResult,
)

__all__ = ["router"]

router = APIRouter(prefix="/vectors", tags=["vectors"])

Collection = Annotated[
    str,
    Path(
        pattern=r"^[A-Za-z0-9_-]{1,64}$",
        description="1 to 64 letters, digits, '_' or '-'",
        examples=["content"],
    ),
]


async def _index(request: Request) -> VectorIndex:
    index: VectorIndex = request.app.state.container.vectors
    return index


async def _embedder(request: Request) -> Embedder:
    embedder: Embedder = request.app.state.container.embedder
    return embedder


IndexDep = Annotated[VectorIndex, Depends(_index)]
EmbedderDep = Annotated[Embedder, Depends(_embedder)]


def _refuse(exc: VectorIndexError) -> NoReturn:
    if isinstance(exc, CollectionNotFound):
        status_code = 404
    elif isinstance(exc, CollectionConflict):
        status_code = 409
    else:
        status_code = 422
    raise ApiError(status_code, exc.code, exc.message, exc.details) from exc


def _out(info: CollectionInfo) -> CollectionOut:
    return CollectionOut(
        name=info.name, dimensions=info.dimensions, distance=info.distance, count=info.count
    )


async def _embed(
    index: VectorIndex, embedder: Embedder, collection: str, texts: Sequence[str]
) -> npt.NDArray[np.float32]:
    """Embed ``texts`` for ``collection``, which must have the model's dimensions."""
    info = await index.collection_info(collection)
    if info.dimensions != embedder.dimensions:
        raise ApiError(
            422,
            "dimension_mismatch",
            f"Collection {collection!r} has {info.dimensions} dimensions; the embedding model "
            f"{embedder.model_name} gives {embedder.dimensions}. Send vectors, or use a "
            f"collection of {embedder.dimensions} dimensions for text.",
            {"expected": info.dimensions, "got": embedder.dimensions, "at": "text"},
        )
    return await embedder.embed(list(texts))


@router.put(
    "/{collection}",
    summary="Create a collection (idempotent: 200 if it exists alike, 409 if not)",
    response_model=CollectionOut,
    status_code=status.HTTP_201_CREATED,
    responses={200: {"model": CollectionOut, "description": "It existed already, alike"}},
)
async def create_collection(
    collection: Collection, body: CollectionCreate, index: IndexDep, response: Response
) -> CollectionOut:
    try:
        info, created = await index.create_collection(collection, body.dimensions, body.distance)
    except VectorIndexError as exc:
        _refuse(exc)
    if not created:
        response.status_code = status.HTTP_200_OK
    return _out(info)


@router.get("", summary="List the collections with their point counts")
async def list_collections(index: IndexDep) -> CollectionList:
    return CollectionList(collections=[_out(c) for c in await index.list_collections()])


@router.get("/{collection}", summary="A collection's dimensions and point count")
async def collection_info(collection: Collection, index: IndexDep) -> CollectionOut:
    try:
        return _out(await index.collection_info(collection))
    except VectorIndexError as exc:
        _refuse(exc)


@router.delete(
    "/{collection}",
    summary="Drop a collection and all its points",
    status_code=status.HTTP_204_NO_CONTENT,
)
async def drop_collection(collection: Collection, index: IndexDep) -> Response:
    try:
        await index.drop_collection(collection)
    except VectorIndexError as exc:
        _refuse(exc)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post(
    "/{collection}/upsert",
    summary="Insert or replace points (all or nothing; by vector or by text)",
)
async def upsert(
    collection: Collection, body: UpsertRequest, index: IndexDep, embedder: EmbedderDep
) -> UpsertResult:
    try:
        vectors: list[Any] = [p.vector for p in body.points]
        texts = [(row, p.text) for row, p in enumerate(body.points) if p.text is not None]
        if texts:
            embedded = await _embed(index, embedder, collection, [t for _, t in texts])
            for (row, _), vector in zip(texts, embedded, strict=True):
                vectors[row] = vector
        points = [VectorPoint(p.id, vectors[row], p.payload) for row, p in enumerate(body.points)]
        await index.upsert(collection, points)
        count = (await index.collection_info(collection)).count
    except VectorIndexError as exc:
        _refuse(exc)
    return UpsertResult(upserted=len({p.id for p in body.points}), count=count)


@router.post("/{collection}/query", summary="The k nearest points by cosine, filtered")
async def query(
    collection: Collection, body: QueryRequest, index: IndexDep, embedder: EmbedderDep
) -> QueryResult:
    try:
        vector: Any = body.vector
        if body.text is not None:
            vector = (await _embed(index, embedder, collection, [body.text]))[0]
        hits = await index.query(collection, vector, body.k, body.filter)
    except VectorIndexError as exc:
        _refuse(exc)
    return QueryResult(
        collection=collection,
        results=[QueryHit(id=h.id, score=h.score, payload=h.payload) for h in hits],
    )


@router.post("/{collection}/delete", summary="Delete points by ids or by filter")
async def delete(collection: Collection, body: DeleteRequest, index: IndexDep) -> DeleteResult:
    try:
        if body.ids is not None:
            deleted = await index.delete(collection, body.ids)
        else:
            assert body.filter is not None  # the model requires one of the two
            deleted = await index.delete_where(collection, body.filter)
        count = (await index.collection_info(collection)).count
    except VectorIndexError as exc:
        _refuse(exc)
    return DeleteResult(deleted=deleted, count=count)


@router.post("/{collection}/retrieve", summary="Points by id, with their payloads")
async def retrieve(collection: Collection, body: RetrieveRequest, index: IndexDep) -> PointsOut:
    try:
        found = await index.retrieve(collection, body.ids, body.with_vectors)
    except VectorIndexError as exc:
        _refuse(exc)
    return PointsOut(
        points=[
            PointOut(id=p.id, vector=list(p.vector) if p.vector else None, payload=p.payload)
            for p in found
        ]
    )
