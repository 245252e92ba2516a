"""Signed-in staff for realtime tests: accounts with roles and their access tokens, made
through the identity services before the backend under test starts."""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass

from aic.backend.application.bus import CommandContext
from aic.backend.application.ports import EventMetadata
from aic.backend.bootstrap import bootstrap
from aic.backend.domain.notifications import SendNotification
from aic.backend.settings import BackendSettings
from aic.security.tokens import AccessTokens

__all__ = [
    "JWT_SECRET",
    "STAFF_ROLES",
    "Staff",
    "create_staff",
    "send_notification",
    "short_lived_token",
]

JWT_SECRET = "realtime-tests-" + "s3cret-" * 6
PASSWORD = "Tr0ub4dor&3-realtime"
STAFF_ROLES = {
    "admin": ("admin",),
    "sales": ("sales",),
    "analyst": ("analyst",),
    "editor": ("editor",),
    "viewer": ("viewer",),
    "other_viewer": ("viewer",),
}


@dataclass(frozen=True)
class Staff:
    tokens: dict[str, str]  # name (a key of STAFF_ROLES) → access token
    account_ids: dict[str, str]
    generations: dict[str, int]  # the accounts' token generations (see AccessTokens)
    sessions: dict[str, str]  # the session each token was issued in


def create_staff(settings: BackendSettings) -> Staff:
    async def run() -> Staff:
        context = CommandContext(EventMetadata(actor="system:tests"))
        tokens, ids, generations, session_ids = {}, {}, {}, {}
        async with bootstrap(settings, run_loops=False) as container:
            staff, sessions = container.identity.staff, container.identity.sessions
            admin = await staff.create_admin("admin@realtime.example", "Ada", PASSWORD, context)
            for name, roles in STAFF_ROLES.items():
                email = f"{name.replace('_', '.')}@realtime.example"
                if name != "admin":
                    issued = await staff.invite(email, roles, invited_by=admin.account_id)
                    await staff.accept(issued.token, name.title(), PASSWORD, context)
                login = await sessions.login(email, PASSWORD, "bearer")
                tokens[name], ids[name] = login.access_token, login.account.account_id
                generations[name] = login.account.token_generation
                session_ids[name] = login.session_id
        return Staff(tokens, ids, generations, session_ids)

    return asyncio.run(run())


def short_lived_token(settings: BackendSettings, staff: Staff, name: str, seconds: int) -> str:
    """An access token of ``name`` that expires in ``seconds`` (the backend's shortest TTL
    setting is 30 s: signed here with the same secret instead)."""
    tokens = AccessTokens(
        JWT_SECRET,
        issuer=settings.jwt_issuer,
        audience=settings.jwt_audience,
        ttl_seconds=seconds,
    )
    token, _ = tokens.issue(
        staff.account_ids[name],
        STAFF_ROLES[name],
        generation=staff.generations[name],
        session_id=staff.sessions[name],
    )
    return token


def send_notification(settings: BackendSettings, recipient: str, title: str) -> None:
    """A notification stored as the sagas store theirs (the backend under test relays it)."""

    async def run() -> None:
        async with bootstrap(settings, run_loops=False) as container:
            command = SendNotification(
                notification_id=uuid.uuid4().hex,
                recipient=recipient,
                kind="test",
                title=title,
            )
            await container.commands.dispatch(
                command, CommandContext(EventMetadata(actor="system:tests"))
            )

    asyncio.run(run())
