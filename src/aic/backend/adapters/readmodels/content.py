"""Content read models: items by slug and status (latest and live revision), revisions."""

from __future__ import annotations

import json
from typing import Any

from aic.backend.adapters.readmodels.framework import Projection
from aic.backend.application.ports import StoredEvent
from aic.backend.application.queries import (
    ContentRevisionView,
    ContentView,
    GetContentBySlug,
    ListContent,
    Page,
)
from aic.backend.domain import content_events as ev
from aic.backend.domain.messages import DomainEvent
from aic.storage import SqlDatabase, SqlTransaction
from aic.storage.database import json_value

__all__ = ["ContentProjection", "SqlContentReadModel"]

_ORIGIN = {
    "ContentDraftCreated": "human",
    "ContentRevised": "human",
    "ContentDraftedByAI": "ai",
    "ContentRevisionRestored": "restore",
}
_Revision = ev.ContentDraftCreated | ev.ContentRevised | ev.ContentDraftedByAI
_RevisionEvent = _Revision | ev.ContentRevisionRestored


def _fields(event: _RevisionEvent | ev.ContentPublished) -> dict[str, Any]:
    return {
        "slug": event.slug,
        "title": event.title,
        "summary": event.summary,
        "body_markdown": event.body_markdown,
        "content_type": event.content_type,
        "portals": json.dumps(list(event.portals)),
        "segment": event.segment,
        "tags": json.dumps(list(event.tags)),
    }


class ContentProjection(Projection):
    name = "content"
    stream_prefixes = ("content-",)
    tables = ("content_items", "content_revisions")

    async def apply(self, tx: SqlTransaction, stored: StoredEvent, event: DomainEvent) -> None:
        content_id = stored.stream_id.removeprefix("content-")
        base = {"content_id": content_id, "version": stored.version}
        at = getattr(event, "occurred_at", stored.recorded_at.isoformat())
        match event:
            case (
                ev.ContentDraftCreated()
                | ev.ContentRevised()
                | ev.ContentDraftedByAI()
                | ev.ContentRevisionRestored()
            ):
                await self._revision(tx, base, event, at)
                return
            case ev.ContentSubmittedForReview():
                changes: dict[str, Any] = {"status": "in_review"}
            case ev.ContentApproved():
                changes = {"status": "approved"}
            case ev.ContentRejected():
                changes = {"status": "draft"}
            case ev.ContentPublicationScheduled():
                changes = {"status": "scheduled", "scheduled_for": event.publish_at}
            case ev.ContentPublicationCancelled():
                changes = {"status": "approved", "scheduled_for": None}
            case ev.ContentPublished():
                live = {f"live_{k}": v for k, v in _fields(event).items()}
                live["live_body"] = live.pop("live_body_markdown")
                changes = {
                    **live,
                    "status": "published",
                    "scheduled_for": None,
                    "live_revision": event.revision,
                    "published_at": event.occurred_at,
                }
            case ev.ContentUnpublished():
                await tx.execute(
                    "UPDATE content_items SET status = CASE WHEN status = 'published' "
                    "THEN 'unpublished' ELSE status END WHERE content_id = :content_id",
                    base,
                )
                changes = {"live_revision": None, "live_slug": None, "published_at": None}
            case ev.ContentArchived():
                changes = {"status": "archived"}
            case _:
                changes = {}
        sets = "".join(f"{column} = :{column}, " for column in changes)
        await tx.execute(
            f"UPDATE content_items SET {sets}updated_at = :at, "  # noqa: S608 - column names
            "version = :version WHERE content_id = :content_id",
            {**changes, **base, "at": at},
        )

    async def _revision(
        self, tx: SqlTransaction, base: dict[str, Any], event: _RevisionEvent, at: str
    ) -> None:
        origin = _ORIGIN[event.type]
        values = {**base, **_fields(event), "origin": origin, "revision": event.revision}
        values |= {"author": event.actor, "at": at}
        await tx.execute(
            "INSERT INTO content_items (content_id, slug, title, summary, body_markdown, "
            "content_type, portals, segment, tags, status, origin, revision, author, created_at, "
            "updated_at, version) VALUES (:content_id, :slug, :title, :summary, :body_markdown, "
            ":content_type, :portals, :segment, :tags, 'draft', :origin, :revision, :author, "
            ":at, :at, :version) ON CONFLICT (content_id) DO UPDATE SET slug = excluded.slug, "
            "title = excluded.title, summary = excluded.summary, "
            "body_markdown = excluded.body_markdown, content_type = excluded.content_type, "
            "portals = excluded.portals, segment = excluded.segment, tags = excluded.tags, "
            "status = 'draft', origin = excluded.origin, revision = excluded.revision, "
            "updated_at = excluded.updated_at, version = excluded.version",
            values,
        )
        await tx.execute(
            "INSERT INTO content_revisions (content_id, revision, origin, title, slug, summary, "
            "body_markdown, author, created_at) VALUES (:content_id, :revision, :origin, :title, "
            ":slug, :summary, :body_markdown, :author, :at)",
            values,
        )


