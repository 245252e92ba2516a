"""Bearer tokens over HTTP: sign-in, refresh rotation and reuse, sign-out, revocation."""

from __future__ import annotations

import time
from concurrent.futures import CancelledError
from contextlib import suppress
from datetime import timedelta
from typing import Any

from fastapi.testclient import TestClient

from aic.security.tokens import AccessTokens
from tests.integration.api.conftest import eventually
from tests.support.identity import (
    PASSWORD,
    bearer,
    client_of,
    container,
    invite_and_join,
    sign_in,
)


def _me(api: TestClient, token: str) -> Any:
    return api.get("/api/auth/me", headers=bearer(token))


def _refresh(api: TestClient, refresh_token: str) -> Any:
    return api.post("/api/auth/refresh", json={"refresh_token": refresh_token})


def test_signing_in_gives_a_short_lived_access_token_and_a_refresh_token(api: TestClient) -> None:
    email, account_id = invite_and_join(api, ["sales"])
    body = sign_in(api, email.upper())  # e-mail case does not matter
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == container(api).settings.jwt_ttl_seconds
    assert body["refresh_token"].startswith("aic_rt_")
    assert body["account"] == {
        "account_id": account_id, "email": email, "roles": ["sales"], "active": True,
    }  # fmt: skip
    me = _me(api, body["access_token"]).json()
    assert me["id"] == account_id
    assert me["roles"] == ["sales"]
    assert me["via"] == "bearer"
    assert me["email"] == email


def test_a_wrong_password_and_an_unknown_email_get_the_same_answer(api: TestClient) -> None:
    email, _ = invite_and_join(api, ["viewer"])
    wrong = api.post("/api/auth/login", json={"email": email, "password": "not the password"})
    unknown = api.post(
        "/api/auth/login", json={"email": "nobody@aic-test.example", "password": PASSWORD}
    )
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json() == unknown.json()
    assert wrong.json()["error"]["code"] == "invalid_credentials"


def test_a_login_without_fields_is_a_422_naming_them(api: TestClient) -> None:
    response = api.post("/api/auth/login", json={"email": "a@b.example"})
    assert response.status_code == 422
    assert [d["field"] for d in response.json()["error"]["details"]] == ["body.password"]
    garbage = api.post(
        "/api/auth/login", content=b"{nope", headers={"content-type": "application/json"}
    )
    assert garbage.status_code == 422


def test_refreshing_rotates_the_refresh_token(api: TestClient) -> None:
    email, _ = invite_and_join(api, ["editor"])
    first = sign_in(api, email)
    second = _refresh(api, first["refresh_token"])
    assert second.status_code == 200, second.text
    rotated = second.json()
    assert rotated["refresh_token"] != first["refresh_token"]
    assert rotated["session_id"] == first["session_id"]
    assert _me(api, rotated["access_token"]).status_code == 200
    assert _refresh(api, rotated["refresh_token"]).status_code == 200


def test_reusing_a_rotated_refresh_token_ends_the_whole_session(api: TestClient) -> None:
    email, _ = invite_and_join(api, ["editor"])
    first = sign_in(api, email)
    other_session = sign_in(api, email)
    second = _refresh(api, first["refresh_token"]).json()
    reused = _refresh(api, first["refresh_token"])  # stolen and replayed, say
    assert reused.status_code == 401
    assert reused.json()["error"]["code"] == "refresh_token_reused"
    # The family is revoked: the legitimate newest token and its access token die too.
    assert _refresh(api, second["refresh_token"]).json()["error"]["code"] == "invalid_refresh_token"
    assert _me(api, second["access_token"]).json()["error"]["code"] == "token_revoked"
    # Another session of the same account is untouched.
    assert _me(api, other_session["access_token"]).status_code == 200


def test_an_unknown_refresh_token_is_refused(api: TestClient) -> None:
    response = _refresh(api, "aic_rt_made-up")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "invalid_refresh_token"
    assert api.post("/api/auth/refresh", json={}).status_code == 401


def test_logout_ends_this_session_and_its_access_token(api: TestClient) -> None:
    email, _ = invite_and_join(api, ["analyst"])
    session = sign_in(api, email)
    other = sign_in(api, email)
    out = api.post("/api/auth/logout", headers=bearer(session["access_token"]))
    assert out.status_code == 204
    assert _me(api, session["access_token"]).status_code == 401
    assert _refresh(api, session["refresh_token"]).status_code == 401
    assert _me(api, other["access_token"]).status_code == 200
    by_token = api.post("/api/auth/logout", json={"refresh_token": other["refresh_token"]})
    assert by_token.status_code == 204
    assert _me(api, other["access_token"]).status_code == 401


