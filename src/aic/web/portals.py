"""The five portals: who each is for, and which setting holds its port."""

from __future__ import annotations

from dataclasses import dataclass

from aic.web.settings import WebSettings

__all__ = ["PORTALS", "Portal", "portal_port"]


@dataclass(frozen=True, slots=True)
class Portal:
    key: str
    name: str
    tagline: str
    audience: str


PORTALS: tuple[Portal, ...] = (
    Portal("main", "AIC", "Websites that learn from every visitor.", "Everyone"),
    Portal("smb", "AIC for SMB", "Launch fast, grow with guidance.", "Small and mid-size teams"),
    Portal(
        "enterprise",
        "AIC Enterprise",
        "Governed, integrated, at scale.",
        "Enterprise buyers and their IT",
    ),
    Portal("nexus", "AIC Nexus", "The knowledge hub: guides, answers, research.", "Practitioners"),
    Portal("admin", "AIC Admin", "Leads, content and insights in one place.", "Staff"),
)


def portal_port(settings: WebSettings, portal: Portal) -> int:
    port: int = getattr(settings, f"web_{portal.key}_port")
    return port
