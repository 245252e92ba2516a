"""``TrackingStore`` on the SQL layer: one table of events, links, engagement computed by SQL."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any, Literal

from aic.backend.application.tracking import (
    EngagementFeatures,
    PendingSignal,
    TrackedEvent,
    significant_signal,
)
from aic.storage import SqlDatabase
from aic.storage.database import json_value

__all__ = ["SqlTrackingStore", "tracking_schema"]

_SQL = Path(__file__).parent / "sql"


def tracking_schema(dialect: str) -> str:
    """The DDL of the tracking tables for ``dialect`` (applied by the migration runner)."""
    folder = "sqlite" if dialect == "sqlite" else "postgres"
    return "\n".join(p.read_text() for p in sorted((_SQL / folder).glob("*.sql")))


_COLUMNS = (
    "event_id, kind, visitor_id, session_id, portal, path, referrer, form, query, "
    "utm_source, utm_medium, utm_campaign, properties, occurred_at, received_at, "
    "signal, signal_state"
)
_ENGAGEMENT = """
SELECT
  COALESCE(SUM(CASE WHEN kind = 'page_view' THEN 1 ELSE 0 END), 0) AS page_views,
  COALESCE(SUM(CASE WHEN signal = 'pricing_page_view' THEN 1 ELSE 0 END), 0)
    AS pricing_page_views,
  COALESCE(SUM(CASE WHEN signal = 'demo_request' THEN 1 ELSE 0 END), 0) AS demo_requests,
  COALESCE(SUM(CASE WHEN kind = 'download' THEN 1 ELSE 0 END), 0) AS downloads,
  COALESCE(SUM(CASE WHEN kind = 'form_submit' THEN 1 ELSE 0 END), 0) AS form_submits,
  COALESCE(SUM(CASE WHEN kind = 'search' THEN 1 ELSE 0 END), 0) AS searches,
  COALESCE(SUM(CASE WHEN kind = 'email_open' THEN 1 ELSE 0 END), 0) AS email_opens,
  COALESCE(SUM(CASE WHEN kind = 'email_click' THEN 1 ELSE 0 END), 0) AS email_clicks,
  COUNT(DISTINCT session_id) AS sessions,
  MIN(occurred_at) AS first_seen_at,
  MAX(occurred_at) AS last_seen_at
