"""The lead list and lead detail (with history) read models."""

from __future__ import annotations

import json
from typing import Any

from aic.backend.adapters.readmodels.framework import Projection
from aic.backend.application.ports import StoredEvent
from aic.backend.application.queries import (
    GetLead,
    LeadDetail,
    LeadHistoryEntry,
    LeadSummary,
    ListLeads,
    Page,
)
from aic.backend.domain import lead_events as ev
from aic.backend.domain.messages import DomainEvent
from aic.storage import SqlDatabase, SqlTransaction
from aic.storage.database import json_value

__all__ = ["LeadProjection", "SqlLeadReadModel"]

_STATUS = {
    "LeadQualified": "qualified",
    "LeadMovedToNurturing": "nurturing",
    "LeadDisqualified": "disqualified",
    "LeadConverted": "converted",
    "LeadLost": "lost",
}
# The order of LeadState.status in the domain: the first that applies wins.
_DERIVE_STATUS = (
    "UPDATE leads SET status = CASE "
    "WHEN outcome IS NOT NULL THEN outcome "
    "WHEN routing = 'disqualified' THEN 'disqualified' "
    "WHEN assigned_to IS NOT NULL THEN 'assigned' "
    "WHEN routing IS NOT NULL THEN routing "
    "WHEN score IS NOT NULL THEN 'scored' "
    "WHEN segment IS NOT NULL THEN 'enriched' "
    "ELSE 'captured' END WHERE lead_id = :lead_id"
)
_SORTS = {
    "captured_at": "captured_at ASC",
    "-captured_at": "captured_at DESC",
    "score": "score ASC",
    "-score": "score DESC",
    "updated_at": "updated_at ASC",
    "-updated_at": "updated_at DESC",
}


class LeadProjection(Projection):
    name = "leads"
    stream_prefixes = ("lead-",)
    tables = ("leads", "lead_history")

    async def apply(self, tx: SqlTransaction, stored: StoredEvent, event: DomainEvent) -> None:
        lead_id = stored.stream_id.removeprefix("lead-")
        occurred = getattr(event, "occurred_at", None) or stored.recorded_at.isoformat()
        changes: dict[str, Any] = {}
        match event:
            case ev.LeadCaptured():
                await tx.execute(
                    "INSERT INTO leads (lead_id, email, name, company, job_title, company_size, "
                    "phone, message, source_portal, utm_source, utm_medium, utm_campaign, "
                    "visitor_id, status, captured_at, updated_at, version) VALUES (:lead_id, "
                    ":email, :name, :company, :job_title, :company_size, :phone, :message, "
                    ":source_portal, :utm_source, :utm_medium, :utm_campaign, :visitor_id, "
                    "'captured', :occurred_at, :occurred_at, :version)",
                    {**event.to_data(), "lead_id": lead_id, "version": stored.version},
                )
            case ev.LeadEnriched():
                changes = {
                    "company_domain": event.company_domain,
                    "free_mail": event.free_mail,
                    "disposable": event.disposable,
                    "segment": event.segment,
                }
            case ev.LeadScored():
                changes = {
                    "score": event.score,
                    "score_model": f"{event.model}@{event.model_version}",
                    "score_reasons": json.dumps(list(event.reasons)),
                }
            case ev.LeadAssigned():
                changes = {"assigned_to": event.account_id}
            case ev.LeadConverted():
                changes = {"outcome": "converted", "deal_value": event.deal_value}
            case ev.LeadLost():
                changes = {"outcome": "lost", "close_reason": event.reason}
            case ev.LeadDisqualified():
                changes = {"routing": "disqualified", "close_reason": event.reason}
            case ev.LeadQualified() | ev.LeadMovedToNurturing():
                changes = {"routing": _STATUS[event.type]}
        if not isinstance(event, ev.LeadCaptured):
            sets = "".join(f"{column} = :{column}, " for column in changes)
            await tx.execute(
                f"UPDATE leads SET {sets}updated_at = :updated_at, "  # noqa: S608 - columns
                "version = :version WHERE lead_id = :lead_id",
                {**changes, "updated_at": occurred, "version": stored.version, "lead_id": lead_id},
            )
            await tx.execute(_DERIVE_STATUS, {"lead_id": lead_id})
        await tx.execute(
            "INSERT INTO lead_history (lead_id, version, event_type, data, actor, occurred_at) "
            "VALUES (:lead_id, :version, :event_type, :data, :actor, :occurred_at)",
            {
                "lead_id": lead_id,
                "version": stored.version,
                "event_type": stored.type,
                "data": json.dumps(event.to_data()),
                "actor": stored.metadata.actor,
                "occurred_at": occurred,
            },
        )


