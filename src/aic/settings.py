"""Settings shared by every AIC process, read from ``AIC_*`` environment variables."""

from __future__ import annotations

import functools
import re
from ipaddress import IPv4Network, IPv6Network, ip_network
from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

__all__ = [
    "CommonSettings",
    "LogFormat",
    "LogLevel",
    "RateLimitStrategy",
    "local_url",
    "rate_limit_text",
]

LogLevel = Literal["debug", "info", "warning", "error"]
LogFormat = Literal["json", "console"]
RateLimitStrategy = Literal["moving-window", "sliding-window-counter"]


# A subset of the `limits` library's grammar, checked here without importing it (150 ms).
_RATE_LIMIT = re.compile(
    r"^\s*([0-9]+)\s*(?:/|per)\s*([0-9]+)?\s*(second|minute|hour|day)s?\s*$", re.IGNORECASE
)


def rate_limit_text(value: str) -> str:
    """Validate ``"60/minute"`` or several limits joined by ``;`` (all must hold)."""
    for item in value.split(";"):
        match = _RATE_LIMIT.match(item)
        if match is None:
            raise ValueError(
                f"{value!r} is not a rate limit: write `60/minute`, `5 per 10 seconds`, "
                "or several joined by `;` like `10/second;300/hour`"
            )
        if int(match.group(1)) < 1 or (match.group(2) is not None and int(match.group(2)) < 1):
            raise ValueError(f"{item.strip()!r}: a limit allows at least 1 request per period")
    return value.strip()


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
    rate_limits_enabled: bool = Field(
        default=True,
        description="Refuse requests over the rate limits with 429; `false` turns every limit off.",
    )
    rate_limit_strategy: RateLimitStrategy = Field(
        default="moving-window",
        description="`moving-window`: exact, one entry per request in the window; "
        "`sliding-window-counter`: two counters per client, approximate (for very high limits).",
    )
    trusted_proxies: str = Field(
        default="127.0.0.1,::1",
        description="Comma-separated addresses or networks (CIDR) of reverse proxies whose "
        "`X-Forwarded-For` is believed; empty: only the socket peer counts.",
    )

    @field_validator("redis_url")
    @classmethod
    def _redis_scheme(cls, value: str | None) -> str | None:
        if value in (None, ""):
            return None
        if not value.startswith(("redis://", "rediss://", "unix://")):
            raise ValueError("must start with redis://, rediss:// or unix://")
        return value

    @field_validator("trusted_proxies")
    @classmethod
    def _proxy_networks(cls, value: str) -> str:
        networks = []
        for item in value.split(","):
            if item.strip():
                try:
                    networks.append(str(ip_network(item.strip(), strict=False)))
                except ValueError as exc:
                    raise ValueError(f"{item.strip()!r} is not an IP address or network") from exc
        return ",".join(networks)

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
    def trusted_proxy_networks(self) -> tuple[IPv4Network | IPv6Network, ...]:
        return _networks(self.trusted_proxies)  # read on every request: parsed once

    @property
    def tls_enabled(self) -> bool:
        return self.tls_certfile is not None and self.tls_keyfile is not None


@functools.lru_cache(maxsize=16)
def _networks(listed: str) -> tuple[IPv4Network | IPv6Network, ...]:
    return tuple(ip_network(n) for n in listed.split(",") if n)


def local_url(host: str, port: int, *, tls: bool = False) -> str:
    """A URL to reach a listener on this machine (``0.0.0.0`` is reached via loopback)."""
    reach = {"0.0.0.0": "127.0.0.1", "::": "::1", "": "127.0.0.1"}.get(host, host)
    if ":" in reach:
        reach = f"[{reach}]"
    return f"{'https' if tls else 'http'}://{reach}:{port}"
