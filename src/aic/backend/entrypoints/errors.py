"""Domain and store errors as HTTP errors: 404/409/422 with the domain's code."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from aic.backend.application.ports import ConcurrencyError
from aic.backend.domain.errors import DomainError
from aic.contracts.errors import error_payload

__all__ = ["VERSION_CONFLICT_MESSAGE", "install_domain_error_handlers"]

VERSION_CONFLICT_MESSAGE = "Someone else changed this at the same time; reload it and try again."


async def _domain_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, DomainError)
    return JSONResponse(
        error_payload(exc.code, exc.message, exc.details), status_code=exc.status_code
    )


async def _conflict(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ConcurrencyError)
    return JSONResponse(
        error_payload(
            "version_conflict",
            VERSION_CONFLICT_MESSAGE,
            {"current_version": exc.current_version, "expected_version": exc.expected_version},
        ),
        status_code=409,
    )


def install_domain_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(DomainError, _domain_error)
    app.add_exception_handler(ConcurrencyError, _conflict)
