"""Sending a command from a route: metadata, Idempotency-Key, and the 202 answer."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Header, Request

from aic.asgi.observe import route_template
from aic.backend.application.bus import CommandContext, CommandResult
from aic.backend.application.execution import request_hash
from aic.backend.application.ports import EventMetadata
from aic.backend.bootstrap import BackendContainer
from aic.backend.domain.messages import Command
from aic.backend.entrypoints.api.auth import Principal
from aic.backend.entrypoints.api.lead_schemas import AcceptedCommand
from aic.backend.entrypoints.api.storable import require_storable
from aic.observability.correlation import current_correlation_id

__all__ = ["IdempotencyKey", "accepted", "send"]

IdempotencyKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        min_length=1,
        max_length=200,
        pattern=r"^[A-Za-z0-9._:-]+$",
        description="Send the same key to retry safely: the first result comes back and "
        "nothing new is written. Reusing a key with a different body is refused (422).",
    ),
]


def accepted(result: CommandResult) -> AcceptedCommand:
    return AcceptedCommand(
        id=result.aggregate_id,
        version=result.version,
        duplicate=result.duplicate,
        events=list(result.event_ids),
    )


async def send(
    container: BackendContainer,
    request: Request,
    command: Command,
    principal: Principal,
    idempotency_key: str | None,
    body: Any = None,
    *,
    storable_checked: bool = False,
) -> AcceptedCommand:
    """Dispatch ``command``; the key's request hash covers the route and the body.

    ``storable_checked``: the caller already knows the body holds nothing unstorable.
    """
    if not storable_checked:
        require_storable(body)
    route = route_template(request.scope)
    metadata = EventMetadata(
        correlation_id=current_correlation_id(),
        actor=principal.actor,
        idempotency_key=f"{principal.actor}:{idempotency_key}" if idempotency_key else None,
        request_hash=request_hash({"route": route, "params": request.path_params, "body": body})
        if idempotency_key
        else None,
    )
    result = await container.commands.dispatch(command, CommandContext(metadata))
    return accepted(result)
