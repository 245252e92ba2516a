"""Every dependency of both services' routes is async: a plain function runs in the thread
pool, a hop on every request that the hot paths (lead capture, ai calls) cannot afford."""

from __future__ import annotations

import inspect
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute, APIWebSocketRoute

from aic.ai.entrypoints.app import create_app as create_ai
from aic.ai.settings import AISettings
from aic.backend.entrypoints.app import create_app as create_backend
from aic.backend.settings import BackendSettings


def _calls(dependant: Any) -> Iterator[Any]:
    for dependency in dependant.dependencies:
        if dependency.call is not None:
            yield dependency.call
        yield from _calls(dependency)


def _sync_dependencies(app: FastAPI) -> list[str]:
    found = []
    for route in app.routes:
        if not isinstance(route, APIRoute | APIWebSocketRoute):
            continue
        for call in _calls(route.dependant):
            target = call if inspect.isfunction(call) else getattr(call, "__call__", call)  # noqa: B004
            if not inspect.iscoroutinefunction(target):
                found.append(f"{route.path}: {getattr(call, '__qualname__', call)!r}")
    return sorted(set(found))


@pytest.mark.parametrize("service", ["backend", "ai"])
def test_no_route_waits_on_the_thread_pool_for_a_dependency(service: str, tmp_path: Path) -> None:
    if service == "backend":
        app = create_backend(BackendSettings(data_dir=tmp_path))
    else:
        app = create_ai(AISettings(data_dir=tmp_path, service_api_keys="k"))
    assert _sync_dependencies(app) == []
