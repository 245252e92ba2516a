"""ai's admin API for service keys, key rate limits and the wrong-key guard, over HTTP."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from aic.ai.entrypoints.app import create_app
from aic.ai.settings import AISettings
from aic.cli import app as cli

BOOTSTRAP = ("boot-key-one", "boot-key-two")
ADMIN = {"Authorization": f"Bearer {BOOTSTRAP[0]}"}
KEYS = "/v1/admin/service-keys"


def ai_client(folder: Path, **settings: Any) -> TestClient:
    options: dict[str, Any] = {
        "data_dir": folder,
        "service_api_keys": ",".join(BOOTSTRAP),
        "rate_limits_enabled": False,
        **settings,
    }
    # A real address as the peer, so that X-Forwarded-For from it (a trusted proxy) counts.
    return TestClient(create_app(AISettings(**options)), client=("127.0.0.1", 50000))


@pytest.fixture
def ai(tmp_path: Path) -> Iterator[TestClient]:
    with ai_client(tmp_path) as client:
        yield client


def issue(client: TestClient, name: str = "backend", **body: Any) -> dict[str, Any]:
    response = client.post(KEYS, json={"name": name, **body}, headers=ADMIN)
    assert response.status_code == 201, response.text
    issued: dict[str, Any] = response.json()
    return issued


def as_key(key: str) -> dict[str, str]:
    return {"X-API-Key": key}


def verified(client: TestClient, key: str) -> bool:
    """An issued key is verified when it gets past authentication to the admin check (403)."""
    status = client.get(KEYS, headers=as_key(key)).status_code
    assert status in (401, 403)
    return status == 403


def test_an_issued_key_works_until_revoked_then_gets_401(ai: TestClient) -> None:
    issued = issue(ai, "backend (2026-03)")
    assert issued["key"].startswith("aic_sk_")
    assert issued["status"] == "active"
    assert issued["hint"] == issued["key"][-4:]
    assert verified(ai, issued["key"])
    assert verified(ai, issued["key"])  # and again, from the cache

    revoked = ai.delete(f"{KEYS}/{issued['id']}", headers=ADMIN)
    assert revoked.status_code == 200
    assert revoked.json()["status"] == "revoked"
    refused = ai.get(KEYS, headers={"Authorization": f"Bearer {issued['key']}"})
    assert refused.status_code == 401
    assert refused.json()["error"]["code"] == "invalid_service_key"
    assert refused.headers["www-authenticate"].startswith("Bearer")


def test_the_list_shows_status_and_last_use_but_never_a_secret(ai: TestClient) -> None:
    used, unused = issue(ai, "used"), issue(ai, "unused")
    verified(ai, used["key"])
    response = ai.get(KEYS, headers=ADMIN)
    assert response.status_code == 200
    listed = {k["name"]: k for k in response.json()["keys"]}
    assert set(listed) == {"used", "unused"}
    assert listed["used"]["last_used_at"] is not None
    assert listed["unused"]["last_used_at"] is None
    assert "key" not in listed["used"]
    assert used["key"] not in response.text
    assert unused["key"] not in response.text


def test_two_keys_are_valid_at_once_for_a_rotation(ai: TestClient) -> None:
    old, new = issue(ai, "backend-old"), issue(ai, "backend-new")
    assert verified(ai, old["key"])
    assert verified(ai, new["key"])
    ai.delete(f"{KEYS}/{old['id']}", headers=ADMIN)
    assert not verified(ai, old["key"])
    assert verified(ai, new["key"])


def test_bootstrap_keys_keep_working_beside_issued_keys(ai: TestClient) -> None:
    issue(ai)
    for key in BOOTSTRAP:
        assert ai.get(KEYS, headers=as_key(key)).status_code == 200


def test_an_issued_key_may_not_issue_list_or_revoke_keys(ai: TestClient) -> None:
    issued = issue(ai)
    attempts = [
        ai.post(KEYS, json={"name": "mine"}, headers=as_key(issued["key"])),
        ai.get(KEYS, headers=as_key(issued["key"])),
        ai.delete(f"{KEYS}/{issued['id']}", headers=as_key(issued["key"])),
    ]
    for response in attempts:
        assert response.status_code == 403
        assert response.json()["error"]["code"] == "admin_key_required"
    assert [k["status"] for k in ai.get(KEYS, headers=ADMIN).json()["keys"]] == ["active"]


def test_bad_requests_get_clear_4xx_errors(ai: TestClient) -> None:
    past = (datetime.now(UTC) - timedelta(days=1)).isoformat()
    naive = "2030-01-01T00:00:00"  # no time zone: which midnight?
    cases = [
        (ai.post(KEYS, json={"name": ""}, headers=ADMIN), 422),
        (ai.post(KEYS, json={"name": "x", "expires_at": past}, headers=ADMIN), 422),
        (ai.post(KEYS, json={"name": "x", "expires_at": naive}, headers=ADMIN), 422),
        (ai.post(KEYS, json={"name": "x", "scope": "all"}, headers=ADMIN), 422),
        (ai.delete(f"{KEYS}/bootstrap-0", headers=ADMIN), 422),
        (ai.delete(f"{KEYS}/sk_0000000000000000", headers=ADMIN), 404),
        (ai.get(KEYS), 401),
    ]
    for response, status in cases:
        assert response.status_code == status, response.text
        assert response.json()["error"]["code"]


def test_a_key_with_an_expiry_shows_it(ai: TestClient) -> None:
    until = (datetime.now(UTC) + timedelta(days=30)).replace(microsecond=0)
    issued = issue(ai, "temporary", expires_at=until.isoformat())
    assert datetime.fromisoformat(issued["expires_at"]) == until
    assert verified(ai, issued["key"])


def test_a_revocation_reaches_another_replica_within_the_cache_time(tmp_path: Path) -> None:
    with (
        ai_client(tmp_path, service_key_cache_seconds=0.5) as replica,
        ai_client(tmp_path) as admin,
    ):
        issued = issue(admin)
        assert verified(replica, issued["key"])
        admin.delete(f"{KEYS}/{issued['id']}", headers=ADMIN)
        revoked_at = time.monotonic()
        while verified(replica, issued["key"]):
            assert time.monotonic() - revoked_at < 3, "the replica kept the revoked key"
            time.sleep(0.05)
        assert time.monotonic() - revoked_at >= 0.3  # it was cached meanwhile, as documented


def test_each_key_has_its_own_rate_limit_shown_in_headers(tmp_path: Path) -> None:
    with ai_client(tmp_path, rate_limits_enabled=True, rate_limit_service="2/minute") as ai:
        first = ai.get(KEYS, headers=ADMIN)
        assert first.headers["x-ratelimit-limit"] == "2"
        assert first.headers["x-ratelimit-remaining"] == "1"
        ai.get(KEYS, headers=ADMIN)
        third = ai.get(KEYS, headers=ADMIN)
        assert third.status_code == 429
        assert third.json()["error"]["code"] == "rate_limited"
        assert 55 <= int(third.headers["retry-after"]) <= 60
        other_key = {"Authorization": f"Bearer {BOOTSTRAP[1]}"}
        assert ai.get(KEYS, headers=other_key).status_code == 200


def test_an_address_that_keeps_sending_wrong_keys_is_refused_even_with_a_right_one(
    tmp_path: Path,
) -> None:
    with ai_client(tmp_path, rate_limits_enabled=True, rate_limit_failed_key="3/minute") as ai:
        guesser = {"X-Forwarded-For": "198.51.100.7"}
        assert ai.get(KEYS).status_code == 401  # no key at all: not a guess, not counted
        statuses = [
            ai.get(KEYS, headers={**guesser, "X-API-Key": f"guess-{i}"}).status_code
            for i in range(5)
        ]
        assert statuses == [401, 401, 401, 429, 429]
        right = ai.get(KEYS, headers={**guesser, **ADMIN})
        assert right.status_code == 429
        assert int(right.headers["retry-after"]) > 0
        neighbour = ai.get(KEYS, headers={"X-Forwarded-For": "198.51.100.8", **ADMIN})
        assert neighbour.status_code == 200


def test_the_cli_issues_lists_and_revokes_keys_that_ai_then_honours(tmp_path: Path) -> None:
    runner = CliRunner()
    env = {"AIC_DATA_DIR": str(tmp_path), "AIC_LOG_LEVEL": "warning"}
    issued = runner.invoke(cli, ["keys", "issue", "backend", "--expires-in-days", "90"], env=env)
    assert issued.exit_code == 0, issued.output
    key = issued.stdout.strip().splitlines()[-1]
    assert key.startswith("aic_sk_")
    listed = runner.invoke(cli, ["keys", "list", "--json"], env=env)
    [entry] = json.loads(listed.stdout)
    assert entry["name"] == "backend"
    assert entry["status"] == "active"
    assert key not in listed.stdout
    with ai_client(tmp_path) as ai:
        assert verified(ai, key)
        revoked = runner.invoke(cli, ["keys", "revoke", entry["id"]], env=env)
        assert revoked.exit_code == 0, revoked.output
        unknown = runner.invoke(cli, ["keys", "revoke", "sk_0000000000000000"], env=env)
        assert unknown.exit_code == 1
    with ai_client(tmp_path) as restarted:  # the first one may still hold the key (5 s cache)
        assert not verified(restarted, key)
