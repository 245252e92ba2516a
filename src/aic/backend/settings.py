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
    webhook_urls: str | None = Field(
        default=None,
        description="Comma-separated URLs that receive signed POSTs of selected events.",
    )
    webhook_secret: str | None = Field(
        default=None,
        description="HMAC key of the webhook signatures; unset: generated into the data folder.",
    )
    webhook_events: str = Field(
        default="NotificationSent,LeadQualified,LeadAssigned,LeadConverted,ContentPublished",
        description="Comma-separated event types sent to the webhooks (`*`: all).",
    )
    qualify_threshold: float = Field(
        default=70.0, ge=0, le=100, description="A score at or above this qualifies a lead."
    )
    nurture_threshold: float = Field(
        default=40.0, ge=0, le=100, description="Below this a lead is disqualified by routing."
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

    @field_validator("webhook_urls")
    @classmethod
    def _webhook_urls(cls, value: str | None) -> str | None:
        for url in (value or "").split(","):
            if url.strip() and not url.strip().startswith(("http://", "https://")):
                raise ValueError("each URL must start with http:// or https://")
        return value or None

    @field_validator("ai_url")
    @classmethod
    def _ai_url_scheme(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("must start with http:// or https://")
        return value.rstrip("/")

    @property
    def webhook_url_list(self) -> list[str]:
        return [u.strip() for u in (self.webhook_urls or "").split(",") if u.strip()]

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
