"""Service-key authentication of every ``/v1/*`` route.

A caller presents a key as ``Authorization: Bearer <key>`` (how OpenAI clients send theirs) or
as ``X-API-Key``. ``ServiceKeyVerifier`` on the container decides whether a key is valid:
bootstrap keys from settings (or the generated one), compared in constant time, then keys
issued through the admin API (stored hashed; see ``aic.ai.servicekeys``).

Rate limits: each key has ``AIC_RATE_LIMIT_SERVICE``; wrong keys are counted per client
address, and an address past ``AIC_RATE_LIMIT_FAILED_KEY`` is refused before its key is even
looked at, so guessing cannot go faster than that limit (a right key included, since a guesser
must not learn which of its refused attempts was right).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer

from aic.ai.bootstrap import AIContainer
from aic.ai.keys import KeyStoreUnavailable, is_bootstrap_key_id
from aic.asgi.deferredheaders import defer_headers
from aic.asgi.errors import ApiError
from aic.security.clientip import address_identity, client_ip

__all__ = ["AdminCaller", "ServiceCaller", "require_admin_key", "require_service_key"]

SERVICE, FAILED_KEY = "service", "failed_key"


_bearer = HTTPBearer(auto_error=False, description="The service key, as OpenAI clients send it")
_api_key = APIKeyHeader(name="X-API-Key", auto_error=False, description="The service key")


async def _service_caller(
    request: Request,
    bearer: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
    api_key: Annotated[str | None, Depends(_api_key)],
) -> str:
    key = api_key or (bearer.credentials if bearer else None)
    if not key:
        raise ApiError(
            401,
            "unauthorized",
            "A service key is required: send `Authorization: Bearer <key>` or `X-API-Key`.",
            headers={"WWW-Authenticate": "Bearer"},
        )
    container: AIContainer = request.app.state.container
    limiter = container.rate_limiter
    address = client_ip(request.scope, container.settings.trusted_proxy_networks)
    await limiter.refuse_if_exhausted(address_identity(address), FAILED_KEY)
    try:
        key_id = await container.key_verifier.verify(key)
    except KeyStoreUnavailable:
        raise ApiError(
            503,
            "key_store_unavailable",
            "The service key cannot be checked right now (ai's database does not answer); "
            "bootstrap keys still work. Try again shortly.",
            headers={"Retry-After": "5"},
        ) from None
    if key_id is None:
        await limiter.check(address_identity(address), FAILED_KEY)
        raise ApiError(
            401,
            "invalid_service_key",
            "The service key is not valid (unknown, revoked, expired or mistyped).",
            headers={"WWW-Authenticate": 'Bearer error="invalid_token"'},
        )
    state = await limiter.check(f"key:{key_id}", SERVICE)
    if state is not None:
        defer_headers(request, state.headers())
    request.state.service_key_id = key_id
    return key_id


ServiceCaller = Annotated[str, Depends(_service_caller)]
require_service_key = Depends(_service_caller)


async def _admin_caller(key_id: ServiceCaller) -> str:
    if not is_bootstrap_key_id(key_id):
        raise ApiError(
            403,
            "admin_key_required",
            "Only a bootstrap key (AIC_SERVICE_API_KEYS, or the generated one) may manage "
            "service keys; issued keys may not issue or revoke keys.",
        )
    return key_id


AdminCaller = Annotated[str, Depends(_admin_caller)]
require_admin_key = Depends(_admin_caller)
