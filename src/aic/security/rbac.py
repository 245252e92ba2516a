"""Who may call what: the static role-by-route table of the backend, in one place.

Every route of the backend is a row ``(METHOD, path template) -> rule``; the table is written
by hand, not derived from the routes, so a review of this file is a review of access. A route
missing here is refused (403) for everyone, and a test walks every route of the backend to
hold each row to what it says. WebSocket routes use the method ``WEBSOCKET``; ``HEAD`` falls
back to the ``GET`` row. Adding a route is adding one line.

``CAPABILITIES`` are finer rules that routes apply to what they return (a public route that
shows drafts only to staff); they live here for the same reason.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Final

__all__ = [
    "ACCESS",
    "CAPABILITIES",
    "PUBLIC",
    "ROLES",
    "Rule",
    "access_markdown",
    "has_capability",
    "roles",
    "rule_for",
]

ROLES: Final = ("admin", "editor", "sales", "analyst", "viewer", "service")


@dataclass(frozen=True, slots=True)
class Rule:
    """Anyone (``public``), or a signed-in caller holding one of ``roles``."""

    roles: frozenset[str]
    public: bool = False

    def allows(self, held: Iterable[str]) -> bool:
        return self.public or not self.roles.isdisjoint(held)


def roles(*names: str) -> Rule:
    unknown = set(names) - set(ROLES)
    if unknown:
        raise ValueError(f"unknown roles {sorted(unknown)}")
    return Rule(frozenset(names))


PUBLIC: Final = Rule(frozenset(), public=True)

ADMIN = roles("admin")
STAFF = roles("admin", "editor", "sales", "analyst", "viewer")
SIGNED_IN = roles(*ROLES)
CONTENT_TEAM = roles("admin", "editor")
CONTENT_READERS = roles("admin", "editor", "sales", "analyst", "viewer", "service")
LEAD_TEAM = roles("admin", "sales")
LEAD_READERS = roles("admin", "sales", "analyst", "viewer", "service")
OPERATORS = roles("admin", "analyst", "service")

ACCESS: Final[dict[tuple[str, str], Rule]] = {
    # Operations: probes and scrapes (restrict /metrics at the network, as Prometheus does).
    ("GET", "/api/health"): PUBLIC,
    ("GET", "/api/health/live"): PUBLIC,
    ("GET", "/metrics"): PUBLIC,
    ("GET", "/api/openapi.json"): PUBLIC,
    # Sign-in. Refresh and logout take the refresh token or session cookie as the credential.
    ("POST", "/api/auth/login"): PUBLIC,
    ("POST", "/api/auth/refresh"): PUBLIC,
    ("POST", "/api/auth/logout"): PUBLIC,
    ("POST", "/api/auth/logout-all"): STAFF,
    ("POST", "/api/auth/password"): STAFF,
    ("GET", "/api/auth/me"): SIGNED_IN,
    # Accounts: administrators invite staff; the invited accept with the one-time token.
    ("GET", "/api/accounts"): ADMIN,
    ("GET", "/api/accounts/{account_id}"): ADMIN,
    ("POST", "/api/accounts/invitations"): ADMIN,
    ("GET", "/api/accounts/invitations"): ADMIN,
    ("DELETE", "/api/accounts/invitations/{invitation_id}"): ADMIN,
    ("POST", "/api/accounts/accept-invitation"): PUBLIC,
    ("POST", "/api/accounts/{account_id}/roles"): ADMIN,
    ("DELETE", "/api/accounts/{account_id}/roles/{role}"): ADMIN,
    ("POST", "/api/accounts/{account_id}/deactivate"): ADMIN,
    ("POST", "/api/accounts/{account_id}/reactivate"): ADMIN,
    # Leads: the public form captures; sales works them; others read.
    ("POST", "/api/leads"): PUBLIC,
    ("GET", "/api/leads"): LEAD_READERS,
    ("GET", "/api/leads/{lead_id}"): LEAD_READERS,
    ("POST", "/api/leads/{lead_id}/score"): LEAD_TEAM,
    ("POST", "/api/leads/{lead_id}/route"): LEAD_TEAM,
    ("POST", "/api/leads/{lead_id}/disqualify"): LEAD_TEAM,
    ("POST", "/api/leads/{lead_id}/assign"): LEAD_TEAM,
    ("POST", "/api/leads/{lead_id}/convert"): LEAD_TEAM,
    ("POST", "/api/leads/{lead_id}/lose"): LEAD_TEAM,
    ("POST", "/api/leads/{lead_id}/engagement"): LEAD_TEAM,
    # Content: anyone reads what is live (drafts: see CAPABILITIES); editors write and publish.
    ("GET", "/api/content"): PUBLIC,
    ("GET", "/api/content/{slug}"): PUBLIC,
    ("GET", "/api/content/{content_id}/revisions"): CONTENT_READERS,
    ("POST", "/api/content"): CONTENT_TEAM,
    ("POST", "/api/content/{content_id}/revise"): CONTENT_TEAM,
    ("POST", "/api/content/{content_id}/ai-draft"): CONTENT_TEAM,
    ("POST", "/api/content/{content_id}/restore"): CONTENT_TEAM,
    ("POST", "/api/content/{content_id}/submit"): CONTENT_TEAM,
    ("POST", "/api/content/{content_id}/approve"): CONTENT_TEAM,
    ("POST", "/api/content/{content_id}/reject"): CONTENT_TEAM,
    ("POST", "/api/content/{content_id}/schedule"): CONTENT_TEAM,
    ("POST", "/api/content/{content_id}/cancel-schedule"): CONTENT_TEAM,
    ("POST", "/api/content/{content_id}/unpublish"): CONTENT_TEAM,
    ("POST", "/api/content/{content_id}/archive"): CONTENT_TEAM,
    ("POST", "/api/content/{content_id}/publish"): CONTENT_TEAM,
    # Visitor behaviour from the portals' pages.
    ("POST", "/api/track"): PUBLIC,
    # The audit feed, saga state, notifications.
    ("GET", "/api/events"): OPERATORS,
    ("GET", "/api/sagas/{saga_id}"): OPERATORS,
    ("GET", "/api/notifications"): STAFF,
    # Realtime: every signed-in role subscribes; what each sees is filtered by topic grants
    # (aic.backend.application.realtime.visibility).
    ("GET", "/api/events/stream"): SIGNED_IN,
    ("WEBSOCKET", "/api/ws"): SIGNED_IN,
}

CAPABILITIES: Final[dict[str, Rule]] = {
    # Drafts, content in review, unpublished and archived items, and previews.
    "content:unpublished": CONTENT_READERS,
}


def rule_for(method: str, path: str) -> Rule | None:
    """The row for a route, or ``None``: not in the table, so nobody may call it."""
    method = method.upper()
    found = ACCESS.get((method, path))
    if found is None and method == "HEAD":
        found = ACCESS.get(("GET", path))
    return found


def has_capability(held: Iterable[str], capability: str) -> bool:
    rule = CAPABILITIES.get(capability)
    return rule is not None and rule.allows(held)


def _cell(rule: Rule, role: str) -> str:
    return "✓" if rule.public or role in rule.roles else ""


def access_markdown() -> str:
    """The table as Markdown: docs/access.md is exactly this."""
    lines = [
        "# Access: who may call what",
        "",
        "Generated from `src/aic/security/rbac.py` by `aic access` (a test keeps it in sync).",
        "A route missing from the table is refused to everyone (403). *public*: anyone, signed",
        "in or not; otherwise the caller must be signed in (else 401) and hold a ticked role",
        "(else 403).",
        "",
        "| Method | Path | public | " + " | ".join(ROLES) + " |",
        "|---|---|---|" + "---|" * len(ROLES),
    ]
    for (method, path), rule in sorted(ACCESS.items(), key=lambda row: (row[0][1], row[0][0])):
        cells = ["✓" if rule.public else "", *(_cell(rule, role) for role in ROLES)]
        lines.append(f"| {method} | `{path}` | " + " | ".join(cells) + " |")
    lines += [
        "",
        "## Capabilities inside routes",
        "",
        "| Capability | " + " | ".join(ROLES) + " |",
        "|---|" + "---|" * len(ROLES),
    ]
    for name, rule in sorted(CAPABILITIES.items()):
        lines.append(f"| `{name}` | " + " | ".join(_cell(rule, role) for role in ROLES) + " |")
    return "\n".join(lines) + "\n"
