"""``aic keys issue|list|revoke``: ai's issued service keys, managed in ai's database.

The CLI works on the database (``AIC_AI_DATABASE_URL``) directly, like ``aic migrate``: it
needs no running ai and no admin key, because whoever can reach that database already holds
every key's fate. Running replicas see a revocation within ``AIC_SERVICE_KEY_CACHE_SECONDS``.
Over HTTP, the admin API (``/v1/admin/service-keys``, bootstrap keys only) does the same.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import TypeVar

import typer
from pydantic import ValidationError
from rich.table import Table

from aic.ai.database import open_ai_database
from aic.ai.servicekeys import ServiceKey, SqlServiceKeyStore
from aic.ai.servicekeys.store import utc_now
from aic.ai.settings import AISettings
from aic.cli.output import console, fail, settings_error
from aic.observability.logging import configure_logging

__all__ = ["run_keys_issue", "run_keys_list", "run_keys_revoke"]

T = TypeVar("T")


def _with_store(action: Callable[[SqlServiceKeyStore], Awaitable[T]]) -> T:
    try:
        settings = AISettings()
    except ValidationError as exc:
        settings_error(exc)
    configure_logging("cli", "warning", settings.log_format)

    async def run() -> T:
        database = await open_ai_database(settings)
        try:
            return await action(SqlServiceKeyStore(database))
        finally:
            await database.close()

    return asyncio.run(run())


def _as_dict(key: ServiceKey, now: datetime) -> dict[str, str | None]:
    def text(moment: datetime | None) -> str | None:
        return None if moment is None else moment.isoformat()

    return {
        "id": key.id,
        "name": key.name,
        "hint": key.hint,
        "status": key.status(now),
        "created_at": text(key.created_at),
        "expires_at": text(key.expires_at),
        "last_used_at": text(key.last_used_at),
        "revoked_at": text(key.revoked_at),
    }


def run_keys_issue(name: str, expires_in_days: int | None) -> None:
    name = name.strip()
    if not name or len(name) > 100 or any(ord(c) < 32 or ord(c) == 127 for c in name):
        fail("the name must be 1 to 100 printable characters")
    expires = utc_now() + timedelta(days=expires_in_days) if expires_in_days else None
    issued = _with_store(lambda store: store.issue(name, expires))
    until = f", expires {issued.key.expires_at:%Y-%m-%d %H:%M} UTC" if expires else ""
    console.print(
        f"issued [bold]{issued.key.id}[/] ({issued.key.name}{until}). The key is below, "
        "shown this once: ai keeps only its hash. Give it to the backend as "
        "AIC_SERVICE_API_KEY, then revoke the key it replaces."
    )
    typer.echo(issued.secret)  # stdout alone, so `KEY=$(aic keys issue ...)` works


def run_keys_list(as_json: bool) -> None:
    keys = _with_store(lambda store: store.list())
    now = utc_now()
    if as_json:
        typer.echo(json.dumps([_as_dict(key, now) for key in keys], indent=2))
        return
    if not keys:
        console.print("no issued service keys (bootstrap keys come from AIC_SERVICE_API_KEYS)")
        return
    table = Table("id", "name", "key ends", "status", "created", "expires", "last used")
    for key in keys:
        table.add_row(
            key.id,
            key.name,
            key.hint,
            key.status(now),
            _short(key.created_at),
            _short(key.expires_at, "never"),
            _short(key.last_used_at, "never"),
        )
    console.print(table)


def _short(moment: datetime | None, missing: str = "-") -> str:
    return missing if moment is None else f"{moment:%Y-%m-%d %H:%M}"


def run_keys_revoke(key_id: str) -> None:
    revoked = _with_store(lambda store: store.revoke(key_id))
    if revoked is None:
        fail(f"no issued service key {key_id} (see `aic keys list`)", code=1)
    console.print(
        f"revoked {revoked.id} ({revoked.name}); running ai processes refuse it within "
        "AIC_SERVICE_KEY_CACHE_SECONDS"
    )
