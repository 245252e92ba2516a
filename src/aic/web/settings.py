"""Web portal settings: one listen address, one port per portal, the backend's URL."""

from __future__ import annotations

from pydantic import Field

from aic.settings import CommonSettings

__all__ = ["WebSettings"]


class WebSettings(CommonSettings):
    """Settings of the five web portals."""

    web_host: str = Field(default="127.0.0.1", description="Listen address of every portal.")
    web_main_port: int = Field(default=3000, ge=0, le=65535, description="Main site port.")
    web_smb_port: int = Field(default=3001, ge=0, le=65535, description="SMB portal port.")
    web_enterprise_port: int = Field(
        default=3002, ge=0, le=65535, description="Enterprise portal port."
    )
    web_nexus_port: int = Field(
        default=3003, ge=0, le=65535, description="Nexus (knowledge hub) port."
    )
    web_admin_port: int = Field(default=3005, ge=0, le=65535, description="Admin portal port.")
    backend_url: str = Field(
        default="http://127.0.0.1:3100", description="Where the web portals find the backend."
    )
