"""The one JSON error format of every 4xx/5xx response."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

__all__ = [
    "ERROR_RESPONSES",
    "JSON_ERROR_RESPONSES",
    "ErrorBody",
    "ErrorDetail",
    "ErrorResponse",
    "error_payload",
]


class ErrorDetail(BaseModel):
    """One problem with the input: where (a dotted field path) and what."""

    field: str = Field(examples=["body.email"])
    message: str = Field(examples=["Field required"])
    type: str = Field(examples=["missing"])


class ErrorBody(BaseModel):
    code: str = Field(description="Machine-readable, snake_case.", examples=["validation_error"])
    message: str = Field(description="For people: what went wrong and what to do.")
    details: Any = Field(default=None, description="Field problems, or other structured context.")


class ErrorResponse(BaseModel):
    error: ErrorBody


def error_payload(code: str, message: str, details: Any = None) -> dict[str, Any]:
    return {"error": {"code": code, "message": message, "details": details}}


# Declared on every app, so each operation of the OpenAPI document shows the error format.
ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    "4XX": {"model": ErrorResponse, "description": "Bad input: see `error.code` and `details`"},
    "5XX": {"model": ErrorResponse, "description": "A failure of the service"},
}

# For a route whose success is not JSON (an event stream): FastAPI files a ``model`` under the
# route's own media type, but its errors are JSON all the same.
JSON_ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    status: {
        "description": spec["description"],
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorResponse"}}},
    }
    for status, spec in ERROR_RESPONSES.items()
}
