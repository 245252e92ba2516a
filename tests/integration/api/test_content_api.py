"""Content over HTTP: drafts, review, the publication saga, revisions, public reads."""

from __future__ import annotations

import uuid
from typing import Any

from fastapi.testclient import TestClient

from tests.integration.api.conftest import eventually


def _draft(api: TestClient, slug: str) -> str:
    response = api.post(
        "/api/content",
        json={
            "title": "Shorten your sales cycle",
            "slug": slug,
            "content_type": "article",
            "portals": ["main", "smb"],
            "body_markdown": "## Why\n\nBecause buyers decide faster with answers.",
            "summary": "How answers shorten sales cycles.",
            "tags": ["sales"],
        },
    )
    assert response.status_code == 202, response.text
    return str(response.json()["id"])


def _public(api: TestClient, slug: str) -> dict[str, Any] | None:
    response = api.get(f"/api/content/{slug}")
    return response.json() if response.status_code == 200 else None


def test_approved_content_is_indexed_published_and_shown_to_the_public(api: TestClient) -> None:
    slug = f"sales-cycle-{uuid.uuid4().hex[:8]}"
    content_id = _draft(api, slug)
    eventually(lambda: api.get(f"/api/content/{slug}?preview=true").status_code == 200)
    assert api.get(f"/api/content/{slug}").status_code == 404  # not live yet
    refused = api.post(f"/api/content/{content_id}/publish")
    assert refused.status_code == 409
    assert refused.json()["error"]["code"] == "content_not_approved"
    assert api.post(f"/api/content/{content_id}/submit").status_code == 202
    assert api.post(f"/api/content/{content_id}/approve").status_code == 202
    started = api.post(f"/api/content/{content_id}/publish")
    assert started.status_code == 202
    saga_id = started.json()["saga_id"]
    saga = eventually(
        lambda: (
            (r := api.get(f"/api/sagas/{saga_id}")).status_code == 200
            and r.json()["status"] == "completed"
            and r.json()
        ),
        timeout=15,
    )
    assert [s["step"] for s in saga["steps"]] == ["index", "publish", "notify"]
    live = eventually(lambda: _public(api, slug))
    assert live["status"] == "published"
    assert live["revision"] == 1
    listed = api.get("/api/content?published=true&portal=smb&limit=200").json()
    assert slug in {item["slug"] for item in listed["items"]}


def test_revisions_are_kept_and_an_old_one_can_be_restored(api: TestClient) -> None:
    slug = f"restore-{uuid.uuid4().hex[:8]}"
    content_id = _draft(api, slug)
    revised = api.post(f"/api/content/{content_id}/revise", json={"title": "A better title"})
    assert revised.status_code == 202
    assert api.post(f"/api/content/{content_id}/restore", json={"revision": 1}).status_code == 202
    revisions = eventually(
        lambda: len(r := api.get(f"/api/content/{content_id}/revisions").json()) == 3 and r
    )
    assert [r["title"] for r in revisions] == [
        "Shorten your sales cycle", "A better title", "Shorten your sales cycle",
    ]  # fmt: skip
    assert revisions[2]["origin"] == "restore"


def test_bad_content_commands_get_clear_errors(api: TestClient) -> None:
    slug = f"bad-{uuid.uuid4().hex[:8]}"
    content_id = _draft(api, slug)
    eventually(lambda: api.get(f"/api/content/{slug}?preview=true").status_code == 200)
    taken = api.post(
        "/api/content",
        json={"title": "Copy", "slug": slug, "content_type": "article", "portals": ["main"]},
    )
    assert taken.status_code == 409
    assert taken.json()["error"]["code"] == "slug_taken"
    bad_slug = api.post(
        "/api/content",
        json={"title": "X", "slug": "Not A Slug", "content_type": "article", "portals": ["main"]},
    )
    assert bad_slug.status_code == 422
    assert bad_slug.json()["error"]["details"][0]["field"] == "body.slug"
    past = api.post(
        f"/api/content/{content_id}/schedule", json={"publish_at": "2020-01-01T00:00:00Z"}
    )
    assert past.status_code == 422
    assert past.json()["error"]["code"] == "publish_at_not_in_future"
    assert api.post("/api/content/nope/submit").status_code == 404
