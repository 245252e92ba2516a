"""The official ``openai`` client, over real HTTP, against ai's OpenAI-compatible API.

One ai app per module on a loopback port: the OpenAI adapter points at a fake OpenAI server,
and a scripted provider stands in for the offline one, last in the chain.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx2
import openai
import pytest

from aic.ai.entrypoints.app import create_app
from aic.ai.providers import ProviderError
from aic.ai.settings import AISettings
from tests.support.llm import Pieces, ScriptedProvider
from tests.support.llm_wire import Hang, Status, WireScripts, wire_app
from tests.support.loopback import LoopbackServer

KEY = "test-service-key"
HELLO = [{"role": "user", "content": "Say hello to the team."}]


class Platform:
    def __init__(self, url: str, scripts: WireScripts, offline: ScriptedProvider) -> None:
        self.url = url
        self.scripts = scripts
        self.offline = offline
        self.client = openai.OpenAI(base_url=f"{url}/v1", api_key=KEY, max_retries=0, timeout=10)


@pytest.fixture(scope="module")
def platform(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Platform]:
    scripts = WireScripts()
    offline = ScriptedProvider("local-test", ("echo-1",))
    with LoopbackServer(wire_app(scripts)) as upstream:
        settings = AISettings(
            data_dir=Path(tmp_path_factory.mktemp("ai")),
            service_api_keys=KEY,
            openai_api_key="sk-upstream",
            openai_base_url=f"{upstream.url}/v1",
            openai_model="gpt-fake,gpt-fake-large",
            openai_timeout_seconds=0.5,
            llm_retries=0,
            llm_max_prompt_chars=2000,
            log_level="warning",
        )
        app = create_app(settings, offline_llm=offline)
        with LoopbackServer(app, lifespan="on") as ai:
            platform = Platform(ai.url, scripts, offline)
            yield platform
            platform.client.close()


@pytest.fixture
def ai(platform: Platform) -> Platform:
    platform.scripts.reset()
    platform.offline.script.clear()
    platform.offline.calls.clear()
    return platform


def test_the_openai_client_gets_a_completion_with_usage(ai: Platform) -> None:
    raw = ai.client.chat.completions.with_raw_response.create(model="gpt-fake", messages=HELLO)
    completion = raw.parse()
    assert completion.object == "chat.completion"
    assert completion.model == "gpt-fake"
    assert completion.choices[0].message.content == "Hello from the fake server."
    assert completion.choices[0].finish_reason == "stop"
    assert completion.usage is not None
    assert completion.usage.completion_tokens == 5
    assert completion.usage.total_tokens == completion.usage.prompt_tokens + 5
    assert raw.headers["x-aic-llm-provider"] == "openai"
    assert ai.scripts.openai.headers[0]["authorization"] == "Bearer sk-upstream"


def test_the_openai_client_streams_the_pieces_then_the_usage(ai: Platform) -> None:
    chunks = list(
        ai.client.chat.completions.create(
            model="gpt-fake",
            messages=HELLO,
            stream=True,
            stream_options={"include_usage": True},
        )
    )
    assert {c.object for c in chunks} == {"chat.completion.chunk"}
    assert len({c.id for c in chunks}) == 1
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert text == "Hello from the fake server."
    assert chunks[0].choices[0].delta.role == "assistant"
    assert chunks[-2].choices[0].finish_reason == "stop"
    assert chunks[-1].choices == []
    assert chunks[-1].usage is not None
    assert chunks[-1].usage.completion_tokens == 5


def test_without_include_usage_the_usage_comes_with_the_finish_reason(ai: Platform) -> None:
    chunks = list(ai.client.chat.completions.create(model="echo-1", messages=HELLO, stream=True))
    last = chunks[-1]
    assert last.choices[0].finish_reason == "stop"
    assert last.usage is not None
    assert last.usage.completion_tokens > 0
    assert all(c.usage is None for c in chunks[:-1])
    assert "".join(c.choices[0].delta.content or "" for c in chunks) == (
        "You said: Say hello to the team."
    )


def test_a_model_goes_to_the_provider_that_serves_it(ai: Platform) -> None:
    echoed = ai.client.chat.completions.create(model="echo-1", messages=HELLO)
    assert echoed.choices[0].message.content == "You said: Say hello to the team."
    large = ai.client.chat.completions.create(model="gpt-fake-large", messages=HELLO)
    assert large.model == "gpt-fake-large"
    assert [r["model"] for r in ai.scripts.openai.requests] == ["gpt-fake-large"]


def test_a_failing_provider_falls_back_to_the_offline_one(ai: Platform) -> None:
    ai.scripts.openai.then(Status(500), Status(500))
    raw = ai.client.chat.completions.with_raw_response.create(model="gpt-fake", messages=HELLO)
    assert raw.headers["x-aic-llm-provider"] == "local-test"
    assert raw.parse().model == "echo-1"
    streamed = list(
        ai.client.chat.completions.create(model="gpt-fake", messages=HELLO, stream=True)
    )
    assert streamed[0].model == "echo-1"


def test_when_every_provider_fails_the_client_gets_a_502_with_each_reason(ai: Platform) -> None:
    ai.scripts.openai.then(Status(500, message="upstream exploded"), Status(500))
    ai.offline.then(
        ProviderError("local-test", "server_error", "offline broke"),
        ProviderError("local-test", "server_error", "offline broke"),
    )
    with pytest.raises(openai.InternalServerError) as failed:
        ai.client.chat.completions.create(model="gpt-fake", messages=HELLO)
    assert failed.value.status_code == 502
    error = failed.value.response.json()["error"]
    assert error["code"] == "llm_failed"
    attempts = error["details"]["attempts"]
    assert [(a["provider"], a["kind"]) for a in attempts] == [
        ("openai", "server_error"),
        ("local-test", "server_error"),
        ("anthropic", "unavailable"),  # not configured: never asked, but said what it needs
        ("ollama", "unavailable"),
    ]
    assert "upstream exploded" in attempts[0]["message"]
    assert attempts[2]["message"] == "set AIC_ANTHROPIC_API_KEY"
    with pytest.raises(openai.InternalServerError) as streamed:  # before any event: still JSON
        ai.client.chat.completions.create(model="gpt-fake", messages=HELLO, stream=True)
    assert streamed.value.status_code == 502


def test_every_provider_timing_out_is_a_504(ai: Platform) -> None:
    ai.scripts.openai.then(Hang())
    ai.offline.then(ProviderError("local-test", "timeout", "too slow"))
    with pytest.raises(openai.InternalServerError) as failed:
        ai.client.chat.completions.create(model="gpt-fake", messages=HELLO)
    assert failed.value.status_code == 504
    assert failed.value.response.json()["error"]["code"] == "llm_timeout"


def test_every_provider_rate_limiting_is_a_503_with_retry_after(ai: Platform) -> None:
    ai.scripts.openai.then(Status(429, retry_after="30"))
    ai.offline.then(ProviderError("local-test", "rate_limited", "busy", retry_after=12))
    with pytest.raises(openai.InternalServerError) as failed:
        ai.client.chat.completions.create(model="gpt-fake", messages=HELLO)
    assert failed.value.status_code == 503
    assert failed.value.response.headers["retry-after"] == "12"
    assert failed.value.response.json()["error"]["code"] == "llm_rate_limited"


def test_a_stream_failing_after_its_first_text_ends_in_an_error_the_client_raises(
    ai: Platform,
) -> None:
    ai.offline.then(Pieces(("Half an ",), then=ProviderError("local-test", "timeout", "stalled")))
    received: list[str] = []
    stream = ai.client.chat.completions.create(model="echo-1", messages=HELLO, stream=True)
    with pytest.raises(openai.APIError, match="failed in the middle"):
        received.extend(c.choices[0].delta.content or "" for c in stream)
    assert received == ["Half an "]


def test_models_lists_every_model_of_every_available_provider(ai: Platform) -> None:
    models = ai.client.models.list()
    assert [(m.id, m.owned_by) for m in models] == [
        ("gpt-fake", "openai"),
        ("gpt-fake-large", "openai"),
        ("echo-1", "local-test"),
    ]
    assert ai.client.models.retrieve("echo-1").owned_by == "local-test"
    with pytest.raises(openai.NotFoundError):
        ai.client.models.retrieve("gpt-5-ultra")


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"messages": []}, 422, "validation_error"),
        ({"messages": [{"role": "user", "content": ""}]}, 422, "validation_error"),
        ({"messages": [{"role": "user", "content": [{"type": "text", "text": " "}]}]}, 422, None),
        ({"messages": [{"role": "system", "content": "Only rules."}]}, 422, "validation_error"),
        ({"messages": [{"role": "tool", "content": "42"}]}, 422, "validation_error"),
        ({"messages": HELLO, "tools": [{"type": "function"}]}, 422, "validation_error"),
        ({"messages": HELLO, "n": 2}, 422, "validation_error"),
        ({"messages": HELLO, "temperature": 3}, 422, "validation_error"),
        ({"messages": [{"role": "user", "content": "x" * 2001}]}, 400, "prompt_too_long"),
        ({"messages": HELLO, "model": "gpt-5-ultra"}, 404, "model_not_found"),
    ],
)
def test_bad_input_gets_a_clear_4xx(
    ai: Platform, body: dict[str, object], status: int, code: str | None
) -> None:
    response = httpx2.post(
        f"{ai.url}/v1/chat/completions", json=body, headers={"Authorization": f"Bearer {KEY}"}
    )
    assert response.status_code == status, response.text
    assert response.json()["error"]["code"] == (code or "validation_error")
    assert ai.scripts.openai.requests == []
    assert ai.offline.calls == []


def test_a_wrong_service_key_is_refused(ai: Platform) -> None:
    client = openai.OpenAI(base_url=f"{ai.url}/v1", api_key="wrong", max_retries=0)
    with pytest.raises(openai.AuthenticationError):
        client.models.list()
    client.close()


def test_detailed_health_lists_the_providers_and_what_a_missing_one_needs(ai: Platform) -> None:
    providers = {p["name"]: p for p in httpx2.get(f"{ai.url}/health/detailed").json()["providers"]}
    assert providers["openai"]["available"] is True
    assert providers["openai"]["models"] == ["gpt-fake", "gpt-fake-large"]
    assert providers["local-test"]["available"] is True
    assert providers["anthropic"] == {
        "name": "anthropic",
        "available": False,
        "reason": "set AIC_ANTHROPIC_API_KEY",
        "models": [],
    }
    assert providers["ollama"]["available"] is False


def test_llm_figures_are_on_the_metrics_page(ai: Platform) -> None:
    ai.scripts.openai.then(Status(500))
    ai.client.chat.completions.create(model="gpt-fake", messages=HELLO)
    page = httpx2.get(f"{ai.url}/metrics").text
    assert 'aic_ai_llm_errors_total{kind="server_error",model="gpt-fake",provider="openai"}' in page
    assert 'aic_ai_llm_requests_total{model="echo-1",outcome="ok",provider="local-test"}' in page
    assert 'aic_ai_llm_tokens_sum{model="echo-1",provider="local-test",type="completion"}' in page
    assert "aic_ai_llm_request_duration_seconds_bucket" in page
