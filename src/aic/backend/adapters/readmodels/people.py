"""Accounts and in-app notifications read models."""

from __future__ import annotations

import json
from typing import Any

from aic.backend.adapters.readmodels.framework import Projection
from aic.backend.application.ports import StoredEvent
from aic.backend.application.queries import (
    AccountView,
    ListNotifications,
    NotificationView,
    Page,
)
from aic.backend.domain import accounts as acc
from aic.backend.domain import notifications as note
from aic.backend.domain.messages import DomainEvent
from aic.storage import SqlDatabase, SqlTransaction
from aic.storage.database import json_value

__all__ = [
    "AccountProjection",
    "NotificationProjection",
    "SqlAccountReadModel",
    "SqlNotificationReadModel",
]


class AccountProjection(Projection):
    name = "accounts"
    stream_prefixes = ("account-",)
    tables = ("accounts",)

    async def apply(self, tx: SqlTransaction, stored: StoredEvent, event: DomainEvent) -> None:
        account_id = stored.stream_id.removeprefix("account-")
        at = getattr(event, "occurred_at", stored.recorded_at.isoformat())
        base = {"account_id": account_id, "at": at, "version": stored.version}
        match event:
            case acc.AccountRegistered():
                await tx.execute(
                    "INSERT INTO accounts (account_id, email, display_name, roles, active, "
                    "registered_at, updated_at, version) VALUES (:account_id, :email, "
                    ":display_name, :roles, :active, :at, :at, :version)",
                    {
                        **base,
                        "email": event.email,
                        "display_name": event.display_name,
                        "roles": json.dumps(sorted(event.roles)),
                        "active": True,
                    },
                )
                return
            case acc.AccountRoleGranted() | acc.AccountRoleRevoked():
                row = await tx.fetch_one(
                    "SELECT roles FROM accounts WHERE account_id = :account_id", base
                )
                roles = set(json_value(row["roles"]) if row else [])
                if isinstance(event, acc.AccountRoleGranted):
                    roles.add(event.role)
                else:
                    roles.discard(event.role)
                changes: dict[str, Any] = {"roles": json.dumps(sorted(roles))}
            case acc.AccountDeactivated():
                changes = {"active": False}
            case acc.AccountReactivated():
                changes = {"active": True}
            case _:
                changes = {}
        sets = "".join(f"{column} = :{column}, " for column in changes)
        await tx.execute(
            f"UPDATE accounts SET {sets}updated_at = :at, version = :version "  # noqa: S608
            "WHERE account_id = :account_id",
            {**base, **changes},
        )


def _account(row: dict[str, Any]) -> AccountView:
    return AccountView(
        account_id=row["account_id"],
        email=row["email"],
        display_name=row["display_name"],
        roles=list(json_value(row["roles"])),
        active=bool(row["active"]),
        registered_at=row["registered_at"],
        updated_at=row["updated_at"],
    )


class SqlAccountReadModel:
    def __init__(self, database: SqlDatabase) -> None:
        self.database = database

    async def list_accounts(self, limit: int = 100, offset: int = 0) -> Page[AccountView]:
        rows = await self.database.fetch_all(
            "SELECT * FROM accounts ORDER BY registered_at, account_id LIMIT :limit OFFSET :offset",
            {"limit": limit, "offset": offset},
        )
        total = await self.database.fetch_one("SELECT COUNT(*) AS n FROM accounts")
        return Page([_account(r) for r in rows], int(total["n"]) if total else 0, limit, offset)

    async def get_account(self, account_id: str) -> AccountView | None:
        row = await self.database.fetch_one(
            "SELECT * FROM accounts WHERE account_id = :id", {"id": account_id}
        )
        return _account(row) if row else None

    async def find_by_email(self, email: str) -> AccountView | None:
        row = await self.database.fetch_one(
            "SELECT * FROM accounts WHERE email = :email", {"email": email.lower()}
        )
        return _account(row) if row else None


class NotificationProjection(Projection):
    name = "notifications"
    stream_prefixes = ("notification-",)
    tables = ("notifications",)

    async def apply(self, tx: SqlTransaction, stored: StoredEvent, event: DomainEvent) -> None:
        match event:
            case note.NotificationSent():
                await tx.execute(
                    "INSERT INTO notifications (notification_id, recipient, kind, title, body, "
                    "link, subject_id, created_at, position) VALUES (:notification_id, "
                    ":recipient, :kind, :title, :body, :link, :subject_id, :occurred_at, "
                    ":position)",
                    {**event.to_data(), "position": stored.position},
                )
            case note.NotificationRead():
                row = await tx.fetch_one(
                    "SELECT read_by FROM notifications WHERE notification_id = :id",
                    {"id": event.notification_id},
                )
                readers = set(json_value(row["read_by"]) if row else [])
                readers.add(event.reader)
                await tx.execute(
                    "UPDATE notifications SET read_by = :read_by WHERE notification_id = :id",
                    {"id": event.notification_id, "read_by": json.dumps(sorted(readers))},
                )


class SqlNotificationReadModel:
    def __init__(self, database: SqlDatabase) -> None:
        self.database = database

    async def list_notifications(self, query: ListNotifications) -> Page[NotificationView]:
        recipients = [query.account_id, *(f"role:{r}" for r in query.roles)]
        names = {f"r{i}": value for i, value in enumerate(recipients)}
        where = f"recipient IN ({', '.join(':' + n for n in names)})"
        rows = await self.database.fetch_all(
            f"SELECT * FROM notifications WHERE {where} "  # noqa: S608 - generated names
            "ORDER BY created_at DESC, notification_id",
            names,
        )
        views = [
            NotificationView(
                notification_id=r["notification_id"],
                recipient=r["recipient"],
                kind=r["kind"],
                title=r["title"],
                body=r["body"],
                link=r["link"],
                subject_id=r["subject_id"],
                created_at=r["created_at"],
                read=query.account_id in set(json_value(r["read_by"])),
            )
            for r in rows
        ]
        if query.unread_only:
            views = [v for v in views if not v.read]
        page = views[query.offset : query.offset + query.limit]
        return Page(page, len(views), query.limit, query.offset)
