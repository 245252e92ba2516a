"""Signed-in test clients: the first administrator, invited staff with given roles, tokens."""

from __future__ import annotations

import uuid
from typing import Any

from argon2 import PasswordHasher
from fastapi.testclient import TestClient

from aic.backend.application.bus import CommandContext
from aic.backend.application.ports import EventMetadata
from aic.security.passwords import PasswordHashing

ADMIN_EMAIL = "first.admin@aic-test.example"
PASSWORD = "correct horse battery staple"


def container(client: TestClient) -> Any:
    return client.app.state.container  # type: ignore[attr-defined]


def cheap_password_hashing(client: TestClient) -> None:
    """argon2 at test strength: the real cost (most of a second) buys nothing in a test."""
    cheapen_password_hashing(container(client).identity)


def cheapen_password_hashing(identity: Any) -> None:
    """``cheap_password_hashing`` for a container's ``identity`` reached another way."""
    cheap = PasswordHashing(PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))
    identity.sessions.hashing = identity.staff.hashing = cheap


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


def client_of(client: TestClient, headers: dict[str, str] | None = None) -> TestClient:
    """Another client of the same running app, sending ``headers`` (credentials) or none."""
    other = TestClient(client.app, raise_server_exceptions=False, headers=headers)
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
