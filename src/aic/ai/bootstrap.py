"""The ai service's composition root: settings in, wired components out."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

from prometheus_client import CollectorRegistry

from aic import __version__
from aic.ai.composer import (
    AnswerComposer,
    ContentCorpus,
    ContentService,
    LocalComposer,
    LocalComposerProvider,
    Relevance,
)
from aic.ai.database import open_ai_database
from aic.ai.embeddings import Embedder
from aic.ai.embeddings.minilm import MiniLMEmbedder
from aic.ai.keys import BootstrapKeys, ServiceKeyVerifier
from aic.ai.providers import LLMProvider
from aic.ai.providers.chain import ProviderChain
from aic.ai.providers.metrics import LLMMetrics
from aic.ai.providers.selection import build_chain
from aic.ai.registry import ModelRegistry
from aic.ai.registry.metrics import ModelMetrics
from aic.ai.servicekeys import IssuedKeys, ServiceKeyRing, SqlServiceKeyStore
from aic.ai.settings import AISettings
from aic.ai.vectors import VectorIndex
from aic.ai.vectors.factory import open_vector_index
from aic.contracts.health import AIDetailedHealth, ProviderHealth
from aic.observability.logging import get_logger
from aic.security.ratelimit import RateLimiter, build_rate_limiter
from aic.security.service_keys import load_or_create_service_key
from aic.storage import SqlDatabase

__all__ = ["AIContainer", "bootstrap"]


@dataclass
class AIContainer:
    settings: AISettings
    service_keys: frozenset[str]
    key_verifier: ServiceKeyVerifier
    issued_keys: IssuedKeys
    rate_limiter: RateLimiter
    database: SqlDatabase
    embedder: Embedder
    llm: ProviderChain
    vectors: VectorIndex
    model_registry: ModelRegistry
    content: ContentService

    def providers(self) -> list[ProviderHealth]:
        """Every LLM provider in the order tried; one that is not configured says what to set."""
        return [
            ProviderHealth(
                name=s.name, available=s.available, reason=s.reason, models=list(s.models)
            )
            for s in self.llm.statuses()
        ]

    def models_loaded(self) -> list[str]:
        """Models in memory: the embedding model once its first use (or preload) loaded it,
        then the registry's versions this process has run (``name@version``)."""
        loaded = []
        embedder = self.embedder
        if isinstance(embedder, MiniLMEmbedder) and embedder.loaded:
            suffix = "-int8" if embedder.variant == "int8" else ""
            loaded.append(embedder.model_name + suffix)
        return loaded + self.model_registry.loaded()

    async def detailed_health(self) -> AIDetailedHealth:
        healthy = self.llm.status().available
        try:
            sizes = {c.name: c.count for c in await self.vectors.list_collections()}
        except Exception as exc:  # a vector server down (Qdrant): degraded, not a 500
            get_logger("aic.ai.vectors").warning("vector index unreachable", error=repr(exc))
            sizes, healthy = {}, False
        return AIDetailedHealth(
            status="ok" if healthy else "degraded",
            service="ai",
            version=__version__,
            models_loaded=self.models_loaded(),
            providers=self.providers(),
            index_sizes=sizes,
        )


@asynccontextmanager
async def bootstrap(
    settings: AISettings,
    *,
    offline_llm: LLMProvider | None = None,
    llm_metrics: LLMMetrics | None = None,
    registry: CollectorRegistry | None = None,
) -> AsyncIterator[AIContainer]:
    """``offline_llm`` is the last provider of the chain (``local`` in AIC_LLM_PROVIDERS)."""
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    if settings.service_api_keys:
        keys = frozenset(k.strip() for k in settings.service_api_keys.split(",") if k.strip())
    else:
        keys = frozenset({load_or_create_service_key(settings.data_dir)})
    database = await open_ai_database(settings)
    issued = IssuedKeys(
        SqlServiceKeyStore(database),
        cache_seconds=settings.service_key_cache_seconds,
        touch_seconds=settings.service_key_touch_seconds,
    )
    rate_limiter = build_rate_limiter(
        settings,
        settings.rate_limit_policies,
        service="ai",
        registry=registry or CollectorRegistry(),
    )
    embedder = MiniLMEmbedder(
        settings.data_dir / "models",
        threads=settings.resolved_embeddings_threads,
        batch_size=settings.embeddings_batch_size,
        quantized=settings.embeddings_quantized,
    )
    if settings.embeddings_preload:
        embedder.start_loading()
    log = get_logger("aic.ai.vectors")
    vectors = open_vector_index(
        settings,
        database,
        on_error=lambda exc: log.error(
            "vector graph build failed; exact search goes on", exc_info=exc
        ),
    )
    model_registry = ModelRegistry(database, ModelMetrics.of(registry) if registry else None)
    corpus = ContentCorpus(embedder, vectors)
    relevance = Relevance(settings.composer_min_score, settings.composer_semantic_margin)
    answers = AnswerComposer(relevance)
    if offline_llm is None:  # the retrieval-grounded composer is the offline provider
        offline_llm = LocalComposerProvider(corpus, answers)
    llm = build_chain(settings, offline_llm, llm_metrics)
    content = ContentService(corpus, LocalComposer(relevance), answers, llm)
    try:
        yield AIContainer(
            settings=settings,
            service_keys=keys,
            key_verifier=ServiceKeyRing(BootstrapKeys(keys), issued),
            issued_keys=issued,
            rate_limiter=rate_limiter,
            database=database,
            embedder=embedder,
            llm=llm,
            vectors=vectors,
            model_registry=model_registry,
            content=content,
        )
    finally:
        await vectors.close()
        await embedder.aclose()
        await llm.aclose()
        await rate_limiter.aclose()
        await database.close()
