"""The identity port: credentials, sessions (refresh-token families) and invitations.

These are secrets and security state, not business facts: they stay out of the immutable
event log (a password hash must be erasable). Account facts (registered, roles, deactivated)
are events of the Account aggregate; ``AccountSecurity`` is the copy of those facts that
authentication needs on every request, kept in step by the application services.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal, Protocol

__all__ = [
    "AccountSecurity",
    "IdentityStore",
    "Invitation",
    "NewSession",
    "Rotation",
    "SessionToken",
    "Transport",
]

Transport = Literal["bearer", "cookie"]


@dataclass(frozen=True, slots=True)
class AccountSecurity:
    account_id: str
    email: str
    roles: frozenset[str]
    active: bool
    token_generation: int  # incremented by logout-all and role changes: older tokens die
    password_hash: str | None  # None: the account cannot sign in with a password yet


@dataclass(frozen=True, slots=True)
class NewSession:
    session_id: str
    account_id: str
    transport: Transport
    token_hash: str
    created_at: str
    token_expires_at: str
    session_expires_at: str
    user_agent: str | None = None


@dataclass(frozen=True, slots=True)
class SessionToken:
    """A presented refresh token or session cookie, with its session and account state."""

    session_id: str
    account: AccountSecurity
    transport: Transport
    state: Literal["current", "rotated", "expired", "revoked"]


@dataclass(frozen=True, slots=True)
class Rotation:
    """The outcome of presenting a refresh token for rotation."""

    outcome: Literal["rotated", "reused", "expired", "revoked", "unknown"]
    session_id: str | None = None
    account: AccountSecurity | None = None


@dataclass(frozen=True, slots=True)
class Invitation:
    invitation_id: str
    email: str
    roles: tuple[str, ...]
    invited_by: str
    created_at: str
    expires_at: str
    accepted_at: str | None = None
    revoked_at: str | None = None
    account_id: str | None = None


class IdentityStore(Protocol):
    # Accounts' security state
    async def account(self, account_id: str) -> AccountSecurity | None: ...

    async def account_by_email(self, email: str) -> AccountSecurity | None: ...

    async def add_account(self, account: AccountSecurity, now: str) -> bool:
        """Insert; ``False`` when the id or the e-mail is taken (nothing written)."""
        ...

    async def update_account(
        self,
        account_id: str,
        *,
        roles: frozenset[str],
        active: bool,
        bump_generation: bool,
        now: str,
    ) -> AccountSecurity | None: ...

    async def remove_account(self, account_id: str) -> None: ...

    async def set_password(self, account_id: str, password_hash: str, now: str) -> None: ...

    async def bump_generation(self, account_id: str, now: str) -> None: ...

    async def admins_with_password(self) -> list[str]: ...

    async def active_admins(self) -> list[str]: ...

    # Sessions
    async def start_session(self, session: NewSession) -> None: ...

    async def session_token(self, token_hash: str, now: str) -> SessionToken | None: ...

    async def rotate(
        self, token_hash: str, new_hash: str, now: str, new_expires_at: str
    ) -> Rotation:
        """Replace a current token by a new one; a rotated one revokes its whole session."""
        ...

    async def revoke_session(self, session_id: str, reason: str, now: str) -> None: ...

    async def revoke_sessions(self, account_id: str, reason: str, now: str) -> int: ...

    async def access_state(
        self, account_id: str, session_id: str | None, now: str
    ) -> tuple[AccountSecurity, bool] | None:
        """The account's state, and whether the session is live (one query per request)."""
        ...

    async def prune(self, now: str) -> int:
        """Forget sessions that ended (expired or revoked) before ``now``; how many."""
        ...

    # Invitations
    async def add_invitation(self, invitation: Invitation, token_hash: str) -> None: ...

    async def invitation_by_token(self, token_hash: str) -> Invitation | None: ...

    async def claim_invitation(self, invitation_id: str, account_id: str, now: str) -> bool:
        """Mark accepted by ``account_id``; ``False`` if it was accepted or revoked before."""
        ...

    async def release_invitation(self, invitation_id: str) -> None: ...

    async def revoke_invitation(self, invitation_id: str, now: str) -> bool: ...

    async def pending_invitations(self, now: str) -> Sequence[Invitation]: ...

    async def revoke_invitations_for(self, email: str, now: str) -> int: ...
