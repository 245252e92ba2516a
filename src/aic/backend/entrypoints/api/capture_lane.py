"""The fast lane of ``POST /api/leads``: a valid form skips FastAPI's per-request machinery.

Lead capture is the platform's hottest public write (every portal form, campaign bursts).
Through FastAPI a request passes a scan of every route, the dependency solver (container,
access check, body, header), the body model and the response model: about a fifth of the
request's CPU here, as much as the command and its append (ADR 0014).

This route sits first in the app's router and takes only ``POST /api/leads``. It parses and
validates the body with the very model the FastAPI route declares (``CaptureLeadRequest``),
and the ``Idempotency-Key`` header with the same constraints; when both are valid it runs the
same access check (``enforce_access``) and the same ``send`` as the FastAPI route and answers
202 with the same body. Anything else — a body or header that does not validate, a content
type other than JSON or none at all, an escape that may spell a NUL — is handed, with the
body replayed, to the FastAPI route itself, so every error answer (422 with field paths, 401,
403, 429 ...) comes from one place and is the one the OpenAPI document describes. The access
check runs once either way: the lane hands over before it.
``tests/integration/api/test_capture_lane.py`` holds both paths to the same
answers for valid and invalid requests.
"""

from __future__ import annotations

import re
import uuid
from typing import Any

from pydantic import ValidationError
from starlette.exceptions import HTTPException
from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response
from starlette.routing import Match, Route
from starlette.types import Receive, Scope, Send

from aic.backend.application.execution import derived_id
from aic.backend.bootstrap import BackendContainer
from aic.backend.domain import lead_commands as lc
from aic.backend.entrypoints.api.auth import enforce_access
from aic.backend.entrypoints.api.commands import send
from aic.backend.entrypoints.api.lead_schemas import CaptureLeadRequest

__all__ = ["PATH", "CaptureLane"]

PATH = "/api/leads"
_HANDED_OVER = "aic.capture_lane.handed_over"  # scope key: the FastAPI route answers this one
# The Idempotency-Key header's constraints, as `commands.IdempotencyKey` declares them.
_KEY = re.compile(r"[A-Za-z0-9._:-]{1,200}")  # fullmatch: `$` would let a final "\n" in
_JSON_TYPES = ("application/json",)


def _is_json(content_type: str | None) -> bool:
    if content_type is None:
        return False  # FastAPI (strict_content_type, its default) does not read it as JSON
    media = content_type.split(";", 1)[0].strip().lower()
    return media in _JSON_TYPES


class CaptureLane(Route):
    """``POST /api/leads`` for requests that need no error answer; the rest go to FastAPI."""

    def __init__(self) -> None:
        super().__init__(PATH, self._endpoint, methods=["POST"], include_in_schema=False)

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        if scope.get(_HANDED_OVER):
            return Match.NONE, {}
        match, child = super().matches(scope)
        if match is not Match.FULL:  # a GET of the same path is FastAPI's (the lead list)
            return Match.NONE, {}
        # FastAPI's router does not put the route in the scope; the access check and the
        # metrics read its template from there.
        return match, {**child, "route": self}

    async def handle(self, scope: Scope, receive: Receive, send_: Send) -> None:
        request = Request(scope, receive)
        try:
            body = await request.body()  # read once; the answer and a hand-over reuse it
        except ClientDisconnect:  # gone mid-body: the FastAPI route's answer, no error log
            raise HTTPException(400, "There was an error parsing the body") from None
        response = await self._answer(request)
        if response is None:
            await self._hand_over(scope, body, send_)
            return
        await response(scope, receive, send_)

    async def _endpoint(self, request: Request) -> Response:  # pragma: no cover - see handle
        raise RuntimeError("never called: handle() answers every request this route matches")

    async def _answer(self, request: Request) -> Response | None:
        headers = request.headers
        key = headers.get("idempotency-key")
        if key is not None and not _KEY.fullmatch(key):
            return None
        if not _is_json(headers.get("content-type")):
            return None
        body = await request.body()
        if b"\\u" in body:
            # An escape may spell a NUL, which no database stores: the FastAPI route answers
            # that 422. Without one the parser leaves none (it refuses raw control characters,
            # invalid UTF-8 and unpaired surrogate escapes), so the body needs no walk here.
            return None
        try:
            form = CaptureLeadRequest.model_validate_json(body)
        except ValidationError:
            return None
        principal = await enforce_access(request)
        request.state.permission = "leads:capture"
        container: BackendContainer = request.app.state.container
        scope_key = f"{principal.actor}:{key}"
        lead_id = str(derived_id("lead", scope_key) if key else uuid.uuid4())
        fields: dict[str, Any] = form.model_dump()
        command = lc.CaptureLead(lead_id=lead_id, **fields)
        accepted = await send(
            container, request, command, principal, key, fields, storable_checked=True
        )
        return Response(
            accepted.model_dump_json().encode(), status_code=202, media_type="application/json"
        )

    async def _hand_over(self, scope: Scope, body: bytes, send_: Send) -> None:
        """Let the app's router answer, with the lane out of the way and the body replayed."""
        replayed = False

        async def receive() -> dict[str, Any]:
            nonlocal replayed
            if replayed:
                return {"type": "http.disconnect"}
            replayed = True
            return {"type": "http.request", "body": body, "more_body": False}

        scope[_HANDED_OVER] = True
        for name in ("route", "endpoint", "path_params"):
            scope.pop(name, None)
        await scope["app"].router(scope, receive, send_)
