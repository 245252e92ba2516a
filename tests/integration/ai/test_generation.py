"""The whole ai service offline: the demo content indexed with MiniLM, then generation, answers
and chat through the local composer, over real HTTP."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx2
import openai
import pytest

from aic.ai.composer import NO_ANSWER
from aic.ai.composer.briefs import Brief
from aic.ai.composer.documents import GeneratedContent, Section
from aic.ai.composer.grounding import SourceSentences, TemplateMatcher, unsupported
from aic.ai.composer.passages import ContentDocument, split_document
from aic.ai.composer.sentences import contains_phrase
from aic.ai.entrypoints.app import create_app
from aic.ai.settings import AISettings
from aic.backend.demo.articles import load_articles
from tests.support.loopback import LoopbackServer

KEY = "test-service-key"
ARTICLES = {f"demo-{a.slug}": a for a in load_articles() if a.status == "published"}


def _document(content_id: str) -> dict[str, Any]:
    a = ARTICLES[content_id]
    return {
        "content_id": content_id,
        "slug": a.slug,
        "title": a.title,
        "content_type": a.content_type,
        "portals": list(a.portals),
        "segment": a.segment,
        "tags": list(a.tags),
        "summary": a.summary,
        "body_markdown": a.body_markdown,
    }


@pytest.fixture(scope="module")
def ai(tmp_path_factory: pytest.TempPathFactory) -> Iterator[httpx2.Client]:
    settings = AISettings(
        data_dir=Path(tmp_path_factory.mktemp("ai")), service_api_keys=KEY, log_level="warning"
    )
    with LoopbackServer(create_app(settings), lifespan="on") as server:
        client = httpx2.Client(base_url=server.url, headers={"X-API-Key": KEY}, timeout=120)
        ids = sorted(ARTICLES)
        for start in range(0, len(ids), 50):
            batch = [_document(i) for i in ids[start : start + 50]]
            response = client.post("/v1/content/index", json={"documents": batch})
            assert response.status_code == 200, response.text
        yield client
        client.close()


def test_the_index_holds_the_published_demo_content(ai: httpx2.Client) -> None:
    status = ai.get("/v1/content/index").json()
    assert status["embedding_model"] == "all-MiniLM-L6-v2"
    assert status["passages"] > 250


BRIEF = {
    "content_type": "blog_post",
    "topic": "choosing between the Starter and Growth plans",
    "audience": "smb",
    "tone": "friendly",
    "length": "short",
    "keywords": ["per seat", "connectors"],
    "brand_voice": {"banned_words": ["cheap", "revolutionary"], "tone_words": ["concise"]},
}


def _document_of(body: dict[str, Any]) -> GeneratedContent:
    return GeneratedContent(
        content_type=body["content_type"],
        title=body["title"],
        sections=tuple(
            Section(s["heading"], s["markdown"], tuple(s["source_ids"])) for s in body["sections"]
        ),
        seo_title=body["seo_title"],
        meta_description=body["meta_description"],
        sources=(),
    )


SOURCES = {cid: SourceSentences([a.body_markdown, a.summary]) for cid, a in ARTICLES.items()}
HEADINGS = {
    p.heading.lower()
    for cid, a in ARTICLES.items()
    for p in split_document(
        ContentDocument(
            cid,
            a.slug,
            a.title,
            a.content_type,
            a.portals,
            a.segment,
            a.body_markdown,
            summary=a.summary,
        )
    )
}


def _ungrounded(body: dict[str, Any], request: dict[str, Any]) -> list[str]:
    """Sentences and headings of a generated body that are neither a template instance nor
    supported by a source their own section cites."""
    brief = Brief(
        content_type=request["content_type"],
        topic=request["topic"],
        keywords=tuple(request["keywords"]),
    )
    titles = [a.title for a in ARTICLES.values()] + [a.slug for a in ARTICLES.values()]
    matcher = TemplateMatcher(brief, titles)
    document = _document_of(body)
    problems = [u.sentence for u in unsupported(document, SOURCES, matcher, threshold=0.9)]
    problems += [
        f"heading {s.heading!r}"
        for s in document.sections
        if s.heading.lower() not in HEADINGS and not matcher.matches(s.heading)
    ]
    return problems


def test_a_blog_post_is_grounded_in_the_demo_content_with_minilm(ai: httpx2.Client) -> None:
    response = ai.post("/v1/content/generate", json=BRIEF)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["provider"] == "local-composer"
    for keyword in BRIEF["keywords"]:
        assert contains_phrase(body["body_markdown"], [keyword]), keyword
    assert not contains_phrase(body["body_markdown"] + body["title"], ["cheap", "revolutionary"])
    assert 200 <= body["word_count"] <= 400
    cited = {sid for s in body["sections"] for sid in s["source_ids"]}
    assert cited
    assert cited <= set(ARTICLES)
    assert {ARTICLES[cid].segment for cid in cited} <= {"smb", "all"}
    assert _ungrounded(body, BRIEF) == []
    again = ai.post("/v1/content/generate", json=BRIEF).json()
    assert again == body


@pytest.mark.parametrize(
    ("content_type", "tone"),
    [
        ("blog_post", "professional"),
        ("email", "friendly"),
        ("landing_page", "authoritative"),
        ("social_post", "playful"),
        ("product_description", "professional"),
        ("seo_meta", "authoritative"),
    ],
)
def test_every_content_type_is_grounded_with_minilm(
    ai: httpx2.Client, content_type: str, tone: str
) -> None:
    request = {**BRIEF, "content_type": content_type, "tone": tone, "length": "medium"}
    response = ai.post("/v1/content/generate", json=request)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["provider"] == "local-composer"
    assert all(s["source_ids"] for s in body["sections"])
    assert _ungrounded(body, request) == []


def _events(text: str) -> list[tuple[str, Any]]:
    found = []
    for block in text.strip().split("\n\n"):
        lines = dict(line.split(": ", 1) for line in block.splitlines())
        found.append((lines["event"], json.loads(lines["data"])))
    return found


def test_a_streamed_landing_page_arrives_section_by_section(ai: httpx2.Client) -> None:
    brief = {**BRIEF, "content_type": "landing_page", "tone": "authoritative", "stream": True}
    with ai.stream("POST", "/v1/content/generate", json=brief) as response:
        assert response.status_code == 200
        text = "".join(response.iter_text())
    events = _events(text)
    assert events[0][0] == "section"
    assert events[-1][0] == "done"
    assert "- " in events[-1][1]["body_markdown"]


def test_a_question_is_answered_with_citations_of_real_content(ai: httpx2.Client) -> None:
    body = ai.post(
        "/v1/answers", json={"question": "How much does the Starter plan cost per seat?"}
    ).json()
    assert body["grounded"] is True
    assert body["citations"]
    for citation in body["citations"]:
        assert ARTICLES[citation["content_id"]].slug == citation["slug"]


@pytest.mark.parametrize(
    "question",
    ["What is the boiling point of tungsten?", "Who won the football world cup in 2018?"],
)
def test_an_off_topic_question_gets_i_dont_know(ai: httpx2.Client, question: str) -> None:
    body = ai.post("/v1/answers", json={"question": question}).json()
    assert body["answer"] == NO_ANSWER
    assert body["grounded"] is False
    assert body["citations"] == []


def test_an_off_topic_generation_is_refused(ai: httpx2.Client) -> None:
    brief = {**BRIEF, "topic": "the boiling point of tungsten", "keywords": []}
    response = ai.post("/v1/content/generate", json=brief)
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "no_relevant_sources"


def test_an_openai_client_chats_with_the_local_composer(ai: httpx2.Client) -> None:
    client = openai.OpenAI(
        base_url=f"{str(ai.base_url).rstrip('/')}/v1", api_key=KEY, max_retries=0, timeout=60
    )
    try:
        completion = client.chat.completions.create(
            model="local-composer-1",
            messages=[{"role": "user", "content": "How do I roll back a release?"}],
        )
        assert completion.choices[0].message.content
        assert "Sources:" in completion.choices[0].message.content
        stream = client.chat.completions.create(
            model="local-composer-1",
            messages=[{"role": "user", "content": "How do I roll back a release?"}],
            stream=True,
        )
        streamed = "".join(
            chunk.choices[0].delta.content or "" for chunk in stream if chunk.choices
        )
        assert streamed == completion.choices[0].message.content
    finally:
        client.close()
