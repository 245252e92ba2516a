"""Every route of the backend, called as every role and signed out, does what the table says.

The table (``aic.security.rbac.ACCESS``) is written by hand; this walk holds each row to it:
allowed callers never get 401/403, signed-out callers of a non-public route get 401, and
signed-in callers without a listed role get 403. A route missing from the table fails here.
Requests carry bodies that fail validation (422) where a route would otherwise change
something, so the walk proves access without side effects.
"""

from __future__ import annotations

import re
from concurrent.futures import CancelledError
from typing import Any

import pytest
from fastapi.routing import iter_route_contexts
from fastapi.testclient import TestClient
from starlette.routing import WebSocketRoute
from starlette.websockets import WebSocketDisconnect

from aic.security.rbac import ACCESS, ROLES, rule_for
from tests.support.identity import bearer, client_of, container, staff_token

PROBE_ID = "matrix-probe"
PATH_VALUES = {"invitation_id": "0" * 32, "role": "viewer"}
# Bodies that fail validation after the access check: the route is reached, nothing changes.
BODIES: dict[str, Any] = {
    "/api/auth/refresh": {"refresh_token": 5},
    "/api/auth/logout": {"refresh_token": 5},
}
QUERIES = {"/api/events/stream": {"after": str(2**63 - 1)}}  # 422 before any streaming
CALLERS = ("anonymous", *ROLES)


def _routes(api: TestClient) -> set[tuple[str, str]]:
    """(method, path template) of every route: the OpenAPI document's and the others."""
    found: set[tuple[str, str]] = set()
    document = api.get("/api/openapi.json").json()
    for path, operations in document["paths"].items():
        found |= {(method.upper(), path) for method in operations if method != "parameters"}
    for route in iter_route_contexts(api.app.routes):  # type: ignore[attr-defined]
        if isinstance(route.original_route, WebSocketRoute):
            found.add(("WEBSOCKET", str(route.path)))
            continue
        found |= {(method, str(route.path)) for method in route.methods or ()}
    return found


def _concrete(path: str) -> str:
    return re.sub(r"\{(\w+)\}", lambda m: PATH_VALUES.get(m.group(1), PROBE_ID), path)


@pytest.fixture(scope="module")
def headers(api: TestClient) -> dict[str, dict[str, str]]:
    """Credentials of each caller: a staff member per role, the service key, nobody."""
    found: dict[str, dict[str, str]] = {"anonymous": {}}
    for role in ROLES:
        if role == "service":
            found[role] = {"X-API-Key": container(api).identity.service_key}
        else:
            found[role] = bearer(staff_token(api, [role]))
    return found


def _status(api: TestClient, method: str, path: str, headers: dict[str, str]) -> int:
    url, client = _concrete(path), client_of(api)  # no credentials but the caller's
    if method == "WEBSOCKET":
        # A refused socket is accepted and closed at once with 4401/4403; an allowed one
        # answers a ping. (The test client may cancel the server's session task as the
        # client side closes: that is the harness, not the answer.)
        reply: dict[str, Any] = {}
        try:
            with client.websocket_connect(url, headers=dict(headers)) as socket:
                socket.send_json({"type": "ping", "id": "matrix"})
                reply = socket.receive()
        except WebSocketDisconnect as exc:
            reply = {"type": "websocket.close", "code": exc.code}
        except CancelledError:
            assert reply, "cancelled before the socket answered"
        if reply["type"] == "websocket.close":
            return {4401: 401, 4403: 403}.get(reply.get("code", 1000), 500)
        return 200
    body = BODIES.get(path, {}) if method in ("POST", "PUT", "PATCH") else None
    response = client.request(method, url, json=body, headers=headers, params=QUERIES.get(path, {}))
    return response.status_code


def test_every_route_is_in_the_access_table(api: TestClient) -> None:
    missing = sorted(r for r in _routes(api) if rule_for(*r) is None)
    assert not missing, f"routes missing from aic.security.rbac.ACCESS: {missing}"


def test_the_table_lists_no_route_that_does_not_exist(api: TestClient) -> None:
    routes = _routes(api)
    stale = sorted(row for row in ACCESS if row not in routes)
    assert not stale, f"rows of ACCESS without a route: {stale}"


def test_the_openapi_document_states_how_to_sign_in_and_the_roles_of_each_operation(
    api: TestClient,
) -> None:
    document = api.get("/api/openapi.json").json()
    assert set(document["components"]["securitySchemes"]) == {
        "accessToken", "serviceKey", "sessionCookie",
    }  # fmt: skip
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            rule = rule_for(method, path)
            assert rule is not None
            roles = ["public"] if rule.public else sorted(rule.roles)
            assert operation["x-roles"] == roles, (method, path)
            assert ({} in operation["security"]) is rule.public


@pytest.mark.parametrize("caller", CALLERS)
def test_each_caller_gets_exactly_what_the_table_allows(
    api: TestClient, headers: dict[str, dict[str, str]], caller: str
) -> None:
    wrong: list[str] = []
    for method, path in sorted(_routes(api)):
        rule = rule_for(method, path)
        assert rule is not None
        status = _status(api, method, path, headers[caller])
        if rule.public or (caller != "anonymous" and caller in rule.roles):
            expected = "not 401/403"
            ok = status not in (401, 403)
        elif caller == "anonymous":
            expected, ok = "401", status == 401
        else:
            expected, ok = "403", status == 403
        if not ok:
            wrong.append(f"{method} {path}: {status}, expected {expected}")
        if status < 300 and path in ("/api/auth/logout-all",) and caller not in ("anonymous",):
            headers[caller] = bearer(staff_token(api, [caller]))  # the walk signed it out
    assert not wrong, f"{caller}:\n" + "\n".join(wrong)
