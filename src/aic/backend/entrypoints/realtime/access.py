"""Who is subscribing, to which topics, from where: shared by the SSE and WebSocket routes."""

from __future__ import annotations

from collections.abc import Collection

from starlette.requests import HTTPConnection

from aic.asgi import ApiError
from aic.backend.application.ports import EventStore
from aic.backend.application.realtime import TOPICS, Audience, TopicsNotAllowed, UnknownTopics
from aic.backend.entrypoints.api.auth import Principal, authenticate
from aic.backend.entrypoints.realtime.credentials import CredentialCheck, Lost

__all__ = ["audience_for", "check_position", "credential_check", "parse_topics", "subscriber"]

MAX_POSITION = 2**63 - 1


async def subscriber(connection: HTTPConnection) -> Principal:
    """The signed-in caller (any role), or ``ApiError`` 401."""
    principal = await authenticate(connection)
    if principal.kind == "anonymous":
        raise ApiError(
            401,
            "unauthenticated",
            "Sign in to subscribe: send a bearer token, the `access_token` query parameter "
            "or the session cookie.",
        )
    return principal


def credential_check(connection: HTTPConnection, principal: Principal) -> CredentialCheck:
    """Re-checks, while the stream runs, the credentials ``connection`` opened with (the
    bearer token, key or session cookie it still carries): every
    ``AIC_REALTIME_RECHECK_SECONDS``, and at the access token's expiry."""

    async def check() -> Lost | None:
        # Authenticated afresh, as a new request with the same credentials would be (a
        # connection keeps the principal it was first given on its state: left out here).
        fresh = HTTPConnection({**connection.scope, "state": {}})
        try:
            current = await authenticate(fresh)
        except ApiError as exc:
            return "expired" if exc.code == "token_expired" else "revoked"
        if (current.kind, current.id, current.session_id) != (
            principal.kind,
            principal.id,
            principal.session_id,
        ):
            return "revoked"  # e.g. a session cookie whose session ended: anonymous now
        return "roles_changed" if current.roles != principal.roles else None

    every: float = connection.app.state.container.settings.realtime_recheck_seconds
    return CredentialCheck(check, every, principal.expires_at)


def parse_topics(values: Collection[str] | None) -> list[str] | None:
    """``["leads,content", "notifications"]`` → the names; ``None`` or nothing: every topic."""
    if values is None:
        return None
    names = [name.strip() for value in values for name in value.split(",") if name.strip()]
    return names or None


def audience_for(principal: Principal, topics: Collection[str] | None) -> Audience:
    """The audience of ``principal`` for the requested topics, or ``ApiError`` 422/403."""
    try:
        return Audience.of(principal.id, principal.roles, topics)
    except UnknownTopics as exc:
        raise ApiError(
            422,
            "unknown_topic",
            f"Unknown topic(s) {', '.join(exc.topics)}; the topics are {', '.join(TOPICS)}.",
            {"unknown": exc.topics, "topics": list(TOPICS)},
        ) from None
    except TopicsNotAllowed as exc:
        raise ApiError(
            403,
            "topic_forbidden",
            f"Your roles may not subscribe to {', '.join(exc.topics)}.",
            {"requested": exc.topics},
        ) from None


async def check_position(store: EventStore, after: int) -> None:
    """``ApiError`` 422 unless ``after`` is 0 or the position of a stored event."""
    try:
        await store.read_all(after=after, limit=1)
    except ValueError:
        raise ApiError(
            422,
            "unknown_position",
            f"No event has position {after}: resume from 0 or from a position received.",
            {"after": after},
        ) from None