_SUMMARY = (
    "lead_id, email, name, company, segment, source_portal, status, score, assigned_to, "
    "captured_at, updated_at"
)


def _summary(row: dict[str, Any]) -> LeadSummary:
    return LeadSummary(**{k: row[k] for k in _SUMMARY.split(", ")})


def _flag(value: Any) -> bool | None:
    return None if value is None else bool(value)


class SqlLeadReadModel:
    def __init__(self, database: SqlDatabase) -> None:
        self.database = database

    async def list_leads(self, query: ListLeads) -> Page[LeadSummary]:
        where: list[str] = []
        params: dict[str, Any] = {"limit": query.limit, "offset": query.offset}
        for column in ("status", "segment", "source_portal", "assigned_to"):
            value = getattr(query, column)
            if value is not None:
                where.append(f"{column} = :{column}")
                params[column] = value
        if query.min_score is not None:
            where.append("score >= :min_score")
            params["min_score"] = query.min_score
        if query.search:
            where.append("(lower(email) LIKE :q OR lower(name) LIKE :q OR lower(company) LIKE :q)")
            escaped = query.search.lower().replace("\\", "").replace("%", "").replace("_", "")
            params["q"] = f"%{escaped}%"
        clause = f"WHERE {' AND '.join(where)}" if where else ""
        order = _SORTS[query.sort]
        rows = await self.database.fetch_all(
            f"SELECT {_SUMMARY} FROM leads {clause} "  # noqa: S608 - fixed fragments only
            f"ORDER BY {order}, lead_id LIMIT :limit OFFSET :offset",
            params,
        )
        total = await self.database.fetch_one(
            f"SELECT COUNT(*) AS n FROM leads {clause}",  # noqa: S608 - fixed fragments only
            params,
        )
        return Page(
            items=[_summary(r) for r in rows],
            total=int(total["n"]) if total else 0,
            limit=query.limit,
            offset=query.offset,
        )

    async def get_lead(self, query: GetLead) -> LeadDetail | None:
        row = await self.database.fetch_one(
            "SELECT * FROM leads WHERE lead_id = :lead_id", {"lead_id": query.lead_id}
        )
        if row is None:
            return None
        history = await self.database.fetch_all(
            "SELECT version, event_type, occurred_at, actor, data FROM lead_history "
            "WHERE lead_id = :lead_id ORDER BY version",
            {"lead_id": query.lead_id},
        )
        return LeadDetail(
            summary=_summary(row),
            job_title=row["job_title"],
            company_size=row["company_size"],
            phone=row["phone"],
            message=row["message"],
            utm_source=row["utm_source"],
            utm_medium=row["utm_medium"],
            utm_campaign=row["utm_campaign"],
            visitor_id=row["visitor_id"],
            company_domain=row["company_domain"],
            free_mail=_flag(row["free_mail"]),
            disposable=_flag(row["disposable"]),
            score_model=row["score_model"],
            score_reasons=list(json_value(row["score_reasons"]) or []),
            deal_value=row["deal_value"],
            close_reason=row["close_reason"],
            version=int(row["version"]),
            history=[
                LeadHistoryEntry(
                    version=int(h["version"]),
                    event_type=h["event_type"],
                    occurred_at=h["occurred_at"],
                    actor=h["actor"],
                    data=dict(json_value(h["data"])),
                )
                for h in history
            ],
        )
