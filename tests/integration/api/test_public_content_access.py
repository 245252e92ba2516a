"""Visitors read only what is live: drafts and previews stay with signed-in staff."""

from __future__ import annotations

import uuid

from fastapi.testclient import TestClient

from tests.integration.api.conftest import eventually
from tests.support.identity import bearer, client_of, staff_token


def test_drafts_never_reach_visitors_but_reach_staff(api: TestClient) -> None:
    slug = f"unreleased-{uuid.uuid4().hex[:8]}"
    draft = {"title": "Unreleased plans", "slug": slug, "content_type": "article",
             "portals": ["main"], "body_markdown": "Not for the public yet."}  # fmt: skip
    assert api.post("/api/content", json=draft).status_code == 202
    eventually(lambda: any(i["slug"] == slug for i in api.get("/api/content").json()["items"]))
    visitor = client_of(api)
    for query in ({}, {"status": "draft"}, {"published": "false"}):
        items = visitor.get("/api/content", params=query).json()["items"]
        assert slug not in {i["slug"] for i in items}, query
    assert visitor.get(f"/api/content/{slug}").status_code == 404
    preview = visitor.get(f"/api/content/{slug}", params={"preview": "true"})
    assert preview.status_code == 401
    viewer = client_of(api, bearer(staff_token(api, ["viewer"])))
    assert viewer.get(f"/api/content/{slug}", params={"preview": "true"}).status_code == 200
    listed = viewer.get("/api/content", params={"status": "draft"}).json()["items"]
    assert slug in {i["slug"] for i in listed}
