"""Signed-in test clients: the first administrator, invited staff with given roles, tokens."""

from __future__ import annotations

import uuid
from typing import Any

from fastapi.testclient import TestClient

from aic.backend.application.bus import CommandContext
from aic.backend.application.ports import EventMetadata

ADMIN_EMAIL = "first.admin@aic-test.example"
PASSWORD = "correct horse battery staple"


def container(client: TestClient) -> Any:
    return client.app.state.container  # type: ignore[attr-defined]


def create_admin(client: TestClient, email: str = ADMIN_EMAIL, password: str = PASSWORD) -> str:
    """The account id of a new administrator, made as ``aic admin create`` makes it."""
    staff = container(client).identity.staff
    context = CommandContext(EventMetadata(actor="system:test"))
    account = client.portal.call(  # type: ignore[union-attr]
        staff.create_admin, email, "First Admin", password, context
    )
    return str(account.account_id)


def sign_in(client: TestClient, email: str, password: str = PASSWORD) -> dict[str, Any]:
    response = client.post("/api/auth/login", json={"email": email, "password": password})
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def signed_in_client(client: TestClient, token: str) -> TestClient:
    """Another client of the same running app, sending ``token`` on every request."""
    other = TestClient(client.app, raise_server_exceptions=False, headers=bearer(token))
    other.portal = client.portal  # the app's event loop, so it can share its connections
    return other


def invite_and_join(
    admin: TestClient, roles: list[str], password: str = PASSWORD
) -> tuple[str, str]:
    """A new staff member with ``roles``, through the invitation API: (email, account id)."""
    email = f"{'-'.join(roles) or 'nobody'}-{uuid.uuid4().hex[:8]}@aic-test.example"
    invited = admin.post("/api/accounts/invitations", json={"email": email, "roles": roles})
    assert invited.status_code == 201, invited.text
    joined = admin.post(
        "/api/accounts/accept-invitation",
        json={"token": invited.json()["token"], "display_name": "Test Staff", "password": password},
    )
    assert joined.status_code == 201, joined.text
    return email, str(joined.json()["account_id"])


def staff_token(admin: TestClient, roles: list[str]) -> str:
    email, _ = invite_and_join(admin, roles)
    return str(sign_in(admin, email)["access_token"])
