"""Service-key authentication of every ``/v1/*`` route.

A caller presents a key as ``Authorization: Bearer <key>`` (how OpenAI clients send theirs) or
as ``X-API-Key``. ``ServiceKeyVerifier`` on the container decides whether a key is valid:
bootstrap keys from settings (or the generated one), compared in constant time; the security
issue adds issued keys stored hashed, with rotation and revocation.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer

from aic.ai.keys import ServiceKeyVerifier
from aic.asgi.errors import ApiError

__all__ = ["ServiceCaller", "require_service_key"]


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
    verifier: ServiceKeyVerifier = request.app.state.container.key_verifier
    key_id = await verifier.verify(key)
    if key_id is None:
        raise ApiError(
            401,
            "invalid_service_key",
            "The service key is not valid (unknown, revoked or mistyped).",
            headers={"WWW-Authenticate": 'Bearer error="invalid_token"'},
        )
    request.state.service_key_id = key_id
    return key_id


ServiceCaller = Annotated[str, Depends(_service_caller)]
require_service_key = Depends(_service_caller)
