"""The backend's rate limits, applied once the caller is known (from ``authorize``) and on sign-in.

Anonymous callers are counted per client address (``public``), signed-in accounts and service
keys per identity (``authenticated``), and sign-in attempts per address and email (``login``).
Wrong credentials (a bearer token or service key that is not valid) are counted per address
(``failed_credentials``); an address past that limit is refused before its credentials are
even looked at, so guessing keys or tokens cannot go faster than the limit.
"""

from __future__ import annotations

import hashlib

from starlette.requests import HTTPConnection, Request

from aic.asgi.deferredheaders import defer_headers
from aic.asgi.observe import route_template
from aic.backend.bootstrap import BackendContainer
from aic.security.clientip import address_identity, client_ip

__all__ = [
    "AUTHENTICATED",
    "FAILED_CREDENTIALS",
    "LOGIN",
    "PUBLIC",
    "UNLIMITED_ROUTES",
    "count_failed_credentials",
    "enforce_login_rate_limit",
    "enforce_rate_limit",
    "login_identity",
    "refuse_if_credentials_failed_too_often",
    "request_address",
]

PUBLIC, AUTHENTICATED, LOGIN = "public", "authenticated", "login"
FAILED_CREDENTIALS = "failed_credentials"
# Probes and scrapes come often from one address (the kubelet, Prometheus); refusing them
# would restart healthy pods or blind the monitoring. Restrict them at the network instead.
UNLIMITED_ROUTES = frozenset({"/api/health", "/api/health/live", "/metrics"})


def request_address(connection: HTTPConnection) -> str:
    """The client's address, believing ``X-Forwarded-For`` only from ``AIC_TRUSTED_PROXIES``."""
    container: BackendContainer = connection.app.state.container
    return client_ip(connection.scope, container.settings.trusted_proxy_networks)


async def enforce_rate_limit(
    connection: HTTPConnection, principal_identity: str | None, *, public: bool
) -> None:
    """Count this request against its caller's limit, or raise the 429 ``ApiError``.

    ``principal_identity``: ``account:<id>`` or ``key:<id>`` for a known caller; an anonymous
    caller (``public`` or no identity) is counted by address. The standing goes out as
    ``X-RateLimit-*`` headers on the response.
    """
    container: BackendContainer = connection.app.state.container
    if not container.rate_limiter.enabled or route_template(connection.scope) in UNLIMITED_ROUTES:
        return
    if public or not principal_identity:
        identity, category = address_identity(request_address(connection)), PUBLIC
    else:
        identity, category = principal_identity, AUTHENTICATED
    state = await container.rate_limiter.check(identity, category)
    if state is not None:
        defer_headers(connection, state.headers())


def login_identity(address: str, email: str) -> str:
    """One bucket per address and account email; the email hashed, so Redis holds no address
    book (the same email in any case or padding is the same account)."""
    digest = hashlib.sha256(email.strip().lower().encode()).hexdigest()[:32]
    return f"{address_identity(address)}:email:{digest}"


async def enforce_login_rate_limit(request: Request, email: str) -> None:
    """Count a sign-in attempt for ``email`` from this client; 429 past ``AIC_RATE_LIMIT_LOGIN``.

    Every attempt counts, right or wrong: the limit is low enough for people, and a guesser
    learns nothing from which attempts were counted.
    """
    container: BackendContainer = request.app.state.container
    await container.rate_limiter.check(login_identity(request_address(request), email), LOGIN)


async def refuse_if_credentials_failed_too_often(connection: HTTPConnection) -> None:
    """429 when this client address is past ``AIC_RATE_LIMIT_FAILED_CREDENTIALS``, counting
    nothing: call it before looking at the credentials, so a right one is refused too (a
    guesser must not learn which of its refused attempts was right)."""
    container: BackendContainer = connection.app.state.container
    identity = address_identity(request_address(connection))
    await container.rate_limiter.refuse_if_exhausted(identity, FAILED_CREDENTIALS)


async def count_failed_credentials(connection: HTTPConnection) -> None:
    """Count one wrong credential against this client address (429 once past the limit)."""
    container: BackendContainer = connection.app.state.container
    identity = address_identity(request_address(connection))
    await container.rate_limiter.check(identity, FAILED_CREDENTIALS)
