"""Leads over HTTP: capture, the saga that qualifies, read models, keyed retries, bad input."""

from __future__ import annotations

import uuid
from typing import Any

from fastapi.testclient import TestClient

from tests.integration.api.conftest import eventually

FORM = {
    "email": "grace@hopper-logistics.example",
    "name": "Grace Hopper",
    "company": "Hopper Logistics",
    "company_size": 800,
    "job_title": "VP Operations",
    "phone": "+1 555 0100",
    "source_portal": "enterprise",
    "consent": True,
}


def _lead(api: TestClient, lead_id: str) -> dict[str, Any] | None:
    response = api.get(f"/api/leads/{lead_id}")
    return response.json() if response.status_code == 200 else None


def test_a_captured_lead_is_enriched_scored_and_routed_by_its_saga(api: TestClient) -> None:
    response = api.post("/api/leads", json={**FORM, "visitor_id": f"v-{uuid.uuid4().hex[:8]}"})
    assert response.status_code == 202
    lead_id = response.json()["id"]
    saga = eventually(
        lambda: (
            (r := api.get(f"/api/sagas/lead-qualification-{lead_id}")).status_code == 200
            and r.json()["status"] == "completed"
            and r.json()
        )
    )
    assert [s["step"] for s in saga["steps"]] == [
        "enrich", "score", "record_score", "route", "assign", "notify",
    ]  # fmt: skip
    detail = eventually(lambda: (d := _lead(api, lead_id)) and d["summary"]["score"] and d)
    assert detail["summary"]["segment"] == "enterprise"
    assert detail["summary"]["status"] in ("qualified", "nurturing", "assigned")
    assert detail["company_domain"] == "hopper-logistics.example"
    types = [h["event_type"] for h in detail["history"]]
    assert types[:3] == ["LeadCaptured", "LeadEnriched", "LeadScored"]


def test_a_retry_with_the_same_key_returns_the_first_lead(api: TestClient) -> None:
    key = {"Idempotency-Key": f"form-{uuid.uuid4()}"}
    first = api.post("/api/leads", json=FORM, headers=key)
    again = api.post("/api/leads", json=FORM, headers=key)
    assert first.status_code == again.status_code == 202
    assert again.json()["id"] == first.json()["id"]
    assert again.json()["duplicate"] is True
    reused = api.post("/api/leads", json={**FORM, "name": "Someone Else"}, headers=key)
    assert reused.status_code == 422
    assert reused.json()["error"]["code"] == "idempotency_key_reused"


def test_bad_input_is_refused_with_field_paths_and_stores_nothing(api: TestClient) -> None:
    after_position = 0
    while events := api.get(f"/api/events?after={after_position}&limit=1000").json()["events"]:
        after_position = events[-1]["position"]
    unknown = api.post("/api/leads", json={**FORM, "favourite_colour": "blue"})
    assert unknown.status_code == 422
    fields = {d["field"] for d in unknown.json()["error"]["details"]}
    assert fields == {"body.favourite_colour"}
    missing = api.post("/api/leads", json={"name": "No Email"})
    assert {d["field"] for d in missing.json()["error"]["details"]} == {"body.email"}
    bad_key = api.post("/api/leads", json=FORM, headers={"Idempotency-Key": "has spaces"})
    assert bad_key.status_code == 422
    assert api.get("/api/leads/no-such-lead").status_code == 404
    assert api.get("/api/leads?limit=100000").status_code == 422
    oversized = api.post("/api/leads", json={**FORM, "message": "x" * 2_000_000})
    assert oversized.status_code == 413
    not_json = api.post(
        "/api/leads", content=b"{not json", headers={"content-type": "application/json"}
    )
    assert not_json.status_code == 422
    new_events = api.get(f"/api/events?after={after_position}&limit=1000").json()["events"]
    assert [e for e in new_events if e["type"] == "LeadCaptured"] == []  # none reached the store


def test_lifecycle_commands_and_their_refusals(api: TestClient) -> None:
    lead_id = api.post("/api/leads", json=FORM).json()["id"]
    eventually(lambda: (d := _lead(api, lead_id)) and d["summary"]["score"] is not None)
    eventually(
        lambda: (
            api.get(f"/api/sagas/lead-qualification-{lead_id}").json().get("status") == "completed"
        )
    )
    disqualified = api.post(f"/api/leads/{lead_id}/disqualify", json={"reason": "competitor"})
    assert disqualified.status_code == 202
    refused = api.post(f"/api/leads/{lead_id}/assign", json={"account_id": "sales-1"})
    assert refused.status_code == 409
    assert refused.json()["error"]["code"] == "lead_disqualified"
    assert api.post("/api/leads/nobody/assign", json={"account_id": "x"}).status_code == 404


def test_the_lead_list_filters_sorts_and_pages(api: TestClient) -> None:
    marker = uuid.uuid4().hex[:8]
    for n in range(3):
        form = {
            **FORM,
            "email": f"p{n}-{marker}@acme-{marker}.example",
            "company": f"Acme {marker}",
        }
        api.post("/api/leads", json=form)
    page = eventually(
        lambda: (
            (p := api.get(f"/api/leads?search={marker}&limit=2&sort=captured_at").json())
            and p["total"] == 3
            and p
        )
    )
    assert len(page["items"]) == 2
    rest = api.get(f"/api/leads?search={marker}&limit=2&offset=2&sort=captured_at").json()
    assert len(rest["items"]) == 1
    emails = [i["email"] for i in page["items"] + rest["items"]]
    assert emails == sorted(emails, key=lambda e: e.split("-")[0])


def test_the_audit_feed_pages_through_stored_events(api: TestClient) -> None:
    first = api.get("/api/events?limit=2").json()
    assert len(first["events"]) == 2
    after = api.get(f"/api/events?after={first['next_after']}&limit=2").json()
    seen = {e["event_id"] for e in first["events"]}
    assert not seen & {e["event_id"] for e in after["events"]}
    assert all(e["metadata"]["actor"] for e in first["events"])


def test_text_no_database_can_store_is_a_422_not_a_500(api: TestClient) -> None:
    nul = api.post("/api/leads", json={**FORM, "name": "Nul\u0000Byte"})
    assert nul.status_code == 422
    assert nul.json()["error"]["details"][0]["field"] == "body.name"
    surrogate = api.post(
        "/api/leads",
        content=b'{"email": "s@s.example", "name": "\\ud800"}',
        headers={"content-type": "application/json"},
    )
    assert surrogate.status_code == 422
    assert api.get("/api/leads?search=%00").status_code == 422
    assert api.get("/api/content/slug%00").status_code == 422
    track = api.post(
        "/api/track",
        json={"events": [{"kind": "click", "visitor_id": "v1", "properties": {"k": "a\u0000"}}]},
    ).json()
    assert track["accepted"] == 0
    assert track["rejected"][0]["errors"][0]["field"] == "properties.k"
