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
from aic.backend.entrypoints.api.sessions import AccountOut
from aic.backend.entrypoints.api.storable import require_storable
from aic.observability.correlation import current_correlation_id
from aic.security.passwords import MAX_PASSWORD_LENGTH

__all__ = ["router"]

router = APIRouter(prefix="/api/accounts", tags=["accounts"])
Admin = Annotated[Principal, Depends(authorize("accounts:admin"))]
AccountId = Annotated[str, Path(pattern=r"^[A-Za-z0-9][A-Za-z0-9._:@-]{0,127}$")]
Role = Annotated[str, Field(min_length=1, max_length=40, examples=list(ASSIGNABLE_ROLES))]


class InvitationRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    email: str = Field(min_length=3, max_length=254, examples=["priya@example.com"])
    roles: list[Role] = Field(min_length=1, max_length=len(ASSIGNABLE_ROLES))


class InvitationOut(BaseModel):
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
    token: str = Field(
        description="Shown once: hand it to the invitee, who sends it to "
        "`POST /api/accounts/accept-invitation` (there is no mail server)."
    )


class AcceptInvitation(BaseModel):
    model_config = ConfigDict(extra="forbid")

    token: str = Field(min_length=1, max_length=200)
    display_name: str = Field(min_length=1, max_length=200, examples=["Priya Raman"])
    password: str = Field(min_length=1, max_length=MAX_PASSWORD_LENGTH)


class RoleRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    role: Role


class DeactivateRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: str | None = Field(default=None, max_length=500)


def _context(principal: Principal) -> CommandContext:
    return CommandContext(
        EventMetadata(correlation_id=current_correlation_id(), actor=principal.actor)
    )


@router.get("", summary="Every account, oldest first")
async def list_accounts(
    container: ContainerDep,
    _: Admin,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> Page[AccountView]:
    return await container.accounts.list_accounts(limit, offset)


@router.post("/invitations", status_code=status.HTTP_201_CREATED, summary="Invite a colleague")
async def invite(
    body: InvitationRequest, container: ContainerDep, principal: Admin
) -> IssuedInvitationOut:
    require_storable(body.model_dump())
    issued = await container.identity.staff.invite(body.email, body.roles, principal.actor)
    return IssuedInvitationOut(
        **InvitationOut.of(issued.invitation).model_dump(), token=issued.token
    )


@router.get("/invitations", summary="Invitations not yet accepted, revoked or expired")
async def invitations(container: ContainerDep, _: Admin) -> list[InvitationOut]:
    return [InvitationOut.of(i) for i in await container.identity.staff.invitations()]


@router.delete(
    "/invitations/{invitation_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Revoke a pending invitation",
)
async def revoke_invitation(
    invitation_id: Annotated[str, Path(pattern=r"^[a-f0-9]{32}$")],
    container: ContainerDep,
    _: Admin,
) -> None:
    await container.identity.staff.revoke_invitation(invitation_id)


@router.post(
    "/accept-invitation",
    status_code=status.HTTP_201_CREATED,
    summary="Create my account from an invitation token (then sign in)",
)
async def accept_invitation(
    body: AcceptInvitation,
    container: ContainerDep,
    principal: Annotated[Principal, Depends(authorize("accounts:accept"))],
) -> AccountOut:
    require_storable(body.model_dump())  # PostgreSQL cannot store a NUL: a 422, not a 500
    account = await container.identity.staff.accept(
        body.token, body.display_name, body.password, _context(principal)
    )
    return AccountOut.of(account)


@router.get("/{account_id}", summary="One account")
async def get_account(account_id: AccountId, container: ContainerDep, _: Admin) -> AccountView:
    found = await container.accounts.get_account(account_id)
    if found is None:
        raise ApiError(404, "account_not_found", f"No account {account_id}.")
    return found


@router.post("/{account_id}/roles", summary="Grant a role")
async def grant_role(
    account_id: AccountId, body: RoleRequest, container: ContainerDep, principal: Admin
) -> AccountOut:
    require_storable(body.model_dump())
    staff = container.identity.staff
    return AccountOut.of(await staff.grant(account_id, body.role, _context(principal)))


@router.delete(
    "/{account_id}/roles/{role}",
    summary="Revoke a role (the account's access tokens end; refreshing gets the new roles)",
)
async def revoke_role(
    account_id: AccountId,
    role: Annotated[str, Path(max_length=40)],
    container: ContainerDep,
    principal: Admin,
) -> AccountOut:
    staff = container.identity.staff
    return AccountOut.of(await staff.revoke(account_id, role, _context(principal)))


@router.post(
    "/{account_id}/deactivate",
    summary="Deactivate: every session and token of the account ends at once",
)
async def deactivate(
    account_id: AccountId,
    container: ContainerDep,
    principal: Admin,
    body: DeactivateRequest | None = None,
) -> AccountOut:
    reason = body.reason if body else None
    require_storable(reason, "body.reason")
    staff = container.identity.staff
    return AccountOut.of(await staff.deactivate(account_id, reason, _context(principal)))


@router.post("/{account_id}/reactivate", summary="Reactivate (the account signs in again)")
async def reactivate(
    account_id: AccountId, container: ContainerDep, principal: Admin
) -> AccountOut:
    staff = container.identity.staff
    return AccountOut.of(await staff.reactivate(account_id, _context(principal)))
