"""schemathesis against the ai service's OpenAPI document: no 5xx, every response as documented.

Every operation gets bounded examples (see ``tests.support.openapi_fuzz``) with a bootstrap
service key, which may call everything, the admin routes included. The app runs in this
process with the offline LLM provider and the packaged embedding model; the operations that
run the model on every text get fewer generated cases.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis

from aic.ai.entrypoints.app import create_app
from aic.ai.settings import AISettings
from aic.backend.demo.articles import Article, load_articles
from tests.support.lifespan import SharedLifespan
from tests.support.openapi_fuzz import load_schema

SERVICE_KEY = "fuzz-service-key-0123456789abcdef"
# They embed each text they are given (and generation retrieves by meaning first).
MODEL_BOUND = r"^/v1/(embeddings|content/index|content/generate|answers)"

schema = load_schema(
    create_app(AISettings(data_dir=Path(tempfile.gettempdir()))),  # the document only
    max_examples=12,
    operations=[{"include-path-regex": MODEL_BOUND, "generation": {"max-examples": 5}}],
)


AUTH = {"Authorization": f"Bearer {SERVICE_KEY}"}
# A few published demo articles, so that generation and answers have sources to draw on.
ARTICLES = sorted((a for a in load_articles() if a.status == "published"), key=lambda a: a.slug)[:6]


@pytest.fixture(scope="module")
def ai(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SharedLifespan]:
    settings = AISettings(
        data_dir=tmp_path_factory.mktemp("schemathesis-ai"),
        service_api_keys=SERVICE_KEY,
        rate_limits_enabled=False,
        log_level="error",
    )
    app = SharedLifespan(create_app(settings))
    try:
        _index_articles(app)
        yield app
    finally:
        app.close()


def _index_articles(ai: SharedLifespan) -> None:
    documents = [_document(a) for a in ARTICLES]
    indexed = _call(ai, "POST", "/v1/content/index", {"documents": documents})
    assert indexed.status_code == 200, indexed.text


def _document(article: Article) -> dict[str, Any]:
    return {
        "content_id": f"demo-{article.slug}",
        "slug": article.slug,
        "title": article.title,
        "content_type": article.content_type,
        "portals": list(article.portals),
        "segment": article.segment,
        "tags": list(article.tags),
        "summary": article.summary,
        "body_markdown": article.body_markdown,
    }


def _call(
    ai: SharedLifespan, method: str, path: str, body: Any = None, **path_parameters: str
) -> schemathesis.Response:
    """A request written by hand, checked as the generated ones are."""
    options: dict[str, Any] = {"path_parameters": path_parameters}
    if body is not None:
        options.update(body=body, media_type="application/json")
    case = schema[path][method].Case(**options)
    return case.call_and_validate(headers=AUTH, app=ai)


@schema.parametrize()
def test_every_ai_operation_answers_as_documented(
    case: schemathesis.Case[Any], ai: SharedLifespan
) -> None:
    case.call_and_validate(headers=AUTH, app=ai)


# Generated cases seldom reach these answers (a chat needs a user message with text, a
# generation a topic the indexed content covers), so they are also asked for by hand.


def test_the_offline_provider_completes_chats_plain_and_streamed_as_documented(
    ai: SharedLifespan,
) -> None:
    ask = {"messages": [{"role": "user", "content": f"What is {ARTICLES[0].title}?"}]}
    plain = _call(ai, "POST", "/v1/chat/completions", ask)
    assert plain.status_code == 200
    streamed = _call(ai, "POST", "/v1/chat/completions", {**ask, "stream": True})
    assert streamed.status_code == 200
    assert streamed.headers["content-type"][0].startswith("text/event-stream")


def test_generation_and_answers_from_indexed_content_are_as_documented(
    ai: SharedLifespan,
) -> None:
    _index_articles(ai)  # again: generated cases may have cleared the index
    topic = ARTICLES[0].title
    brief = {"content_type": "blog_post", "topic": topic, "provider": "local-composer"}
    question = {"question": f"What is {topic}?"}
    for stream in (False, True):
        generated = _call(ai, "POST", "/v1/content/generate", {**brief, "stream": stream})
        assert generated.status_code == 200
        answered = _call(ai, "POST", "/v1/answers", {**question, "stream": stream})
        assert answered.status_code == 200


def test_vectors_of_the_wrong_dimensions_are_refused_as_documented(ai: SharedLifespan) -> None:
    collection = {"collection": "three-dimensions"}
    created = _call(ai, "PUT", "/v1/vectors/{collection}", {"dimensions": 3}, **collection)
    assert created.status_code == 201
    upsert, query = "/v1/vectors/{collection}/upsert", "/v1/vectors/{collection}/query"
    wrong = [
        (upsert, {"points": [{"id": "p1", "vector": [0.1, 0.2, 0.3, 0.4]}]}),
        (upsert, {"points": [{"id": "p1", "text": "the model embeds it in 384 dimensions"}]}),
        (query, {"vector": [0.1, 0.2]}),
        (query, {"text": "the model embeds it in 384 dimensions"}),
    ]
    for path, body in wrong:
        assert _call(ai, "POST", path, body, **collection).status_code in (400, 422), body
    right = {"points": [{"id": "p1", "vector": [0.1, 0.2, 0.3]}]}
    assert _call(ai, "POST", upsert, right, **collection).status_code == 200
    hits = _call(ai, "POST", query, {"vector": [0.1, 0.2, 0.3], "k": 1}, **collection)
    assert [hit["id"] for hit in hits.json()["results"]] == ["p1"]
