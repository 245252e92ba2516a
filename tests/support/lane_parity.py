"""Two backend apps alike but for ``CaptureLane``: send a request to both, compare answers.

``tests/integration/api/test_capture_lane.py`` holds the corpus; this module the machinery.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from typing import Any

import httpx2
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families

from aic.backend.entrypoints.api.capture_lane import CaptureLane
from tests.support.identity import ADMIN_EMAIL, PASSWORD, client_of, container

__all__ = [
    "HANDED_OVER",
    "LANE",
    "NOT_REACHED",
    "REFUSED",
    "Call",
    "Side",
    "Twins",
    "exchange",
    "lead_requests",
    "side",
    "spy_on_the_lane",
    "typed",
    "without_lane",
]

LANE, HANDED_OVER, REFUSED, NOT_REACHED = "answered", "handed over", "refused", "not reached"
# Callers whose keyed leads get the same id in both apps (the admin's account id differs).
SAME_ACTOR_IN_BOTH = {"anonymous", "visitor", "service", "bad token", "cookie"}


def typed(
    content_type: str = "application/json", key: str | None = None
) -> tuple[tuple[str, str], ...]:
    """The headers of a request: its content type, and its Idempotency-Key if any."""
    key_header = () if key is None else (("Idempotency-Key", key),)
    return (("Content-Type", content_type), *key_header)


@dataclass(frozen=True)
class Call:
    """One request, and what the app with the lane must do with it (``LANE`` ...)."""

    content: bytes | None
    path: str
    status: int
    headers: tuple[tuple[str, str], ...] = typed()
    caller: str = "anonymous"
    method: str = "POST"
    url: str = "/api/leads"

    @property
    def same_ids(self) -> bool:
        keys = [v for k, v in self.headers if k == "Idempotency-Key"]
        return bool(keys) and self.caller in SAME_ACTOR_IN_BOTH


@dataclass
class Side:
    """One of the two apps, with a client and extra headers for each kind of caller."""

    admin: TestClient
    admin_id: str
    callers: dict[str, tuple[TestClient, dict[str, str]]]


@dataclass
class Twins:
    lane: Side
    plain: Side


def without_lane(app: FastAPI) -> FastAPI:
    app.router.routes[:] = [r for r in app.router.routes if not isinstance(r, CaptureLane)]
    return app


def side(admin: TestClient) -> Side:
    browser = client_of(admin)
    signed = browser.post("/api/auth/login", data={"email": ADMIN_EMAIL, "password": PASSWORD})
    assert signed.status_code == 200, signed.text
    service_key = container(admin).identity.service_key
    # A peer that is a trusted proxy (127.0.0.1), so the visitor's own address counts.
    visitor = TestClient(admin.app, raise_server_exceptions=False, client=("127.0.0.1", 1))
    visitor.portal = admin.portal
    callers = {
        "anonymous": (client_of(admin), {}),
        "visitor": (visitor, {"X-Forwarded-For": "198.51.100.7"}),
        "admin": (admin, {}),
        "service": (client_of(admin), {"X-API-Key": service_key}),
        "bad token": (client_of(admin), {"Authorization": "Bearer not-a-valid-token"}),
        "cookie": (browser, {}),  # no CSRF value: a visitor on this public route
        "cookie+csrf": (browser, {"X-CSRF-Token": browser.cookies["aic_csrf"]}),
    }
    return Side(admin, signed.json()["account"]["account_id"], callers)


def spy_on_the_lane(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """What ``CaptureLane._answer`` did with each request that reached it."""
    seen: list[str] = []
    original = CaptureLane._answer

    async def spy(self: CaptureLane, request: Any) -> Any:
        try:
            response = await original(self, request)
        except Exception:
            seen.append(REFUSED)
            raise
        seen.append(HANDED_OVER if response is None else LANE)
        return response

    monkeypatch.setattr(CaptureLane, "_answer", spy)
    return seen


def send(side: Side, call: Call, correlation_id: str) -> httpx2.Response:
    client, extra = side.callers[call.caller]
    headers = [*extra.items(), *call.headers, ("X-Correlation-ID", correlation_id)]
    return client.request(
        call.method, call.url, content=call.content, headers=headers, follow_redirects=False
    )


def answer(call: Call, response: httpx2.Response) -> Any:
    if not response.headers.get("content-type", "").startswith("application/json"):
        return response.text
    body = response.json()
    if response.status_code == 202 and not call.same_ids:
        body |= {"id": "<random>", "events": ["<random>"] * len(body["events"])}
    if call.method == "GET" and response.status_code == 200:
        return sorted(body)  # the lead list: its shape (scores follow the sagas' timing)
    return body


def headers(response: httpx2.Response) -> dict[str, str]:
    return {k: v for k, v in response.headers.items() if k not in ("date", "content-length")}


def stored(side: Side, call: Call, accepted: dict[str, Any]) -> Any:
    """The ``LeadCaptured`` event the answer names, with what differs between apps masked."""
    store = container(side.admin).store
    events = side.admin.portal.call(store.load, f"lead-{accepted['id']}")
    event = next(e for e in events if str(e.event_id) == accepted["events"][0])
    assert event.type == "LeadCaptured"
    record = json.dumps(
        {"data": {**event.data, "occurred_at": None}, "metadata": event.metadata.to_dict()}
    )
    record = record.replace(side.admin_id, "<admin>")
    return json.loads(record if call.same_ids else record.replace(accepted["id"], "<lead>"))


def exchange(twins: Twins, outcomes: list[str], call: Call) -> httpx2.Response:
    """``call`` sent to both apps: the answers must match; the one with the lane's is returned."""
    correlation_id = uuid.uuid4().hex
    outcomes.clear()
    lane = send(twins.lane, call, correlation_id)
    assert outcomes == ([] if call.path == NOT_REACHED else [call.path]), lane.text
    plain = send(twins.plain, call, correlation_id)
    assert len(outcomes) == (call.path != NOT_REACHED)  # the other app has no lane
    assert (lane.status_code, answer(call, lane)) == (plain.status_code, answer(call, plain))
    assert lane.status_code == call.status, lane.text
    assert headers(lane) == headers(plain)
    assert lane.headers["x-correlation-id"] == correlation_id
    assert lane.headers["x-content-type-options"] == "nosniff"
    assert "content-security-policy" in lane.headers
    if lane.status_code == 202:
        assert stored(twins.lane, call, lane.json()) == stored(twins.plain, call, plain.json())
    return lane


def lead_requests(side: Side) -> dict[tuple[str, str], float]:
    """Requests to ``/api/leads`` by method and status, as the HTTP metrics counted them."""
    text = side.admin.get("/metrics").text
    return {
        (sample.labels["method"], sample.labels["status_code"]): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
        if sample.name == "aic_backend_http_request_duration_seconds_count"
        and sample.labels["route"] == "/api/leads"
    }
