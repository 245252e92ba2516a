"""``IdentityStore`` in the backend database (SQLite or PostgreSQL): the ``auth`` tables."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from aic.backend.application.identity import (
    AccountSecurity,
    Invitation,
    NewSession,
    Rotation,
    SessionToken,
)
from aic.storage import SqlDatabase, SqlTransaction, json_value

__all__ = ["SqlIdentityStore"]

_SESSION_QUERY = (
    "SELECT t.rotated_at, t.expires_at AS token_expires_at, s.session_id, s.transport, "
    "s.revoked_at, s.expires_at AS session_expires_at, a.* FROM auth_refresh_tokens t "
    "JOIN auth_sessions s ON s.session_id = t.session_id "
    "JOIN auth_accounts a ON a.account_id = s.account_id WHERE t.token_hash = :hash"
)


def _account(row: dict[str, Any]) -> AccountSecurity:
    return AccountSecurity(
        account_id=row["account_id"],
        email=row["email"],
        roles=frozenset(json_value(row["roles"])),
        active=bool(row["active"]),
        token_generation=int(row["token_generation"]),
        password_hash=row["password_hash"],
    )


def _invitation(row: dict[str, Any]) -> Invitation:
    return Invitation(
        invitation_id=row["invitation_id"],
        email=row["email"],
        roles=tuple(json_value(row["roles"])),
        invited_by=row["invited_by"],
        created_at=row["created_at"],
        expires_at=row["expires_at"],
        accepted_at=row["accepted_at"],
        revoked_at=row["revoked_at"],
        account_id=row["account_id"],
    )


def _token_state(row: dict[str, Any], now: str) -> str:
    if row["revoked_at"] is not None:
        return "revoked"
    if row["rotated_at"] is not None:
        return "rotated"
    if row["token_expires_at"] <= now or row["session_expires_at"] <= now:
        return "expired"
    return "current"


class SqlIdentityStore:
    def __init__(self, database: SqlDatabase) -> None:
        self.database = database

    # Accounts' security state

    async def account(self, account_id: str) -> AccountSecurity | None:
        row = await self.database.fetch_one(
            "SELECT * FROM auth_accounts WHERE account_id = :id", {"id": account_id}
        )
        return _account(row) if row else None

    async def account_by_email(self, email: str) -> AccountSecurity | None:
        row = await self.database.fetch_one(
            "SELECT * FROM auth_accounts WHERE email = :email", {"email": email.strip().lower()}
        )
        return _account(row) if row else None

    async def add_account(self, account: AccountSecurity, now: str) -> bool:
        async with self.database.transaction() as tx:
            added = await tx.execute(
                "INSERT INTO auth_accounts (account_id, email, password_hash, roles, active, "
                "token_generation, created_at, updated_at) VALUES (:id, :email, :hash, :roles, "
                ":active, :generation, :now, :now) ON CONFLICT DO NOTHING",
                {
                    "id": account.account_id,
                    "email": account.email.strip().lower(),
                    "hash": account.password_hash,
                    "roles": json.dumps(sorted(account.roles)),
                    "active": account.active,
                    "generation": account.token_generation,
                    "now": now,
                },
            )
        return added == 1

    async def remove_account(self, account_id: str) -> None:
        async with self.database.transaction() as tx:
            await tx.execute("DELETE FROM auth_accounts WHERE account_id = :id", {"id": account_id})

    async def update_account(
        self,
        account_id: str,
        *,
        roles: frozenset[str],
        active: bool,
        bump_generation: bool,
        now: str,
    ) -> AccountSecurity | None:
        async with self.database.transaction() as tx:
            await tx.execute(
                "UPDATE auth_accounts SET roles = :roles, active = :active, updated_at = :now, "
                "token_generation = token_generation + :bump WHERE account_id = :id",
                {
                    "id": account_id,
                    "roles": json.dumps(sorted(roles)),
                    "active": active,
                    "bump": 1 if bump_generation else 0,
                    "now": now,
                },
            )
            row = await tx.fetch_one(
                "SELECT * FROM auth_accounts WHERE account_id = :id", {"id": account_id}
            )
        return _account(row) if row else None

    async def set_password(self, account_id: str, password_hash: str, now: str) -> None:
        async with self.database.transaction() as tx:
            await tx.execute(
                "UPDATE auth_accounts SET password_hash = :hash, updated_at = :now "
                "WHERE account_id = :id",
                {"id": account_id, "hash": password_hash, "now": now},
            )

    async def bump_generation(self, account_id: str, now: str) -> None:
        async with self.database.transaction() as tx:
            await tx.execute(
                "UPDATE auth_accounts SET token_generation = token_generation + 1, "
                "updated_at = :now WHERE account_id = :id",
                {"id": account_id, "now": now},
            )

    async def _admins(self, with_password: bool) -> list[str]:
        rows = await self.database.fetch_all(
            "SELECT account_id, roles, password_hash FROM auth_accounts WHERE active = :yes "
            "ORDER BY account_id",
            {"yes": True},
        )
        return [
            r["account_id"]
            for r in rows
            if "admin" in json_value(r["roles"])
            and (r["password_hash"] is not None or not with_password)
        ]

    async def admins_with_password(self) -> list[str]:
        return await self._admins(with_password=True)

    async def active_admins(self) -> list[str]:
        return await self._admins(with_password=False)

    # Sessions

    async def start_session(self, session: NewSession) -> None:
        async with self.database.transaction() as tx:
            await tx.execute(
                "INSERT INTO auth_sessions (session_id, account_id, transport, created_at, "
                "expires_at, user_agent) VALUES (:session_id, :account_id, :transport, "
                ":created_at, :session_expires_at, :user_agent)",
                {
                    "session_id": session.session_id,
                    "account_id": session.account_id,
                    "transport": session.transport,
                    "created_at": session.created_at,
                    "session_expires_at": session.session_expires_at,
                    "user_agent": session.user_agent,
                },
            )
            await _add_token(
                tx, session.token_hash, session.session_id, session.created_at,
                session.token_expires_at,
            )  # fmt: skip

    async def session_token(self, token_hash: str, now: str) -> SessionToken | None:
        row = await self.database.fetch_one(_SESSION_QUERY, {"hash": token_hash})
        if row is None:
            return None
        return SessionToken(
            session_id=row["session_id"],
            account=_account(row),
            transport=row["transport"],
            state=_token_state(row, now),  # type: ignore[arg-type]
        )

    async def rotate(
        self, token_hash: str, new_hash: str, now: str, new_expires_at: str
    ) -> Rotation:
        async with self.database.transaction() as tx:
            row = await tx.fetch_one(_SESSION_QUERY, {"hash": token_hash})
            if row is None:
                return Rotation("unknown")
            session_id, account = row["session_id"], _account(row)
            state = _token_state(row, now)
            if state == "current":
                # Conditional: of two rotations racing, exactly one finds the token current.
                claimed = await tx.execute(
                    "UPDATE auth_refresh_tokens SET rotated_at = :now "
                    "WHERE token_hash = :hash AND rotated_at IS NULL",
                    {"hash": token_hash, "now": now},
                )
                if claimed == 1:
                    expires = min(new_expires_at, row["session_expires_at"])
                    await _add_token(tx, new_hash, session_id, now, expires)
                    return Rotation("rotated", session_id, account)
                state = "rotated"
            if state == "rotated":
                await _revoke(tx, session_id, "refresh_token_reused", now)
                return Rotation("reused", session_id, account)
            return Rotation(state, session_id, account)  # type: ignore[arg-type]

    async def revoke_session(self, session_id: str, reason: str, now: str) -> None:
        async with self.database.transaction() as tx:
            await _revoke(tx, session_id, reason, now)

    async def revoke_sessions(self, account_id: str, reason: str, now: str) -> int:
        async with self.database.transaction() as tx:
            return await tx.execute(
                "UPDATE auth_sessions SET revoked_at = :now, revoked_reason = :reason "
                "WHERE account_id = :id AND revoked_at IS NULL",
                {"id": account_id, "reason": reason, "now": now},
            )

    async def access_state(
        self, account_id: str, session_id: str | None, now: str
    ) -> tuple[AccountSecurity, bool] | None:
        row = await self.database.fetch_one(
            "SELECT a.*, (SELECT COUNT(*) FROM auth_sessions s WHERE s.session_id = :sid "
            "AND s.revoked_at IS NULL AND s.expires_at > :now) AS live_sessions "
            "FROM auth_accounts a WHERE a.account_id = :id",
            {"id": account_id, "sid": session_id or "", "now": now},
        )
        if row is None:
            return None
        return _account(row), int(row["live_sessions"]) > 0

    async def prune(self, now: str) -> int:
        async with self.database.transaction() as tx:
            # At most a thousand a pass, so one transaction stays short; their tokens go
            # with them (ON DELETE CASCADE).
            return await tx.execute(
                "DELETE FROM auth_sessions WHERE session_id IN (SELECT session_id FROM "
                "auth_sessions WHERE expires_at <= :now OR revoked_at <= :now "
                "ORDER BY session_id LIMIT 1000)",
                {"now": now},
            )

    # Invitations

    async def add_invitation(self, invitation: Invitation, token_hash: str) -> None:
        async with self.database.transaction() as tx:
            await tx.execute(
                "INSERT INTO auth_invitations (invitation_id, token_hash, email, roles, "
                "invited_by, created_at, expires_at) VALUES (:id, :hash, :email, :roles, "
                ":invited_by, :created_at, :expires_at)",
                {
                    "id": invitation.invitation_id,
                    "hash": token_hash,
                    "email": invitation.email,
                    "roles": json.dumps(list(invitation.roles)),
                    "invited_by": invitation.invited_by,
                    "created_at": invitation.created_at,
                    "expires_at": invitation.expires_at,
                },
            )

    async def invitation_by_token(self, token_hash: str) -> Invitation | None:
        row = await self.database.fetch_one(
            "SELECT * FROM auth_invitations WHERE token_hash = :hash", {"hash": token_hash}
        )
        return _invitation(row) if row else None

    async def claim_invitation(self, invitation_id: str, account_id: str, now: str) -> bool:
        async with self.database.transaction() as tx:
            claimed = await tx.execute(
                "UPDATE auth_invitations SET accepted_at = :now, account_id = :account "
                "WHERE invitation_id = :id AND accepted_at IS NULL AND revoked_at IS NULL "
                "AND expires_at > :now",
                {"id": invitation_id, "account": account_id, "now": now},
            )
        return claimed == 1

    async def release_invitation(self, invitation_id: str) -> None:
        """Undo a claim whose registration failed, so the token can be used again."""
        async with self.database.transaction() as tx:
            await tx.execute(
                "UPDATE auth_invitations SET accepted_at = NULL, account_id = NULL "
                "WHERE invitation_id = :id",
                {"id": invitation_id},
            )

    async def revoke_invitation(self, invitation_id: str, now: str) -> bool:
        async with self.database.transaction() as tx:
            revoked = await tx.execute(
                "UPDATE auth_invitations SET revoked_at = :now WHERE invitation_id = :id "
                "AND accepted_at IS NULL AND revoked_at IS NULL",
                {"id": invitation_id, "now": now},
            )
        return revoked == 1

    async def pending_invitations(self, now: str) -> Sequence[Invitation]:
        rows = await self.database.fetch_all(
            "SELECT * FROM auth_invitations WHERE accepted_at IS NULL AND revoked_at IS NULL "
            "AND expires_at > :now ORDER BY created_at, invitation_id",
            {"now": now},
        )
        return [_invitation(r) for r in rows]

    async def revoke_invitations_for(self, email: str, now: str) -> int:
        async with self.database.transaction() as tx:
            return await tx.execute(
                "UPDATE auth_invitations SET revoked_at = :now WHERE email = :email "
                "AND accepted_at IS NULL AND revoked_at IS NULL",
                {"email": email, "now": now},
            )


async def _add_token(
    tx: SqlTransaction, token_hash: str, session_id: str, issued_at: str, expires_at: str
) -> None:
    await tx.execute(
        "INSERT INTO auth_refresh_tokens (token_hash, session_id, issued_at, expires_at) "
        "VALUES (:hash, :session_id, :issued_at, :expires_at)",
        {"hash": token_hash, "session_id": session_id, "issued_at": issued_at,
         "expires_at": expires_at},
    )  # fmt: skip


async def _revoke(tx: SqlTransaction, session_id: str, reason: str, now: str) -> None:
    await tx.execute(
        "UPDATE auth_sessions SET revoked_at = :now, revoked_reason = :reason "
        "WHERE session_id = :id AND revoked_at IS NULL",
        {"id": session_id, "reason": reason, "now": now},
    )
