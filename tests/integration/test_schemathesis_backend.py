"""schemathesis against the backend's OpenAPI document: no 5xx, every response as documented.

Every operation gets bounded examples (see ``tests.support.openapi_fuzz``) signed in as an
administrator, who may call everything; the public operations again as an anonymous visitor.
The app runs in this process on SQLite, with rate limits off (the run is one burst from one
address); operations that end sessions get a staff member of their own.
"""

from __future__ import annotations

import asyncio
import re
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

import pytest
import schemathesis
from schemathesis.python import asgi

from aic.backend.application.bus import CommandContext
from aic.backend.application.ports import EventMetadata
from aic.backend.bootstrap import bootstrap
from aic.backend.entrypoints.app import create_app
from aic.backend.settings import BackendSettings
from aic.security.rbac import rule_for
from tests.support.identity import ADMIN_EMAIL, PASSWORD, cheapen_password_hashing
from tests.support.lifespan import SharedLifespan
from tests.support.openapi_fuzz import load_schema
from tests.support.services import free_ports

# The document only: the app that answers is the fixture's.
_document_app = create_app(
    BackendSettings(data_dir=Path(tempfile.gettempdir()), ai_url="http://127.0.0.1:9")
)
# POST /api/track refuses an invalid event alone, in its 200 (`rejected`), as documented: a
# schema-violating event there is not a request the whole route must refuse.
OPERATIONS = [
    {"include-path": "/api/track", "checks": {"negative_data_rejection": {"enabled": False}}}
]
schema = load_schema(_document_app, max_examples=12, operations=OPERATIONS)
# `exclude`, not `include`: with `[[operations]]` tables schemathesis adds an include-all filter.
public_schema = load_schema(_document_app, max_examples=12, operations=OPERATIONS).exclude(
    lambda ctx: not (rule := rule_for(ctx.operation.method, ctx.operation.path)) or not rule.public
)
# The same operations again, on a lead and a content item that exist (their commands then
# reach the domain: accepted, or refused as the item's state requires).
EXISTING = re.compile(r"\{(lead_id|content_id|slug)\}")
existing_schema = load_schema(_document_app, max_examples=12, operations=OPERATIONS).exclude(
    lambda ctx: not EXISTING.search(ctx.operation.path)
)
# They end the caller's sessions (logout-all: every session of the account, the admin's too).
SESSION_ENDING = {"/api/auth/logout", "/api/auth/logout-all", "/api/auth/password"}


class StaffSession:
    """A staff member's access token, signed in again once an operation ended its session."""

    def __init__(self, app: SharedLifespan, email: str) -> None:
        self._app = app
        self._email = email
        self._headers: dict[str, str] | None = None

    def headers(self) -> dict[str, str]:
        if self._headers is None:
            self._headers = _sign_in(self._app, self._email)
        return self._headers

    def ended(self) -> None:
        self._headers = None


@dataclass(frozen=True)
class Backend:
    app: SharedLifespan
    admin: dict[str, str]
    staff: StaffSession
    existing: dict[str, str]  # path parameter -> a value naming something that exists


def _client(app: SharedLifespan) -> asgi.ASGIClient:
    """schemathesis' in-process client (its ASGI types are plain dicts, Starlette's mappings)."""
    return asgi.get_client(cast(Any, app))


async def _create_admin(settings: BackendSettings) -> None:
    """As ``aic admin create`` does, before the app starts."""
    async with bootstrap(settings, run_loops=False) as container:
        cheapen_password_hashing(container.identity)
        context = CommandContext(EventMetadata(actor="system:test"))
        await container.identity.staff.create_admin(ADMIN_EMAIL, "First Admin", PASSWORD, context)


def _sign_in(app: SharedLifespan, email: str) -> dict[str, str]:
    with _client(app) as client:
        signed_in = client.post("/api/auth/login", json={"email": email, "password": PASSWORD})
    assert signed_in.status_code == 200, signed_in.text
    return {"Authorization": f"Bearer {signed_in.json()['access_token']}"}


def _invite(app: SharedLifespan, admin: dict[str, str], email: str) -> None:
    with _client(app) as client:
        client.headers.update(admin)
        invited = client.post(
            "/api/accounts/invitations", json={"email": email, "roles": ["viewer"]}
        )
        assert invited.status_code == 201, invited.text
        joined = client.post(
            "/api/accounts/accept-invitation",
            json={"token": invited.json()["token"], "display_name": "Fuzz", "password": PASSWORD},
        )
        assert joined.status_code == 201, joined.text


def _create_lead_and_content(app: SharedLifespan, admin: dict[str, str]) -> dict[str, str]:
    draft = {"title": "Fuzzed", "slug": "fuzzed", "content_type": "article", "portals": ["main"]}
    with _client(app) as client:
        client.headers.update(admin)
        lead = client.post("/api/leads", json={"email": "fuzz@lead.example", "name": "Fuzz"})
        content = client.post("/api/content", json=draft)
        assert (lead.status_code, content.status_code) == (202, 202), lead.text + content.text
        ids = {"lead_id": lead.json()["id"], "content_id": content.json()["id"], "slug": "fuzzed"}
        deadline = time.monotonic() + 10
        while client.get(f"/api/leads/{ids['lead_id']}").status_code != 200:
            assert time.monotonic() < deadline, "the lead never reached its read model"
            time.sleep(0.05)
    return ids


@pytest.fixture(scope="module")
def backend(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Backend]:
    settings = BackendSettings(
        data_dir=tmp_path_factory.mktemp("schemathesis-backend"),
        ai_url=f"http://127.0.0.1:{free_ports(1)[0]}",  # ai is down: the degraded paths run
        health_timeout_seconds=1.0,
        jwt_ttl_seconds=86_400,
        rate_limits_enabled=False,
        log_level="error",
    )
    asyncio.run(_create_admin(settings))
    inner = create_app(settings)
    app = SharedLifespan(inner)
    try:
        with _client(app):  # started: its container exists
            cheapen_password_hashing(inner.state.container.identity)
        admin = _sign_in(app, ADMIN_EMAIL)
        _invite(app, admin, "fuzz.staff@aic-test.example")
        staff = StaffSession(app, "fuzz.staff@aic-test.example")
        yield Backend(app, admin, staff, _create_lead_and_content(app, admin))
    finally:
        app.close()


@schema.parametrize()
def test_every_backend_operation_answers_as_documented(
    case: schemathesis.Case[Any], backend: Backend
) -> None:
    ending = case.operation.path in SESSION_ENDING
    headers = backend.staff.headers() if ending else backend.admin
    response = case.call(headers=headers, app=backend.app)
    if ending and response.status_code < 300:
        backend.staff.ended()
    case.validate_response(response, headers=headers)


@existing_schema.parametrize()
def test_every_operation_on_an_existing_lead_or_content_item_answers_as_documented(
    case: schemathesis.Case[Any], backend: Backend
) -> None:
    for name, value in backend.existing.items():
        if case.path_parameters and name in case.path_parameters:
            case.path_parameters[name] = value  # schemathesis re-checks what is sent
    case.call_and_validate(headers=backend.admin, app=backend.app)


@public_schema.parametrize()
def test_every_public_operation_answers_anonymous_callers_as_documented(
    case: schemathesis.Case[Any], backend: Backend
) -> None:
    case.call_and_validate(app=backend.app)
