"""The one role-check dependency every route goes through.

Each route declares the permission it needs (``leads:read``, ``content:publish`` ...); the
security issue turns ``authorize`` into token/session authentication plus the static role-by-
route table. Until then every caller is let through as the anonymous principal, so routes,
tests and the OpenAPI document already carry their permissions.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Literal

from fastapi import Request

__all__ = ["PUBLIC", "Principal", "authorize"]

PUBLIC = "public"


@dataclass(frozen=True, slots=True)
class Principal:
    id: str
    kind: Literal["anonymous", "account", "service"] = "anonymous"
    roles: frozenset[str] = field(default_factory=frozenset)

    @property
    def actor(self) -> str:
        """How events record who caused them."""
        return self.id if self.kind != "anonymous" else "public"


ANONYMOUS = Principal(id="anonymous")


def authorize(permission: str) -> Callable[[Request], Awaitable[Principal]]:
    """A dependency: the caller, once allowed ``permission`` (see module docstring)."""

    async def dependency(request: Request) -> Principal:
        request.state.permission = permission
        return ANONYMOUS

    return dependency
