"""Tracking over HTTP: batches with per-event refusals; buying signals rescore linked leads."""

from __future__ import annotations

import uuid

from fastapi.testclient import TestClient

from tests.integration.api.conftest import eventually


def test_malformed_events_are_refused_one_by_one_and_the_rest_stored(api: TestClient) -> None:
    visitor = f"v-{uuid.uuid4().hex[:10]}"
    batch = {
        "events": [
            {"kind": "page_view", "visitor_id": visitor, "path": "/blog", "portal": "smb"},
            {"kind": "teleport", "visitor_id": visitor},
            {"kind": "page_view"},
            {"kind": "search", "visitor_id": visitor, "query": "sso", "surprise": 1},
            {"kind": "click", "visitor_id": visitor, "event_id": "e-1"},
        ]
    }
    response = api.post("/api/track", json=batch)
    assert response.status_code == 200
    body = response.json()
    assert (body["accepted"], body["stored"]) == (2, 2)
    rejected = {r["index"]: {e["field"] for e in r["errors"]} for r in body["rejected"]}
    assert rejected == {1: {"kind"}, 2: {"visitor_id"}, 3: {"surprise"}}
    again = api.post("/api/track", json={"events": [batch["events"][4]]}).json()
    assert (again["accepted"], again["stored"]) == (1, 0)  # resent event id: stored once
    assert api.post("/api/track", json={"events": []}).status_code == 422


def test_a_pricing_visit_after_capture_changes_engagement_and_rescores(api: TestClient) -> None:
    visitor = f"v-{uuid.uuid4().hex[:10]}"
    api.post("/api/track", json={"events": [{"kind": "page_view", "visitor_id": visitor}]})
    form = {"email": f"kim@{visitor}.example", "name": "Kim", "visitor_id": visitor}
    lead_id = api.post("/api/leads", json=form).json()["id"]
    eventually(
        lambda: (
            api.get(f"/api/sagas/lead-qualification-{lead_id}").json().get("status") == "completed"
        )
    )
    first_score = api.get(f"/api/leads/{lead_id}").json()["summary"]["score"]
    signal = {"kind": "page_view", "visitor_id": visitor, "path": "/pricing", "portal": "main"}
    assert api.post("/api/track", json={"events": [signal]}).json()["stored"] == 1
    detail = eventually(
        lambda: (
            (d := api.get(f"/api/leads/{lead_id}").json())
            and "LeadEngagementChanged" in [h["event_type"] for h in d["history"]]
            and d["summary"]["score"] > first_score
            and d
        ),
        timeout=15,
    )
    changed = [h for h in detail["history"] if h["event_type"] == "LeadEngagementChanged"]
    assert changed[0]["data"]["signal"] == "pricing_page_view"
    assert "pricing views +10" in detail["score_reasons"]
    assert detail["engagement"]["pricing_page_views"] == 1
    assert detail["engagement"]["page_views"] == 2
