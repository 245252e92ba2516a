"""``/v1/content/index``, ``/v1/content/generate`` and ``/v1/answers`` over HTTP, streams too."""

from __future__ import annotations

import json
from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from aic.ai.composer import (
    NO_ANSWER,
    AnswerComposer,
    ContentCorpus,
    ContentService,
    LocalComposer,
    LocalComposerProvider,
    Relevance,
)
from aic.ai.entrypoints import answers, content
from aic.ai.providers import CompletionRequest, ProviderError
from aic.ai.providers.chain import ProviderChain
from aic.asgi.errors import install_error_handlers
from tests.support.llm import ScriptedProvider
from tests.support.memory_vectors import MemoryVectorIndex
from tests.unit.ai.composer.conftest import DEMO_DOCUMENTS, TopicalEmbedder


def _document(n: int = 0) -> dict[str, Any]:
    d = DEMO_DOCUMENTS[n]
    return {
        "content_id": d.content_id,
        "slug": d.slug,
        "title": d.title,
        "content_type": d.content_type,
        "portals": list(d.portals),
        "segment": d.segment,
        "tags": list(d.tags),
        "summary": d.summary,
        "published": True,
        "body_markdown": d.body_markdown,
    }


@pytest.fixture(scope="module")
def client() -> Iterator[TestClient]:
    relevance = Relevance(min_score=0.15)
    corpus = ContentCorpus(TopicalEmbedder(), MemoryVectorIndex())
    service = ContentService(corpus, LocalComposer(relevance), AnswerComposer(relevance))
    app = FastAPI()
    install_error_handlers(app)
    app.include_router(content.router, prefix="/v1")
    app.include_router(answers.router, prefix="/v1")
    app.state.container = SimpleNamespace(content=service)
    with TestClient(app) as client:
        for start in range(0, len(DEMO_DOCUMENTS), 40):
            batch = [_document(n) for n in range(start, min(start + 40, len(DEMO_DOCUMENTS)))]
            assert client.post("/v1/content/index", json={"documents": batch}).status_code == 200
        yield client


def events(text: str) -> list[tuple[str, Any]]:
    found = []
    for block in text.strip().split("\n\n"):
        lines = dict(line.split(": ", 1) for line in block.splitlines())
        found.append((lines["event"], json.loads(lines["data"])))
    return found


GENERATE = {
    "content_type": "blog_post",
    "topic": "sandboxes and change management",
    "keywords": ["release", "audit log"],
    "brand_voice": {"banned_words": ["cheap"]},
}


def test_indexing_reports_passages_and_reindexing_replaces_them(client: TestClient) -> None:
    status = client.get("/v1/content/index").json()
    assert status["passages"] > 300
    shorter = {**_document(0), "body_markdown": "## Only section\n\nOne short paragraph here."}
    answer = client.post("/v1/content/index", json={"documents": [shorter]}).json()
    assert answer["indexed"] == [{"content_id": shorter["content_id"], "passages": 2}]
    assert answer["collection_passages"] < status["passages"]
    removed = client.delete(f"/v1/content/index/{shorter['content_id']}").json()
    assert removed == {"content_id": shorter["content_id"], "passages_removed": 2}
    assert client.post("/v1/content/index", json={"documents": [_document(0)]}).status_code == 200
    assert client.get("/v1/content/index").json() == status


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"documents": []}, "body.documents"),
        ({"documents": [{**_document(), "slug": "Not A Slug"}]}, "body.documents.0.slug"),
        ({"documents": [{**_document(), "body_markdown": ""}]}, "body.documents.0.body_markdown"),
    ],
)
def test_malformed_documents_are_refused_with_the_field(
    client: TestClient, body: dict[str, Any], field: str
) -> None:
    response = client.post("/v1/content/index", json=body)
    assert response.status_code == 422
    assert field in [d["field"] for d in response.json()["error"]["details"]]


def test_generation_answers_with_the_structured_document(client: TestClient) -> None:
    response = client.post("/v1/content/generate", json=GENERATE)
    assert response.status_code == 200
    body = response.json()
    assert body["provider"] == "local-composer"
    assert body["model"] == "local-composer-1"
    assert body["sections"]
    assert all(s["source_ids"] for s in body["sections"])
    known = {d.content_id for d in DEMO_DOCUMENTS}
    assert {s["id"] for s in body["sources"]} <= known
    assert len(body["seo_title"]) <= 60
    assert len(body["meta_description"]) <= 160
    assert body["usage"]["total_tokens"] > 0
    assert body["body_markdown"].startswith("## ")


def test_a_streamed_generation_sends_sections_tokens_then_the_document(client: TestClient) -> None:
    plain = client.post("/v1/content/generate", json=GENERATE).json()
    response = client.post("/v1/content/generate", json={**GENERATE, "stream": True})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/event-stream")
    sent = events(response.text)
    kinds = [kind for kind, _ in sent]
    assert kinds[0] == "section"
    assert kinds[-1] == "done"
    assert kinds.count("section") == len(plain["sections"])
    streamed = "".join(data["text"] for kind, data in sent if kind == "token")
    assert streamed == "".join(s["markdown"] for s in plain["sections"])
    assert sent[-1][1] == plain


