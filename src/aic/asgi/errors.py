"""Exception handlers that give every 4xx/5xx the one JSON error format."""

from __future__ import annotations

import re
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from aic.contracts.errors import error_payload

__all__ = ["ApiError", "code_for_status", "install_error_handlers", "validation_details"]


class ApiError(Exception):
    """An error a handler raises on purpose: status, machine code, message, details."""

    def __init__(
        self,
        status_code: int,
        code: str,
        message: str,
        details: Any = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status_code = status_code
        self.code = code
        self.message = message
        self.details = details
        self.headers = headers


# Where the HTTP phrase is dated or vague, the code says it plainly.
_CODES = {413: "payload_too_large", 422: "validation_error", 429: "rate_limited"}


def code_for_status(status_code: int) -> str:
    """``404`` → ``not_found``: the status phrase in snake_case."""
    if status_code in _CODES:
        return _CODES[status_code]
    try:
        phrase = HTTPStatus(status_code).phrase
    except ValueError:
        return "http_error"
    return re.sub(r"[^a-z0-9]+", "_", phrase.lower()).strip("_")


def validation_details(errors: Any) -> list[dict[str, str]]:
    """pydantic errors → ``[{"field": "body.email", "message": ..., "type": ...}]``."""
    details = []
    for error in errors:
        loc = error.get("loc", ())
        details.append(
            {
                "field": ".".join(str(part) for part in loc) or "body",
                "message": str(error.get("msg", "invalid")),
                "type": str(error.get("type", "value_error")),
            }
        )
    return details


def _message_for(status_code: int, detail: Any) -> str:
    if isinstance(detail, str) and detail and detail != HTTPStatus(status_code).phrase:
        return detail
    return {
        404: "No such resource. Check the path against the service's OpenAPI document.",
        405: "This method is not allowed on this path.",
        413: "The request body is larger than this service accepts.",
    }.get(status_code, HTTPStatus(status_code).phrase if 100 <= status_code < 600 else "Error")


async def _http_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    return JSONResponse(
        error_payload(
            code_for_status(exc.status_code),
            _message_for(exc.status_code, exc.detail),
            getattr(exc, "details", None),
        ),
        status_code=exc.status_code,
        headers=exc.headers,
    )


async def _validation_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    return JSONResponse(
        error_payload(
            "validation_error",
            "The request is not valid: see details for each field.",
            validation_details(exc.errors()),
        ),
        status_code=422,
    )


async def _api_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ApiError)
    return JSONResponse(
        error_payload(exc.code, exc.message, exc.details),
        status_code=exc.status_code,
        headers=exc.headers,
    )


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(ApiError, _api_error)
