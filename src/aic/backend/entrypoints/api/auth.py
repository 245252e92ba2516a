"""Who is calling, and may they: authentication of every request and the access check.

``authenticate(connection)`` finds the caller of an HTTP request or WebSocket from, in order:

1. ``Authorization: Bearer <token>``: an access token (JWT) of an account, or the service key;
2. ``X-API-Key: <service key>``;
3. the ``access_token`` query parameter, only on WebSocket handshakes and ``text/event-stream``
   requests, because browsers cannot set headers there (URLs end up in logs and histories:
   use a fresh short-lived access token, never the service key, in a URL);
4. the ``aic_session`` cookie of a portal session (on a WebSocket handshake, only from the
   backend's own origin or one of ``AIC_CORS_ORIGINS``: cross-site WebSocket hijacking).

Presented credentials that are wrong answer 401 (a client must learn its token died); a stale
session cookie is ignored instead, so a visitor with an old cookie still reaches public pages.
Wrong credentials count per client address (``AIC_RATE_LIMIT_FAILED_CREDENTIALS``): past that
limit, requests from the address that present a token or key get 429 before it is checked.

``enforce_access`` runs on every route of the app (an app-wide dependency): it looks up the
route's ``(method, path template)`` in ``aic.security.rbac.ACCESS`` and refuses with 401 (not
signed in) or 403 (wrong role, or a route missing from the table). Unsafe requests
authenticated by the session cookie must echo the CSRF value (``X-CSRF-Token`` header or a
``csrf_token`` form field); without it they count as anonymous on public routes and are
refused (403) elsewhere. Bearer and key requests need no CSRF value: browsers never add them.
"""

from __future__ import annotations

import hmac
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Annotated, Literal

from fastapi import Depends, WebSocketException
from starlette.requests import HTTPConnection, Request

from aic.asgi import ApiError
from aic.asgi.observe import UNMATCHED_ROUTE, route_template
from aic.backend.application.sessions import AuthFailure
from aic.backend.entrypoints.api.ratelimits import (
    count_failed_credentials,
    enforce_rate_limit,
    refuse_if_credentials_failed_too_often,
)
from aic.backend.identity import IdentityServices
from aic.observability.logging import get_logger
from aic.security.csrf import CSRF_COOKIE, CSRF_FORM_FIELD, CSRF_HEADER, csrf_token_matches
from aic.security.rbac import has_capability, rule_for
from aic.security.tokens import looks_like_jwt

__all__ = [
    "ANONYMOUS",
    "PUBLIC",
    "SESSION_COOKIE",
    "Principal",
    "authenticate",
    "authorize",
    "csrf_failed",
    "csrf_unproven",
    "enforce_access",
]

PUBLIC = "public"
SESSION_COOKIE = "aic_session"
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
_FORMS = ("application/x-www-form-urlencoded", "multipart/form-data")
_log = get_logger("aic.auth")


@dataclass(frozen=True, slots=True)
class Principal:
    id: str
    kind: Literal["anonymous", "account", "service"] = "anonymous"
    roles: frozenset[str] = field(default_factory=frozenset)
    via: Literal["none", "bearer", "cookie", "api_key"] = "none"
    session_id: str | None = None
    # When the credential stops being valid (an access token's `exp`, seconds since the
    # epoch): long-lived connections (realtime streams) end then. None: no fixed end.
    expires_at: int | None = None

    @property
    def actor(self) -> str:
        """How events record who caused them."""
        return self.id if self.kind != "anonymous" else "public"

    def can(self, capability: str) -> bool:
        """A finer rule of ``aic.security.rbac.CAPABILITIES`` (drafts to staff ...)."""
        return has_capability(self.roles, capability)


ANONYMOUS = Principal(id="anonymous")
SERVICE_ID = "service"


def _identity(connection: HTTPConnection) -> IdentityServices:
    services: IdentityServices = connection.app.state.container.identity
    return services


def _unauthorized(code: str, message: str) -> ApiError:
    return ApiError(
        401, code, message, headers={"WWW-Authenticate": 'Bearer error="invalid_token"'}
    )