@pytest.mark.parametrize(
    ("change", "status", "code"),
    [
        ({"content_type": "press_release"}, 422, "validation_error"),
        ({"topic": "   "}, 422, "validation_error"),
        ({"topic": "x" * 301}, 422, "validation_error"),
        ({"keywords": [f"k{n}" for n in range(11)]}, 422, "validation_error"),
        ({"keywords": ["release", "Release"]}, 422, "validation_error"),
        ({"keywords": ["cheap plans"]}, 422, "keyword_banned"),
        ({"language": "fr"}, 422, "language_unsupported"),
        ({"provider": "openai"}, 422, "provider_unavailable"),
        (
            {"topic": "volcanic eruptions on Jupiter's moon Io", "keywords": []},
            422,
            "no_relevant_sources",
        ),
    ],
)
def test_bad_generation_requests_get_a_clear_4xx(
    client: TestClient, change: dict[str, Any], status: int, code: str
) -> None:
    for stream in (False, True):
        response = client.post(
            "/v1/content/generate", json={**GENERATE, **change, "stream": stream}
        )
        assert response.status_code == status, response.text
        assert response.json()["error"]["code"] == code


def test_an_answer_cites_real_content(client: TestClient) -> None:
    body = client.post("/v1/answers", json={"question": "How do I roll back a release?"}).json()
    assert body["grounded"] is True
    assert body["citations"]
    known = {d.content_id: d.slug for d in DEMO_DOCUMENTS}
    for citation in body["citations"]:
        assert known[citation["content_id"]] == citation["slug"]
        assert citation["snippet"]
    assert "[1]" in body["answer"]


def test_an_off_topic_question_gets_i_dont_know(client: TestClient) -> None:
    body = client.post(
        "/v1/answers", json={"question": "What is the boiling point of tungsten?"}
    ).json()
    assert body == {
        "question": "What is the boiling point of tungsten?",
        "answer": NO_ANSWER,
        "grounded": False,
        "citations": [],
        "provider": "local-composer",
        "model": "local-composer-1",
    }


def test_a_streamed_answer_ends_with_the_whole_answer(client: TestClient) -> None:
    question = {"question": "How much does the Starter plan cost per seat?", "stream": True}
    sent = events(client.post("/v1/answers", json=question).text)
    assert sent[-1][0] == "done"
    tokens = "".join(data["text"] for kind, data in sent if kind == "token")
    assert tokens == sent[-1][1]["answer"]
    assert sent[-1][1]["grounded"] is True


def _always_times_out(request: CompletionRequest) -> str:
    raise ProviderError("openai", "timeout", "no answer within 30 s")


@pytest.fixture(scope="module")
def with_llm(client: TestClient) -> Iterator[TestClient]:
    """The same indexed content behind a chain of an always failing openai, then the composer."""
    relevance = Relevance(min_score=0.15)
    answers_ = AnswerComposer(relevance)
    corpus: ContentCorpus = client.app.state.container.content.corpus  # type: ignore[attr-defined]
    openai = ScriptedProvider("openai", ("gpt-test",), reply=_always_times_out)
    chain = ProviderChain([openai, LocalComposerProvider(corpus, answers_)], retries=0)
    app = FastAPI()
    install_error_handlers(app)
    app.include_router(content.router, prefix="/v1")
    app.state.container = SimpleNamespace(
        content=ContentService(corpus, LocalComposer(relevance), answers_, chain)
    )
    with TestClient(app) as llm_client:
        yield llm_client


@pytest.mark.parametrize("stream", [False, True])
def test_a_named_provider_that_fails_gets_the_chains_error_not_a_document(
    with_llm: TestClient, stream: bool
) -> None:
    response = with_llm.post(
        "/v1/content/generate", json={**GENERATE, "provider": "openai", "stream": stream}
    )
    assert response.status_code == 504, response.text
    assert response.headers["content-type"].startswith("application/json")
    error = response.json()["error"]
    assert error["code"] == "llm_timeout"
    assert [a["provider"] for a in error["details"]["attempts"]] == ["openai"]


@pytest.mark.parametrize("stream", [False, True])
def test_an_unnamed_provider_that_fails_is_replaced_by_the_composer(
    with_llm: TestClient, stream: bool
) -> None:
    response = with_llm.post("/v1/content/generate", json={**GENERATE, "stream": stream})
    assert response.status_code == 200, response.text
    body = events(response.text)[-1][1] if stream else response.json()
    assert body["provider"] == "local-composer"
    assert body["notes"][0].startswith("No LLM provider answered (openai: timeout")
