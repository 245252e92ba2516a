"""An account holds known roles, and a deactivated one accepts nothing until reactivated."""

from __future__ import annotations

import pytest

from aic.backend.domain import accounts
from aic.backend.domain.accounts import (
    Account,
    AccountCommand,
    AccountRegistered,
    DeactivateAccount,
    GrantRole,
    ReactivateAccount,
    RegisterAccount,
    RevokeRole,
)
from aic.backend.domain.errors import DomainError, InvalidValue

from .examples import ACCOUNT_ID, LATER, registered_account, replayed, state, types

ID = {"account_id": ACCOUNT_ID}


def refused(account: Account | None, command: AccountCommand, code: str) -> DomainError:
    before = None if account is None else (state(account), list(account.pending))
    with pytest.raises(DomainError) as caught:
        accounts.handle(account, command, LATER)
    assert caught.value.code == code
    if account is not None:
        assert (state(account), account.pending) == before
    return caught.value


def test_an_account_is_registered_with_its_roles_in_one_canonical_order() -> None:
    account = registered_account(roles=("viewer", "admin", "viewer"))
    event = account.pending[0]
    assert isinstance(event, AccountRegistered)
    assert (event.email, event.display_name, event.roles) == (
        "eva@example.org",
        "Eva",
        ["admin", "viewer"],
    )
    assert account.active
    assert account.stream_id == f"account-{ACCOUNT_ID}"


def test_roles_are_granted_and_revoked_and_repeating_either_records_nothing() -> None:
    account = registered_account()
    for command in [
        GrantRole(**ID, role="sales"),
        GrantRole(**ID, role="sales"),
        RevokeRole(**ID, role="editor"),
        RevokeRole(**ID, role="editor"),
    ]:
        accounts.handle(account, command, LATER)
    assert account.roles == {"sales"}
    assert types(account) == ["AccountRegistered", "AccountRoleGranted", "AccountRoleRevoked"]


@pytest.mark.parametrize(
    "command",
    [
        GrantRole(**ID, role="superuser"),
        RevokeRole(**ID, role="root"),
        RegisterAccount(**ID, email="a@b.io", display_name="A", roles=["god"]),
    ],
    ids=lambda c: type(c).__name__,
)
def test_an_unknown_role_is_refused(command: AccountCommand) -> None:
    account = None if isinstance(command, RegisterAccount) else registered_account()
    error = refused(account, command, "invalid_role")
    assert isinstance(error, InvalidValue)


def test_registration_refuses_a_bad_email_or_roles_that_are_not_a_list() -> None:
    refused(None, RegisterAccount(**ID, email="eva", display_name="Eva"), "invalid_email")
    refused(
        None,
        RegisterAccount(**ID, email="e@x.io", display_name="Eva", roles="admin"),
        "invalid_roles",
    )


@pytest.mark.parametrize(
    "command",
    [GrantRole(**ID, role="admin"), RevokeRole(**ID, role="editor"), DeactivateAccount(**ID)],
    ids=lambda c: type(c).__name__,
)
def test_a_deactivated_account_accepts_no_change(command: AccountCommand) -> None:
    account = registered_account()
    accounts.handle(account, DeactivateAccount(**ID, reason="left the company"), LATER)
    refused(account, command, "account_deactivated")


def test_a_deactivated_account_can_be_reactivated_with_its_roles() -> None:
    account = registered_account(roles=("analyst",))
    accounts.handle(account, DeactivateAccount(**ID), LATER)
    accounts.handle(account, ReactivateAccount(**ID), LATER)
    assert account.active
    assert account.roles == {"analyst"}
    refused(account, ReactivateAccount(**ID), "account_active")


def test_an_account_cannot_be_registered_twice_and_a_missing_one_is_not_found() -> None:
    refused(
        registered_account(),
        RegisterAccount(**ID, email="e@x.io", display_name="E"),
        "account_already_exists",
    )
    refused(None, GrantRole(**ID, role="admin"), "account_not_found")
    refused(Account(ACCOUNT_ID), ReactivateAccount(**ID), "account_not_found")


def test_replaying_an_accounts_events_rebuilds_it() -> None:
    account = registered_account(roles=("admin", "sales"))
    for command in [
        RevokeRole(**ID, role="sales"),
        DeactivateAccount(**ID),
        ReactivateAccount(**ID),
    ]:
        accounts.handle(account, command, LATER)
    assert state(replayed(account)) == state(account)


def test_an_unknown_command_type_is_a_programming_error() -> None:
    with pytest.raises(TypeError, match="no account handler"):
        accounts.handle(registered_account(), AccountCommand(**ID), LATER)
