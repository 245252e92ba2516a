"""Settings come from AIC_* variables, are validated, and are documented in one table."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from aic.ai.settings import AISettings
from aic.backend.settings import BackendSettings
from aic.cli.config import settings_markdown
from aic.cli.settings import PlatformSettings, local_url

DOCS = Path(__file__).parents[2] / "docs" / "settings.md"


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    import os

    for name in list(os.environ):
        if name.startswith("AIC_"):
            monkeypatch.delenv(name)


def test_defaults_run_everything_embedded_on_the_seed_ports() -> None:
    settings = PlatformSettings()
    assert settings.data_dir == Path(".aic")
    assert (settings.backend_port, settings.ai_port) == (3100, 8000)
    assert [
        settings.web_main_port,
        settings.web_smb_port,
        settings.web_enterprise_port,
        settings.web_nexus_port,
        settings.web_admin_port,
    ] == [3000, 3001, 3002, 3003, 3005]
    assert settings.redis_url is None
    assert settings.resolved_database_url == "sqlite:///.aic/backend.db"
    assert settings.sqlite_path == Path(".aic/backend.db")
    assert not settings.tls_enabled


def test_environment_variables_override_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AIC_DATA_DIR", "/srv/aic")
    monkeypatch.setenv("AIC_BACKEND_PORT", "4100")
    monkeypatch.setenv("AIC_DATABASE_URL", "postgresql://aic@db:5432/aic?sslmode=require")
    monkeypatch.setenv("AIC_REDIS_URL", "rediss://cache:6380/0")
    monkeypatch.setenv("AIC_AI_URL", "https://ai.internal:8000/")
    settings = BackendSettings()
    assert settings.data_dir == Path("/srv/aic")
    assert settings.backend_port == 4100
    assert settings.resolved_database_url.endswith("sslmode=require")
    assert settings.sqlite_path is None
    assert settings.redis_url == "rediss://cache:6380/0"
    assert settings.ai_url == "https://ai.internal:8000"


@pytest.mark.parametrize(
    ("name", "value", "field"),
    [
        ("AIC_BACKEND_PORT", "not-a-port", "backend_port"),
        ("AIC_BACKEND_PORT", "70000", "backend_port"),
        ("AIC_DATABASE_URL", "mysql://db/aic", "database_url"),
        ("AIC_REDIS_URL", "http://cache", "redis_url"),
        ("AIC_AI_URL", "ai:8000", "ai_url"),
        ("AIC_LOG_LEVEL", "loud", "log_level"),
        ("AIC_MAX_BODY_BYTES", "10", "max_body_bytes"),
    ],
)
def test_invalid_values_are_refused_naming_the_setting(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str, field: str
) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(ValidationError) as caught:
        BackendSettings()
    assert [e["loc"] for e in caught.value.errors()] == [(field,)]


def test_ai_reads_its_own_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AIC_SERVICE_API_KEYS", "k1, k2")
    monkeypatch.setenv("AIC_AI_PORT", "8100")
    settings = AISettings()
    assert settings.ai_port == 8100
    assert settings.service_api_keys == "k1, k2"


def test_tls_needs_both_certificate_and_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AIC_TLS_CERTFILE", "/tls/cert.pem")
    with pytest.raises(ValidationError, match="AIC_TLS_KEYFILE"):
        BackendSettings()
    monkeypatch.setenv("AIC_TLS_KEYFILE", "/tls/key.pem")
    settings = BackendSettings()
    assert settings.tls_enabled
    assert settings.missing_tls_files() == ["/tls/cert.pem", "/tls/key.pem"]


def test_local_urls_reach_wildcard_listeners_through_loopback() -> None:
    assert local_url("0.0.0.0", 3100) == "http://127.0.0.1:3100"
    assert local_url("::", 8000, tls=True) == "https://[::1]:8000"
    assert local_url("10.1.2.3", 3000) == "http://10.1.2.3:3000"


def test_the_settings_page_documents_every_setting() -> None:
    table = settings_markdown()
    assert table in DOCS.read_text(), "docs/settings.md is stale: run `aic settings`"
    for name in PlatformSettings.model_fields:
        assert f"`AIC_{name.upper()}`" in table


def test_background_loops_select_all_none_or_named_loops() -> None:
    assert BackendSettings().loop_selection is True
    assert BackendSettings(background_loops="none").loop_selection is False
    selected = BackendSettings(background_loops="outbox-relay, projections").loop_selection
    assert selected == ["outbox-relay", "projections"]
    earlier = BackendSettings(background_loops="outbox-relay,projection:").loop_selection
    assert earlier == ["outbox-relay", "projections"]  # before 0.2: a loop per projection
