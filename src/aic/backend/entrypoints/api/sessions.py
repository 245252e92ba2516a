"""``/api/auth``: sign in (tokens or a portal session cookie), refresh, sign out, who am I."""

from __future__ import annotations

import json
from typing import Annotated, Any, TypeVar

from fastapi import APIRouter, Depends, Request, Response, status
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, ValidationError

from aic.backend.application.sessions import AuthFailure, IssuedTokens
from aic.backend.domain.accounts import Account
from aic.backend.entrypoints.api.auth import (
    SESSION_COOKIE,
    Principal,
    authorize,
    csrf_failed,
    csrf_unproven,
)
from aic.backend.entrypoints.api.deps import ContainerDep
from aic.backend.entrypoints.api.examples import SIGNED_IN, documented, fails
from aic.backend.entrypoints.api.ratelimits import enforce_login_rate_limit
from aic.backend.entrypoints.api.session_schemas import (
    LOGIN_EXAMPLE,
    AccountOut,
    LoginRequest,
    Me,
    PasswordChange,
    RefreshRequest,
    SignedIn,
)
from aic.backend.entrypoints.api.storable import require_storable
from aic.backend.identity import IdentityServices
from aic.security.csrf import CSRF_COOKIE, csrf_token
from aic.security.passwords import MIN_PASSWORD_LENGTH

__all__ = ["router"]

router = APIRouter(prefix="/api/auth", tags=["auth"])
_FORM = "application/x-www-form-urlencoded"


async def _services(container: ContainerDep) -> IdentityServices:
    return container.identity


Identity = Annotated[IdentityServices, Depends(_services)]
_LOGIN_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {"schema": LoginRequest.model_json_schema()},
            _FORM: {
                "schema": LoginRequest.model_json_schema(),
                "example": {**LOGIN_EXAMPLE, "session": "cookie"},
            },
        },
    }
}
# Optional: a portal posts a form with only its CSRF value, or nothing but the header.
_REFRESH_BODY: dict[str, Any] = {
    "requestBody": {
        "required": False,
        "content": {
            "application/json": {"schema": RefreshRequest.model_json_schema()},
            _FORM: {
                "schema": RefreshRequest.model_json_schema(),
                "example": {"csrf_token": "q0Vt7b2Zr9WkX3mJ5nHc1LpS8dFy4aGe6uTi0oBw2xE"},
            },
        },
    }
}
_TOO_SHORT = f"must have at least {MIN_PASSWORD_LENGTH} characters"
_BAD_REFRESH = fails(
    401,
    "invalid_refresh_token",
    "The refresh token is unknown, expired or revoked. Sign in again.",
)


Body = TypeVar("Body", bound=BaseModel)


async def _raw_body(request: Request) -> tuple[Any, bool] | None:
    """The body as JSON or as a URL-encoded form post (``True``); ``None`` when there is none
    (JSON ``null`` is a body, and no object)."""
    if request.headers.get("content-type", "").startswith(_FORM):
        return dict(await request.form()), True
    raw = await request.body()
    if not raw.strip():
        return None
    try:
        return json.loads(raw), False
    except ValueError:  # not JSON (nor a form)
        error = {"type": "json_invalid", "loc": ("body",), "msg": "Send JSON or a URL-encoded "
                 "form", "input": None}  # fmt: skip
        raise RequestValidationError([error]) from None


def _validated(model: type[Body], raw: Any) -> Body:
    try:
        return model.model_validate(raw)
    except ValidationError as exc:
        errors = [{**e, "loc": ("body", *e["loc"])} for e in exc.errors()]
        raise RequestValidationError(errors) from None


async def _login_request(request: Request) -> tuple[LoginRequest, bool]:
    """The body as JSON or as a form post; ``True`` for a form post."""
    raw, is_form = await _raw_body(request) or (None, False)
    return _validated(LoginRequest, raw), is_form  # no body: 422, like any non-object


async def _refresh_request(request: Request) -> RefreshRequest:
    """JSON, a form post (a portal's, with ``csrf_token``) or no body at all."""
    found = await _raw_body(request)
    body = RefreshRequest() if found is None else _validated(RefreshRequest, found[0])
    require_storable(body.model_dump())  # the token is only hashed, but a NUL is no token
    return body


