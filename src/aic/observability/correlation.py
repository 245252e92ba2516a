"""Correlation ids: accepted from ``X-Correlation-ID`` when valid, otherwise generated."""

from __future__ import annotations

import re
import uuid
from contextvars import ContextVar

__all__ = [
    "CORRELATION_HEADER",
    "current_correlation_id",
    "new_correlation_id",
    "set_correlation_id",
    "valid_correlation_id",
]

CORRELATION_HEADER = "X-Correlation-ID"
# Letters, digits and . _ : - only, at most 128: safe in logs and headers, long enough for
# UUIDs, W3C trace ids and the ids other gateways send.
_VALID = re.compile(r"[A-Za-z0-9._:-]{1,128}")

_current: ContextVar[str | None] = ContextVar("aic_correlation_id", default=None)


def valid_correlation_id(value: str | None) -> str | None:
    """Return ``value`` if it is an acceptable correlation id, else ``None``."""
    if value is not None and _VALID.fullmatch(value):
        return value
    return None


def new_correlation_id() -> str:
    return uuid.uuid4().hex


def current_correlation_id() -> str | None:
    """The id of the request being served in this context, if any."""
    return _current.get()


def set_correlation_id(value: str | None) -> None:
    _current.set(value)
