"""The ``aic`` command: help for every subcommand, version, and clear settings errors."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from aic import __version__
from aic.cli import app

runner = CliRunner()


@pytest.mark.parametrize(
    "command", [[], ["up"], ["backend"], ["ai"], ["web"], ["version"], ["settings"]]
)
def test_every_command_has_help(command: list[str]) -> None:
    result = runner.invoke(app, [*command, "--help"])
    assert result.exit_code == 0, result.output
    assert "Usage" in result.output


def test_version_prints_the_installed_version() -> None:
    result = runner.invoke(app, ["version"])
    assert result.output.strip() == __version__


def test_a_bad_setting_is_named_with_what_to_fix(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AIC_BACKEND_PORT", "lots")
    result = runner.invoke(app, ["backend"])
    assert result.exit_code == 2
    assert "AIC_BACKEND_PORT" in result.output


def test_reload_with_several_workers_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AIC_REDIS_URL", "redis://127.0.0.1:1/0")
    result = runner.invoke(app, ["ai", "--workers", "2", "--reload"])
    assert result.exit_code == 2
    assert "--reload" in result.output


def test_settings_values_mask_secrets(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AIC_OPENAI_API_KEY", "sk-very-secret")
    monkeypatch.setenv("AIC_DATABASE_URL", "postgresql://aic:pw@db:5432/aic")
    result = runner.invoke(app, ["settings", "--values"])
    assert result.exit_code == 0
    assert "sk-very-secret" not in result.output
    assert ":pw@" not in result.output
    assert "AIC_OPENAI_API_KEY=***" in result.output
    assert "AIC_DATABASE_URL=postgresql://***@db:5432/aic" in result.output
