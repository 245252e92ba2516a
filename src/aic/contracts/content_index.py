"""Wire DTOs of ai's content index: what ``aic reindex`` and the publication saga send."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, StrictBool

__all__ = [
    "CONTENT_ID_PATTERN",
    "ContentIndexStatus",
    "IndexContentRequest",
    "IndexContentResponse",
    "IndexDocument",
    "IndexedDocumentOut",
    "RemovedFromIndex",
]

CONTENT_ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._:@-]{0,127}$"
_NAME = r"^[a-z][a-z0-9_-]{0,39}$"


class IndexDocument(BaseModel):
    """One content item: its published revision, as the portals show it."""

    model_config = ConfigDict(extra="forbid")

    content_id: str = Field(pattern=CONTENT_ID_PATTERN)
    slug: str = Field(min_length=1, max_length=120, pattern=r"^[a-z0-9][a-z0-9-]*$")
    title: str = Field(min_length=1, max_length=300)
    content_type: str = Field(pattern=_NAME, examples=["guide"])
    portals: list[str] = Field(min_length=1, max_length=8)
    segment: str = Field(pattern=_NAME, examples=["all", "smb", "enterprise"])
    tags: list[str] = Field(default_factory=list, max_length=20)
    summary: str = Field(default="", max_length=2000)
    published: StrictBool = True
    body_markdown: str = Field(min_length=1, max_length=200_000)


class IndexContentRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    documents: list[IndexDocument] = Field(min_length=1, max_length=100)


class IndexedDocumentOut(BaseModel):
    content_id: str
    passages: int = Field(description="Passages now indexed for it (its old ones replaced).")


class IndexContentResponse(BaseModel):
    indexed: list[IndexedDocumentOut]
    passages: int = Field(description="Passages written by this request.")
    collection_passages: int = Field(description="Passages in the collection now.")


class RemovedFromIndex(BaseModel):
    content_id: str
    passages_removed: int


class ContentIndexStatus(BaseModel):
    collection: str
    passages: int
    embedding_model: str
