"""``POST /api/leads`` answers the same through its fast lane (``CaptureLane``) as without it.

Each request goes to two apps alike but for the lane, which the second one's router lacks:
status, JSON body, headers and the stored ``LeadCaptured`` event must match. A spy on
``CaptureLane._answer`` tells which path answered, so the lane cannot pass by handing all over.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi import FastAPI

from aic.backend.entrypoints.api.capture_lane import CaptureLane
from aic.backend.entrypoints.app import create_app
from tests.integration.api.conftest import BACKENDS, backend_settings, signed_in
from tests.support.lane_parity import (
    HANDED_OVER,
    LANE,
    NOT_REACHED,
    REFUSED,
    Call,
    Twins,
    exchange,
    lead_requests,
    side,
    spy_on_the_lane,
    typed,
    without_lane,
)

FORM = {
    "email": "ada@northwind.example",
    "name": "Ada Park",
    "company": "Northwind Traders",
    "company_size": 120,
    "source_portal": "smb",
    "visitor_id": "v-7f3a2c",
    "consent": True,
}
FORM_POST = "application/x-www-form-urlencoded"


def form(**changes: Any) -> bytes:
    return json.dumps({**FORM, **changes}).encode()


def raw_form(**changes: Any) -> bytes:
    """``form``, its non-ASCII text as UTF-8 rather than ``\\u`` escapes."""
    return json.dumps({**FORM, **changes}, ensure_ascii=False).encode()


@pytest.fixture
def outcomes(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Which path of the lane each request took (``LANE``, ``HANDED_OVER`` ...)."""
    return spy_on_the_lane(monkeypatch)


@pytest.fixture(scope="module", params=BACKENDS)
def twins(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Twins]:
    lane_app = create_app(backend_settings(request, tmp_path_factory.mktemp("lane")))
    plain_app = without_lane(
        create_app(backend_settings(request, tmp_path_factory.mktemp("plain")))
    )
    assert any(isinstance(r, CaptureLane) for r in lane_app.router.routes)
    with signed_in(lane_app) as lane, signed_in(plain_app) as plain:
        yield Twins(side(lane), side(plain))


