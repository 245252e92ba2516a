"""Visitor behaviour on the portals: sessions of tracked events over the published articles."""

from __future__ import annotations

import random
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from aic.backend.application.tracking import TrackedEvent, TrackingKind
from aic.backend.demo.articles import Article
from aic.backend.demo.clock import iso
from aic.backend.demo.steps import demo_id

__all__ = ["SEARCHES", "Campaign", "Site", "Visitor"]

# What people type into the knowledge hub's search box, by what they came for.
SEARCHES = {
    "enterprise": (
        "saml sso", "scim okta", "data residency uk", "audit log retention", "sap connector",
        "uptime sla", "soc 2 report", "connect relay", "sandbox", "security questionnaire",
    ),
    "smb": (
        "xero", "quickbooks integration", "starter plan price", "time off template",
        "purchase request", "nonprofit discount", "invoice approval", "slack approvals",
    ),
    "research": (
        "approval chain", "sla timer", "what is a run", "pulse dashboard", "webhook signature",
        "conditional branch", "data tables", "flow assist", "form design", "roi",
    ),
}  # fmt: skip


@dataclass(frozen=True, slots=True)
class Campaign:
    source: str | None
    medium: str | None
    name: str | None
    referrer: str | None = None


@dataclass(frozen=True, slots=True)
class Site:
    """The pages a visitor can land on: the published articles of each portal."""

    pages: dict[str, tuple[str, ...]]
    assets: tuple[str, ...]  # whitepapers and customer stories, offered as PDF downloads

    @classmethod
    def of(cls, articles: Iterable[Article]) -> Site:
        pages: dict[str, list[str]] = {}
        assets: list[str] = []
        for article in articles:
            if article.status != "published":
                continue
            for portal in article.portals:
                pages.setdefault(portal, []).append(f"/articles/{article.slug}")
            if article.content_type in ("whitepaper", "case_study"):
                assets.append(f"/articles/{article.slug}")
        return cls({p: tuple(paths) for p, paths in pages.items()}, tuple(assets))


@dataclass
class Visitor:
    """One browser's anonymous id and everything it did, session by session."""

    visitor_id: str
    rng: random.Random
    site: Site
    events: list[TrackedEvent] = field(default_factory=list)
    sessions: int = 0

    @classmethod
    def new(cls, rng: random.Random, site: Site, *parts: str) -> Visitor:
        return cls(demo_id("visitor", *parts), rng, site)

    def session(
        self,
        start: datetime,
        portal: str,
        *,
        pages: int,
        pricing: int = 0,
        search: str | None = None,
        download: bool = False,
        form: str | None = None,
        campaign: Campaign | None = None,
    ) -> list[TrackedEvent]:
        """A visit: landing page, reading, the optional extras, and a form last if any."""
        self.sessions += 1
        session_id = demo_id("session", self.visitor_id, str(self.sessions))
        at = start
        added: list[TrackedEvent] = []

        def emit(
            kind: TrackingKind,
            where: str,
            path: str,
            *,
            query: str | None = None,
            form: str | None = None,
            properties: dict[str, str] | None = None,
        ) -> None:
            nonlocal at
            first = not added
            event = TrackedEvent(
                event_id=demo_id("track", self.visitor_id, str(len(self.events) + len(added))),
                kind=kind,
                visitor_id=self.visitor_id,
                occurred_at=iso(at),
                session_id=session_id,
                portal=where,
                path=path,
                referrer=campaign.referrer if campaign and first else None,
                utm_source=campaign.source if campaign and first else None,
                utm_medium=campaign.medium if campaign and first else None,
                utm_campaign=campaign.name if campaign and first else None,
                query=query,
                form=form,
                properties=properties or {},
            )
            added.append(event)
            at += timedelta(seconds=self.rng.randint(25, 240))

        reading = list(self.site.pages.get(portal) or self.site.pages["main"])
        for path in self.rng.sample(reading, min(pages, len(reading))):
            emit("page_view", portal, path)
        if search is not None:
            emit("search", "nexus", "/search", query=search)
            emit("page_view", "nexus", self.rng.choice(self.site.pages["nexus"]))
        for _ in range(pricing):
            emit("page_view", portal, "/pricing")
        if download and self.site.assets:
            asset = self.rng.choice(self.site.assets)
            emit("page_view", portal, asset)
            emit("download", portal, asset, properties={"file": asset.rpartition("/")[2] + ".pdf"})
        if form is not None:
            emit("page_view", portal, f"/{form.replace('_', '-')}")
            emit("form_submit", portal, f"/{form.replace('_', '-')}", form=form)
        self.events += added
        return added

    def email(self, sent: datetime, campaign: str, *, click: bool) -> list[TrackedEvent]:
        """A nurture e-mail opened (and maybe clicked), as the mail tool reports it."""
        at = sent + timedelta(minutes=self.rng.randint(20, 600))
        count = len(self.events)
        opened = TrackedEvent(
            event_id=demo_id("track", self.visitor_id, str(count)),
            kind="email_open",
            visitor_id=self.visitor_id,
            occurred_at=iso(at),
            portal="email",
            utm_campaign=campaign,
            properties={"campaign": campaign},
        )
        added = [opened]
        if click:
            added.append(
                TrackedEvent(
                    event_id=demo_id("track", self.visitor_id, str(count + 1)),
                    kind="email_click",
                    visitor_id=self.visitor_id,
                    occurred_at=iso(at + timedelta(seconds=40)),
                    portal="email",
                    path=self.rng.choice(self.site.pages["nexus"]),
                    utm_source="newsletter",
                    utm_medium="email",
                    utm_campaign=campaign,
                )
            )
        self.events += added
        return added
