"""Every setting of the platform in one class: what ``aic up`` needs to start all services."""

from __future__ import annotations

from aic.ai.settings import AISettings
from aic.backend.settings import BackendSettings
from aic.settings import local_url
from aic.web.settings import WebSettings

__all__ = ["PlatformSettings", "local_url"]


class PlatformSettings(BackendSettings, AISettings, WebSettings):
    """The union of the backend's, ai's and the portals' settings."""