def test_logout_all_ends_every_session_and_access_token_of_the_account(api: TestClient) -> None:
    email, _ = invite_and_join(api, ["viewer"])
    sessions = [sign_in(api, email) for _ in range(3)]
    bystander = sign_in(api, invite_and_join(api, ["viewer"])[0])
    out = api.post("/api/auth/logout-all", headers=bearer(sessions[0]["access_token"]))
    assert out.status_code == 204
    for session in sessions:
        assert _me(api, session["access_token"]).status_code == 401
        assert _refresh(api, session["refresh_token"]).status_code == 401
    assert _me(api, bystander["access_token"]).status_code == 200
    assert _me(api, sign_in(api, email)["access_token"]).status_code == 200  # signs in again


def test_a_deactivated_account_loses_its_tokens_at_once_and_cannot_sign_in(
    api: TestClient,
) -> None:
    email, account_id = invite_and_join(api, ["sales"])
    session = sign_in(api, email)
    out = api.post(f"/api/accounts/{account_id}/deactivate", json={"reason": "left"})
    assert out.status_code == 200, out.text
    assert out.json()["active"] is False
    assert _me(api, session["access_token"]).status_code == 401
    assert _refresh(api, session["refresh_token"]).status_code == 401
    refused = api.post("/api/auth/login", json={"email": email, "password": PASSWORD})
    assert refused.status_code == 401
    assert refused.json()["error"]["code"] == "account_deactivated"
    assert api.post(f"/api/accounts/{account_id}/reactivate").status_code == 200
    assert _me(api, sign_in(api, email)["access_token"]).status_code == 200


def test_revoking_a_role_ends_access_tokens_and_a_refresh_brings_the_new_roles(
    api: TestClient,
) -> None:
    email, account_id = invite_and_join(api, ["sales", "analyst"])
    session = sign_in(api, email)
    assert api.get("/api/events", headers=bearer(session["access_token"])).status_code == 200
    revoked = api.delete(f"/api/accounts/{account_id}/roles/analyst")
    assert revoked.json()["roles"] == ["sales"]
    assert _me(api, session["access_token"]).json()["error"]["code"] == "token_revoked"
    renewed = _refresh(api, session["refresh_token"]).json()
    assert _me(api, renewed["access_token"]).json()["roles"] == ["sales"]
    assert api.get("/api/events", headers=bearer(renewed["access_token"])).status_code == 403
    granted = api.post(f"/api/accounts/{account_id}/roles", json={"role": "editor"})
    assert granted.json()["roles"] == ["editor", "sales"]


def test_an_expired_access_token_gets_a_401_saying_so(api: TestClient) -> None:
    email, _ = invite_and_join(api, ["viewer"])
    session = sign_in(api, email)
    settings = container(api).settings
    secret = (settings.data_dir / "jwt_secret").read_text().strip()
    an_hour_ago = AccessTokens(
        secret,
        issuer=settings.jwt_issuer,
        audience=settings.jwt_audience,
        ttl_seconds=60,
        clock=lambda: time.time() - 3600,
    )
    me = _me(api, session["access_token"]).json()
    token, _ = an_hour_ago.issue(me["id"], ["viewer"], generation=0, session_id=me["session_id"])
    response = _me(api, token)
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "token_expired"
    assert "Bearer" in response.headers["www-authenticate"]


def test_the_service_key_authenticates_as_the_service_role(api: TestClient) -> None:
    key = container(api).identity.service_key
    signed_out = client_of(api)
    for headers in ({"X-API-Key": key}, bearer(key)):
        me = signed_out.get("/api/auth/me", headers=headers).json()
        assert me == {"id": "service", "kind": "service", "roles": ["service"],
                      "via": "api_key", "session_id": None, "email": None,
                      "display_name": None}  # fmt: skip
        assert signed_out.get("/api/leads", headers=headers).status_code == 200
        assert signed_out.get("/api/accounts", headers=headers).status_code == 403
    wrong = signed_out.get("/api/leads", headers={"X-API-Key": key + "x"})
    assert wrong.status_code == 401
    assert wrong.json()["error"]["code"] == "invalid_service_key"


def test_other_authorization_schemes_are_refused(api: TestClient) -> None:
    response = api.get("/api/leads", headers={"Authorization": "Basic YWRtaW46YWRtaW4="})
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "unsupported_authorization"


