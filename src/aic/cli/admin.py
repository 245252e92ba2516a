"""``aic admin``: the first administrator and password resets; ``aic access``: the role table.

Passwords are read with hidden input (asked twice) or from one line of standard input
(``--password-stdin``, for scripts); they are never echoed, logged or put in an event.
"""

from __future__ import annotations

import asyncio
import sys

import typer
from pydantic import ValidationError

from aic.backend.application.bus import CommandContext
from aic.backend.application.ports import EventMetadata
from aic.backend.bootstrap import bootstrap
from aic.backend.domain.errors import DomainError
from aic.backend.settings import BackendSettings
from aic.cli.output import console, fail, settings_error
from aic.observability.logging import configure_logging
from aic.security.rbac import access_markdown
from aic.storage import json_value, open_database

__all__ = ["admin_hint", "run_access", "run_admin_create", "run_admin_set_password"]

_CLI_ACTOR = "system:cli"


def _settings() -> BackendSettings:
    try:
        settings = BackendSettings()
    except ValidationError as exc:
        settings_error(exc)
    configure_logging("cli", "warning", settings.log_format)
    return settings


def _password(from_stdin: bool) -> str:
    if from_stdin:
        line = sys.stdin.readline()
        password = line[:-1] if line.endswith("\n") else line
        if not password:
            fail("no password on standard input (one line is read).")
        return password
    typed: str = typer.prompt(
        "Password (at least 12 characters)", hide_input=True, confirmation_prompt=True
    )
    return typed


def _refused(exc: DomainError) -> None:
    details: list[object] = exc.details if isinstance(exc.details, list) else []
    problems = [d["message"] for d in details if isinstance(d, dict) and "message" in d]
    fail(f"{exc.message}" + "".join(f"\n  - {p}" for p in problems if p not in exc.message))


def run_admin_create(email: str | None, name: str | None, from_stdin: bool, force: bool) -> None:
    settings = _settings()
    email = email or typer.prompt("E-mail")
    name = name or typer.prompt("Name")
    password = _password(from_stdin)
    context = CommandContext(EventMetadata(actor=_CLI_ACTOR))

    async def run() -> str:
        async with bootstrap(settings, run_loops=False) as container:
            staff = container.identity.staff
            admins = await staff.admins_with_password()
            if admins and not force:
                fail(
                    f"{len(admins)} administrator(s) can sign in already: invite colleagues "
                    "from the admin portal, reset a password with `aic admin set-password`, "
                    "or pass --force to add another administrator here."
                )
            try:
                account = await staff.create_admin(email, name, password, context)
            except DomainError as exc:
                _refused(exc)
            return account.account_id

    account_id = asyncio.run(run())
    console.print(
        f"administrator {email.strip().lower()} created (account {account_id}); sign in at "
        "the admin portal."
    )


def run_admin_set_password(email: str, from_stdin: bool) -> None:
    settings = _settings()
    password = _password(from_stdin)

    async def run() -> None:
        async with bootstrap(settings, run_loops=False) as container:
            try:
                await container.identity.staff.set_password(email, password)
            except DomainError as exc:
                _refused(exc)

    asyncio.run(run())
    console.print(f"password of {email.strip().lower()} set; its other sessions have ended.")


def run_access() -> None:
    typer.echo(access_markdown(), nl=False)


async def _admins_can_sign_in(settings: BackendSettings) -> bool:
    database = await open_database(settings.resolved_database_url, min_size=1, max_size=1)
    try:
        found = await database.fetch_all(
            "SELECT roles FROM auth_accounts WHERE active = :yes AND password_hash IS NOT NULL",
            {"yes": True},
        )
    finally:
        await database.close()
    return any("admin" in json_value(row["roles"]) for row in found)


def admin_hint(settings: BackendSettings) -> None:
    """``aic up``: say how to make the first administrator while none can sign in."""
    try:
        ready = asyncio.run(_admins_can_sign_in(settings))
    except Exception:  # a hint only: the backend reports real database trouble itself
        return
    if not ready:
        console.print(
            "[yellow]no administrator can sign in yet:[/] create one with "
            "`aic admin create` (demo accounts have no password; `aic admin set-password "
            "EMAIL` gives one a password)."
        )
