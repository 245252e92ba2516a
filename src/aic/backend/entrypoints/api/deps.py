"""``Annotated`` dependency aliases, defined once."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from aic.backend.bootstrap import BackendContainer

__all__ = ["ContainerDep"]


async def _container(request: Request) -> BackendContainer:
    # async: a plain function dependency would cost a thread-pool hop on every request
    container: BackendContainer = request.app.state.container
    return container


ContainerDep = Annotated[BackendContainer, Depends(_container)]
