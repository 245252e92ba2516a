"""Staff accounts: the first administrator, invitations, roles, deactivation, passwords."""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol

from aic.backend.application.bus import CommandBus, CommandContext
from aic.backend.application.identity import AccountSecurity, IdentityStore, Invitation
from aic.backend.application.repository import AggregateRepository
from aic.backend.application.sessions import AuthFailure, iso, mirror_account, weak_password
from aic.backend.domain import accounts as acc
from aic.backend.domain import values
from aic.backend.domain.errors import InvalidValue, InvariantViolated, NotFound
from aic.security.passwords import PasswordHashing, password_problems
from aic.security.tokens import new_opaque_token, token_digest

__all__ = ["ASSIGNABLE_ROLES", "AccountDirectory", "IssuedInvitation", "StaffAccounts"]

# `service` is the identity of the platform's own processes (the service key), not a person's.
ASSIGNABLE_ROLES = tuple(role for role in acc.ROLES if role != "service")
INVITATION_PREFIX = "aic_inv_"


class AccountDirectory(Protocol):
    """The accounts read model, for e-mails of accounts that have no credentials yet."""

    async def find_by_email(self, email: str) -> Any | None: ...


@dataclass(frozen=True, slots=True)
class IssuedInvitation:
    invitation: Invitation
    token: str  # shown once, to the administrator who hands it over


def _roles(roles: Sequence[str]) -> tuple[str, ...]:
    chosen = {values.choice(role, "role", ASSIGNABLE_ROLES) for role in roles}
    if not chosen:
        raise InvalidValue("roles_required", "Give the account at least one role.")
    return tuple(role for role in ASSIGNABLE_ROLES if role in chosen)


