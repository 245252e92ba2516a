"""``Annotated`` dependency aliases, defined once."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from aic.backend.bootstrap import BackendContainer

__all__ = ["ContainerDep"]


def _container(request: Request) -> BackendContainer:
    container: BackendContainer = request.app.state.container
    return container


ContainerDep = Annotated[BackendContainer, Depends(_container)]
