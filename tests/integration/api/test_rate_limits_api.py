"""Backend limits by caller: address when anonymous, account when signed in; sign-in attempts;
wrong credentials per address."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from aic.backend.entrypoints.app import create_app
from aic.backend.settings import BackendSettings
from tests.support.identity import (
    ADMIN_EMAIL,
    PASSWORD,
    bearer,
    cheap_password_hashing,
    container,
    create_admin,
    sign_in,
)
from tests.support.services import free_ports

EVENTS = {"events": [{"kind": "page_view", "visitor_id": "v-limits"}]}


@pytest.fixture(scope="module")
def backend(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    settings = BackendSettings(
        data_dir=tmp_path_factory.mktemp("limits"),
        ai_url=f"http://127.0.0.1:{free_ports(1)[0]}",
        health_timeout_seconds=1.0,
        rate_limits_enabled=True,
        rate_limit_public="4/minute",
        rate_limit_authenticated="4/minute",
        rate_limit_login="2/minute",
        rate_limit_failed_credentials="3/minute",
    )
    # A real address as the peer: 127.0.0.1 is a trusted proxy by default, so tests can
    # speak for several visitors through X-Forwarded-For.
    client = TestClient(
        create_app(settings), raise_server_exceptions=False, client=("127.0.0.1", 1)
    )
    with client:
        cheap_password_hashing(client)
        create_admin(client)
        yield client


def visitor(address: str) -> dict[str, str]:
    return {"X-Forwarded-For": address}


def test_anonymous_visitors_are_limited_each_by_their_own_address(backend: TestClient) -> None:
    statuses = [
        backend.post("/api/track", json=EVENTS, headers=visitor("198.51.100.1")).status_code
        for _ in range(5)
    ]
    assert statuses == [200, 200, 200, 200, 429]
    other = backend.post("/api/track", json=EVENTS, headers=visitor("198.51.100.2"))
    assert other.status_code == 200
    assert other.headers["x-ratelimit-limit"] == "4"
    assert other.headers["x-ratelimit-remaining"] == "3"


def test_a_refusal_is_the_one_json_error_with_retry_after(backend: TestClient) -> None:
    for _ in range(4):
        backend.post("/api/track", json=EVENTS, headers=visitor("198.51.100.3"))
    refused = backend.post("/api/track", json=EVENTS, headers=visitor("198.51.100.3"))
    assert refused.status_code == 429
    body = refused.json()["error"]
    assert body["code"] == "rate_limited"
    assert body["details"]["category"] == "public"
    assert 1 <= int(refused.headers["retry-after"]) <= 60
    assert refused.headers["x-ratelimit-remaining"] == "0"


def test_probes_are_never_limited(backend: TestClient) -> None:
    for _ in range(10):
        assert backend.get("/api/health/live", headers=visitor("198.51.100.4")).status_code == 200


def test_sign_in_attempts_are_limited_per_address_and_email(backend: TestClient) -> None:
    guess = {"email": "someone@aic-test.example", "password": "wrong password"}
    here = visitor("198.51.100.5")
    answers = [backend.post("/api/auth/login", json=guess, headers=here) for _ in range(3)]
    assert [a.status_code for a in answers] == [401, 401, 429]
    assert answers[2].json()["error"]["details"]["category"] == "login"
    same_email_elsewhere = backend.post(
        "/api/auth/login", json=guess, headers=visitor("203.0.113.5")
    )
    assert same_email_elsewhere.status_code == 401
    shouted = {**guess, "email": "  SOMEONE@aic-test.example"}  # the same account
    again = backend.post("/api/auth/login", json=shouted, headers=here)
    assert again.status_code == 429
    assert again.json()["error"]["details"]["category"] == "login"


def test_a_signed_in_account_has_its_own_budget_wherever_it_calls_from(
    backend: TestClient,
) -> None:
    token = sign_in(backend, ADMIN_EMAIL, PASSWORD)["access_token"]
    statuses = [
        backend.get("/api/leads", headers={**bearer(token), **visitor(f"192.0.2.{i}")}).status_code
        for i in range(5)
    ]
    assert statuses == [200, 200, 200, 200, 429]
    refused = backend.get("/api/leads", headers=bearer(token))
    assert refused.json()["error"]["details"]["category"] == "authenticated"


def test_wrong_service_keys_are_limited_per_address_then_even_the_right_one_is_refused(
    backend: TestClient,
) -> None:
    here = visitor("198.51.100.6")
    wrong = [
        backend.get("/api/leads", headers={**here, "X-API-Key": f"guess-{n}"}) for n in range(4)
    ]
    assert [w.status_code for w in wrong] == [401, 401, 401, 429]
    refused = wrong[-1]
    assert refused.json()["error"]["details"]["category"] == "failed_credentials"
    assert 1 <= int(refused.headers["retry-after"]) <= 60
    key = {"X-API-Key": container(backend).identity.service_key}
    right_but_late = backend.get("/api/leads", headers={**here, **key})
    assert right_but_late.status_code == 429  # refused before the key is looked at
    assert right_but_late.json()["error"]["details"]["category"] == "failed_credentials"
    assert backend.get("/api/leads", headers={**visitor("198.51.100.7"), **key}).status_code == 200
    # Without credentials the address is an ordinary visitor still.
    assert backend.get("/api/content", headers=here).status_code == 200


def test_wrong_bearer_tokens_are_limited_per_address(backend: TestClient) -> None:
    here = visitor("198.51.100.8")
    forged = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhZG1pbi0xIn0.c2lnbmF0dXJl"  # a JWT's shape
    guesses = [bearer(forged), bearer("not-a-jwt"), {"Authorization": "Basic eDp5"}, bearer(forged)]
    statuses = [
        backend.get("/api/leads", headers={**here, **guess}).status_code for guess in guesses
    ]
    assert statuses == [401, 401, 401, 429]
    token = sign_in(backend, ADMIN_EMAIL, PASSWORD)["access_token"]
    refused = backend.get("/api/leads", headers={**here, **bearer(token)})
    assert refused.status_code == 429
    assert refused.json()["error"]["details"]["category"] == "failed_credentials"
