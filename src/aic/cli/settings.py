"""Every setting of the platform in one class: what ``aic up`` needs to start all services."""

from __future__ import annotations

from aic.ai.settings import AISettings
from aic.backend.settings import BackendSettings
from aic.web.settings import WebSettings

__all__ = ["PlatformSettings", "local_url"]


class PlatformSettings(BackendSettings, AISettings, WebSettings):
    """The union of the backend's, ai's and the portals' settings."""


def local_url(host: str, port: int, *, tls: bool = False) -> str:
    """A URL to reach a listener on this machine (``0.0.0.0`` is reached via loopback)."""
    reach = {"0.0.0.0": "127.0.0.1", "::": "::1", "": "127.0.0.1"}.get(host, host)
    if ":" in reach:
        reach = f"[{reach}]"
    return f"{'https' if tls else 'http'}://{reach}:{port}"
