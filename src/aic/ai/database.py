"""ai's own database (derived data only): which table sets it has, and opening it migrated."""

from __future__ import annotations

from aic.ai.registry.store import REGISTRY_MIGRATIONS
from aic.ai.servicekeys.store import SERVICE_KEY_MIGRATIONS
from aic.ai.settings import AISettings
from aic.ai.vectors.embedded import VECTOR_MIGRATIONS
from aic.storage import MigrationSet, SqlDatabase, migrate, open_database

__all__ = ["AI_MIGRATION_SETS", "open_ai_database"]

# Every table set of the ai database, in order: a feature that owns tables ships
# ``sql/{sqlite,postgres}/NNNN_name.sql`` in its package and adds its set here.
AI_MIGRATION_SETS: tuple[MigrationSet, ...] = (
    SERVICE_KEY_MIGRATIONS,
    VECTOR_MIGRATIONS,
    REGISTRY_MIGRATIONS,
)


async def open_ai_database(settings: AISettings) -> SqlDatabase:
    """Migrate, then open ``AIC_AI_DATABASE_URL`` (default: ``ai.db`` in the data folder).

    Every replica and worker opens the same database, so they all see the same vectors,
    registry and keys; replicas starting together wait on the migrator's lock.
    """
    url = settings.resolved_ai_database_url
    if settings.ai_database_url is None:
        settings.data_dir.mkdir(parents=True, exist_ok=True)
    await migrate(url, AI_MIGRATION_SETS)
    return await open_database(url, min_size=1, max_size=5)
