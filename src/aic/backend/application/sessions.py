"""Signing in and staying signed in: login, refresh-token rotation, logout, token checks."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from aic.backend.application.identity import (
    AccountSecurity,
    IdentityStore,
    NewSession,
    SessionToken,
    Transport,
)
from aic.backend.application.repository import AggregateRepository
from aic.backend.domain.accounts import Account
from aic.backend.domain.errors import DomainError
from aic.security.passwords import PasswordHashing, password_problems
from aic.security.tokens import AccessClaims, AccessTokens, InvalidToken, new_opaque_token
from aic.security.tokens import token_digest as digest

__all__ = [
    "REFRESH_TOKEN_PREFIX",
    "AuthFailure",
    "IssuedTokens",
    "SessionPolicy",
    "Sessions",
    "iso",
    "mirror_account",
    "utc_clock",
    "weak_password",
]

REFRESH_TOKEN_PREFIX = "aic_rt_"  # noqa: S105 - a prefix, not a secret


class AuthFailure(DomainError):
    """Authentication refused (401 unless told otherwise), with a machine-readable code."""

    def __init__(
        self, code: str, message: str, status_code: int = 401, details: Any = None
    ) -> None:
        super().__init__(code, message, details)
        self.status_code = status_code


@dataclass(frozen=True, slots=True)
class SessionPolicy:
    refresh_ttl: timedelta  # one refresh token or session cookie, from its issue
    session_max_age: timedelta  # a whole session, however often it is refreshed


@dataclass(frozen=True, slots=True)
class IssuedTokens:
    access_token: str
    access_expires_at: int  # seconds since the epoch
    refresh_token: str
    refresh_expires_at: str
    session_id: str
    account: AccountSecurity


def iso(moment: datetime) -> str:
    """UTC ISO text at microseconds: stored times compare as strings in both databases."""
    return moment.astimezone(UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")


def utc_clock() -> datetime:
    return datetime.now(UTC)


async def mirror_account(
    store: IdentityStore,
    repository: AggregateRepository,
    account_id: str,
    now: str,
    *,
    end_tokens: bool = False,
) -> AccountSecurity | None:
    """Copy the Account aggregate's roles and status (the truth) into its security state.

    ``end_tokens`` also ends every access token issued before (roles were taken away or the
    account was deactivated): clients then refresh and get tokens with the current roles.
    """
    account = (await repository.load(Account, account_id)).aggregate
    active = account.exists and account.active
    return await store.update_account(
        account_id, roles=account.roles, active=active, bump_generation=end_tokens, now=now
    )


class Sessions:
    def __init__(
        self,
        store: IdentityStore,
        repository: AggregateRepository,
        tokens: AccessTokens,
        hashing: PasswordHashing,
        policy: SessionPolicy,
        clock: Callable[[], datetime] = utc_clock,
    ) -> None:
        self.store = store
        self.repository = repository
        self.tokens = tokens
        self.hashing = hashing
        self.policy = policy
        self.clock = clock

    async def login(
        self, email: str, password: str, transport: Transport, user_agent: str | None = None
    ) -> IssuedTokens:
        found = await self.store.account_by_email(email)
        check = await self.hashing.check_async(found.password_hash if found else None, password)
        if found is None or not check.matches:
            raise AuthFailure("invalid_credentials", "The e-mail or the password is wrong.")
        now = self.clock()
        if check.new_hash:
            await self.store.set_password(found.account_id, check.new_hash, iso(now))
        account = await self._current(found, now)
        session_id = uuid.uuid4().hex
        refresh = new_opaque_token(REFRESH_TOKEN_PREFIX)
        ends = iso(now + self.policy.session_max_age)
        refresh_expires = min(iso(now + self.policy.refresh_ttl), ends)
        await self.store.start_session(
            NewSession(
                session_id=session_id,
                account_id=account.account_id,
                transport=transport,
                token_hash=digest(refresh),
                created_at=iso(now),
                token_expires_at=refresh_expires,
                session_expires_at=ends,
                user_agent=(user_agent or "")[:300] or None,
            )
        )
        return self._issue(account, session_id, refresh, refresh_expires)

    async def refresh(self, refresh_token: str) -> IssuedTokens:
        now = self.clock()
        new = new_opaque_token(REFRESH_TOKEN_PREFIX)
        expires = iso(now + self.policy.refresh_ttl)
        rotation = await self.store.rotate(digest(refresh_token), digest(new), iso(now), expires)
        if rotation.outcome == "reused":
            raise AuthFailure(
                "refresh_token_reused",
                "This refresh token was already used: the session is ended for safety. "
                "Sign in again.",
            )
        if rotation.outcome != "rotated" or rotation.account is None or not rotation.session_id:
            raise AuthFailure(
                "invalid_refresh_token",
                "The refresh token is unknown, expired or revoked. Sign in again.",
            )
        try:
            account = await self._current(rotation.account, now)
        except AuthFailure:
            await self.store.revoke_session(rotation.session_id, "account_deactivated", iso(now))
            raise
        return self._issue(account, rotation.session_id, new, expires)

    async def logout(self, session_id: str) -> None:
        await self.store.revoke_session(session_id, "logout", iso(self.clock()))

    async def logout_token(self, refresh_token: str) -> None:
        """End the session a refresh token (current or not) belongs to."""
        found = await self.store.session_token(digest(refresh_token), iso(self.clock()))
        if found is not None:
            await self.logout(found.session_id)

    async def logout_all(self, account_id: str) -> int:
        """End every session of the account and every access token issued to it."""
        now = iso(self.clock())
        ended = await self.store.revoke_sessions(account_id, "logout_all", now)
        await self.store.bump_generation(account_id, now)
        return ended

    async def change_password(self, account_id: str, current: str, new: str) -> None:
        """Replace the password once ``current`` matches (else 403 ``invalid_credentials``);
        ``new`` must pass ``password_problems`` (length, variety, spaces, not the e-mail),
        else 422 ``weak_password``. Sessions are left to the caller to end."""
        found = await self.store.account(account_id)
        if (
            found is None
            or not (await self.hashing.check_async(found.password_hash, current)).matches
        ):
            raise AuthFailure("invalid_credentials", "The current password is wrong.", 403)
        problems = password_problems(new, found.email)
        if problems:
            raise weak_password(problems)
        now = iso(self.clock())
        await self.store.set_password(account_id, await self.hashing.hash_async(new), now)

    async def verify_access(self, token: str) -> tuple[AccessClaims, AccountSecurity]:
        """A bearer access token: signature, claims, and the account and session still live."""
        try:
            claims = self.tokens.verify(token)
        except InvalidToken as exc:
            raise AuthFailure(exc.code, exc.message) from None
        state = await self.store.access_state(claims.subject, claims.session_id, iso(self.clock()))
        if state is None or not state[0].active:
            raise AuthFailure("account_inactive", "The account is deactivated or unknown.")
        account, session_live = state
        if claims.generation != account.token_generation or not session_live:
            raise AuthFailure(
                "token_revoked", "The access token was revoked (signed out, or roles changed)."
            )
        return claims, account

    async def prune(self) -> int:
        """Forget sessions that ended over a day ago (their rotated tokens detect reuse
        until then); the number forgotten."""
        return await self.store.prune(iso(self.clock() - timedelta(days=1)))

    async def session_for_cookie(self, token: str) -> SessionToken | None:
        """The live session a session cookie stands for, or ``None``."""
        found = await self.store.session_token(digest(token), iso(self.clock()))
        if found is None or found.state != "current" or not found.account.active:
            return None
        return found

    async def _current(self, found: AccountSecurity, now: datetime) -> AccountSecurity:
        """The account as its events say now; refuses a deactivated one."""
        account = await mirror_account(self.store, self.repository, found.account_id, iso(now))
        if account is None or not account.active:
            raise AuthFailure("account_deactivated", "This account is deactivated.")
        return account

    def _issue(
        self, account: AccountSecurity, session_id: str, refresh: str, refresh_expires: str
    ) -> IssuedTokens:
        access, claims = self.tokens.issue(
            account.account_id,
            account.roles,
            generation=account.token_generation,
            session_id=session_id,
        )
        return IssuedTokens(
            access_token=access,
            access_expires_at=claims.expires_at,
            refresh_token=refresh,
            refresh_expires_at=refresh_expires,
            session_id=session_id,
            account=account,
        )


def weak_password(problems: list[str]) -> DomainError:
    return AuthFailure(
        "weak_password",
        "The password does not meet the policy: " + "; ".join(problems) + ".",
        422,
        [{"field": "body.password", "message": p, "type": "weak_password"} for p in problems],
    )