FROM tracking_events
WHERE visitor_id IN (SELECT visitor_id FROM visitor_links WHERE lead_id = :lead_id)
"""


def _iso(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.isoformat().replace("+00:00", "Z")
    return str(value)


class SqlTrackingStore:
    def __init__(self, database: SqlDatabase) -> None:
        self.database = database
        self._insert = (
            f"INSERT INTO tracking_events ({_COLUMNS}) VALUES ("  # noqa: S608 - constant columns
            ":event_id, :kind, :visitor_id, :session_id, :portal, :path, :referrer, :form, "
            ":query, :utm_source, :utm_medium, :utm_campaign, :properties, :occurred_at, "
            ":received_at, :signal, :signal_state) ON CONFLICT (event_id) DO NOTHING"
        )

    async def append(self, events: Sequence[TrackedEvent], received_at: str) -> int:
        rows = []
        for event in events:
            signal = significant_signal(event)
            rows.append(
                {
                    "event_id": event.event_id,
                    "kind": event.kind,
                    "visitor_id": event.visitor_id,
                    "session_id": event.session_id,
                    "portal": event.portal,
                    "path": event.path,
                    "referrer": event.referrer,
                    "form": event.form,
                    "query": event.query,
                    "utm_source": event.utm_source,
                    "utm_medium": event.utm_medium,
                    "utm_campaign": event.utm_campaign,
                    "properties": json.dumps(dict(event.properties)),
                    "occurred_at": event.occurred_at,
                    "received_at": received_at,
                    "signal": signal,
                    "signal_state": "pending" if signal else None,
                }
            )
        stored = 0
        async with self.database.transaction() as tx:
            for row in rows:
                stored += max(0, await tx.execute(self._insert, row))
        return stored

    async def link_visitor(self, visitor_id: str, lead_id: str, linked_at: str) -> None:
        async with self.database.transaction() as tx:
            await tx.execute(
                "INSERT INTO visitor_links (visitor_id, lead_id, linked_at) "
                "VALUES (:visitor_id, :lead_id, :linked_at) ON CONFLICT DO NOTHING",
                {"visitor_id": visitor_id, "lead_id": lead_id, "linked_at": linked_at},
            )
            # Signals sent before the visitor became a lead are its history, not news.
            await tx.execute(
                "UPDATE tracking_events SET signal_state = 'ignored' "
                "WHERE visitor_id = :visitor_id AND signal_state = 'pending' "
                "AND received_at < :linked_at",
                {"visitor_id": visitor_id, "linked_at": linked_at},
            )

    async def engagement(self, lead_id: str) -> EngagementFeatures:
        row = await self.database.fetch_one(_ENGAGEMENT, {"lead_id": lead_id}) or {}
        counts = {k: int(v or 0) for k, v in row.items() if not k.endswith("_at")}
        return EngagementFeatures(
            lead_id=lead_id,
            first_seen_at=_iso(row.get("first_seen_at")),
            last_seen_at=_iso(row.get("last_seen_at")),
            **counts,
        )

    async def pending_signals(self, limit: int = 100) -> list[PendingSignal]:
        rows = await self.database.fetch_all(
            # Only signals of visitors who are leads: unlinked ones must not crowd them out.
            "SELECT e.event_id, e.signal, e.visitor_id, e.occurred_at, e.received_at, "
            "l.lead_id FROM tracking_events e "
            "JOIN visitor_links l ON l.visitor_id = e.visitor_id "
            "WHERE e.signal_state = 'pending' ORDER BY e.position LIMIT :limit",
            {"limit": limit},
        )
        signals: dict[str, PendingSignal] = {}
        for row in rows:
            current = signals.get(row["event_id"])
            leads = (current.lead_ids if current else ()) + (
                (row["lead_id"],) if row["lead_id"] else ()
            )
            signals[row["event_id"]] = PendingSignal(
                event_id=row["event_id"],
                signal=row["signal"],
                visitor_id=row["visitor_id"],
                occurred_at=_iso(row["occurred_at"]) or "",
                received_at=_iso(row["received_at"]) or "",
                lead_ids=leads,
            )
        return list(signals.values())

    async def expire_unlinked(self, received_before: str) -> int:
        """Signals of visitors who did not become leads in time are history, not news."""
        async with self.database.transaction() as tx:
            return await tx.execute(
                "UPDATE tracking_events SET signal_state = 'ignored' "
                "WHERE signal_state = 'pending' AND received_at < :before AND NOT EXISTS "
                "(SELECT 1 FROM visitor_links l WHERE l.visitor_id = tracking_events.visitor_id)",
                {"before": received_before},
            )

    async def mark_signal(self, event_id: str, state: Literal["handled", "ignored"]) -> None:
        async with self.database.transaction() as tx:
            await tx.execute(
                "UPDATE tracking_events SET signal_state = :state WHERE event_id = :event_id",
                {"state": state, "event_id": event_id},
            )

    async def visitor_history(self, visitor_id: str, limit: int = 200) -> list[TrackedEvent]:
        rows = await self.database.fetch_all(
            f"SELECT {_COLUMNS} FROM tracking_events "  # noqa: S608 - constant columns
            "WHERE visitor_id = :visitor_id "
            "ORDER BY occurred_at DESC, position DESC LIMIT :limit",
            {"visitor_id": visitor_id, "limit": limit},
        )
        return [
            TrackedEvent(
                event_id=r["event_id"],
                kind=r["kind"],
                visitor_id=r["visitor_id"],
                occurred_at=_iso(r["occurred_at"]) or "",
                session_id=r["session_id"],
                portal=r["portal"],
                path=r["path"],
                referrer=r["referrer"],
                form=r["form"],
                query=r["query"],
                utm_source=r["utm_source"],
                utm_medium=r["utm_medium"],
                utm_campaign=r["utm_campaign"],
                properties=json_value(r["properties"]) or {},
            )
            for r in rows
        ]