def _service(services: IdentityServices, key: str) -> Principal:
    if not hmac.compare_digest(key.encode(), services.service_key.encode()):
        raise _unauthorized("invalid_service_key", "The service key is not valid.")
    return Principal(id=SERVICE_ID, kind="service", roles=frozenset({"service"}), via="api_key")


async def _bearer(services: IdentityServices, token: str) -> Principal:
    if not looks_like_jwt(token):
        return _service(services, token)
    try:
        claims, account = await services.sessions.verify_access(token)
    except AuthFailure as exc:
        raise _unauthorized(exc.code, exc.message) from None
    return Principal(
        id=account.account_id,
        kind="account",
        roles=claims.roles,
        via="bearer",
        session_id=claims.session_id,
        expires_at=claims.expires_at,
    )


def _cookie_origin_trusted(connection: HTTPConnection) -> bool:
    """A WebSocket handshake carries cookies from any page that opens it, and neither CORS
    nor CSRF values apply there: the session cookie counts only from our own origins."""
    origin = connection.headers.get("origin")
    if connection.scope["type"] != "websocket" or origin is None:
        return True
    if origin.partition("://")[2] == connection.headers.get("host"):
        return True
    allowed: list[str] = connection.app.state.container.settings.cors_origin_list
    return origin.rstrip("/") in allowed


def _query_token_allowed(connection: HTTPConnection) -> bool:
    if connection.scope["type"] == "websocket":
        return True
    return "text/event-stream" in connection.headers.get("accept", "")


def _presents_credentials(connection: HTTPConnection) -> bool:
    """A token or key that ``authenticate`` will check (and may answer 401 to)."""
    headers = connection.headers
    if "authorization" in headers or "x-api-key" in headers:
        return True
    if not connection.scope.get("query_string"):
        return False  # most requests: no query string to parse
    return bool(connection.query_params.get("access_token")) and _query_token_allowed(connection)


async def _authenticate_limited(connection: HTTPConnection) -> Principal:
    """``authenticate``, with wrong credentials counted per client address, and an address
    past the limit refused (429) before its credentials are looked at."""
    if _presents_credentials(connection):
        await refuse_if_credentials_failed_too_often(connection)
    try:
        return await authenticate(connection)
    except ApiError as exc:
        if exc.status_code == 401:
            await count_failed_credentials(connection)  # the 429 instead, once past the limit
        raise


async def authenticate(connection: HTTPConnection) -> Principal:
    """The caller of ``connection`` (``Request`` or ``WebSocket``); ``ApiError`` 401 when the
    credentials presented are not valid. Signed-out callers are ``ANONYMOUS``."""
    known = getattr(connection.state, "principal", None)
    if isinstance(known, Principal):
        return known
    services = _identity(connection)
    authorization = connection.headers.get("authorization")
    if authorization is not None:
        scheme, _, credentials = authorization.strip().partition(" ")
        if scheme.lower() != "bearer" or not credentials.strip():
            raise _unauthorized(
                "unsupported_authorization", "Send `Authorization: Bearer <token>`."
            )
        return await _bearer(services, credentials.strip())
    api_key = connection.headers.get("x-api-key")
    if api_key is not None:
        return _service(services, api_key.strip())
    query_token = (
        connection.query_params.get("access_token")
        if connection.scope.get("query_string")
        else None
    )
    if query_token and _query_token_allowed(connection):
        return await _bearer(services, query_token)
    cookie = connection.cookies.get(SESSION_COOKIE)
    if cookie and _cookie_origin_trusted(connection):
        found = await services.sessions.session_for_cookie(cookie)
        if found is not None:
            return Principal(
                id=found.account.account_id,
                kind="account",
                roles=found.account.roles,
                via="cookie",
                session_id=found.session_id,
            )
    return ANONYMOUS


