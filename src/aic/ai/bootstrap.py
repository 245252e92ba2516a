"""The ai service's composition root: settings in, wired components out."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

from aic import __version__
from aic.ai.database import open_ai_database
from aic.ai.keys import BootstrapKeys, ServiceKeyVerifier
from aic.ai.settings import AISettings
from aic.contracts.health import AIDetailedHealth, ProviderHealth
from aic.security.service_keys import load_or_create_service_key
from aic.storage import SqlDatabase

__all__ = ["AIContainer", "bootstrap"]


@dataclass
class AIContainer:
    settings: AISettings
    service_keys: frozenset[str]
    key_verifier: ServiceKeyVerifier
    database: SqlDatabase

    def providers(self) -> list[ProviderHealth]:
        """Which LLM providers are configured; an unconfigured one says what to set."""
        s = self.settings
        configured = {
            "openai": (s.openai_api_key, "set AIC_OPENAI_API_KEY"),
            "anthropic": (s.anthropic_api_key, "set AIC_ANTHROPIC_API_KEY"),
            "ollama": (s.ollama_url, "set AIC_OLLAMA_URL"),
        }
        return [
            ProviderHealth(name=name, available=bool(value), reason=None if value else hint)
            for name, (value, hint) in configured.items()
        ]

    def detailed_health(self) -> AIDetailedHealth:
        return AIDetailedHealth(
            status="ok",
            service="ai",
            version=__version__,
            models_loaded=[],
            providers=self.providers(),
            index_sizes={},
        )


@asynccontextmanager
async def bootstrap(settings: AISettings) -> AsyncIterator[AIContainer]:
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    if settings.service_api_keys:
        keys = frozenset(k.strip() for k in settings.service_api_keys.split(",") if k.strip())
    else:
        keys = frozenset({load_or_create_service_key(settings.data_dir)})
    database = await open_ai_database(settings)
    try:
        yield AIContainer(
            settings=settings,
            service_keys=keys,
            key_verifier=BootstrapKeys(keys),
            database=database,
        )
    finally:
        await database.close()
