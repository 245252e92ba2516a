"""``/v1/admin/service-keys``: issue, list and revoke service keys (bootstrap keys only).

Rotation: issue a new key, give it to the backend (``AIC_SERVICE_API_KEY``), then revoke the
old one; any number of keys may be active at once.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Path, Request
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, StringConstraints

from aic.ai.bootstrap import AIContainer
from aic.ai.entrypoints.auth import require_admin_key
from aic.ai.servicekeys import ServiceKey, ServiceKeyStatus
from aic.ai.servicekeys.store import utc_now
from aic.asgi.errors import ApiError

__all__ = ["router"]

router = APIRouter(prefix="/admin/service-keys", tags=["admin"], dependencies=[require_admin_key])

KeyName = Annotated[
    str,
    StringConstraints(
        strip_whitespace=True, min_length=1, max_length=100, pattern=r"^[^\x00-\x1f\x7f]+$"
    ),
]
KeyId = Annotated[str, Path(pattern=r"^sk_[0-9a-f]{16}$", description="The key's id (`sk_...`)")]


class IssueServiceKey(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: KeyName = Field(description="Who or what uses the key", examples=["backend (2025-06)"])
    expires_at: AwareDatetime | None = Field(
        default=None, description="When the key stops working by itself; unset: never"
    )


class ServiceKeyOut(BaseModel):
    """An issued key as listed: never the key itself."""

    id: str = Field(examples=["sk_3f9a0c1b2d4e5f60"])
    name: str
    hint: str = Field(description="The key's last four characters")
    status: ServiceKeyStatus
    created_at: datetime
    expires_at: datetime | None
    last_used_at: datetime | None = Field(description="Updated at most every few minutes")
    revoked_at: datetime | None

    @classmethod
    def of(cls, key: ServiceKey) -> ServiceKeyOut:
        return cls(
            id=key.id,
            name=key.name,
            hint=key.hint,
            status=key.status(utc_now()),
            created_at=key.created_at,
            expires_at=key.expires_at,
            last_used_at=key.last_used_at,
            revoked_at=key.revoked_at,
        )


class IssuedServiceKeyOut(ServiceKeyOut):
    key: str = Field(description="The key: shown this once, stored only as a hash")


class ServiceKeyList(BaseModel):
    keys: list[ServiceKeyOut]


def _container(request: Request) -> AIContainer:
    container: AIContainer = request.app.state.container
    return container


@router.post("", status_code=201, summary="Issue a service key (its secret is shown once)")
async def issue_service_key(body: IssueServiceKey, request: Request) -> IssuedServiceKeyOut:
    if body.expires_at is not None and body.expires_at <= utc_now():
        raise ApiError(
            422,
            "validation_error",
            "The request is not valid: see details for each field.",
            [
                {
                    "field": "body.expires_at",
                    "message": "must be in the future",
                    "type": "value_error",
                }
            ],
        )
    issued = await _container(request).issued_keys.issue(body.name, body.expires_at)
    return IssuedServiceKeyOut(**ServiceKeyOut.of(issued.key).model_dump(), key=issued.secret)


@router.get("", summary="List issued service keys, newest first (no secrets)")
async def list_service_keys(request: Request) -> ServiceKeyList:
    keys = await _container(request).issued_keys.list()
    return ServiceKeyList(keys=[ServiceKeyOut.of(key) for key in keys])


@router.delete("/{key_id}", summary="Revoke a service key (at once here, within seconds elsewhere)")
async def revoke_service_key(key_id: KeyId, request: Request) -> ServiceKeyOut:
    revoked = await _container(request).issued_keys.revoke(key_id)
    if revoked is None:
        raise ApiError(404, "service_key_not_found", f"No issued service key {key_id}.")
    return ServiceKeyOut.of(revoked)
