"""Documented responses of the backend API: success examples and typical errors per route.

A route declares ``responses=documented(ok(LEAD_DETAIL), not_found("lead_not_found", ...))``;
tests/integration/test_openapi.py checks every example against its schema. Errors every
route shares (401, 403, the 422 of bad input) are added by ``openapi_responses``.
"""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

from pydantic import JsonValue
from pydantic.config import JsonDict

from aic.backend.entrypoints.errors import VERSION_CONFLICT_MESSAGE
from aic.contracts.errors import ErrorResponse, error_payload

__all__ = [
    "ACCEPTED",
    "ACCOUNT_OUT",
    "ACCOUNT_VIEW",
    "CONTENT_REVISIONS",
    "CONTENT_VIEW",
    "INVITATION",
    "LEAD_DETAIL",
    "LEAD_ID",
    "LEAD_SUMMARY",
    "NOTIFICATION",
    "SAGA_VIEW",
    "SIGNED_IN",
    "Responses",
    "documented",
    "fails",
    "not_found",
    "ok",
    "ok_each",
    "page",
    "version_conflict",
]

Responses = dict[int | str, dict[str, Any]]

LEAD_ID = "3f6c1a52-9b8e-4c1d-a7f2-5e0b9d4c2a10"
CONTENT_ID = "b7e4d2a9-1c3f-4e8a-9d6b-0f2a5c8e1d34"
_AT = "2026-11-24T09:12:03.512000Z"
_LATER = "2026-11-24T09:12:05.004000Z"


def ok(example: Any, status: int = 200, description: str | None = None) -> Responses:
    """A success showing ``example``; its schema is the route's return type."""
    response: dict[str, Any] = {"content": {"application/json": {"example": example}}}
    if description:
        response["description"] = description
    return {status: response}


def ok_each(examples: dict[str, tuple[str, Any]], status: int = 200) -> Responses:
    """A success with several examples: name → (what it shows, the body)."""
    named = {
        name: {"summary": summary, "value": value} for name, (summary, value) in examples.items()
    }
    return {status: {"content": {"application/json": {"examples": named}}}}


def fails(status: int, code: str, message: str, details: Any = None) -> Responses:
    """An error of ``status`` with one example, named by its code, in the one error format."""
    example = {"summary": message, "value": error_payload(code, message, details)}
    return {
        status: {
            "model": ErrorResponse,
            "description": HTTPStatus(status).phrase,
            "content": {"application/json": {"examples": {code: example}}},
        }
    }


def not_found(code: str, message: str) -> Responses:
    return fails(404, code, message)


def version_conflict(current: int = 5, expected: int = 4) -> Responses:
    """409 when a concurrent change won every retry: the caller reloads and tries again."""
    details = {"current_version": current, "expected_version": expected}
    return fails(409, "version_conflict", VERSION_CONFLICT_MESSAGE, details)


def documented(*parts: Responses) -> Responses:
    """The parts as one ``responses`` mapping; examples of one status add up."""
    merged: Responses = {}
    for part in parts:
        for status, response in part.items():
            if status not in merged:
                merged[status] = {**response, "content": _copy(response.get("content", {}))}
                continue
            for media, body in response.get("content", {}).items():
                target = merged[status]["content"].setdefault(media, {})
                target.setdefault("examples", {}).update(body.get("examples", {}))
    return merged


def _copy(content: dict[str, Any]) -> dict[str, Any]:
    return {media: dict(body) for media, body in content.items()}


def page(items: list[Any], total: int | None = None, limit: int = 50) -> dict[str, Any]:
    """A page of a list: its items, how many match in all, and the paging asked for."""
    return {"items": items, "total": total or len(items), "limit": limit, "offset": 0}


ACCEPTED: JsonDict = {
    "id": LEAD_ID,
    "version": 4,
    "duplicate": False,
    "events": ["8d2f0c7e-41a9-5b3e-9c6d-1f7a2b3c4d5e"],
}

LEAD_SUMMARY: JsonDict = {
    "lead_id": LEAD_ID,
    "email": "ada@northwind.example",
    "name": "Ada Park",
    "company": "Northwind Traders",
    "segment": "smb",
    "source_portal": "smb",
    "status": "assigned",
    "score": 78.0,
    "assigned_to": "sales-2",
    "captured_at": _AT,
    "updated_at": _LATER,
}

LEAD_DETAIL: JsonDict = {
    "summary": LEAD_SUMMARY,
    "job_title": "Head of Operations",
    "company_size": 120,
    "phone": "+44 20 7946 0958",
    "message": "We run 14 depots and want one view of our inbound leads.",
    "utm_source": "newsletter",
    "utm_medium": "email",
    "utm_campaign": "autumn-webinar",
    "visitor_id": "v-7f3a2c",
    "company_domain": "northwind.example",
    "free_mail": False,
    "disposable": False,
    "score_model": "rules",
    "score_reasons": ["base 10", "company address +15", "smb segment +8", "title +15"],
    "deal_value": None,
    "close_reason": None,
    "version": 5,
    "history": [
        {
            "version": 1,
            "event_type": "LeadCaptured",
            "occurred_at": _AT,
            "actor": "public",
            "data": {"email": "ada@northwind.example", "source_portal": "smb"},
        },
        {
            "version": 5,
            "event_type": "LeadAssigned",
            "occurred_at": _LATER,
            "actor": "system:lead_qualification",
            "data": {"account_id": "sales-2", "previous_account_id": None},
        },
    ],
    "engagement": {
        "lead_id": LEAD_ID,
        "page_views": 9,
        "pricing_page_views": 2,
        "demo_requests": 1,
        "downloads": 1,
        "form_submits": 1,
        "searches": 0,
        "email_opens": 3,
        "email_clicks": 1,
        "sessions": 4,
        "first_seen_at": "2026-11-18T14:02:11Z",
        "last_seen_at": "2026-11-24T09:11:40Z",
    },
}

