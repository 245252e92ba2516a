"""The WebSocket protocol's client messages, and the server's replies that are not events."""

from __future__ import annotations

from typing import Annotated, Any, Literal

import orjson
from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError

from aic.asgi.errors import validation_details
from aic.backend.entrypoints.realtime.access import MAX_POSITION

__all__ = [
    "CLOSE_FAILED",
    "CLOSE_FORBIDDEN",
    "CLOSE_SHUTDOWN",
    "CLOSE_SLOW",
    "CLOSE_TRY_LATER",
    "CLOSE_UNAUTHENTICATED",
    "ClientMessage",
    "InvalidMessage",
    "Ping",
    "Subscribe",
    "Unsubscribe",
    "error_message",
    "parse_client_message",
]

# Close codes (4000-4999 are the application's; the others are RFC 6455's).
CLOSE_UNAUTHENTICATED = 4401  # no, expired or invalid credentials: sign in, connect again
CLOSE_FORBIDDEN = 4403  # signed in, but the role may not use this route
CLOSE_SLOW = 4008  # the queue filled: reconnect and subscribe with `after` = last position
CLOSE_SHUTDOWN = 1012  # the server restarts: reconnect (another replica) with `after`
CLOSE_TRY_LATER = 1013  # realtime unavailable or at its subscriber limit: retry shortly
CLOSE_FAILED = 1011  # the store failed mid-stream: reconnect with `after`


class _Message(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Subscribe(_Message):
    """Start (or replace) the subscription: the topics (all allowed ones when left out),
    replaying the events after ``after`` first (only live events when left out)."""

    type: Literal["subscribe"]
    topics: list[Annotated[str, Field(max_length=40)]] | None = Field(None, max_length=20)
    after: int | None = Field(None, ge=0, le=MAX_POSITION)


class Unsubscribe(_Message):
    type: Literal["unsubscribe"]


class Ping(_Message):
    type: Literal["ping"]
    id: Annotated[str, Field(max_length=100)] | None = None  # echoed in the pong


ClientMessage = Annotated[Subscribe | Unsubscribe | Ping, Field(discriminator="type")]
_CLIENT_MESSAGE: TypeAdapter[Subscribe | Unsubscribe | Ping] = TypeAdapter(ClientMessage)


class InvalidMessage(ValueError):
    def __init__(self, code: str, message: str, details: Any = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.details = details


def parse_client_message(text: str | bytes) -> Subscribe | Unsubscribe | Ping:
    try:
        value = orjson.loads(text)
    except orjson.JSONDecodeError:
        raise InvalidMessage("invalid_json", "A message must be one JSON object.") from None
    if not isinstance(value, dict) or not isinstance(value.get("type"), str):
        raise InvalidMessage(
            "invalid_message",
            'A message is a JSON object with a "type": subscribe, unsubscribe or ping.',
        )
    try:
        return _CLIENT_MESSAGE.validate_python(value)
    except ValidationError as exc:
        raise InvalidMessage(
            "validation_error",
            f"Invalid {value['type'][:40]!r} message: see details.",
            validation_details(exc.errors()),
        ) from None


def error_message(code: str, message: str, details: Any = None) -> str:
    """The one error format, as a WebSocket message: ``{"type": "error", ...}``."""
    return orjson.dumps(
        {"type": "error", "code": code, "message": message, "details": details}
    ).decode()
