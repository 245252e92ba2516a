"""Backend operations: ``aic migrate``, ``aic projections``, ``aic worker``."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal

from prometheus_client import CollectorRegistry, start_http_server
from pydantic import ValidationError
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table

from aic.backend.bootstrap import bootstrap
from aic.backend.settings import BackendSettings
from aic.backend.wiring import migrate_backend
from aic.cli.output import console, fail, settings_error
from aic.observability.logging import configure_logging
from aic.runtime import SETTLE_HEAP_ENV, settle_heap

__all__ = [
    "run_migrate",
    "run_projections_rebuild",
    "run_projections_status",
    "run_seed",
    "run_worker",
]


def _settings() -> BackendSettings:
    try:
        return BackendSettings()
    except ValidationError as exc:
        settings_error(exc)


def run_migrate() -> None:
    settings = _settings()
    configure_logging("cli", "warning", settings.log_format)
    applied = asyncio.run(migrate_backend(settings))
    if applied:
        for label in applied:
            console.print(f"applied {label}")
    else:
        console.print("the schema is up to date")


def run_projections_status() -> None:
    settings = _settings()
    configure_logging("cli", "warning", settings.log_format)

    async def run() -> tuple[int, list[tuple[str, int, str | None]]]:
        async with bootstrap(settings, run_loops=False) as container:
            head = await container.store.head_position()
            rows = await container.projections.status()
            return head, [(r.name, r.position, r.last_recorded_at) for r in rows]

    head, rows = asyncio.run(run())
    table = Table(title=f"projections (store head position {head})")
    for column in ("projection", "position", "behind", "last event recorded"):
        table.add_column(column)
    for name, position, recorded in rows:
        table.add_row(name, str(position), str(max(0, head - position)), recorded or "-")
    console.print(table)


def run_projections_rebuild(name: str | None) -> None:
    settings = _settings()
    configure_logging("cli", "warning", settings.log_format)

    async def run() -> None:
        async with bootstrap(settings, run_loops=False) as container:
            engine = container.projections
            names = [name] if name else sorted(engine.projections)
            try:
                for each in names:
                    engine.projection(each)
            except LookupError as exc:
                fail(str(exc))
            total = await container.store.head_position()
            columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn())
            with Progress(*columns, TimeElapsedColumn(), console=console) as progress:
                for each in names:
                    task = progress.add_task(each, total=total or None)

                    def advance(count: int, task: TaskID = task) -> None:
                        progress.advance(task, count)

                    applied = await engine.rebuild(each, progress=advance)
                    progress.update(task, description=f"{each}: {applied} events applied")

    asyncio.run(run())


def run_worker(kind: str, metrics_port: int | None = None, nice: int = 0) -> None:
    settings = _settings()
    if nice:
        os.nice(nice)
    os.environ[SETTLE_HEAP_ENV] = "1"
    if settings.redis_url is None:
        fail(
            "a separate worker needs the Redis Streams event bus to receive events: set "
            "AIC_REDIS_URL=redis://HOST:6379/0 (without Redis, `aic backend` runs this work "
            "in its own process)."
        )
    configure_logging(f"worker-{kind}", settings.log_level, settings.log_format)
    loops = {
        "projections": ("projections",),
        "sagas": (
            "sagas",
            "saga-timer",
            "publication-scheduler",
            "engagement-signals",
            "webhooks",
            "webhook-delivery",
            "session-pruning",
        ),
        "relay": ("outbox-relay",),
    }[kind]

    async def run() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(signum, stop.set)
        registry = CollectorRegistry()
        async with bootstrap(settings, registry, run_loops=loops) as container:
            settle_heap()
            with contextlib.ExitStack() as stack:
                if metrics_port is not None:
                    try:  # prometheus_client's server, on a daemon thread
                        server, _ = start_http_server(
                            metrics_port, settings.backend_host, registry=registry
                        )
                    except OSError as exc:
                        fail(f"cannot serve metrics on port {metrics_port}: {exc}; use a free one.")
                    stack.callback(server.shutdown)
                console.print(f"worker {kind} running: {', '.join(container.loops.running)}")
                await stop.wait()

    asyncio.run(run())


def _seed(settings: BackendSettings, *, only_if_empty: bool = False) -> None:
    """Load the demo company; with ``only_if_empty``, only into an empty event store (one
    container serves both the check and the seeding)."""
    from aic.backend.demo.seed import seed_demo

    async def run() -> None:
        async with bootstrap(settings, run_loops=False) as container:
            if only_if_empty:
                if await container.store.head_position() != 0:
                    return
                console.print("empty data folder: loading the demo company (--no-seed skips it)")
            with Progress(
                TextColumn("{task.description}"),
                BarColumn(),
                MofNCompleteColumn(),
                TimeElapsedColumn(),
                console=console,
            ) as progress:
                tasks: dict[str, TaskID] = {}

                def report(stage: str, done: int, total: int) -> None:
                    if stage not in tasks:
                        tasks[stage] = progress.add_task(stage, total=total)
                    progress.update(tasks[stage], completed=done, total=total)

                result = await seed_demo(container.commands, container.tracking, progress=report)
            console.print(result.summary())
            if result.refused:
                fail(f"{len(result.refused)} demo steps were refused; see above.", 1)

    asyncio.run(run())


def run_seed() -> None:
    settings = _settings()
    configure_logging("cli", "warning", settings.log_format)
    _seed(settings)


def seed_if_empty(settings: BackendSettings) -> None:
    """``aic up`` on an empty data folder loads the demo company first."""
    configure_logging("cli", "warning", settings.log_format)
    _seed(settings, only_if_empty=True)
