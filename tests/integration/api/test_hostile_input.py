"""Inputs found to produce a 5xx once: each must now be a clear 4xx (or a per-item refusal)."""

from __future__ import annotations

import json

from fastapi.testclient import TestClient

from tests.integration.api.conftest import eventually
from tests.support.identity import invite_and_join


def _draft(api: TestClient, slug: str) -> str:
    body = {"title": "Edge", "slug": slug, "content_type": "article", "portals": ["main"]}
    return str(api.post("/api/content", json=body).json()["id"])


def test_an_unknown_or_huge_feed_position_is_a_422(api: TestClient) -> None:
    unknown = api.get("/api/events?after=99999999")
    assert unknown.status_code == 422
    assert unknown.json()["error"]["code"] == "unknown_position"
    assert api.get("/api/events?after=9223372036854775808").status_code == 422


def test_extreme_times_and_non_finite_numbers_refuse_only_their_event(api: TestClient) -> None:
    events = [
        {"kind": "click", "visitor_id": "edge", "occurred_at": "9999-12-31T23:59:59-14:00"},
        {"kind": "click", "visitor_id": "edge", "occurred_at": "0001-01-01T00:00:00+05:00"},
        {"kind": "click", "visitor_id": "edge", "properties": {"x": float("nan")}},
        {"kind": "click", "visitor_id": "edge", "properties": {"x": float("inf")}},
        5,
        None,
        {"kind": "click", "visitor_id": "edge"},
    ]
    response = api.post(
        "/api/track",
        content=json.dumps({"events": events}).encode(),
        headers={"content-type": "application/json"},
    )
    assert response.status_code == 200
    body = response.json()
    assert body["accepted"] == 1
    assert [r["index"] for r in body["rejected"]] == [0, 1, 2, 3, 4, 5]
    extra = api.post("/api/track", json={"events": [{"kind": "click", "visitor_id": "e"}], "x": 1})
    assert extra.status_code == 422


def test_a_schedule_at_the_edge_of_time_and_deep_parameters_are_422(api: TestClient) -> None:
    content_id = _draft(api, "edge-of-time")
    edge = api.post(
        f"/api/content/{content_id}/schedule", json={"publish_at": "9999-12-31T23:59:59-14:00"}
    )
    assert edge.status_code in (409, 422)
    deep: dict[str, object] = {}
    node = deep
    for _ in range(600):
        node["x"] = {}
        node = node["x"]  # type: ignore[assignment]
    draft = api.post(
        f"/api/content/{content_id}/ai-draft",
        json={
            "provider": "p",
            "model": "m",
            "title": "T",
            "body_markdown": "b",
            "prompt_parameters": deep,
        },
    )
    assert draft.status_code == 422


def test_an_idempotency_key_does_not_bypass_the_slug_check(api: TestClient) -> None:
    _draft(api, "claimed-slug")
    eventually(lambda: api.get("/api/content/claimed-slug?preview=true").status_code == 200)
    again = api.post(
        "/api/content",
        json={
            "title": "Copy",
            "slug": "claimed-slug",
            "content_type": "article",
            "portals": ["main"],
        },
        headers={"Idempotency-Key": "another-key"},
    )
    assert again.status_code == 409


def test_the_lead_list_status_follows_the_lead(api: TestClient) -> None:
    lead_id = api.post("/api/leads", json={"email": "st@status.example", "name": "St"}).json()["id"]
    eventually(
        lambda: (
            api.get(f"/api/sagas/lead-qualification-{lead_id}").json().get("status") == "completed"
        )
    )
    api.post(f"/api/leads/{lead_id}/route", json={"qualify_threshold": 1, "nurture_threshold": 0})
    _, seller = invite_and_join(api, ["sales"])
    assert api.post(f"/api/leads/{lead_id}/assign", json={"account_id": seller}).status_code == 202
    eventually(
        lambda: (
            lead_id
            in [
                i["lead_id"]
                for i in api.get("/api/leads?status=assigned&limit=200").json()["items"]
            ]
        )
    )
    assert api.post(f"/api/leads/{lead_id}/convert", json={"deal_value": 1000}).status_code == 202
    eventually(lambda: api.get(f"/api/leads/{lead_id}").json()["summary"]["status"] == "converted")
