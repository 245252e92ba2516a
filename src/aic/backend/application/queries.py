"""Queries and the read-model ports that answer them (never the aggregates)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Generic, Literal, Protocol, TypeVar

from aic.backend.application.tracking import EngagementFeatures

__all__ = [
    "AccountReadModel",
    "AccountView",
    "ContentReadModel",
    "ContentRevisionView",
    "ContentView",
    "GetContentBySlug",
    "GetLead",
    "LeadDetail",
    "LeadHistoryEntry",
    "LeadReadModel",
    "LeadSummary",
    "ListContent",
    "ListLeads",
    "ListNotifications",
    "NotificationReadModel",
    "NotificationView",
    "Page",
]

T = TypeVar("T")

LeadSort = Literal["captured_at", "-captured_at", "score", "-score", "updated_at", "-updated_at"]


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    items: list[T]
    total: int
    limit: int
    offset: int


@dataclass(frozen=True, slots=True)
class ListLeads:
    status: str | None = None
    segment: str | None = None
    source_portal: str | None = None
    assigned_to: str | None = None
    min_score: float | None = None
    search: str | None = None  # in email, name, company
    sort: LeadSort = "-captured_at"
    limit: int = 50
    offset: int = 0


@dataclass(frozen=True, slots=True)
class GetLead:
    lead_id: str


@dataclass(frozen=True, slots=True)
class LeadSummary:
    lead_id: str
    email: str
    name: str
    company: str | None
    segment: str | None
    source_portal: str
    status: str
    score: float | None
    assigned_to: str | None
    captured_at: str
    updated_at: str


@dataclass(frozen=True, slots=True)
class LeadHistoryEntry:
    version: int
    event_type: str
    occurred_at: str
    actor: str | None
    data: dict[str, Any]


@dataclass(frozen=True, slots=True)
class LeadDetail:
    summary: LeadSummary
    job_title: str | None
    company_size: int | None
    phone: str | None
    message: str
    utm_source: str | None
    utm_medium: str | None
    utm_campaign: str | None
    visitor_id: str | None
    company_domain: str | None
    free_mail: bool | None
    disposable: bool | None
    score_model: str | None
    score_reasons: list[str]
    deal_value: float | None
    close_reason: str | None
    version: int
    history: list[LeadHistoryEntry] = field(default_factory=list)
    engagement: EngagementFeatures | None = None  # what its visitors did (from tracking)


class LeadReadModel(Protocol):
    async def list_leads(self, query: ListLeads) -> Page[LeadSummary]: ...

    async def get_lead(self, query: GetLead) -> LeadDetail | None: ...


@dataclass(frozen=True, slots=True)
class ListContent:
    status: str | None = None
    content_type: str | None = None
    portal: str | None = None
    segment: str | None = None
    published_only: bool = False  # what the public sees: the live revision of each item
    limit: int = 50
    offset: int = 0


@dataclass(frozen=True, slots=True)
class GetContentBySlug:
    slug: str
    published_only: bool = True


@dataclass(frozen=True, slots=True)
class ContentView:
    """An item as a reader sees it: the live revision (public) or the latest (staff)."""

    content_id: str
    slug: str
    title: str
    summary: str
    body_markdown: str
    content_type: str
    portals: list[str]
    segment: str
    tags: list[str]
    status: str
    revision: int
    live_revision: int | None
    published_at: str | None
    scheduled_for: str | None
    author: str
    updated_at: str


@dataclass(frozen=True, slots=True)
class ContentRevisionView:
    revision: int
    origin: str
    title: str
    slug: str
    author: str
    created_at: str


class ContentReadModel(Protocol):
    async def list_content(self, query: ListContent) -> Page[ContentView]: ...

    async def get_by_slug(self, query: GetContentBySlug) -> ContentView | None: ...

    async def revisions(self, content_id: str) -> list[ContentRevisionView]: ...

    async def slug_owner(self, slug: str) -> str | None: ...

    async def due_scheduled(self, now: str, limit: int = 50) -> list[tuple[str, int]]: ...


@dataclass(frozen=True, slots=True)
class AccountView:
    account_id: str
    email: str
    display_name: str
    roles: list[str]
    active: bool
    registered_at: str
    updated_at: str


@dataclass(frozen=True, slots=True)
class NotificationView:
    notification_id: str
    recipient: str
    kind: str
    title: str
    body: str
    link: str | None
    subject_id: str | None
    created_at: str
    read: bool


@dataclass(frozen=True, slots=True)
class ListNotifications:
    account_id: str
    roles: tuple[str, ...] = ()
    unread_only: bool = False
    limit: int = 50
    offset: int = 0


class AccountReadModel(Protocol):
    async def list_accounts(self, limit: int = 100, offset: int = 0) -> Page[AccountView]: ...

    async def get_account(self, account_id: str) -> AccountView | None: ...

    async def find_by_email(self, email: str) -> AccountView | None: ...


class NotificationReadModel(Protocol):
    async def list_notifications(self, query: ListNotifications) -> Page[NotificationView]: ...
