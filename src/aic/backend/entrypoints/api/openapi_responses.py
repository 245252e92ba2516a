"""The OpenAPI document's responses: examples as the routes wrote them, and shared errors.

FastAPI leaves every null out of the document, examples included; the routes' examples are
put back as written, so an example keeps the fields its schema requires. Then, per
operation, the errors every route shares: a signed-in-only operation can answer 401 (no or
bad credentials) and 403 (roles that do not allow it; `x-roles` lists those that do); one
with parameters or a body answers 422 `validation_error`, whose example names a field path
of that very operation. Errors particular to a route (404, 409, its own 422 codes) are
declared on the route (``examples.documented``); these are added next to them.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.routing import APIRoute, iter_route_contexts

from aic.backend.domain.accounts import ROLES
from aic.contracts.errors import error_payload

__all__ = ["document_responses"]

_ERROR_SCHEMA = {"$ref": "#/components/schemas/ErrorResponse"}
_UNAUTHENTICATED = (
    "Sign in first: send `Authorization: Bearer <access token>` or the session cookie."
)
_INVALID = "The request is not valid: see details for each field."
_LOCATIONS = {"path": "path", "query": "query", "header": "header", "cookie": "cookie"}


def document_responses(app: FastAPI) -> None:
    """Restore the routes' examples and add the shared errors to ``app``'s document (call
    after ``document_access``, whose ``x-roles`` it reads)."""
    build = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema
        schema = build()
        _restore_examples(app, schema.get("paths", {}))
        components = schema.get("components", {}).get("schemas", {})
        for operations in schema.get("paths", {}).values():
            for operation in operations.values():
                _shared_errors(operation, components)
        return schema

    app.openapi = openapi  # type: ignore[method-assign]


def _restore_examples(app: FastAPI, paths: dict[str, Any]) -> None:
    for context in iter_route_contexts(app.routes):  # routes of included routers too
        route = context.original_route
        if not isinstance(route, APIRoute) or not route.include_in_schema:
            continue
        for method in route.methods or ():
            operation = paths.get(context.path_format or "", {}).get(method.lower())
            if operation is None:
                continue
            for status, response in route.responses.items():
                documented = operation["responses"].get(str(status), {}).get("content", {})
                for media_type, media in response.get("content", {}).items():
                    target = documented.get(media_type)
                    if target is None:
                        continue
                    if "example" in media:
                        target["example"] = media["example"]
                    if "examples" in media:
                        target["examples"] = {**target.get("examples", {}), **media["examples"]}


def _shared_errors(operation: dict[str, Any], components: dict[str, Any]) -> None:
    roles = operation.get("x-roles", ["public"])
    if roles != ["public"]:
        _add(operation, 401, "Unauthorized", "unauthenticated", _UNAUTHENTICATED)
        refused = [role for role in ROLES if role not in roles]
        if refused:
            details = {"required_any_of": roles, "held": refused[-1:]}
            _add(operation, 403, "Forbidden", "forbidden", "Your roles do not allow this.", details)
    invalid = _invalid_inputs(operation, components)
    if invalid:
        _add(operation, 422, "Unprocessable Content", "validation_error", _INVALID, invalid)


def _add(
    operation: dict[str, Any],
    status: int,
    description: str,
    code: str,
    message: str,
    details: Any = None,
) -> None:
    responses = operation.setdefault("responses", {})
    response = responses.setdefault(str(status), {"description": description})
    media = response.setdefault("content", {}).setdefault("application/json", {})
    media.setdefault("schema", _ERROR_SCHEMA)
    example = {"summary": message, "value": error_payload(code, message, details)}
    media.setdefault("examples", {}).setdefault(code, example)


def _invalid_inputs(operation: dict[str, Any], components: dict[str, Any]) -> list[dict[str, str]]:
    """Up to two field problems this operation's input could have, as the API reports them."""
    found: list[dict[str, str]] = []
    body = operation.get("requestBody", {}).get("content", {}).get("application/json")
    if body is not None:
        problem = _body_problem(_resolve(body.get("schema", {}), components))
        if problem is not None:
            found.append(problem)
    for parameter in operation.get("parameters", []):
        where = _LOCATIONS.get(parameter.get("in", ""), "query")
        problem = _value_problem(f"{where}.{parameter['name']}", parameter.get("schema", {}))
        if problem is not None:
            found.append(problem)
            break
    return found


def _body_problem(schema: dict[str, Any]) -> dict[str, str] | None:
    required = schema.get("required", [])
    if required:
        return _detail(f"body.{required[0]}", "Field required", "missing")
    if schema.get("additionalProperties") is False:
        return _detail("body.colour", "Extra inputs are not permitted", "extra_forbidden")
    return None


def _value_problem(field: str, schema: dict[str, Any]) -> dict[str, str] | None:
    branches = [s for s in schema.get("anyOf", [schema]) if s.get("type") != "null"]
    value = branches[0] if branches else schema
    if "pattern" in value:
        pattern = value["pattern"]
        return _detail(field, f"String should match pattern '{pattern}'", "string_pattern_mismatch")
    if "maximum" in value:
        limit = value["maximum"]
        return _detail(field, f"Input should be less than or equal to {limit}", "less_than_equal")
    if "minimum" in value:
        limit = value["minimum"]
        return _detail(
            field, f"Input should be greater than or equal to {limit}", "greater_than_equal"
        )
    if "maxLength" in value:
        limit = value["maxLength"]
        return _detail(field, f"String should have at most {limit} characters", "string_too_long")
    if "enum" in value:
        choices = ", ".join(repr(v) for v in value["enum"])
        return _detail(field, f"Input should be one of {choices}", "literal_error")
    if value.get("type") == "boolean":
        return _detail(field, "Input should be a valid boolean", "bool_parsing")
    return None


def _detail(field: str, message: str, kind: str) -> dict[str, str]:
    return {"field": field, "message": message, "type": kind}


def _resolve(schema: dict[str, Any], components: dict[str, Any]) -> dict[str, Any]:
    for _ in range(10):  # bounded: a chain of references
        ref = schema.get("$ref")
        if not isinstance(ref, str):
            break
        schema = components.get(ref.rsplit("/", 1)[-1], {})
    branches = [s for s in schema.get("anyOf", []) if s.get("type") != "null"]
    if branches:  # an optional body: the model it takes
        return _resolve(branches[0], components)
    return schema
