"""``/api/accounts``: staff accounts, invitations, roles and deactivation (administrators).

There is no mail server here: an invitation's one-time token is returned to the
administrator who created it, who hands it to the new colleague (a link to the admin portal's
acceptance page, a chat message). Only its SHA-256 digest is stored.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, status
from pydantic import BaseModel, ConfigDict, Field

from aic.asgi import ApiError
from aic.backend.application.bus import CommandContext
from aic.backend.application.identity import Invitation
from aic.backend.application.ports import EventMetadata
from aic.backend.application.queries import AccountView, Page
from aic.backend.application.staff import ASSIGNABLE_ROLES
from aic.backend.entrypoints.api.auth import Principal, authorize
from aic.backend.entrypoints.api.deps import ContainerDep
from aic.backend.entrypoints.api.examples import (
    ACCOUNT_VIEW,
    INVITATION,
    documented,
    fails,
    not_found,
    ok,
    page,
    version_conflict,
)
from aic.backend.entrypoints.api.session_schemas import AccountOut
from aic.backend.entrypoints.api.storable import require_storable
from aic.observability.correlation import current_correlation_id
from aic.security.passwords import MAX_PASSWORD_LENGTH

__all__ = ["router"]

router = APIRouter(prefix="/api/accounts", tags=["accounts"])
Admin = Annotated[Principal, Depends(authorize("accounts:admin"))]
AccountId = Annotated[
    str,
    Path(
        pattern=r"^[A-Za-z0-9][A-Za-z0-9._:@-]{0,127}$",
        description="The account's id (`account_id` in the account list)",
        examples=["sales-2"],
    ),
]
Role = Annotated[str, Field(min_length=1, max_length=40, examples=list(ASSIGNABLE_ROLES))]
_NO_ACCOUNT = not_found("account_not_found", "no account sales-9")
_LAST_ADMIN = fails(
    409,
    "last_admin",
    "This is the only administrator who can sign in; make another one first.",
)
_DEACTIVATED = fails(409, "account_deactivated", "account sales-1 is deactivated")


class InvitationRequest(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"email": "priya@example.com", "roles": ["sales"]}]},
    )

    email: str = Field(min_length=3, max_length=254, examples=["priya@example.com"])
    roles: list[Role] = Field(min_length=1, max_length=len(ASSIGNABLE_ROLES))


class InvitationOut(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [INVITATION]})

    invitation_id: str
    email: str
    roles: list[str]
    invited_by: str
    created_at: str
    expires_at: str

    @classmethod
    def of(cls, invitation: Invitation) -> InvitationOut:
        return cls(
            invitation_id=invitation.invitation_id,
            email=invitation.email,
            roles=list(invitation.roles),
            invited_by=invitation.invited_by,
            created_at=invitation.created_at,
            expires_at=invitation.expires_at,
        )


class IssuedInvitationOut(InvitationOut):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{**INVITATION, "token": "aic_inv_Hq2xN7bV0pLk4sRt9yWc3mZf8uJd6eAg"}]
        }
    )

    token: str = Field(
        description="Shown once: hand it to the invitee, who sends it to "
        "`POST /api/accounts/accept-invitation` (there is no mail server)."
    )


class AcceptInvitation(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "token": "aic_inv_Hq2xN7bV0pLk4sRt9yWc3mZf8uJd6eAg",
                    "display_name": "Priya Raman",
                    "password": "harbour-violet-cinder-87",
                }
            ]
        },
    )

    token: str = Field(min_length=1, max_length=200)
    display_name: str = Field(min_length=1, max_length=200, examples=["Priya Raman"])
    password: str = Field(min_length=1, max_length=MAX_PASSWORD_LENGTH)


class RoleRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"role": "sales"}]})

    role: Role


class DeactivateRequest(BaseModel):
    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"reason": "Left the company"}]}
    )

    reason: str | None = Field(default=None, max_length=500)


def _context(principal: Principal) -> CommandContext:
    return CommandContext(
        EventMetadata(correlation_id=current_correlation_id(), actor=principal.actor)
    )


@router.get(
    "",
    summary="Every account, oldest first",
    responses=documented(ok(page([ACCOUNT_VIEW], total=8, limit=100))),
)
async def list_accounts(
    container: ContainerDep,
    _: Admin,
    limit: Annotated[int, Query(ge=1, le=500, description="Accounts per page")] = 100,
    offset: Annotated[
        int, Query(ge=0, le=1_000_000, description="Accounts to skip (the page's start)")
    ] = 0,
) -> Page[AccountView]:
    """Staff accounts from the accounts read model, active or not, with their roles."""
    return await container.accounts.list_accounts(limit, offset)


@router.post(
    "/invitations",
    status_code=status.HTTP_201_CREATED,
    summary="Invite a colleague",
    responses=documented(
        fails(
            409,
            "email_taken",
            "An account with the e-mail priya@example.com exists.",
            {"email": "priya@example.com"},
        ),
        fails(
            422,
            "invalid_role",
            "role must be one of admin, analyst, editor, sales, viewer",
            {"role": "owner"},
        ),
    ),
)
async def invite(
    body: InvitationRequest, container: ContainerDep, principal: Admin
) -> IssuedInvitationOut:
    """An invitation to join with the given roles, valid for `AIC_INVITATION_TTL_SECONDS`.
    Its one-time `token` is in this answer only: hand it to the colleague (there is no mail
    server); a new invitation to the same address replaces the pending one."""
    require_storable(body.model_dump())
    issued = await container.identity.staff.invite(body.email, body.roles, principal.actor)
    return IssuedInvitationOut(
        **InvitationOut.of(issued.invitation).model_dump(), token=issued.token
    )


@router.get(
    "/invitations",
    summary="Invitations not yet accepted, revoked or expired",
    responses=documented(ok([INVITATION])),
)
async def invitations(container: ContainerDep, _: Admin) -> list[InvitationOut]:
    """Pending invitations, without their tokens (only a digest of each is stored)."""
    return [InvitationOut.of(i) for i in await container.identity.staff.invitations()]


@router.delete(
    "/invitations/{invitation_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Revoke a pending invitation",
)
async def revoke_invitation(
    invitation_id: Annotated[
        str,
        Path(
            pattern=r"^[a-f0-9]{32}$",
            description="`invitation_id` from the invitation list",
            examples=[INVITATION["invitation_id"]],
        ),
    ],
    container: ContainerDep,
    _: Admin,
) -> None:
    """Its token stops working at once."""
    await container.identity.staff.revoke_invitation(invitation_id)


@router.post(
    "/accept-invitation",
    status_code=status.HTTP_201_CREATED,
    summary="Create my account from an invitation token (then sign in)",
    responses=documented(
        not_found("invitation_not_found", "No invitation has this token."),
        fails(
            410,
            "invitation_expired",
            "This invitation is expired; ask an administrator for a new one.",
        ),
    ),
)
async def accept_invitation(
    body: AcceptInvitation,
    container: ContainerDep,
    principal: Annotated[Principal, Depends(authorize("accounts:accept"))],
) -> AccountOut:
    """Open to anyone holding a valid token: the account is created with the invitation's
    e-mail and roles and the password chosen here (it must meet the password policy); then
    sign in with `POST /api/auth/login`."""
    require_storable(body.model_dump())  # PostgreSQL cannot store a NUL: a 422, not a 500
    account = await container.identity.staff.accept(
        body.token, body.display_name, body.password, _context(principal)
    )
    return AccountOut.of(account)


@router.get(
    "/{account_id}",
    summary="One account",
    responses=documented(ok(ACCOUNT_VIEW), not_found("account_not_found", "No account sales-9.")),
)
async def get_account(account_id: AccountId, container: ContainerDep, _: Admin) -> AccountView:
    """The account as the accounts read model has it (it follows changes within moments)."""
    found = await container.accounts.get_account(account_id)
    if found is None:
        raise ApiError(404, "account_not_found", f"No account {account_id}.")
    return found


@router.post(
    "/{account_id}/roles",
    summary="Grant a role",
    responses=documented(_NO_ACCOUNT, _DEACTIVATED, version_conflict()),
)
async def grant_role(
    account_id: AccountId, body: RoleRequest, container: ContainerDep, principal: Admin
) -> AccountOut:
    """Granting a role the account holds changes nothing; the account's next token (sign-in or
    refresh) carries the new role."""
    require_storable(body.model_dump())
    staff = container.identity.staff
    return AccountOut.of(await staff.grant(account_id, body.role, _context(principal)))


@router.delete(
    "/{account_id}/roles/{role}",
    summary="Revoke a role (the account's access tokens end; refreshing gets the new roles)",
    responses=documented(_NO_ACCOUNT, _LAST_ADMIN, _DEACTIVATED, version_conflict()),
)
async def revoke_role(
    account_id: AccountId,
    role: Annotated[
        str, Path(max_length=40, description="The role to take away", examples=["editor"])
    ],
    container: ContainerDep,
    principal: Admin,
) -> AccountOut:
    """The last administrator who can sign in keeps the admin role."""
    staff = container.identity.staff
    return AccountOut.of(await staff.revoke(account_id, role, _context(principal)))


@router.post(
    "/{account_id}/deactivate",
    summary="Deactivate: every session and token of the account ends at once",
    responses=documented(_NO_ACCOUNT, _LAST_ADMIN, _DEACTIVATED, version_conflict()),
)
async def deactivate(
    account_id: AccountId,
    container: ContainerDep,
    principal: Admin,
    body: DeactivateRequest | None = None,
) -> AccountOut:
    """The account can no longer sign in, its leads keep it as their owner (reassign them),
    and it cannot be given new leads. The last administrator who can sign in stays."""
    reason = body.reason if body else None
    require_storable(reason, "body.reason")
    staff = container.identity.staff
    return AccountOut.of(await staff.deactivate(account_id, reason, _context(principal)))


@router.post(
    "/{account_id}/reactivate",
    summary="Reactivate (the account signs in again)",
    responses=documented(
        _NO_ACCOUNT,
        fails(409, "account_active", "account sales-1 is active"),
        version_conflict(),
    ),
)
async def reactivate(
    account_id: AccountId, container: ContainerDep, principal: Admin
) -> AccountOut:
    """The account signs in again with its old password and roles."""
    staff = container.identity.staff
    return AccountOut.of(await staff.reactivate(account_id, _context(principal)))
