"""Settings shared by every AIC process, read from ``AIC_*`` environment variables."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

__all__ = ["CommonSettings", "LogFormat", "LogLevel", "local_url"]

LogLevel = Literal["debug", "info", "warning", "error"]
LogFormat = Literal["json", "console"]


class CommonSettings(BaseSettings):
    """What every service reads: where data lives, how it logs, HTTP limits and TLS."""

    model_config = SettingsConfigDict(
        env_prefix="AIC_", extra="ignore", frozen=True, validate_default=True
    )

    data_dir: Path = Field(
        default=Path(".aic"),
        description="Folder for embedded data: SQLite files, indexes, models, generated keys.",
    )
    log_level: LogLevel = Field(default="info", description="Lowest level written to the log.")
    log_format: LogFormat = Field(
        default="json", description="`json`: one object per line; `console`: for a terminal."
    )
    max_body_bytes: int = Field(
        default=1_048_576,
        ge=1024,
        description="Largest request body accepted; larger bodies get 413.",
    )
    tls_certfile: Path | None = Field(
        default=None, description="PEM certificate: when set with the key, services serve HTTPS."
    )
    tls_keyfile: Path | None = Field(default=None, description="PEM private key for TLS.")
    tls_ca_file: Path | None = Field(
        default=None,
        description="PEM CA bundle the services trust when calling each other over TLS "
        "(unset: the system's CAs).",
    )
    redis_url: str | None = Field(
        default=None,
        description="Redis for event transport, cache, rate limits; unset: in-process/memory.",
    )
    redis_prefix: str = Field(
        default="aic:", description="Prefix of every Redis key, so deployments can share one."
    )

    @field_validator("redis_url")
    @classmethod
    def _redis_scheme(cls, value: str | None) -> str | None:
        if value in (None, ""):
            return None
        if not value.startswith(("redis://", "rediss://", "unix://")):
            raise ValueError("must start with redis://, rediss:// or unix://")
        return value

    @model_validator(mode="after")
    def _tls_pair(self) -> CommonSettings:
        if (self.tls_certfile is None) != (self.tls_keyfile is None):
            raise ValueError("set both AIC_TLS_CERTFILE and AIC_TLS_KEYFILE, or neither")
        return self

    def missing_tls_files(self) -> list[str]:
        """TLS files that are configured but absent (checked when a server starts)."""
        files = [self.tls_certfile, self.tls_keyfile, self.tls_ca_file]
        return [str(f) for f in files if f is not None and not f.is_file()]

    @property
    def tls_enabled(self) -> bool:
        return self.tls_certfile is not None and self.tls_keyfile is not None


def local_url(host: str, port: int, *, tls: bool = False) -> str:
    """A URL to reach a listener on this machine (``0.0.0.0`` is reached via loopback)."""
    reach = {"0.0.0.0": "127.0.0.1", "::": "::1", "": "127.0.0.1"}.get(host, host)
    if ":" in reach:
        reach = f"[{reach}]"
    return f"{'https' if tls else 'http'}://{reach}:{port}"
