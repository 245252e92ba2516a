"""A projection rebuilt from scratch equals the live one."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from tests.integration.api.conftest import eventually


def test_rebuilt_read_models_equal_the_live_ones(api: TestClient) -> None:
    for n in range(5):
        api.post("/api/leads", json={"email": f"r{n}@rebuild.example", "name": f"R {n}"})
    container: Any = api.app.state.container  # type: ignore[attr-defined]
    portal: Any = api.portal

    def settled() -> bool:
        page = api.get("/api/leads?search=rebuild.example").json()
        return page["total"] == 5 and all(
            api.get(f"/api/sagas/lead-qualification-{item['lead_id']}").json().get("status")
            == "completed"
            for item in page["items"]
        )

    eventually(settled)

    def rows(table: str) -> list[dict[str, Any]]:
        sql = f"SELECT * FROM {table} ORDER BY 1, 2"  # noqa: S608 - constant names
        result: list[dict[str, Any]] = portal.call(container.database.fetch_all, sql)
        return result

    for name, tables in (("leads", ("leads", "lead_history")), ("sagas", ("sagas",))):
        before = {table: rows(table) for table in tables}
        applied = portal.call(container.projections.rebuild, name)
        assert applied > 0
        assert {table: rows(table) for table in tables} == before, name
