"""Backend settings: where it listens, which adapters it uses, how it reaches ai."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, field_validator

from aic.settings import CommonSettings

__all__ = ["BackendSettings"]

_DATABASE_SCHEMES = ("sqlite://", "postgresql://", "postgres://")


class BackendSettings(CommonSettings):
    """Settings of the backend service (:3100)."""

    backend_host: str = Field(default="127.0.0.1", description="Backend listen address.")
    backend_port: int = Field(default=3100, ge=0, le=65535, description="Backend listen port.")
    database_url: str | None = Field(
        default=None,
        description="Event store + read models: `sqlite:///path` or `postgresql://...`; "
        "unset: `backend.db` in the data folder.",
    )
    ai_url: str = Field(
        default="http://127.0.0.1:8000", description="Where the backend's gateway finds ai."
    )
    service_api_key: str | None = Field(
        default=None,
        description="Key the backend sends to ai; unset: the key generated into the data folder.",
    )
    health_timeout_seconds: float = Field(
        default=2.0, gt=0, le=30, description="Time limit of each readiness probe."
    )

    @field_validator("database_url")
    @classmethod
    def _database_scheme(cls, value: str | None) -> str | None:
        if value in (None, ""):
            return None
        if not value.startswith(_DATABASE_SCHEMES):
            raise ValueError("must start with sqlite://, postgresql:// or postgres://")
        return value

    @field_validator("ai_url")
    @classmethod
    def _ai_url_scheme(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("must start with http:// or https://")
        return value.rstrip("/")

    @property
    def resolved_database_url(self) -> str:
        """The configured database URL, or the embedded SQLite file in the data folder."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'backend.db').as_posix()}"

    @property
    def sqlite_path(self) -> Path | None:
        url = self.resolved_database_url
        return Path(url.removeprefix("sqlite:///")) if url.startswith("sqlite://") else None
