"""Staff accounts over HTTP: invitations, the password policy, roles, the last administrator."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.integration.api.conftest import eventually
from tests.support.identity import PASSWORD, bearer, container, invite_and_join, sign_in


def _email(label: str = "colleague") -> str:
    return f"{label}-{uuid.uuid4().hex[:8]}@aic-test.example"


def _invite(api: TestClient, email: str, roles: list[str]) -> Any:
    return api.post("/api/accounts/invitations", json={"email": email, "roles": roles})


def _accept(api: TestClient, token: str, password: str = PASSWORD) -> Any:
    body = {"token": token, "display_name": "New Colleague", "password": password}
    return api.post("/api/accounts/accept-invitation", json=body)


def test_an_invited_colleague_joins_with_the_roles_given_and_signs_in(api: TestClient) -> None:
    email = _email()
    invited = _invite(api, email.upper(), ["sales", "viewer"])
    assert invited.status_code == 201, invited.text
    invitation = invited.json()
    assert invitation["email"] == email
    assert invitation["roles"] == ["sales", "viewer"]
    assert invitation["token"].startswith("aic_inv_")
    pending = api.get("/api/accounts/invitations").json()
    listed = next(i for i in pending if i["invitation_id"] == invitation["invitation_id"])
    assert "token" not in listed  # shown once, stored as a digest
    joined = _accept(api, invitation["token"])
    assert joined.status_code == 201, joined.text
    account = joined.json()
    assert account["roles"] == ["sales", "viewer"]
    assert sign_in(api, email)["account"]["account_id"] == account["account_id"]
    ids = api.get("/api/accounts/invitations").json()
    assert invitation["invitation_id"] not in {i["invitation_id"] for i in ids}
    found = eventually(
        lambda: (
            (r := api.get(f"/api/accounts/{account['account_id']}")).status_code == 200 and r.json()
        )
    )
    assert found["display_name"] == "New Colleague"
    assert found["email"] == email
    listing = api.get("/api/accounts", params={"limit": 500}).json()
    assert account["account_id"] in {a["account_id"] for a in listing["items"]}


def test_an_invitation_token_works_once(api: TestClient) -> None:
    token = _invite(api, _email(), ["viewer"]).json()["token"]
    assert _accept(api, token).status_code == 201
    again = _accept(api, token)
    assert again.status_code == 410
    assert again.json()["error"]["code"] == "invitation_used"


def test_unknown_revoked_and_replaced_invitations_are_refused(api: TestClient) -> None:
    assert _accept(api, "aic_inv_made-up").json()["error"]["code"] == "invitation_not_found"
    email = _email()
    first = _invite(api, email, ["viewer"]).json()
    revoked = api.delete(f"/api/accounts/invitations/{first['invitation_id']}")
    assert revoked.status_code == 204
    assert api.delete(f"/api/accounts/invitations/{first['invitation_id']}").status_code == 404
    assert _accept(api, first["token"]).json()["error"]["code"] == "invitation_revoked"
    second = _invite(api, email, ["viewer"]).json()
    third = _invite(api, email, ["editor"]).json()  # replaces the second
    assert _accept(api, second["token"]).status_code == 410
    assert _accept(api, third["token"]).json()["roles"] == ["editor"]


@pytest.fixture
def eight_days_later(api: TestClient) -> Iterator[None]:
    staff = container(api).identity.staff
    real = staff.clock
    staff.clock = lambda: datetime.now(UTC) + timedelta(days=8)
    try:
        yield
    finally:
        staff.clock = real


def test_an_invitation_expires(api: TestClient, eight_days_later: None) -> None:
    staff = container(api).identity.staff
    real = staff.clock
    staff.clock = lambda: datetime.now(UTC)
    token = _invite(api, _email(), ["viewer"]).json()["token"]
    staff.clock = real
    assert _accept(api, token).json()["error"]["code"] == "invitation_expired"


@pytest.mark.parametrize(
    ("password", "problem"),
    [("short", "at least 12"), ("{email}", "e-mail"), ("zzzzzzzzzzzzzz", "different")],
)
def test_a_weak_password_is_a_422_that_says_why(
    api: TestClient, password: str, problem: str
) -> None:
    email = _email()
    token = _invite(api, email, ["viewer"]).json()["token"]
    refused = _accept(api, token, password.format(email=email))
    assert refused.status_code == 422
    error = refused.json()["error"]
    assert error["code"] == "weak_password"
    assert any(problem in d["message"] for d in error["details"])
    assert error["details"][0]["field"] == "body.password"
    assert _accept(api, token).status_code == 201  # the invitation is still good


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"email": "not-an-email", "roles": ["viewer"]}, 422, "invalid_email"),
        ({"email": "x@aic-test.example", "roles": ["wizard"]}, 422, "invalid_role"),
        ({"email": "x@aic-test.example", "roles": ["service"]}, 422, "invalid_role"),
        ({"email": "x@aic-test.example", "roles": []}, 422, "validation_error"),
        ({"email": "x@aic-test.example"}, 422, "validation_error"),
    ],
)
def test_bad_invitations_are_refused_clearly(
    api: TestClient, body: dict[str, Any], status: int, code: str
) -> None:
    response = api.post("/api/accounts/invitations", json=body)
    assert response.status_code == status, response.text
    assert response.json()["error"]["code"] == code


def test_an_email_that_has_an_account_cannot_be_invited_again(api: TestClient) -> None:
    email, _ = invite_and_join(api, ["viewer"])
    taken = _invite(api, email, ["editor"])
    assert taken.status_code == 409
    assert taken.json()["error"]["code"] == "email_taken"


def test_the_last_administrator_who_can_sign_in_is_kept(api: TestClient) -> None:
    me = api.get("/api/auth/me").json()  # the only administrator so far
    kept = api.post(f"/api/accounts/{me['id']}/deactivate")
    assert kept.status_code == 409
    assert kept.json()["error"]["code"] == "last_admin"
    assert api.delete(f"/api/accounts/{me['id']}/roles/admin").status_code == 409
    # With a second administrator, the first may step down.
    email, second = invite_and_join(api, ["admin"])
    other = bearer(sign_in(api, email)["access_token"])
    assert api.delete(f"/api/accounts/{second}/roles/admin").status_code == 200
    ended = api.get("/api/accounts", headers=other)  # its token ended with the role
    assert ended.json()["error"]["code"] == "token_revoked"
    assert api.post(f"/api/accounts/{second}/roles", json={"role": "admin"}).status_code == 200


def test_changing_an_unknown_account_is_a_404(api: TestClient) -> None:
    for response in (
        api.post("/api/accounts/no-such-account/deactivate"),
        api.post("/api/accounts/no-such-account/roles", json={"role": "viewer"}),
        api.delete("/api/accounts/no-such-account/roles/viewer"),
        api.get("/api/accounts/no-such-account"),
    ):
        assert response.status_code == 404, response.text
        assert response.json()["error"]["code"] == "account_not_found"
