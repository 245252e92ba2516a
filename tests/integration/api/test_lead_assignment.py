"""Who may own a lead: active sales or admin accounts, by hand or by the qualification saga.

The tests run in file order on one backend per database: the first one needs a backend with
no sales account yet.
"""

from __future__ import annotations

import uuid
from typing import Any

from fastapi.testclient import TestClient

from tests.integration.api.conftest import eventually
from tests.support.identity import invite_and_join

# Scores 70 with the rule-based scorer (the qualify threshold): a company address, an
# enterprise, a senior title, a phone, a message, consent.
QUALIFYING = {
    "name": "Grace Hopper",
    "company": "Hopper Logistics",
    "company_size": 800,
    "job_title": "VP Operations",
    "phone": "+1 555 0100",
    "message": "We would like a demo of the platform for our 12 regional sites.",
    "source_portal": "enterprise",
    "consent": True,
}


def capture(api: TestClient, **changes: Any) -> str:
    email = f"grace-{uuid.uuid4().hex[:8]}@hopper-logistics.example"
    response = api.post("/api/leads", json={**QUALIFYING, "email": email, **changes})
    assert response.status_code == 202, response.text
    return str(response.json()["id"])


def finished_saga(api: TestClient, lead_id: str) -> dict[str, Any]:
    saga: dict[str, Any] = eventually(
        lambda: (
            (r := api.get(f"/api/sagas/lead-qualification-{lead_id}")).status_code == 200
            and r.json()["status"] in ("completed", "failed", "compensated")
            and r.json()
        )
    )
    assert saga["status"] == "completed", saga
    return saga


def summary(api: TestClient, lead_id: str) -> dict[str, Any]:
    found: dict[str, Any] = api.get(f"/api/leads/{lead_id}").json()["summary"]
    return found


def refusal(response: Any) -> tuple[int, str, Any]:
    error = response.json()["error"]
    return response.status_code, error["code"], error["details"]


def active_sales(api: TestClient) -> list[str]:
    accounts = api.get("/api/accounts", params={"limit": 500}).json()["items"]
    return [a["account_id"] for a in accounts if a["active"] and "sales" in a["roles"]]


def test_a_qualified_lead_with_nobody_in_sales_waits_unassigned_and_the_admins_hear_of_it(
    api: TestClient,
) -> None:
    assert active_sales(api) == []
    lead_id = capture(api)
    saga = finished_saga(api, lead_id)
    assert saga["data"]["routing"] == "qualified"
    assert saga["data"]["assignee"] is None
    lead = eventually(lambda: (s := summary(api, lead_id))["status"] == "qualified" and s)
    assert lead["assigned_to"] is None
    queue = api.get("/api/leads", params={"status": "qualified", "limit": 200}).json()
    assert lead_id in [item["lead_id"] for item in queue["items"]]
    notes = eventually(
        lambda: [
            n
            for n in api.get("/api/notifications", params={"limit": 200}).json()["items"]
            if n["subject_id"] == lead_id
        ]
    )
    assert [(n["recipient"], n["kind"]) for n in notes] == [("role:admin", "lead_unassigned")]


def test_assign_refuses_an_unknown_a_deactivated_or_a_non_sales_account(api: TestClient) -> None:
    lead_id = capture(api)
    finished_saga(api, lead_id)
    _, editor = invite_and_join(api, ["editor", "viewer"])
    _, leaver = invite_and_join(api, ["sales"])
    assert api.post(f"/api/accounts/{leaver}/deactivate", json={}).status_code == 200

    def assign(account_id: str) -> Any:
        return api.post(f"/api/leads/{lead_id}/assign", json={"account_id": account_id})

    assert refusal(assign("nobody-here")) == (
        422, "assignee_unknown", {"account_id": "nobody-here"},
    )  # fmt: skip
    assert refusal(assign(leaver)) == (422, "assignee_inactive", {"account_id": leaver})
    assert refusal(assign(editor)) == (
        422, "assignee_not_sales", {"account_id": editor, "roles": ["editor", "viewer"]},
    )  # fmt: skip
    history = api.get(f"/api/leads/{lead_id}").json()["history"]
    assert "LeadAssigned" not in [h["event_type"] for h in history]


def test_an_active_sales_or_admin_account_may_own_a_lead_from_the_moment_it_joins(
    api: TestClient,
) -> None:
    lead_id = capture(api)
    finished_saga(api, lead_id)
    _, seller = invite_and_join(api, ["sales"])  # no wait for the accounts read model
    assert api.post(f"/api/leads/{lead_id}/assign", json={"account_id": seller}).status_code == 202
    eventually(lambda: summary(api, lead_id)["assigned_to"] == seller)
    admin = api.get("/api/auth/me").json()["id"]
    assert api.post(f"/api/leads/{lead_id}/assign", json={"account_id": admin}).status_code == 202
    eventually(lambda: summary(api, lead_id)["assigned_to"] == admin)
    refused = api.post("/api/leads/no-such-lead/assign", json={"account_id": seller})
    assert refusal(refused)[:2] == (404, "lead_not_found")  # the lead is checked first


def test_the_saga_gives_a_qualified_lead_to_an_active_sales_account_only(
    api: TestClient,
) -> None:
    _, first = invite_and_join(api, ["sales"])  # run alone, the test brings its own seller
    sellers = eventually(lambda: first in (found := active_sales(api)) and found)
    for account_id in sellers:
        api.post(f"/api/accounts/{account_id}/deactivate", json={})
    _, admin_only = invite_and_join(api, ["admin"])
    _, seller = invite_and_join(api, ["sales", "viewer"])
    eventually(lambda: active_sales(api) == [seller])
    lead_id = capture(api)
    saga = finished_saga(api, lead_id)
    assert saga["data"]["assignee"] == seller
    lead = eventually(lambda: (s := summary(api, lead_id))["assigned_to"] == seller and s)
    assert lead["assigned_to"] != admin_only
    assert lead["status"] == "assigned"