ACCOUNT_VIEW: JsonDict = {
    "account_id": "sales-2",
    "email": "amara.osei@brindlewood.example",
    "display_name": "Amara Osei",
    "roles": ["sales"],
    "active": True,
    "registered_at": "2026-09-01T08:00:00Z",
    "updated_at": "2026-09-01T08:00:00Z",
}

INVITATION: JsonDict = {
    "invitation_id": "5c0f3e9a2b7d4e1f8a6c3b0d9e2f4a71",
    "email": "priya@example.com",
    "roles": ["sales"],
    "invited_by": "account:admin-1",
    "created_at": _AT,
    "expires_at": "2026-12-01T09:12:03Z",
}

CONTENT_VIEW: JsonDict = {
    "content_id": CONTENT_ID,
    "slug": "shorten-your-sales-cycle",
    "title": "Five ways to shorten your sales cycle",
    "summary": "Practical steps for B2B teams, from the first call to the signature.",
    "body_markdown": "## 1. Qualify early\n\nAsk about budget and timing in the first call.",
    "content_type": "article",
    "portals": ["main", "smb"],
    "segment": "all",
    "tags": ["sales", "process"],
    "status": "published",
    "revision": 3,
    "live_revision": 3,
    "published_at": "2026-11-20T09:00:00Z",
    "scheduled_for": None,
    "author": "account:editor-1",
    "updated_at": "2026-11-20T09:00:01Z",
}

CONTENT_REVISIONS: list[JsonValue] = [
    {
        "revision": 1,
        "origin": "created",
        "title": "Five ways to shorten your sales cycle",
        "slug": "shorten-your-sales-cycle",
        "author": "account:editor-1",
        "created_at": "2026-11-18T10:30:00Z",
    },
    {
        "revision": 2,
        "origin": "ai_draft",
        "title": "Five ways to shorten your sales cycle",
        "slug": "shorten-your-sales-cycle",
        "author": "account:editor-1",
        "created_at": "2026-11-19T15:04:00Z",
    },
]

NOTIFICATION: JsonDict = {
    "notification_id": "0e9d8c7b-6a5f-5e4d-8c3b-2a1f0e9d8c7b",
    "recipient": "sales-2",
    "kind": "lead_assigned",
    "title": "New qualified lead: Ada Park",
    "body": "Score 78: base 10, company address +15, smb segment +8, title +15",
    "link": f"/leads/{LEAD_ID}",
    "subject_id": LEAD_ID,
    "created_at": _LATER,
    "read": False,
}

SAGA_VIEW: JsonDict = {
    "saga_id": f"lead-qualification-{LEAD_ID}",
    "saga_type": "lead_qualification",
    "status": "completed",
    "data": {"lead_id": LEAD_ID, "score": 78.0, "routing": "qualified", "assignee": "sales-2"},
    "steps": [
        {"step": "enrich", "outcome": "succeeded", "attempt": 1, "at": _AT},
        {
            "step": "score",
            "outcome": "failed",
            "attempt": 1,
            "error": "ai unavailable: circuit open",
            "retry_at": "2026-11-24T09:12:04.512000Z",
            "at": _AT,
        },
        {"step": "score", "outcome": "succeeded", "attempt": 2, "at": _LATER},
    ],
    "failure": None,
    "started_at": _AT,
    "updated_at": _LATER,
}

ACCOUNT_OUT: JsonDict = {
    "account_id": "sales-2",
    "email": "amara.osei@brindlewood.example",
    "roles": ["sales"],
    "active": True,
}

SIGNED_IN = ok_each(
    {
        "token": (
            "A JSON sign-in: bearer tokens in the body",
            {
                "token_type": "Bearer",
                "access_token": "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJzYWxlcy0yIn0.c2ln",
                "expires_in": 900,
                "refresh_token": "aic_rt_Jx1f0sQ7kq2Vb9mWcT4yZr8uLe3nHa6d",
                "refresh_expires_at": "2026-12-08T09:12:03Z",
                "csrf_token": None,
                "session_id": "5b0e2d9c7a1f4e3b8d6c0a9f2e1d4c7b",
                "account": ACCOUNT_OUT,
            },
        ),
        "cookie": (
            "A portal sign-in: the session is in an HttpOnly cookie",
            {
                "token_type": "Bearer",
                "access_token": None,
                "expires_in": None,
                "refresh_token": None,
                "refresh_expires_at": "2026-12-08T09:12:03Z",
                "csrf_token": "q3J0c2VjcmV0LWNzcmYtZXhhbXBsZS0wMDAwMDAwMDAw",
                "session_id": "5b0e2d9c7a1f4e3b8d6c0a9f2e1d4c7b",
                "account": ACCOUNT_OUT,
            },
        ),
    }
)
