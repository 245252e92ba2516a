"""Readiness: probe every dependency at once, each within a time limit, and grade the result."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

from aic.contracts.health import DependencyHealth, Readiness

__all__ = ["Dependency", "ReadinessCheck"]


@dataclass(frozen=True, slots=True)
class Dependency:
    """Something the service needs; ``ping`` returns when it answers and raises when not."""

    name: str
    adapter: str
    required: bool
    ping: Callable[[], Awaitable[None]]


class ReadinessCheck:
    def __init__(
        self, service: str, version: str, dependencies: Sequence[Dependency], timeout: float
    ) -> None:
        self.service = service
        self.version = version
        self.dependencies = list(dependencies)
        self.timeout = timeout

    async def run(self) -> Readiness:
        results = await asyncio.gather(*(self._probe(d) for d in self.dependencies))
        checks = {d.name: r for d, r in zip(self.dependencies, results, strict=True)}
        if any(r.status == "down" and r.required for r in checks.values()):
            status = "unavailable"
        elif any(r.status == "down" for r in checks.values()):
            status = "degraded"
        else:
            status = "ok"
        return Readiness(status=status, service=self.service, version=self.version, checks=checks)

    async def _probe(self, dependency: Dependency) -> DependencyHealth:
        begin = time.perf_counter()
        error: str | None = None
        try:
            await asyncio.wait_for(dependency.ping(), self.timeout)
        except TimeoutError:
            error = f"no answer within {self.timeout:g} s"
        except Exception as exc:  # a probe reports any failure; it never raises
            error = f"{type(exc).__name__}: {exc}"[:300]
        return DependencyHealth(
            status="down" if error else "up",
            required=dependency.required,
            adapter=dependency.adapter,
            latency_ms=round((time.perf_counter() - begin) * 1000, 3),
            error=error,
        )
