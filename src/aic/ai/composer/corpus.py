"""The ``content`` vector collection: documents indexed as passages, and retrieval from it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from aic.ai.composer.passages import ContentDocument, Passage, split_document
from aic.ai.embeddings import Embedder
from aic.ai.vectors import CollectionNotFound, VectorIndex, VectorPoint

__all__ = [
    "CONTENT_COLLECTION",
    "ContentCorpus",
    "IndexedDocument",
    "PassageFilter",
    "RetrievedPassage",
]

CONTENT_COLLECTION = "content"
# Passage ids are ``<content id>#<n>``, numbered from 0 without gaps: a re-index overwrites
# ids 0..new-1 and then deletes the old ones past them, so a document is never briefly
# missing while it is replaced. Old ids are looked for this many at a time.
_STALE_BATCH = 64


@dataclass(frozen=True, slots=True)
class RetrievedPassage:
    passage: Passage
    score: float


@dataclass(frozen=True, slots=True)
class IndexedDocument:
    content_id: str
    passages: int


@dataclass(frozen=True, slots=True)
class PassageFilter:
    """Which passages a question or a generation may draw on.

    ``segment`` ``smb`` also admits content written for every segment (``all``).
    """

    portal: str | None = None
    segment: str | None = None
    content_types: tuple[str, ...] = ()
    published_only: bool = True

    def where(self) -> dict[str, Any]:
        where: dict[str, Any] = {}
        if self.portal:
            where["portals"] = self.portal
        if self.segment:
            where["segment"] = [self.segment] if self.segment == "all" else [self.segment, "all"]
        if self.content_types:
            where["content_type"] = list(self.content_types)
        if self.published_only:
            where["published"] = True
        return where


class ContentCorpus:
    """Indexes content documents into one collection and retrieves passages by meaning."""

    def __init__(
        self, embedder: Embedder, vectors: VectorIndex, collection: str = CONTENT_COLLECTION
    ) -> None:
        self.embedder = embedder
        self.vectors = vectors
        self.collection = collection

    async def ensure_collection(self) -> None:
        await self.vectors.create_collection(self.collection, self.embedder.dimensions)

    async def index(self, documents: Sequence[ContentDocument]) -> list[IndexedDocument]:
        """Replace each document's passages (all documents' embeddings in one batch)."""
        await self.ensure_collection()
        split = [(document, split_document(document)) for document in documents]
        passages = [p for _, found in split for p in found]
        vectors = await self.embedder.embed([p.embedding_text for p in passages])
        points = [
            VectorPoint(p.passage_id, vectors[row], p.payload()) for row, p in enumerate(passages)
        ]
        if points:
            await self.vectors.upsert(self.collection, points)
        for document, found in split:
            await self._delete_from(document.content_id, len(found))
        return [IndexedDocument(d.content_id, len(found)) for d, found in split]

    async def _delete_from(self, content_id: str, first: int) -> None:
        """Delete passages ``first``, ``first + 1`` ... of a document, up to the first gap."""
        while True:
            ids = [f"{content_id}#{n}" for n in range(first, first + _STALE_BATCH)]
            found = await self.vectors.retrieve(self.collection, ids)
            if not found:
                return
            await self.vectors.delete(self.collection, [point.id for point in found])
            first += _STALE_BATCH

    async def remove(self, content_id: str) -> int:
        """Delete a document's passages; how many there were (0 if it was not indexed)."""
        try:
            return await self.vectors.delete_where(self.collection, {"content_id": content_id})
        except CollectionNotFound:
            return 0

    async def clear(self) -> None:
        """Drop every passage (the collection is made again, empty, on the next index)."""
        try:
            await self.vectors.drop_collection(self.collection)
        except CollectionNotFound:
            return

    async def passage_count(self) -> int:
        try:
            return (await self.vectors.collection_info(self.collection)).count
        except CollectionNotFound:
            return 0

    async def retrieve(
        self, query: str, where: PassageFilter | None = None, k: int = 24
    ) -> list[RetrievedPassage]:
        """The ``k`` passages closest in meaning to ``query``, best first."""
        vector = (await self.embedder.embed([query]))[0]
        try:
            hits = await self.vectors.query(
                self.collection, vector, k, (where or PassageFilter()).where()
            )
        except CollectionNotFound:
            return []
        return [RetrievedPassage(Passage.from_payload(h.id, h.payload), h.score) for h in hits]
