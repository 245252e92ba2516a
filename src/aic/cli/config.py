"""``aic settings``: every ``AIC_*`` setting as a Markdown table, or the values in force."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer
from pydantic import ValidationError
from pydantic.fields import FieldInfo

from aic.cli.output import settings_error
from aic.cli.settings import PlatformSettings

__all__ = ["settings_markdown", "show_settings"]

_SECRET_WORDS = ("key", "secret", "password", "token")
# Defaults that depend on other settings, in the words of the docs.
_DERIVED = {
    "database_url": "SQLite file `backend.db` in the data folder",
    "ai_database_url": "SQLite file `ai.db` in the data folder",
    "service_api_keys": "a key generated into the data folder",
    "service_api_key": "the same generated key",
    "llm_providers": "the configured ones in that order, then `local`",
    "jwt_secret": "a key generated into the data folder",
}


def _default(name: str, field: FieldInfo) -> str:
    if name in _DERIVED:
        return _DERIVED[name]
    value: Any = field.default
    if value is None:
        return "unset"
    if isinstance(value, Path):
        value = value.as_posix()
    return f"`{value}`"


def settings_markdown() -> str:
    """The table of docs/settings.md, built from the settings classes themselves."""
    rows = ["| Setting | Meaning | Default |", "|---|---|---|"]
    for name, field in sorted(PlatformSettings.model_fields.items()):
        meaning = (field.description or "").replace("|", "\\|")
        rows.append(f"| `AIC_{name.upper()}` | {meaning} | {_default(name, field)} |")
    return "\n".join(rows) + "\n"


def _shown(name: str, value: Any) -> str:
    if value is None:
        return "unset"
    if any(word in name for word in _SECRET_WORDS):
        return "***"
    if name.endswith("_url") and "@" in str(value):
        scheme, _, rest = str(value).partition("://")
        return f"{scheme}://***@{rest.rpartition('@')[2]}"
    return str(value)


def show_settings(values: bool) -> None:
    if not values:
        typer.echo(settings_markdown(), nl=False)
        return
    try:
        current = PlatformSettings()
    except ValidationError as exc:
        settings_error(exc)
    for name in sorted(PlatformSettings.model_fields):
        typer.echo(f"AIC_{name.upper()}={_shown(name, getattr(current, name))}")
