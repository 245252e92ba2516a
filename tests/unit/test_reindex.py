"""``aic reindex`` moves the backend's published content to ai's index page by page."""

from __future__ import annotations

import json
from typing import Any

import httpx2
import pytest

from aic.cli.reindex import Reindexer, ReindexError

KEY = "sk-test"


def _item(n: int) -> dict[str, Any]:
    return {
        "content_id": f"c{n}",
        "slug": f"item-{n}",
        "title": f"Item {n}",
        "summary": "A summary.",
        "body_markdown": "## One\n\nText.",
        "content_type": "guide",
        "portals": ["main"],
        "segment": "all",
        "tags": ["a"],
        "status": "published",
    }


class Services:
    """A backend with ``total`` published items and an ai that records what it is sent."""

    def __init__(self, total: int) -> None:
        self.items = [_item(n) for n in range(total)]
        self.sent: list[list[dict[str, Any]]] = []
        self.keys: set[str] = set()

    def backend(self, request: httpx2.Request) -> httpx2.Response:
        self.keys.add(request.headers["X-API-Key"])
        assert request.url.path == "/api/content"
        assert request.url.params["published"] == "true"
        offset, limit = int(request.url.params["offset"]), int(request.url.params["limit"])
        page = self.items[offset : offset + limit]
        body = {"items": page, "total": len(self.items), "limit": limit, "offset": offset}
        return httpx2.Response(200, json=body)

    def ai(self, request: httpx2.Request) -> httpx2.Response:
        self.keys.add(request.headers["X-API-Key"])
        documents = json.loads(request.content)["documents"]
        self.sent.append(documents)
        indexed = [{"content_id": d["content_id"], "passages": 2} for d in documents]
        body = {"indexed": indexed, "passages": 2 * len(documents), "collection_passages": 0}
        return httpx2.Response(200, json=body)


def reindexer(backend: Any, ai: Any) -> Reindexer:
    headers = {"X-API-Key": KEY}
    return Reindexer(
        httpx2.Client(
            base_url="http://backend", transport=httpx2.MockTransport(backend), headers=headers
        ),
        httpx2.Client(base_url="http://ai", transport=httpx2.MockTransport(ai), headers=headers),
    )


def test_every_published_item_is_sent_once_in_pages_with_the_service_key() -> None:
    services = Services(total=123)
    progress: list[tuple[int, int]] = []
    result = reindexer(services.backend, services.ai).run(lambda d, t: progress.append((d, t)))
    assert result.documents == 123
    assert result.passages == 246
    assert [len(page) for page in services.sent] == [50, 50, 23]
    sent = [d["content_id"] for page in services.sent for d in page]
    assert sent == [f"c{n}" for n in range(123)]
    assert services.sent[0][0] == {
        "content_id": "c0",
        "slug": "item-0",
        "title": "Item 0",
        "content_type": "guide",
        "portals": ["main"],
        "segment": "all",
        "tags": ["a"],
        "summary": "A summary.",
        "published": True,
        "body_markdown": "## One\n\nText.",
    }
    assert services.keys == {KEY}
    assert progress[-1] == (123, 123)


def test_no_published_content_sends_nothing() -> None:
    services = Services(total=0)
    assert reindexer(services.backend, services.ai).run().documents == 0
    assert services.sent == []


def _refused(request: httpx2.Request) -> httpx2.Response:
    raise httpx2.ConnectError("connection refused", request=request)


def test_a_backend_that_is_down_is_named_with_what_to_do() -> None:
    services = Services(total=3)
    with pytest.raises(ReindexError, match=r"backend is not reachable .*aic up"):
        reindexer(_refused, services.ai).run()


def test_a_refused_key_says_which_setting_to_fix() -> None:
    services = Services(total=3)
    with pytest.raises(
        ReindexError, match=r"ai refused the service key \(401\).*AIC_SERVICE_API_KEY"
    ):
        reindexer(services.backend, lambda r: httpx2.Response(401, json={})).run()


def test_an_error_answer_is_reported_with_its_body() -> None:
    services = Services(total=3)
    conflict = httpx2.Response(409, json={"error": {"code": "content_index_conflict"}})
    with pytest.raises(ReindexError, match=r"409.*content_index_conflict"):
        reindexer(services.backend, lambda r: conflict).run()
