"""ai service settings: where it listens, its data and the LLM providers it may call."""

from __future__ import annotations

import os
from typing import Literal

from pydantic import Field, field_validator

from aic.settings import CommonSettings, rate_limit_text

__all__ = ["LLM_PROVIDER_NAMES", "AISettings", "names"]

# The offline provider is `local`; the others are reached over the network.
LLM_PROVIDER_NAMES = ("openai", "anthropic", "ollama", "local")


def names(value: str) -> tuple[str, ...]:
    """A comma-separated setting as its items, blanks dropped."""
    return tuple(item.strip() for item in value.split(",") if item.strip())


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
    service_key_cache_seconds: float = Field(
        default=5.0,
        ge=0,
        le=300,
        description="How long a process trusts an issued service key it has verified before "
        "asking the database again: a revoked key stops working within this time.",
    )
    service_key_touch_seconds: float = Field(
        default=300.0,
        ge=1,
        description="An issued key's `last_used_at` is written at most this often.",
    )
    rate_limit_service: str = Field(
        default="20000/minute",
        description="Requests per service key to `/v1/*`; several limits join with `;`.",
    )
    rate_limit_failed_key: str = Field(
        default="10/minute",
        description="Wrong service keys per client address before that address is refused "
        "(429) for the rest of the window, even with a right key (brute-force guard).",
    )
    embeddings_threads: int = Field(
        default=0,
        ge=0,
        le=64,
        description="Threads onnxruntime runs one embedding batch on; 0: min(2, CPUs available).",
    )
    embeddings_batch_size: int = Field(
        default=32,
        ge=1,
        le=256,
        description="Texts the embedding model runs together (similar lengths side by side).",
    )
    embeddings_quantized: bool = Field(
        default=False,
        description="Run the int8 variant of the embedding model: a 44 MB file instead of "
        "91 MB, cosine >= 0.99 to the float32 reference instead of >= 0.999, no faster "
        "(docs/adr/0012).",
    )
    embeddings_preload: bool = Field(
        default=False,
        description="Load the embedding model in the background at start, not on first use.",
    )
    vector_index: Literal["embedded", "qdrant"] | None = Field(
        default=None,
        description="Vector index: `embedded` (points in the ai database, searched in each "
        "process) or `qdrant`; unset: `qdrant` if AIC_QDRANT_URL is set, else `embedded`.",
    )
    qdrant_url: str | None = Field(
        default=None, description="Qdrant server URL (`http://host:6333`); selects Qdrant."
    )
    qdrant_api_key: str | None = Field(default=None, description="Qdrant API key, if required.")
    vector_sync_interval_ms: int = Field(
        default=0,
        ge=0,
        description="Embedded index: how often a process looks for other workers' vector "
        "writes before a query (one indexed read); 0: before every query.",
    )
    vector_exact_limit: int = Field(
        default=20_000,
        ge=0,
        description="Embedded index: a query over at most this many points (after its filter) "
        "is answered by exact search; more go to the HNSW graph.",
    )
    vector_graph_min_points: int = Field(
        default=20_000,
        ge=1,
        description="Embedded index: a collection gets an HNSW graph (built in the "
        "background) from this many points; smaller ones are always searched exactly.",
    )
    vector_ef_search: int = Field(
        default=128,
        ge=10,
        le=4096,
        description="Embedded index: HNSW search breadth; higher is better recall, slower.",
    )
    openai_api_key: str | None = Field(default=None, description="OpenAI key; unset: not used.")
    openai_base_url: str | None = Field(
        default=None, description="OpenAI-compatible server base URL (default: OpenAI's)."
    )
    anthropic_api_key: str | None = Field(default=None, description="Anthropic key.")
    anthropic_base_url: str | None = Field(default=None, description="Anthropic base URL.")
    ollama_url: str | None = Field(default=None, description="Ollama server URL; unset: not used.")
    openai_model: str = Field(
        default="gpt-4o-mini",
        description="OpenAI model(s), comma-separated: the first is the default, "
        "the others may be asked for by name.",
    )
    openai_timeout_seconds: float = Field(
        default=60.0,
        gt=0,
        description="Time limit of an OpenAI answer (of each next piece, when streaming).",
    )
    anthropic_model: str = Field(
        default="claude-haiku-4-5",
        description="Anthropic model(s), comma-separated: the first is the default.",
    )
    anthropic_timeout_seconds: float = Field(
        default=60.0, gt=0, description="Time limit of an Anthropic answer (or of each piece)."
    )
    ollama_model: str = Field(
        default="llama3.2",
        description="Ollama model(s), comma-separated: the first is the default.",
    )
    ollama_timeout_seconds: float = Field(
        default=120.0, gt=0, description="Time limit of an Ollama answer (or of each piece)."
    )
    llm_providers: str | None = Field(
        default=None,
        description="LLM providers in the order they are tried, comma-separated among "
        "`openai`, `anthropic`, `ollama`, `local` (the offline one).",
    )
    llm_retries: int = Field(
        default=1,
        ge=0,
        le=5,
        description="Retries of a provider after a 429, 5xx or connection error, "
        "before the next provider is tried.",
    )
    llm_retry_after_max_seconds: float = Field(
        default=5.0,
        ge=0,
        description="Longest `Retry-After` of a 429 that is waited out; "
        "after a longer one the next provider is tried at once.",
    )
    llm_max_tokens: int = Field(
        default=1024, ge=1, description="Tokens an answer may have when the request does not say."
    )
    llm_max_prompt_chars: int = Field(
        default=100_000,
        ge=1,
        description="Longest prompt accepted (characters of every message); longer gets 400.",
    )
    composer_min_score: float = Field(
        default=0.3,
        ge=-1.0,
        le=1.0,
        description="Cosine similarity below which a passage is off the topic for generation "
        "and answers (all-MiniLM-L6-v2 scale).",
    )
    composer_semantic_margin: float = Field(
        default=0.2,
        ge=0.0,
        le=2.0,
        description="A passage sharing no word with the request counts as relevant only when "
        "its score reaches the minimum plus this margin.",
    )

    @field_validator("openai_model", "anthropic_model", "ollama_model")
    @classmethod
    def _some_model(cls, value: str) -> str:
        if not names(value):
            raise ValueError("name at least one model")
        return value

    @field_validator("rate_limit_service", "rate_limit_failed_key")
    @classmethod
    def _rate_limit(cls, value: str) -> str:
        return rate_limit_text(value)

    @field_validator("llm_providers")
    @classmethod
    def _known_providers(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        listed = [name.lower() for name in names(value)]
        unknown = sorted(set(listed) - set(LLM_PROVIDER_NAMES))
        if unknown:
            raise ValueError(f"unknown provider(s) {unknown}; choose among {LLM_PROVIDER_NAMES}")
        if len(set(listed)) != len(listed):
            raise ValueError("a provider is listed twice")
        return ",".join(listed)

    @property
    def resolved_embeddings_threads(self) -> int:
        """The configured embedding threads, or min(2, CPUs)."""
        if self.embeddings_threads:
            return self.embeddings_threads
        if hasattr(os, "sched_getaffinity"):  # Linux: the CPUs this process may run on
            return min(2, len(os.sched_getaffinity(0)))
        return min(2, os.cpu_count() or 1)

    @property
    def rate_limit_policies(self) -> dict[str, str]:
        """Rate-limit categories of ai and their limits."""
        return {"service": self.rate_limit_service, "failed_key": self.rate_limit_failed_key}

    @property
    def resolved_ai_database_url(self) -> str:
        """The configured ai database URL, or the embedded SQLite file in the data folder."""
        if self.ai_database_url:
            return self.ai_database_url
        return f"sqlite:///{(self.data_dir / 'ai.db').as_posix()}"
