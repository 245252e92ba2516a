"""Readiness grades dependencies: required down → unavailable, optional down → degraded."""

from __future__ import annotations

import asyncio

from aic.backend.application.health import Dependency, ReadinessCheck


async def _up() -> None:
    return None


async def _down() -> None:
    raise ConnectionRefusedError("connection refused")


async def _hangs() -> None:
    await asyncio.sleep(10)


def _run(*dependencies: Dependency) -> dict[str, object]:
    check = ReadinessCheck("backend", "1.0", dependencies, timeout=0.2)
    return asyncio.run(check.run()).model_dump()


def test_all_up_is_ok() -> None:
    report = _run(
        Dependency("event_store", "sqlite", True, _up), Dependency("ai", "http", False, _up)
    )
    assert report["status"] == "ok"
    assert report["checks"]["event_store"]["status"] == "up"  # type: ignore[index]


def test_an_optional_dependency_down_is_degraded_with_the_reason() -> None:
    report = _run(
        Dependency("event_store", "sqlite", True, _up), Dependency("ai", "http", False, _down)
    )
    assert report["status"] == "degraded"
    ai = report["checks"]["ai"]  # type: ignore[index]
    assert ai["status"] == "down"
    assert "connection refused" in ai["error"]


def test_a_required_dependency_down_is_unavailable() -> None:
    report = _run(
        Dependency("event_store", "pg", True, _down), Dependency("ai", "http", False, _up)
    )
    assert report["status"] == "unavailable"


def test_a_probe_that_hangs_is_cut_off_by_the_timeout_and_probes_run_at_once() -> None:
    loop_start = asyncio.new_event_loop()
    try:
        begin = loop_start.time()
        check = ReadinessCheck(
            "backend",
            "1.0",
            [Dependency(f"dep{i}", "x", True, _hangs) for i in range(5)],
            timeout=0.2,
        )
        report = loop_start.run_until_complete(check.run())
        elapsed = loop_start.time() - begin
    finally:
        loop_start.close()
    assert report.status == "unavailable"
    assert all("no answer within 0.2 s" in (c.error or "") for c in report.checks.values())
    assert elapsed < 2.0  # five 0.2 s timeouts in parallel, not 10 s sleeps
