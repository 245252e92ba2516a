"""The Account aggregate: a person or service that signs in, with roles; its commands and events."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Self

from aic.backend.domain import values
from aic.backend.domain.aggregate import Aggregate
from aic.backend.domain.errors import InvalidValue, InvariantViolated, NotFound
from aic.backend.domain.messages import Command, DomainEvent

__all__ = [
    "ROLES",
    "Account",
    "AccountCommand",
    "AccountDeactivated",
    "AccountReactivated",
    "AccountRegistered",
    "AccountRoleGranted",
    "AccountRoleRevoked",
    "DeactivateAccount",
    "GrantRole",
    "ReactivateAccount",
    "RegisterAccount",
    "RevokeRole",
    "handle",
]

ROLES = ("admin", "editor", "sales", "analyst", "viewer", "service")


@dataclass(frozen=True, kw_only=True)
class AccountCommand(Command):
    account_id: str

    @property
    def aggregate_id(self) -> str:
        return self.account_id


@dataclass(frozen=True, kw_only=True)
class RegisterAccount(AccountCommand):
    email: str
    display_name: str
    roles: Sequence[str] = ()


@dataclass(frozen=True, kw_only=True)
class GrantRole(AccountCommand):
    role: str


@dataclass(frozen=True, kw_only=True)
class RevokeRole(AccountCommand):
    role: str


@dataclass(frozen=True, kw_only=True)
class DeactivateAccount(AccountCommand):
    reason: str | None = None


@dataclass(frozen=True, kw_only=True)
class ReactivateAccount(AccountCommand):
    pass


@dataclass(frozen=True, kw_only=True)
class AccountRegistered(DomainEvent):
    account_id: str
    email: str
    display_name: str
    roles: list[str]
    occurred_at: str


@dataclass(frozen=True, kw_only=True)
class AccountRoleGranted(DomainEvent):
    account_id: str
    role: str
    occurred_at: str


@dataclass(frozen=True, kw_only=True)
class AccountRoleRevoked(DomainEvent):
    account_id: str
    role: str
    occurred_at: str


@dataclass(frozen=True, kw_only=True)
class AccountDeactivated(DomainEvent):
    account_id: str
    reason: str | None
    occurred_at: str


@dataclass(frozen=True, kw_only=True)
class AccountReactivated(DomainEvent):
    account_id: str
    occurred_at: str


class Account(Aggregate):
    """An account; each domain method is named after its command and takes it plus ``now``.

    Rules: roles are one of ROLES (``invalid_role`` otherwise); granting a held role or
    revoking one not held records nothing; a deactivated account accepts nothing but
    ``ReactivateAccount`` (``account_deactivated``). Rules that span accounts (a unique
    e-mail, "the last admin keeps the admin role") need a read model and belong to the
    application layer, not to this aggregate.
    """

    stream_prefix = "account"

    def __init__(self, aggregate_id: str) -> None:
        super().__init__(aggregate_id)
        self.email = ""
        self.display_name = ""
        self.roles: frozenset[str] = frozenset()
        self.active = False

    @property
    def exists(self) -> bool:
        return self.version > 0

    @classmethod
    def register(cls, command: RegisterAccount, now: str) -> Self:
        account = cls(values.identifier(command.account_id, "account_id"))
        if not isinstance(command.roles, list | tuple):
            raise InvalidValue("invalid_roles", "roles must be a list", {"roles": command.roles})
        roles = {values.choice(role, "role", ROLES) for role in command.roles}
        account._record(
            AccountRegistered(
                account_id=account.id,
                email=values.email(command.email),
                display_name=values.text(command.display_name, "display_name", max_length=200),
                roles=[role for role in ROLES if role in roles],  # one canonical order
                occurred_at=values.timestamp(now),
            )
        )
        return account

    def grant_role(self, command: GrantRole, now: str) -> None:
        at, role = values.timestamp(now), values.choice(command.role, "role", ROLES)
        self._require_active()
        if role not in self.roles:
            self._record(AccountRoleGranted(account_id=self.id, role=role, occurred_at=at))

    def revoke_role(self, command: RevokeRole, now: str) -> None:
        at, role = values.timestamp(now), values.choice(command.role, "role", ROLES)
        self._require_active()
        if role in self.roles:
            self._record(AccountRoleRevoked(account_id=self.id, role=role, occurred_at=at))

    def deactivate(self, command: DeactivateAccount, now: str) -> None:
        at = values.timestamp(now)
        reason = values.optional_text(command.reason, "reason", max_length=500)
        self._require_active()
        self._record(AccountDeactivated(account_id=self.id, reason=reason, occurred_at=at))

    def reactivate(self, command: ReactivateAccount, now: str) -> None:
        at = values.timestamp(now)
        self._require_exists()
        if self.active:
            raise InvariantViolated("account_active", f"account {self.id} is active")
        self._record(AccountReactivated(account_id=self.id, occurred_at=at))

    def _require_exists(self) -> None:
        if not self.exists:
            raise NotFound("account_not_found", f"no account {self.id}")

    def _require_active(self) -> None:
        self._require_exists()
        if not self.active:
            raise InvariantViolated("account_deactivated", f"account {self.id} is deactivated")

    def _apply(self, event: DomainEvent) -> None:
        match event:
            case AccountRegistered():
                self.email, self.display_name = event.email, event.display_name
                self.roles, self.active = frozenset(event.roles), True
            case AccountRoleGranted():
                self.roles = self.roles | {event.role}
            case AccountRoleRevoked():
                self.roles = self.roles - {event.role}
            case AccountDeactivated():
                self.active = False
            case AccountReactivated():
                self.active = True


def handle(account: Account | None, command: AccountCommand, now: str) -> Account:
    """Run ``command`` on ``account`` and return the account holding the new pending events.

    ``account`` is ``None`` (or an empty aggregate) when the stream is empty; only
    ``RegisterAccount`` may then run. The caller appends ``take_pending()`` at
    ``loaded_version``.
    """
    if account is not None and account.id != command.account_id:
        raise ValueError(f"command for account {command.account_id} sent to {account.id}")
    if isinstance(command, RegisterAccount):
        if account is not None and account.exists:
            raise InvariantViolated("account_already_exists", f"account {account.id} exists")
        return Account.register(command, now)
    if account is None:
        raise NotFound("account_not_found", f"no account {command.account_id}")
    match command:
        case GrantRole():
            account.grant_role(command, now)
        case RevokeRole():
            account.revoke_role(command, now)
        case DeactivateAccount():
            account.deactivate(command, now)
        case ReactivateAccount():
            account.reactivate(command, now)
        case _:
            raise TypeError(f"no account handler for {type(command).__name__}")
    return account
