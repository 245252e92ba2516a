"""100 concurrent commands on one lead: each 202 is exactly one event; no update is lost."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx2
from fastapi.testclient import TestClient

from tests.integration.api.conftest import eventually


def test_concurrent_scores_on_one_lead_are_each_one_event(api: TestClient) -> None:
    lead_id = api.post("/api/leads", json={"email": "race@race.example", "name": "Race"}).json()[
        "id"
    ]
    eventually(
        lambda: (
            api.get(f"/api/sagas/lead-qualification-{lead_id}").json().get("status") == "completed"
        )
    )
    container: Any = api.app.state.container  # type: ignore[attr-defined]
    before = len(api.portal.call(container.store.load, f"lead-{lead_id}"))  # type: ignore[union-attr]

    async def hammer() -> list[int]:
        transport = httpx2.ASGITransport(app=api.app)
        async with httpx2.AsyncClient(
            transport=transport, base_url="http://test", headers=dict(api.headers)
        ) as client:

            async def score(n: int) -> int:
                body = {"score": float(n), "model": "manual", "model_version": "1"}
                response = await client.post(f"/api/leads/{lead_id}/score", json=body)
                return response.status_code

            return list(await asyncio.gather(*(score(n) for n in range(100))))

    statuses: list[int] = api.portal.call(hammer)  # type: ignore[union-attr]
    assert set(statuses) <= {202, 409}, statuses
    events = api.portal.call(container.store.load, f"lead-{lead_id}")  # type: ignore[union-attr]
    scored = [e for e in events[before:] if e.type == "LeadScored"]
    assert len(scored) == statuses.count(202)
    assert [e.version for e in events] == list(range(1, len(events) + 1))
    conflicts = statuses.count(409)
    assert conflicts < 100