def _session_cookie(request: Request, principal: Principal) -> str | None:
    """The session cookie the caller proved (CSRF value included); 403 ``csrf_failed`` for a
    live one sent without its CSRF value."""
    cookie = request.cookies.get(SESSION_COOKIE)
    if principal.via == "cookie" and cookie:
        return cookie
    if csrf_unproven(request):
        raise csrf_failed()
    return None


def _set_session_cookies(
    response: Response, identity: IdentityServices, issued: IssuedTokens
) -> str:
    max_age = int(identity.sessions.policy.refresh_ttl.total_seconds())
    csrf = csrf_token(identity.csrf_secret, issued.session_id)
    # Lax, not Strict: a link from a mail or another site to a portal page keeps the session;
    # unsafe methods need the CSRF value anyway.
    common: dict[str, Any] = {
        "max_age": max_age,
        "path": "/",
        "secure": identity.cookie_secure,
        "samesite": "lax",
    }
    response.set_cookie(SESSION_COOKIE, issued.refresh_token, httponly=True, **common)
    response.set_cookie(CSRF_COOKIE, csrf, httponly=False, **common)
    return csrf


def _clear_session_cookies(response: Response, identity: IdentityServices) -> None:
    for name in (SESSION_COOKIE, CSRF_COOKIE):
        response.delete_cookie(name, path="/", secure=identity.cookie_secure, samesite="lax")


def _signed_in(
    issued: IssuedTokens, identity: IdentityServices, response: Response, cookie: bool
) -> SignedIn:
    if cookie:
        csrf = _set_session_cookies(response, identity, issued)
        access = refresh = None
        expires_in = None
    else:
        csrf, access, refresh = None, issued.access_token, issued.refresh_token
        expires_in = identity.sessions.tokens.ttl_seconds
    return SignedIn(
        access_token=access,
        expires_in=expires_in,
        refresh_token=refresh,
        refresh_expires_at=issued.refresh_expires_at,
        csrf_token=csrf,
        session_id=issued.session_id,
        account=AccountOut.of(issued.account),
    )


@router.post(
    "/login",
    summary="Sign in with e-mail and password",
    openapi_extra=_LOGIN_BODY,
    responses=documented(
        SIGNED_IN,
        fails(401, "invalid_credentials", "The e-mail or the password is wrong."),
        fails(401, "account_deactivated", "This account is deactivated."),
        fails(
            429,
            "rate_limited",
            "Too many sign-in attempts: try again in 60 seconds.",
            {"retry_after": 60},
        ),
    ),
)
async def login(
    request: Request,
    response: Response,
    identity: Identity,
    _: Annotated[Principal, Depends(authorize("auth:login"))],
) -> SignedIn:
    """JSON gets an access token and a refresh token (`session: "token"`); a form post (the
    portals' sign-in page) gets an HttpOnly session cookie and a CSRF cookie instead. Attempts
    are limited per client address and per e-mail (`AIC_RATE_LIMIT_LOGIN`)."""
    body, is_form = await _login_request(request)
    require_storable(body.model_dump())  # the e-mail is looked up: a NUL would be a 500
    await enforce_login_rate_limit(request, body.email)
    cookie = (body.session or ("cookie" if is_form else "token")) == "cookie"
    issued = await identity.sessions.login(
        body.email,
        body.password,
        "cookie" if cookie else "bearer",
        request.headers.get("user-agent"),
    )
    return _signed_in(issued, identity, response, cookie)


