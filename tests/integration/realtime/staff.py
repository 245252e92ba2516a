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

__all__ = ["JWT_SECRET", "STAFF_ROLES", "Staff", "create_staff", "send_notification"]

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


def create_staff(settings: BackendSettings) -> Staff:
    async def run() -> Staff:
        context = CommandContext(EventMetadata(actor="system:tests"))
        tokens, ids = {}, {}
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
        return Staff(tokens, ids)

    return asyncio.run(run())


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