def test_changing_the_password_checks_the_old_one_and_ends_every_session(api: TestClient) -> None:
    email, _ = invite_and_join(api, ["editor"])
    session = sign_in(api, email)
    headers = bearer(session["access_token"])
    new = "a brand new passphrase"
    wrong = api.post(
        "/api/auth/password", json={"current_password": "guess guess guess", "new_password": new},
        headers=headers,
    )  # fmt: skip
    assert wrong.status_code == 403
    weak = api.post(
        "/api/auth/password", json={"current_password": PASSWORD, "new_password": "short"},
        headers=headers,
    )  # fmt: skip
    assert weak.status_code == 422
    assert weak.json()["error"]["code"] == "weak_password"
    changed = api.post(
        "/api/auth/password", json={"current_password": PASSWORD, "new_password": new},
        headers=headers,
    )  # fmt: skip
    assert changed.status_code == 204
    assert _me(api, session["access_token"]).status_code == 401
    assert (
        api.post("/api/auth/login", json={"email": email, "password": PASSWORD}).status_code == 401
    )
    assert sign_in(api, email, new)["account"]["email"] == email


def test_events_record_the_signed_in_caller_as_their_actor(api: TestClient) -> None:
    email, account_id = invite_and_join(api, ["editor"])
    editor = bearer(sign_in(api, email)["access_token"])
    slug = f"actor-test-{account_id[:8]}"
    draft = {"title": "Actor test", "slug": slug, "content_type": "article", "portals": ["main"]}
    created = api.post("/api/content", json=draft, headers=editor)
    assert created.status_code == 202, created.text
    content_stream = f"content-{created.json()['id']}"

    def recorded() -> Any:
        events = api.get("/api/events", params={"limit": 1000}).json()["events"]
        return [e for e in events if e["stream_id"] == content_stream]

    assert eventually(recorded)[0]["metadata"]["actor"] == account_id
    registered = [
        e for e in api.get("/api/events", params={"limit": 1000}).json()["events"]
        if e["stream_id"] == f"account-{account_id}"
    ]  # fmt: skip
    assert registered[0]["metadata"]["actor"] == account_id  # they accepted the invitation
    assert all("argon2" not in str(e) for e in registered)  # no hash in the event log


def test_ended_sessions_are_forgotten_a_day_later_with_their_tokens(api: TestClient) -> None:
    email, _ = invite_and_join(api, ["viewer"])
    ended, live = sign_in(api, email), sign_in(api, email)
    _refresh(api, ended["refresh_token"])
    api.post("/api/auth/logout", json={"refresh_token": ended["refresh_token"]})
    sessions, database = container(api).identity.sessions, container(api).database
    query = "SELECT COUNT(*) AS n FROM auth_refresh_tokens WHERE session_id = :id"

    def tokens(session_id: str) -> int:
        row = api.portal.call(database.fetch_one, query, {"id": session_id})  # type: ignore[union-attr]
        return int(row["n"])

    assert tokens(ended["session_id"]) == 2
    api.portal.call(sessions.prune)  # type: ignore[union-attr]
    assert tokens(ended["session_id"]) == 2  # kept a day: a replay is still recognised
    real = sessions.clock
    sessions.clock = lambda: real() + timedelta(days=2)
    try:
        assert api.portal.call(sessions.prune) >= 1  # type: ignore[union-attr]
    finally:
        sessions.clock = real
    assert tokens(ended["session_id"]) == 0
    assert tokens(live["session_id"]) == 1
    assert _me(api, live["access_token"]).status_code == 200


def test_a_token_in_the_url_counts_only_for_event_streams_and_websockets(api: TestClient) -> None:
    email, _ = invite_and_join(api, ["viewer"])
    token = sign_in(api, email)["access_token"]
    signed_out = client_of(api)
    # A plain request ignores it: tokens in URLs leak into logs, so only where unavoidable.
    ignored = signed_out.get("/api/auth/me", params={"access_token": token})
    assert ignored.status_code == 401
    assert ignored.json()["error"]["code"] == "unauthenticated"
    stream = signed_out.get(
        "/api/events/stream",
        params={"access_token": token, "after": str(2**63 - 1)},  # 422: no such position
        headers={"Accept": "text/event-stream"},
    )
    assert stream.status_code == 422, stream.text
    bad = signed_out.get(
        "/api/events/stream",
        params={"access_token": token + "x"},
        headers={"Accept": "text/event-stream"},
    )
    assert bad.status_code == 401
    replies = []
    # The test client may cancel the server's session as it closes its side: not an answer.
    with (
        suppress(CancelledError),
        signed_out.websocket_connect(f"/api/ws?access_token={token}") as ws,
    ):
        ws.send_json({"type": "ping", "id": "url-token"})
        replies.append(ws.receive_json()["type"])
    assert replies == ["pong"]