async def _csrf_proven(connection: HTTPConnection, principal: Principal) -> bool:
    services = _identity(connection)
    echoed = connection.headers.get(CSRF_HEADER)
    content_type = connection.headers.get("content-type", "")
    if echoed is None and isinstance(connection, Request) and content_type.startswith(_FORMS):
        value = (await connection.form()).get(CSRF_FORM_FIELD)
        echoed = value if isinstance(value, str) else None
    cookie = connection.cookies.get(CSRF_COOKIE)
    return principal.session_id is not None and csrf_token_matches(
        services.csrf_secret, principal.session_id, cookie, echoed
    )


def csrf_failed() -> ApiError:
    """The 403 of a cookie-authenticated unsafe request without its CSRF value."""
    return ApiError(
        403,
        "csrf_failed",
        f"Echo the `{CSRF_COOKIE}` cookie in the `{CSRF_HEADER}` header (or a "
        f"`{CSRF_FORM_FIELD}` form field) on requests that change something.",
    )


def csrf_unproven(connection: HTTPConnection) -> bool:
    """A valid session cookie came without its CSRF value, so a public route saw a visitor;
    a route that acts on the session itself (refresh, sign out) refuses with ``csrf_failed``."""
    return getattr(connection.state, "csrf_unproven", False) is True


def _route(connection: HTTPConnection) -> tuple[str, str | None]:
    scope = connection.scope
    method = "WEBSOCKET" if scope["type"] == "websocket" else str(scope["method"])
    path = route_template(scope)  # the whole template, prefixes of nested routers included
    return method, None if path == UNMATCHED_ROUTE else path


async def _decide(connection: HTTPConnection) -> Principal:
    method, path = _route(connection)
    rule = rule_for(method, path) if path else None
    principal = await _authenticate_limited(connection)
    if rule is None:
        _log.error("route_not_in_access_table", method=method, route=path)
        raise ApiError(
            403, "route_not_allowed", "This route is not open to anyone (not in the access table)."
        )
    unsafe_cookie = principal.via == "cookie" and method in UNSAFE_METHODS
    if unsafe_cookie and not await _csrf_proven(connection, principal):
        if not rule.public:
            raise csrf_failed()
        connection.state.csrf_unproven = True  # routes that act on the cookie refuse then
        principal = ANONYMOUS
    await enforce_rate_limit(
        connection, _rate_limit_identity(principal), public=principal.kind == "anonymous"
    )
    if not rule.allows(principal.roles):
        if principal.kind == "anonymous":
            raise ApiError(
                401,
                "unauthenticated",
                "Sign in first: send `Authorization: Bearer <access token>` or the session cookie.",
                headers={"WWW-Authenticate": "Bearer"},
            )
        # Signed in, refused: worth an audit line (a 401 is every visitor's first request).
        _log.info("access_denied", method=method, route=path, caller=principal.id)
        raise ApiError(
            403,
            "forbidden",
            "Your roles do not allow this.",
            {"required_any_of": sorted(rule.roles), "held": sorted(principal.roles)},
        )
    connection.state.principal = principal
    return principal


def _rate_limit_identity(principal: Principal) -> str | None:
    """Signed-in callers are counted per account or key; anonymous ones per address."""
    if principal.kind == "account":
        return f"account:{principal.id}"
    if principal.kind == "service":
        return f"key:{principal.id}"
    return None


async def enforce_access(connection: HTTPConnection) -> Principal:
    """The app-wide dependency: the caller, once the access table allows this route."""
    if connection.scope["type"] != "websocket":
        return await _decide(connection)
    try:
        return await _decide(connection)
    except ApiError as exc:
        # A refused handshake closes with 4401 (sign in) or 4403 (not allowed), the reason
        # being the error code (docs/realtime.md lists the close codes).
        code = 4401 if exc.status_code == 401 else 4403
        raise WebSocketException(code, exc.code) from None


def authorize(permission: str | None = None) -> Callable[..., Awaitable[Principal]]:
    """The caller of a route, as ``enforce_access`` allowed it.

    ``permission`` names what the route does, for whoever reads the route (and it is kept on
    the request state); it decides nothing: the access table in ``aic.security.rbac`` does.
    """

    async def dependency(
        connection: HTTPConnection,
        principal: Annotated[Principal, Depends(enforce_access)],
    ) -> Principal:
        connection.state.permission = permission
        return principal

    return dependency