@router.post(
    "/refresh",
    summary="A new access token; the refresh token or cookie rotates",
    openapi_extra=_REFRESH_BODY,
    responses=documented(
        SIGNED_IN,
        _BAD_REFRESH,
        fails(
            401,
            "refresh_token_reused",
            "This refresh token was already used: the session is ended for safety. Sign in again.",
        ),
    ),
)
async def refresh(
    request: Request,
    response: Response,
    identity: Identity,
    principal: Annotated[Principal, Depends(authorize("auth:refresh"))],
) -> SignedIn:
    """Send the refresh token as JSON or a form field (or, from a portal, the session cookie
    with its CSRF value in `X-CSRF-Token` or a `csrf_token` form field, and no body needed):
    each one works once. Using one twice ends its session, as only a thief would."""
    body = await _refresh_request(request)
    if body.refresh_token:
        issued = await identity.sessions.refresh(body.refresh_token)
        return _signed_in(issued, identity, response, cookie=False)
    cookie = _session_cookie(request, principal)
    if cookie is None:
        raise AuthFailure(
            "invalid_refresh_token",
            "Send `refresh_token`, or the session cookie with its CSRF value.",
        )
    try:
        issued = await identity.sessions.refresh(cookie)
    except AuthFailure:
        _clear_session_cookies(response, identity)
        raise
    return _signed_in(issued, identity, response, cookie=True)


@router.post(
    "/logout",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="End this session",
    openapi_extra=_REFRESH_BODY,
    responses=documented(
        fails(
            403,
            "csrf_failed",
            "Echo the `aic_csrf` cookie in the `X-CSRF-Token` header (or a `csrf_token` form "
            "field) on requests that change something.",
        )
    ),
)
async def logout(
    request: Request,
    response: Response,
    identity: Identity,
    principal: Annotated[Principal, Depends(authorize("auth:logout"))],
) -> None:
    """Ends the session of the refresh token sent (JSON or a form field), or of the caller's
    token or cookie (a portal's form post sends its `csrf_token` field, or no body and the
    `X-CSRF-Token` header), and clears the session cookies; its access tokens stop working at
    once. A live session cookie without its CSRF value is refused (403)."""
    body = await _refresh_request(request)
    if body.refresh_token:
        await identity.sessions.logout_token(body.refresh_token)
    elif principal.session_id is not None:
        await identity.sessions.logout(principal.session_id)
    else:
        _session_cookie(request, principal)  # a cookie without its CSRF value: 403
    _clear_session_cookies(response, identity)


@router.post(
    "/logout-all",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="End every session of my account and every access token issued to it",
)
async def logout_all(
    response: Response,
    identity: Identity,
    principal: Annotated[Principal, Depends(authorize("auth:logout"))],
) -> None:
    """For a lost laptop: every refresh token and session cookie of the account ends, and
    access tokens already issued are refused from now on."""
    await identity.sessions.logout_all(principal.id)
    _clear_session_cookies(response, identity)


@router.post(
    "/password",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Change my password (then every session ends: sign in again)",
    responses=documented(
        fails(403, "invalid_credentials", "The current password is wrong."),
        fails(
            422,
            "weak_password",
            f"The password does not meet the policy: {_TOO_SHORT}.",
            [{"field": "body.password", "message": _TOO_SHORT, "type": "weak_password"}],
        ),
    ),
)
async def change_password(
    body: PasswordChange,
    response: Response,
    identity: Identity,
    principal: Annotated[Principal, Depends(authorize("auth:password"))],
) -> None:
    """The new password must meet the policy: 12 to 256 characters, more than three different
    ones, no leading or trailing spaces, and not the account's e-mail address nor containing
    its local part. Every session of the account then ends, this one too."""
    await identity.sessions.change_password(principal.id, body.current_password, body.new_password)
    await identity.sessions.logout_all(principal.id)
    _clear_session_cookies(response, identity)


@router.get("/me", summary="Who I am: account or service, roles, how I signed in")
async def me(
    identity: Identity, principal: Annotated[Principal, Depends(authorize("auth:me"))]
) -> Me:
    """`via` says how the caller proved who it is: `bearer` (an access token), `cookie` (a
    portal session) or `api_key` (the service key); accounts also get their e-mail and name."""
    found = Me(
        id=principal.id,
        kind="service" if principal.kind == "service" else "account",
        roles=sorted(principal.roles),
        via=principal.via,
        session_id=principal.session_id,
    )
    if principal.kind == "account":
        account = (await identity.sessions.repository.load(Account, principal.id)).aggregate
        found.email, found.display_name = account.email, account.display_name
    return found
