"""Which ``VectorIndex`` the settings ask for: the embedded one on the ai database, or Qdrant."""

from __future__ import annotations

from collections.abc import Callable

from aic.ai.settings import AISettings
from aic.ai.vectors.embedded import EmbeddedVectorIndex
from aic.ai.vectors.local import PlannerSettings
from aic.ai.vectors.ports import VectorIndex
from aic.storage import SqlDatabase

__all__ = ["open_vector_index", "vector_index_kind"]


def vector_index_kind(settings: AISettings) -> str:
    """``AIC_VECTOR_INDEX``, or ``qdrant`` when only ``AIC_QDRANT_URL`` is set."""
    if settings.vector_index is not None:
        return settings.vector_index
    return "qdrant" if settings.qdrant_url else "embedded"


def open_vector_index(
    settings: AISettings,
    database: SqlDatabase,
    on_error: Callable[[BaseException], None] | None = None,
) -> VectorIndex:
    """The configured index; ``on_error`` hears of a failed background graph build."""
    if vector_index_kind(settings) == "qdrant":
        if not settings.qdrant_url:
            raise ValueError("AIC_VECTOR_INDEX=qdrant needs AIC_QDRANT_URL (the server's URL)")
        from qdrant_client import AsyncQdrantClient  # only deployments that use Qdrant load it

        from aic.ai.vectors.qdrant import QdrantVectorIndex

        client = AsyncQdrantClient(url=settings.qdrant_url, api_key=settings.qdrant_api_key)
        return QdrantVectorIndex(client)
    planner = PlannerSettings(
        exact_limit=settings.vector_exact_limit,
        graph_min_points=settings.vector_graph_min_points,
        ef_search=settings.vector_ef_search,
    )
    return EmbeddedVectorIndex(
        database,
        sync_interval=settings.vector_sync_interval_ms / 1000,
        planner=planner,
        on_error=on_error,
    )