def _view(row: dict[str, Any], live: bool) -> ContentView:
    prefix = "live_" if live else ""
    return ContentView(
        content_id=row["content_id"],
        slug=row[f"{prefix}slug"],
        title=row[f"{prefix}title"],
        summary=row[f"{prefix}summary"],
        body_markdown=row["live_body" if live else "body_markdown"],
        content_type=row[f"{prefix}content_type"],
        portals=list(json_value(row[f"{prefix}portals"]) or []),
        segment=row[f"{prefix}segment"],
        tags=list(json_value(row[f"{prefix}tags"]) or []),
        status=row["status"],
        revision=row["live_revision"] if live else row["revision"],
        live_revision=row["live_revision"],
        published_at=row["published_at"],
        scheduled_for=row["scheduled_for"],
        author=row["author"],
        updated_at=row["updated_at"],
    )


class SqlContentReadModel:
    def __init__(self, database: SqlDatabase) -> None:
        self.database = database

    async def list_content(self, query: ListContent) -> Page[ContentView]:
        where: list[str] = []
        params: dict[str, Any] = {"limit": query.limit, "offset": query.offset}
        if query.published_only:
            where.append("live_revision IS NOT NULL")
        for column in ("status", "content_type", "segment"):
            value = getattr(query, column)
            if value is not None:
                column_name = (
                    f"live_{column}" if query.published_only and column != "status" else column
                )
                where.append(f"{column_name} = :{column}")
                params[column] = value
        if query.portal is not None:
            portals = "live_portals" if query.published_only else "portals"
            where.append(f"{portals} LIKE :portal")  # JSON text/array holds the quoted name
            params["portal"] = f'%"{query.portal}"%'
        clause = f"WHERE {' AND '.join(where)}" if where else ""
        if self.database.dialect == "postgresql":
            clause = clause.replace("portals LIKE", "portals::text LIKE")
        order = "published_at DESC" if query.published_only else "updated_at DESC"
        rows = await self.database.fetch_all(
            f"SELECT * FROM content_items {clause} "  # noqa: S608 - fixed fragments only
            f"ORDER BY {order}, content_id LIMIT :limit OFFSET :offset",
            params,
        )
        total = await self.database.fetch_one(
            f"SELECT COUNT(*) AS n FROM content_items {clause}",  # noqa: S608
            params,
        )
        return Page(
            items=[_view(r, query.published_only) for r in rows],
            total=int(total["n"]) if total else 0,
            limit=query.limit,
            offset=query.offset,
        )

    async def get_by_slug(self, query: GetContentBySlug) -> ContentView | None:
        column = "live_slug" if query.published_only else "slug"
        row = await self.database.fetch_one(
            f"SELECT * FROM content_items WHERE {column} = :slug "  # noqa: S608
            "AND status <> 'archived' ORDER BY updated_at DESC LIMIT 1",
            {"slug": query.slug},
        )
        return _view(row, query.published_only) if row else None

    async def revisions(self, content_id: str) -> list[ContentRevisionView]:
        rows = await self.database.fetch_all(
            "SELECT revision, origin, title, slug, author, created_at FROM content_revisions "
            "WHERE content_id = :content_id ORDER BY revision",
            {"content_id": content_id},
        )
        return [ContentRevisionView(**r) for r in rows]

    async def due_scheduled(self, now: str, limit: int = 50) -> list[tuple[str, int]]:
        """(content id, revision) of scheduled items whose time has come."""
        rows = await self.database.fetch_all(
            "SELECT content_id, revision FROM content_items WHERE status = 'scheduled' "
            "AND scheduled_for <= :now ORDER BY scheduled_for LIMIT :limit",
            {"now": now, "limit": limit},
        )
        return [(r["content_id"], int(r["revision"])) for r in rows]

    async def slug_owner(self, slug: str) -> str | None:
        row = await self.database.fetch_one(
            "SELECT content_id FROM content_items WHERE (slug = :slug OR live_slug = :slug) "
            "AND status <> 'archived' LIMIT 1",
            {"slug": slug},
        )
        return row["content_id"] if row else None
