"""Domain errors: a broken invariant (409) or a value the domain refuses (422), with a code."""

from __future__ import annotations

from typing import Any

__all__ = ["DomainError", "InvalidValue", "InvariantViolated", "NotFound"]


class DomainError(Exception):
    """Base of errors raised by aggregates; ``code`` is machine-readable snake_case."""

    status_code = 409

    def __init__(self, code: str, message: str, details: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.details = details


class InvariantViolated(DomainError):
    """The command is not allowed in the aggregate's current state (HTTP 409)."""

    status_code = 409


class InvalidValue(DomainError):
    """The command carries a value the domain refuses (HTTP 422)."""

    status_code = 422


class NotFound(DomainError):
    """No aggregate with that id (HTTP 404)."""

    status_code = 404
