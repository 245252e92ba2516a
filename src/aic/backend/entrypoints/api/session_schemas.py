"""Request and response bodies of ``/api/auth``."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field
from pydantic.config import JsonDict

from aic.backend.application.identity import AccountSecurity
from aic.security.passwords import MAX_PASSWORD_LENGTH

__all__ = [
    "LOGIN_EXAMPLE",
    "REFRESH_EXAMPLE",
    "AccountOut",
    "LoginRequest",
    "Me",
    "Password",
    "PasswordChange",
    "RefreshRequest",
    "SignedIn",
]

Password = Annotated[str, Field(min_length=1, max_length=MAX_PASSWORD_LENGTH)]


LOGIN_EXAMPLE: JsonDict = {
    "email": "noor@example.com",
    "password": "lantern-quartz-meadow-41",
}


class LoginRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [LOGIN_EXAMPLE]})

    email: str = Field(min_length=3, max_length=254, examples=["noor@example.com"])
    password: Password
    session: Literal["token", "cookie"] | None = Field(
        default=None,
        description="`token`: access + refresh token in the body (default for JSON); "
        "`cookie`: an HttpOnly session cookie and a CSRF cookie (default for form posts).",
    )
    csrf_token: str | None = Field(default=None, description="Ignored (forms may send it).")


REFRESH_EXAMPLE: JsonDict = {"refresh_token": "aic_rt_Jx1f0sQ7kq2Vb9mWcT4yZr8uLe3nHa6d"}


class RefreshRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [REFRESH_EXAMPLE]})

    refresh_token: str | None = Field(
        default=None, max_length=200, description="Omit to use the session cookie."
    )
    csrf_token: str | None = Field(
        default=None,
        max_length=200,
        description="Portal form posts: the CSRF value of the session cookie (JSON sends "
        "it in `X-CSRF-Token`).",
    )


class PasswordChange(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "current_password": "lantern-quartz-meadow-41",
                    "new_password": "harbour-violet-cinder-87",
                }
            ]
        },
    )

    current_password: Password
    new_password: Password


class AccountOut(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "account_id": "sales-2",
                    "email": "amara.osei@brindlewood.example",
                    "roles": ["sales"],
                    "active": True,
                }
            ]
        }
    )

    account_id: str
    email: str
    roles: list[str]
    active: bool

    @classmethod
    def of(cls, account: AccountSecurity) -> AccountOut:
        return cls(
            account_id=account.account_id,
            email=account.email,
            roles=sorted(account.roles),
            active=account.active,
        )


class SignedIn(BaseModel):
    token_type: Literal["Bearer"] = "Bearer"  # noqa: S105 - the OAuth 2 token type
    access_token: str | None = Field(description="Absent for cookie sessions")
    expires_in: int | None = Field(description="Seconds the access token stays valid")
    refresh_token: str | None = Field(description="Absent for cookie sessions (in the cookie)")
    refresh_expires_at: str
    csrf_token: str | None = Field(
        description="Cookie sessions: echo it in `X-CSRF-Token` on POST/PUT/PATCH/DELETE"
    )
    session_id: str
    account: AccountOut


class Me(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id": "sales-2",
                    "kind": "account",
                    "roles": ["sales"],
                    "via": "bearer",
                    "session_id": "5b0e2d9c7a1f4e3b8d6c0a9f2e1d4c7b",
                    "email": "amara.osei@brindlewood.example",
                    "display_name": "Amara Osei",
                }
            ]
        }
    )

    id: str
    kind: Literal["account", "service"]
    roles: list[str]
    via: str
    session_id: str | None = None
    email: str | None = None
    display_name: str | None = None