WHOLE = form(
    job_title="CTO", phone="+1 555 0100", utm_source="ads", utm_campaign="q3", message="Hi"
)
ANSWERED_BY_THE_LANE = {
    "the whole form": Call(WHOLE, LANE, 202),
    "only the required fields": Call(b'{"email": "min@example.org", "name": "Min"}', LANE, 202),
    "a charset parameter": Call(form(), LANE, 202, typed("application/json; charset=utf-8")),
    "an upper-case media type": Call(form(), LANE, 202, typed("Application/JSON")),
    "a key": Call(form(), LANE, 202, typed(key="form-lane-1")),
    "a key of 200 characters": Call(form(), LANE, 202, typed(key="k" * 200)),
    "two keys": Call(form(), LANE, 202, (*typed(key="one-of-two"), ("Idempotency-Key", "two"))),
    "company_size as text": Call(form(company_size="12"), LANE, 202),
    "raw non-ASCII text": Call(raw_form(name="René Ødegård", company="Straße 北京"), LANE, 202),
    "padded text": Call(form(name="  Ada  ", company="  Northwind  "), LANE, 202),
    "a field twice": Call(b'{"email": "a@example.org", "name": "A", "name": "B"}', LANE, 202),
    "the administrator": Call(form(), LANE, 202, caller="admin"),
    "the administrator, keyed": Call(form(), LANE, 202, typed(key="f-admin"), caller="admin"),
    "the service key, keyed": Call(form(), LANE, 202, typed(key="f-service"), caller="service"),
    "a cookie without CSRF": Call(form(), LANE, 202, typed(key="f-cookie"), caller="cookie"),
    "a cookie with CSRF": Call(form(), LANE, 202, caller="cookie+csrf"),
    "a phone the domain refuses": Call(form(phone="+1 555"), REFUSED, 422),
    "an invalid token": Call(form(), REFUSED, 401, caller="bad token"),
}
HANDED_TO_FASTAPI = {
    "no name": Call(b'{"email": "a@example.org"}', HANDED_OVER, 422),
    "no e-mail": Call(b'{"name": "No Email"}', HANDED_OVER, 422),
    "an empty object": Call(b"{}", HANDED_OVER, 422),
    "an unknown field": Call(form(favourite_colour="blue"), HANDED_OVER, 422),
    'consent "yes"': Call(form(consent="yes"), HANDED_OVER, 422),
    "consent 1": Call(form(consent=1), HANDED_OVER, 422),
    "company_size 0": Call(form(company_size=0), HANDED_OVER, 422),
    "company_size 12.5": Call(form(company_size=12.5), HANDED_OVER, 422),
    "an invalid e-mail": Call(form(email="not-an-email"), HANDED_OVER, 422),
    "an unknown portal": Call(form(source_portal="elsewhere"), HANDED_OVER, 422),
    "a message over its limit": Call(form(message="x" * 5001), HANDED_OVER, 422),
    "invalid JSON": Call(b"{not json", HANDED_OVER, 422),
    "an empty body": Call(b"", HANDED_OVER, 422),
    "no body": Call(None, HANDED_OVER, 422, ()),
    "a JSON array": Call(b"[]", HANDED_OVER, 422),
    "text/plain": Call(form(), HANDED_OVER, 422, typed("text/plain")),
    "a form post": Call(b"email=a%40example.org&name=A", HANDED_OVER, 422, typed(FORM_POST)),
    "no content type": Call(form(), HANDED_OVER, 422, ()),
    "a +json media type": Call(form(), HANDED_OVER, 202, typed("application/vnd.api+json")),
    "an escaped NUL": Call(form(name="nul\x00byte"), HANDED_OVER, 422),
    "a lone surrogate": Call(b'{"email": "s@example.org", "name": "\\ud800"}', HANDED_OVER, 422),
    "a harmless escape": Call(form(name="Ren\u00e9"), HANDED_OVER, 202),
    "a key with spaces": Call(form(), HANDED_OVER, 422, typed(key="has spaces")),
    "a key of 201 characters": Call(form(), HANDED_OVER, 422, typed(key="k" * 201)),
    "an empty key": Call(form(), HANDED_OVER, 422, typed(key="")),
    "an invalid token and body": Call(b"{}", HANDED_OVER, 401, caller="bad token"),
    "a cookie with CSRF, invalid body": Call(b"{}", HANDED_OVER, 422, caller="cookie+csrf"),
}
NEVER_REACHING_THE_LANE = {
    "the lead list, signed out": Call(None, NOT_REACHED, 401, (), method="GET"),
    "the lead list": Call(None, NOT_REACHED, 200, (), caller="admin", method="GET"),
    "PUT": Call(form(), NOT_REACHED, 405, method="PUT"),
    "a trailing slash": Call(form(), NOT_REACHED, 307, url="/api/leads/"),
    "a body over the limit": Call(form(message="x" * 2_000_000), NOT_REACHED, 413),
}
CORPUS = {**ANSWERED_BY_THE_LANE, **HANDED_TO_FASTAPI, **NEVER_REACHING_THE_LANE}


@pytest.mark.parametrize("call", CORPUS.values(), ids=CORPUS)
def test_the_app_answers_alike_with_and_without_the_lane(
    twins: Twins, outcomes: list[str], call: Call
) -> None:
    response = exchange(twins, outcomes, call)
    if call.status == 422 and b"\\u0000" in (call.content or b""):
        assert response.json()["error"]["details"][0]["type"] == "unstorable_text"


def test_a_keyed_retry_is_a_duplicate_and_a_reused_key_is_refused_on_both_paths(
    twins: Twins, outcomes: list[str]
) -> None:
    key = typed(key="retry-1")
    first = exchange(twins, outcomes, Call(form(), LANE, 202, key))
    again = exchange(twins, outcomes, Call(form(), LANE, 202, key))
    assert again.json() == {**first.json(), "duplicate": True}
    for other in (
        Call(form(name="Other"), REFUSED, 422, key),
        Call(form(name="Ren\u00e9"), HANDED_OVER, 422, key),
    ):
        reused = exchange(twins, outcomes, other)
        assert reused.json()["error"]["code"] == "idempotency_key_reused"


