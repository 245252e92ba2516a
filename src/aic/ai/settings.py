"""ai service settings: where it listens, its data and the LLM providers it may call."""

from __future__ import annotations

from pydantic import Field

from aic.settings import CommonSettings

__all__ = ["AISettings"]


class AISettings(CommonSettings):
    """Settings of the ai service (:8000)."""

    ai_host: str = Field(default="127.0.0.1", description="ai listen address.")
    ai_port: int = Field(default=8000, ge=0, le=65535, description="ai listen port.")
    ai_database_url: str | None = Field(
        default=None,
        description="ai's derived data (search index, registry); "
        "unset: `ai.db` in the data folder.",
    )
    service_api_keys: str | None = Field(
        default=None,
        description="Comma-separated bootstrap keys ai accepts on `/v1/*`; "
        "unset: the key generated into the data folder.",
    )
    openai_api_key: str | None = Field(default=None, description="OpenAI key; unset: not used.")
    openai_base_url: str | None = Field(
        default=None, description="OpenAI-compatible server base URL (default: OpenAI's)."
    )
    anthropic_api_key: str | None = Field(default=None, description="Anthropic key.")
    anthropic_base_url: str | None = Field(default=None, description="Anthropic base URL.")
    ollama_url: str | None = Field(default=None, description="Ollama server URL; unset: not used.")

    @property
    def resolved_ai_database_url(self) -> str:
        """The configured ai database URL, or the embedded SQLite file in the data folder."""
        if self.ai_database_url:
            return self.ai_database_url
        return f"sqlite:///{(self.data_dir / 'ai.db').as_posix()}"
