"""The official ``openai`` client embeds over real HTTP against a running ``aic ai`` process.

One ai process for the session, with the model loading on first use; its vectors are
checked against the sentence-transformers fixture.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx2
import numpy as np
import openai
import psutil
import pytest

from tests.support.services import ServiceProcess, free_ports

pytestmark = pytest.mark.slow

KEY = "test-embeddings-key"
MODEL = "all-MiniLM-L6-v2"
FIXTURE = Path(__file__).parents[2] / "fixtures" / "embeddings" / "minilm_reference.json"
RSS_GOAL_MB = 700


@dataclass
class RunningAI:
    url: str
    process: ServiceProcess
    models_at_start: list[str]

    def client(self, api_key: str = KEY) -> openai.AsyncOpenAI:
        return openai.AsyncOpenAI(
            base_url=f"{self.url}/v1", api_key=api_key, max_retries=0, timeout=30
        )


@pytest.fixture(scope="session")
def ai(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningAI]:
    data = tmp_path_factory.mktemp("ai-embeddings")
    port = free_ports(1)[0]
    env = {"AIC_DATA_DIR": str(data), "AIC_SERVICE_API_KEYS": KEY, "AIC_LOG_LEVEL": "warning"}
    process = ServiceProcess(["ai", "--port", str(port)], env, data / "ai.log")
    url = f"http://127.0.0.1:{port}"
    try:
        process.wait_until(f"{url}/health", timeout=60)
        health = httpx2.get(f"{url}/health/detailed", timeout=5).json()
        yield RunningAI(url, process, health["models_loaded"])
    finally:
        process.stop()


@pytest.fixture(scope="module")
def reference() -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = json.loads(FIXTURE.read_text())["items"]
    return items


def with_client(
    ai: RunningAI, use: Callable[[openai.AsyncOpenAI], Awaitable[Any]], api_key: str = KEY
) -> Any:
    """``use(client)`` in a fresh event loop, the client closed before the loop is."""

    async def run() -> Any:
        async with ai.client(api_key) as client:
            return await use(client)

    return asyncio.run(run())


def embed(ai: RunningAI, texts: list[str] | str, **options: Any) -> Any:
    return with_client(
        ai, lambda client: client.embeddings.create(model=MODEL, input=texts, **options)
    )


def test_the_model_loads_on_first_use_and_health_then_lists_it(ai: RunningAI) -> None:
    assert ai.models_at_start == []
    embed(ai, ["warm up"])
    health = httpx2.get(f"{ai.url}/health/detailed", timeout=5).json()
    assert health["models_loaded"] == [MODEL]


def test_float_embeddings_match_sentence_transformers(
    ai: RunningAI, reference: list[dict[str, Any]]
) -> None:
    chosen = reference[::5]
    response = embed(ai, [item["text"] for item in chosen], encoding_format="float")
    assert response.object == "list"
    assert response.model == MODEL
    assert [d.index for d in response.data] == list(range(len(chosen)))
    for item, data in zip(chosen, response.data, strict=True):
        assert data.object == "embedding"
        got, want = np.array(data.embedding), np.array(item["embedding"])
        assert len(got) == 384
        cosine = float(got @ want / np.linalg.norm(got) / np.linalg.norm(want))
        assert cosine >= 0.999, item["text"][:60]
    tokens = sum(item["tokens"] for item in chosen)
    assert response.usage.prompt_tokens == response.usage.total_tokens == tokens


def test_the_clients_default_base64_decodes_to_the_float_vectors(
    ai: RunningAI, reference: list[dict[str, Any]]
) -> None:
    texts = [item["text"] for item in reference[:8]]
    packed = embed(ai, texts)  # the openai client asks for base64 and decodes it itself
    floats = embed(ai, texts, encoding_format="float")
    for a, b in zip(packed.data, floats.data, strict=True):
        np.testing.assert_allclose(a.embedding, b.embedding, rtol=1e-6, atol=1e-7)


def test_one_string_is_one_embedding(ai: RunningAI) -> None:
    response = embed(ai, "Book a demo today.")
    assert len(response.data) == 1
    assert len(response.data[0].embedding) == 384


def test_without_the_service_key_or_with_a_wrong_one_it_is_401(ai: RunningAI) -> None:
    body = {"model": MODEL, "input": "hello"}
    assert httpx2.post(f"{ai.url}/v1/embeddings", json=body, timeout=5).status_code == 401
    with pytest.raises(openai.AuthenticationError):
        with_client(
            ai, lambda client: client.embeddings.create(model=MODEL, input="hi"), "not-the-key"
        )


def test_an_unknown_model_is_the_clients_not_found_error(ai: RunningAI) -> None:
    with pytest.raises(openai.NotFoundError, match=MODEL):
        with_client(
            ai, lambda client: client.embeddings.create(model="text-embedding-3-small", input="hi")
        )


def test_concurrent_requests_each_get_their_own_vectors(
    ai: RunningAI, reference: list[dict[str, Any]]
) -> None:
    texts = [item["text"] for item in reference[:24]]

    async def concurrently(client: openai.AsyncOpenAI) -> list[Any]:
        calls = [
            client.embeddings.create(model=MODEL, input=[t], encoding_format="float") for t in texts
        ]
        return await asyncio.gather(*calls)

    separate = with_client(ai, concurrently)
    together = embed(ai, texts, encoding_format="float")
    for one, joint in zip(separate, together.data, strict=True):
        assert float(np.dot(one.data[0].embedding, joint.embedding)) > 0.99999


def test_a_body_over_the_limit_is_413_not_a_long_embedding(ai: RunningAI) -> None:
    body = {"model": MODEL, "input": "lead " * 400_000}  # 2 MB, the limit is 1 MiB
    response = httpx2.post(
        f"{ai.url}/v1/embeddings", json=body, headers={"X-API-Key": KEY}, timeout=10
    )
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "payload_too_large"


def test_the_process_with_the_model_loaded_stays_under_700_mb(ai: RunningAI) -> None:
    long_texts = [f"{n} " + "account based marketing " * 100 for n in range(64)]
    embed(ai, long_texts, encoding_format="float")  # full-length batches: the peak
    rss_mb = psutil.Process(ai.process.process.pid).memory_info().rss / 2**20
    assert rss_mb < RSS_GOAL_MB, f"ai uses {rss_mb:.0f} MB with the embedding model loaded"