def test_a_retry_answered_by_the_other_path_is_still_the_same_lead(
    twins: Twins, outcomes: list[str]
) -> None:
    key = typed(key="across-1")
    via_fastapi = exchange(twins, outcomes, Call(form(name="René"), HANDED_OVER, 202, key))
    via_lane = exchange(twins, outcomes, Call(raw_form(name="René"), LANE, 202, key))
    assert via_lane.json() == {**via_fastapi.json(), "duplicate": True}
    plus_json = typed("application/vnd.api+json", key="across-2")
    via_lane = exchange(twins, outcomes, Call(form(), LANE, 202, typed(key="across-2")))
    via_fastapi = exchange(twins, outcomes, Call(form(), HANDED_OVER, 202, plus_json))
    assert via_fastapi.json() == {**via_lane.json(), "duplicate": True}


def test_the_metrics_count_what_the_lane_answered_under_the_route_s_template(
    twins: Twins, outcomes: list[str]
) -> None:
    exchange(twins, outcomes, Call(form(), LANE, 202))
    counted = lead_requests(twins.lane)
    assert counted[("POST", "202")] >= 1
    assert counted == lead_requests(twins.plain)


@pytest.fixture(params=BACKENDS)
def limited_twins(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Twins]:
    def app(name: str) -> FastAPI:
        folder = tmp_path_factory.mktemp(name)
        limits = {"rate_limits_enabled": True, "rate_limit_public": "3/minute"}
        return create_app(backend_settings(request, folder, **limits))

    with signed_in(app("lane")) as lane, signed_in(without_lane(app("plain"))) as plain:
        yield Twins(side(lane), side(plain))


def test_a_request_the_lane_hands_over_counts_once_against_the_rate_limit(
    limited_twins: Twins, outcomes: list[str]
) -> None:
    calls = [
        Call(b"{}", HANDED_OVER, 422, caller="visitor"),
        Call(form(), LANE, 202, caller="visitor"),
        Call(form(), LANE, 202, caller="visitor"),
        Call(form(), REFUSED, 429, caller="visitor"),
    ]
    answers = [exchange(limited_twins, outcomes, call) for call in calls]
    assert [a.headers["x-ratelimit-remaining"] for a in answers] == ["2", "1", "0", "0"]


async def _gone_mid_body(app: Any, content_type: bytes) -> list[int]:
    """Raw ASGI: part of a body, then the client disconnects; the statuses sent back."""
    messages: list[dict[str, Any]] = [
        {"type": "http.request", "body": form()[:10], "more_body": True},
        {"type": "http.disconnect"},
    ]

    async def receive() -> dict[str, Any]:
        return messages.pop(0) if messages else {"type": "http.disconnect"}

    statuses: list[int] = []

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            statuses.append(message["status"])

    scope = {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "POST",
        "scheme": "http", "path": "/api/leads", "raw_path": b"/api/leads", "root_path": "",
        "query_string": b"", "headers": [(b"content-type", content_type)],
        "client": ("127.0.0.1", 5), "server": ("testserver", 80), "state": {},
    }  # fmt: skip
    await app(scope, receive, send)
    return statuses


@pytest.mark.parametrize("content_type", [b"application/json", b"text/plain"])
def test_a_client_gone_mid_body_gets_the_same_400_from_both_paths(
    twins: Twins, content_type: bytes
) -> None:
    """Starlette raises ClientDisconnect from the body read: a 400 as FastAPI answers it,
    never a 500 logged as a server error."""
    found = [
        s.admin.portal.call(_gone_mid_body, s.admin.app, content_type)  # type: ignore[union-attr]
        for s in (twins.lane, twins.plain)
    ]
    assert found == [[400], [400]]