class StaffAccounts:
    def __init__(
        self,
        store: IdentityStore,
        repository: AggregateRepository,
        commands: CommandBus,
        directory: AccountDirectory,
        hashing: PasswordHashing,
        invitation_ttl: timedelta,
        clock: Callable[[], datetime],
    ) -> None:
        self.store = store
        self.repository = repository
        self.commands = commands
        self.directory = directory
        self.hashing = hashing
        self.invitation_ttl = invitation_ttl
        self.clock = clock

    async def invite(self, email: str, roles: Sequence[str], invited_by: str) -> IssuedInvitation:
        address, chosen = values.email(email), _roles(roles)
        await self._require_free(address)
        now = self.clock()
        # One live invitation per address: a new one replaces those not yet accepted.
        await self.store.revoke_invitations_for(address, iso(now))
        token = new_opaque_token(INVITATION_PREFIX)
        invitation = Invitation(
            invitation_id=uuid.uuid4().hex,
            email=address,
            roles=chosen,
            invited_by=invited_by,
            created_at=iso(now),
            expires_at=iso(now + self.invitation_ttl),
        )
        await self.store.add_invitation(invitation, token_digest(token))
        return IssuedInvitation(invitation, token)

    async def invitations(self) -> Sequence[Invitation]:
        return await self.store.pending_invitations(iso(self.clock()))

    async def revoke_invitation(self, invitation_id: str) -> None:
        if not await self.store.revoke_invitation(invitation_id, iso(self.clock())):
            raise NotFound("invitation_not_found", f"No pending invitation {invitation_id}.")

    async def accept(
        self, token: str, display_name: str, password: str, context: CommandContext
    ) -> AccountSecurity:
        invitation = await self.store.invitation_by_token(token_digest(token))
        now = iso(self.clock())
        if invitation is None:
            raise NotFound("invitation_not_found", "No invitation has this token.")
        if invitation.accepted_at or invitation.revoked_at or invitation.expires_at <= now:
            state = (
                "used"
                if invitation.accepted_at
                else "revoked"
                if invitation.revoked_at
                else "expired"
            )
            raise AuthFailure(
                f"invitation_{state}",
                f"This invitation is {state}; ask an administrator for a new one.",
                410,
            )
        problems = password_problems(password, invitation.email)
        if problems:
            raise weak_password(problems)
        account_id = uuid.uuid4().hex
        # The new colleague registers themselves: their events name them as the actor.
        context = CommandContext(dataclasses.replace(context.metadata, actor=account_id))
        if not await self.store.claim_invitation(invitation.invitation_id, account_id, now):
            raise AuthFailure("invitation_used", "This invitation was just used.", 410)
        try:
            return await self._register(
                account_id, invitation.email, display_name, invitation.roles, password, context
            )
        except BaseException:
            await self.store.release_invitation(invitation.invitation_id)
            raise

    async def create_admin(
        self, email: str, display_name: str, password: str, context: CommandContext
    ) -> AccountSecurity:
        """The first administrator (``aic admin create``)."""
        address = values.email(email)
        problems = password_problems(password, address)
        if problems:
            raise weak_password(problems)
        await self._require_free(address)
        return await self._register(
            uuid.uuid4().hex, address, display_name, ("admin",), password, context
        )

    async def set_password(self, email: str, password: str) -> AccountSecurity:
        """Give an existing account a (new) password, e.g. a demo account (``aic admin``)."""
        address = values.email(email)
        problems = password_problems(password, address)
        if problems:
            raise weak_password(problems)
        now = iso(self.clock())
        found = await self.store.account_by_email(address)
        if found is None:
            view = await self.directory.find_by_email(address)
            if view is None:
                raise NotFound("account_not_found", f"No account has the e-mail {address}.")
            await self.store.add_account(
                AccountSecurity(view.account_id, address, frozenset(), False, 0, None), now
            )
            found = await mirror_account(self.store, self.repository, view.account_id, now)
            assert found is not None
        await self.store.set_password(
            found.account_id, await self.hashing.hash_async(password), now
        )
        # A password set by an operator ends the sessions opened with the old one.
        await self.store.revoke_sessions(found.account_id, "password_set", now)
        return found

    async def admins_with_password(self) -> list[str]:
        return await self.store.admins_with_password()

    async def grant(self, account_id: str, role: str, context: CommandContext) -> AccountSecurity:
        role = values.choice(role, "role", ASSIGNABLE_ROLES)
        await self.commands.dispatch(acc.GrantRole(account_id=account_id, role=role), context)
        return await self._mirror(account_id)

    async def revoke(self, account_id: str, role: str, context: CommandContext) -> AccountSecurity:
        role = values.choice(role, "role", acc.ROLES)
        if role == "admin":
            await self._keep_an_admin(account_id)
        await self.commands.dispatch(acc.RevokeRole(account_id=account_id, role=role), context)
        return await self._mirror(account_id, end_tokens=True)

    async def deactivate(
        self, account_id: str, reason: str | None, context: CommandContext
    ) -> AccountSecurity:
        await self._keep_an_admin(account_id)
        command = acc.DeactivateAccount(account_id=account_id, reason=reason)
        await self.commands.dispatch(command, context)
        account = await self._mirror(account_id, end_tokens=True)
        await self.store.revoke_sessions(account_id, "account_deactivated", iso(self.clock()))
        return account

    async def reactivate(self, account_id: str, context: CommandContext) -> AccountSecurity:
        await self.commands.dispatch(acc.ReactivateAccount(account_id=account_id), context)
        return await self._mirror(account_id)

    async def _mirror(self, account_id: str, *, end_tokens: bool = False) -> AccountSecurity:
        now = iso(self.clock())
        found = await mirror_account(
            self.store, self.repository, account_id, now, end_tokens=end_tokens
        )
        if found is not None:
            return found
        # No credentials yet (a demo account): report the account as its events say.
        account = (await self.repository.load(acc.Account, account_id)).aggregate
        return AccountSecurity(account_id, account.email, account.roles, account.active, 0, None)

    async def _keep_an_admin(self, account_id: str) -> None:
        if await self.store.admins_with_password() == [account_id]:
            raise InvariantViolated(
                "last_admin",
                "This is the only administrator who can sign in; make another one first.",
            )

    async def _require_free(self, address: str) -> None:
        found = await self.store.account_by_email(address)
        if found is not None and not found.active and found.password_hash is not None:
            # Left by a registration that never completed (the process stopped midway).
            registered = (await self.repository.load(acc.Account, found.account_id)).aggregate
            if not registered.exists:
                await self.store.remove_account(found.account_id)
                found = None
        if found is not None or await self.directory.find_by_email(address) is not None:
            raise InvariantViolated(
                "email_taken", f"An account with the e-mail {address} exists.", {"email": address}
            )

    async def _register(
        self,
        account_id: str,
        email: str,
        display_name: str,
        roles: Sequence[str],
        password: str,
        context: CommandContext,
    ) -> AccountSecurity:
        now = iso(self.clock())
        hashed = await self.hashing.hash_async(password)
        security = AccountSecurity(account_id, email, frozenset(roles), False, 0, hashed)
        # The e-mail is reserved first (unique in the table), then the fact is recorded.
        if not await self.store.add_account(security, now):
            raise InvariantViolated(
                "email_taken", f"An account with the e-mail {email} exists.", {"email": email}
            )
        command = acc.RegisterAccount(
            account_id=account_id, email=email, display_name=display_name, roles=list(roles)
        )
        try:
            await self.commands.dispatch(command, context)
        except BaseException:
            await self.store.remove_account(account_id)
            raise
        return await self._mirror(account_id)
