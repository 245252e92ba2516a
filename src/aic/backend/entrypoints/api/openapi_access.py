"""The OpenAPI document says how to authenticate and which roles each operation needs."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI

from aic.backend.entrypoints.api.auth import SESSION_COOKIE
from aic.security.rbac import rule_for

__all__ = ["SECURITY_SCHEMES", "document_access"]

SECURITY_SCHEMES: dict[str, dict[str, Any]] = {
    "accessToken": {
        "type": "http",
        "scheme": "bearer",
        "bearerFormat": "JWT",
        "description": "An access token from `POST /api/auth/login` or `/api/auth/refresh`.",
    },
    "serviceKey": {
        "type": "apiKey",
        "in": "header",
        "name": "X-API-Key",
        "description": "The service key (the `service` role); also accepted as a bearer token.",
    },
    "sessionCookie": {
        "type": "apiKey",
        "in": "cookie",
        "name": SESSION_COOKIE,
        "description": "A portal session; changes also need the `X-CSRF-Token` header.",
    },
}
_ANY_CREDENTIAL: list[dict[str, list[str]]] = [{name: []} for name in SECURITY_SCHEMES]


def document_access(app: FastAPI) -> None:
    """Add the security schemes, and to each operation its requirement and ``x-roles``."""
    build = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema
        schema = build()
        schema.setdefault("components", {})["securitySchemes"] = SECURITY_SCHEMES
        for path, operations in schema.get("paths", {}).items():
            for method, operation in operations.items():
                rule = rule_for(method, path)
                if rule is None:
                    continue
                # Public: credentials optional (`{}`); otherwise any one of the three.
                operation["security"] = [{}, *_ANY_CREDENTIAL] if rule.public else _ANY_CREDENTIAL
                operation["x-roles"] = ["public"] if rule.public else sorted(rule.roles)
        return schema

    app.openapi = openapi  # type: ignore[method-assign]
