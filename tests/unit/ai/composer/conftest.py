"""The demo articles indexed once per module with a model-free embedder."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt
import pytest

from aic.ai.composer import ContentCorpus, ContentDocument
from aic.ai.composer.sentences import content_tokens
from aic.backend.demo.articles import Article, load_articles
from tests.support.embedders import HashingEmbedder
from tests.support.memory_vectors import MemoryVectorIndex


class TopicalEmbedder(HashingEmbedder):
    """The hashing embedder over meaningful words only: stopwords no longer make every
    question look alike, so relevance behaves roughly as with a real model."""

    async def embed(self, texts: Sequence[str]) -> npt.NDArray[np.float32]:
        return await super().embed([" ".join(content_tokens(t)) or "empty" for t in texts])


def demo_document(article: Article) -> ContentDocument:
    return ContentDocument(
        content_id=f"demo-{article.slug}",
        slug=article.slug,
        title=article.title,
        content_type=article.content_type,
        portals=article.portals,
        segment=article.segment,
        body_markdown=article.body_markdown,
        tags=article.tags,
        summary=article.summary,
        published=article.status == "published",
    )


DEMO_DOCUMENTS = tuple(demo_document(a) for a in load_articles())
DEMO_IDS = frozenset(d.content_id for d in DEMO_DOCUMENTS)


@pytest.fixture(scope="module")
def demo_corpus() -> ContentCorpus:
    corpus = ContentCorpus(TopicalEmbedder(), MemoryVectorIndex())
    asyncio.run(corpus.index(DEMO_DOCUMENTS))
    return corpus
