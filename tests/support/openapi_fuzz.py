"""The bounded, reproducible schemathesis runs both services' OpenAPI documents get."""

from __future__ import annotations

from typing import Any

import schemathesis
from fastapi import FastAPI

__all__ = ["REFUSALS", "load_schema"]

# What a refusal of schema-violating input may be: 413 is the body limit, which is a refusal
# (schemathesis does not count it as one by default).
REFUSALS = [400, 401, 403, 404, 405, 406, 409, 413, 415, 422, 428, 429]
CHECKS = (
    "not_a_server_error",
    "status_code_conformance",
    "content_type_conformance",
    "response_schema_conformance",
    "response_headers_conformance",
)


def load_schema(
    app: FastAPI, *, max_examples: int, operations: list[dict[str, Any]] | None = None
) -> schemathesis.BaseSchema:
    """``app``'s OpenAPI document, to be fuzzed with every phase but the stateful one.

    Explicit examples, then the coverage phase (boundaries, each constraint broken in turn,
    unexpected methods), then ``max_examples`` generated cases per operation, positive and
    negative; a fixed seed and no example database, so every run sends the same requests.
    ``operations`` holds per-operation overrides (schemathesis' ``[[operations]]`` tables).
    """
    checks: dict[str, Any] = {name: {"enabled": True} for name in CHECKS}
    checks["negative_data_rejection"] = {"enabled": True, "expected-statuses": REFUSALS}
    config = schemathesis.Config.from_dict(
        {
            "seed": 20261126,
            "generation": {
                "mode": "all",
                "max-examples": max_examples,
                "database": "none",
                "deterministic": True,
                # The tests send the credentials; generated ones would only replace them.
                "with-security-parameters": False,
            },
            "phases": {"stateful": {"enabled": False}},
            "checks": {"enabled": False, **checks},
            "max-stream-events": 1,  # an event stream is read this far, then let go
            "request-timeout": 30,
            "operations": operations or [],
        }
    )
    return schemathesis.openapi.from_dict(app.openapi(), config=config)
