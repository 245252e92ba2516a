"""Every ``/v1/*`` operation of ai's OpenAPI document answers 401 without a right service key.

The operations come from the document, so a new route is held to this as soon as it exists;
the key is checked before anything else (path lookups, bodies), so placeholder path values
and no body must still get the 401, never a 404 or a 422.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from aic.ai.entrypoints.app import create_app
from aic.ai.settings import AISettings

KEY = "test-service-key"
METHODS = frozenset({"get", "put", "post", "patch", "delete"})
NO_KEY: list[tuple[str, dict[str, str]]] = [
    ("no key", {}),
    ("wrong bearer key", {"Authorization": "Bearer wrong-key"}),
    ("wrong X-API-Key", {"X-API-Key": "wrong-key"}),
    ("right key, wrong scheme", {"Authorization": f"Basic {KEY}"}),
    ("empty bearer", {"Authorization": "Bearer "}),
]


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    settings = AISettings(
        data_dir=Path(tmp_path_factory.mktemp("ai")),
        service_api_keys=KEY,
        log_level="warning",
        rate_limits_enabled=False,  # every wrong key must meet the key check, not a 429
    )
    with TestClient(create_app(settings), raise_server_exceptions=False) as client:
        yield client


def v1_operations(document: dict[str, Any]) -> list[tuple[str, str]]:
    """(METHOD, URL) of every ``/v1/*`` operation, path parameters filled with placeholders."""
    found = []
    for template, operations in document["paths"].items():
        if not template.startswith("/v1/"):
            continue
        for method, operation in operations.items():
            if method not in METHODS:
                continue
            url = template
            for parameter in operation.get("parameters", []):
                if parameter["in"] == "path":
                    integer = parameter.get("schema", {}).get("type") == "integer"
                    url = url.replace(f"{{{parameter['name']}}}", "1" if integer else "x")
            found.append((method.upper(), url))
    return found


def test_every_v1_operation_refuses_a_missing_or_wrong_key(client: TestClient) -> None:
    operations = v1_operations(client.get("/openapi.json").json())
    assert len(operations) >= 20, operations  # the document lists the routes
    assert ("POST", "/v1/chat/completions") in operations
    assert ("DELETE", "/v1/admin/service-keys/x") in operations
    problems = []
    for method, url in operations:
        for what, headers in NO_KEY:
            response = client.request(method, url, headers=headers)
            if response.status_code != 401:
                problems.append(f"{method} {url} ({what}): {response.status_code}")
                continue
            error = response.json().get("error", {})
            if error.get("code") not in ("unauthorized", "invalid_service_key"):
                problems.append(f"{method} {url} ({what}): {response.text[:200]}")
            if "bearer" not in response.headers.get("www-authenticate", "").lower():
                problems.append(f"{method} {url} ({what}): no WWW-Authenticate")
    assert problems == []
    # The right key passes the same check: the 401s above were about the key.
    assert client.get("/v1/models", headers={"X-API-Key": KEY}).status_code == 200
    assert client.get("/v1/vectors", headers={"Authorization": f"Bearer {KEY}"}).status_code == 200
