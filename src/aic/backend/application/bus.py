"""Command bus (one handler per command, middleware) and query bus (reads read models only)."""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Histogram

from aic.backend.application.ports import ConcurrencyError, EventMetadata
from aic.backend.domain.messages import Command
from aic.observability.logging import get_logger

__all__ = [
    "CommandBus",
    "CommandContext",
    "CommandResult",
    "Middleware",
    "QueryBus",
    "logging_middleware",
    "metrics_middleware",
    "retry_on_conflict",
]


@dataclass(frozen=True, slots=True)
class CommandContext:
    """Who sends the command and how to recognise a retry of it."""

    metadata: EventMetadata = field(default_factory=EventMetadata)


@dataclass(frozen=True, slots=True)
class CommandResult:
    """What a 202 promises: these events are committed at this stream version."""

    aggregate_id: str
    version: int
    event_ids: tuple[str, ...] = ()
    duplicate: bool = False  # a retry: the first result, nothing new written
    data: dict[str, Any] = field(default_factory=dict)


Handler = Callable[[Any, CommandContext], Awaitable[CommandResult]]
Next = Callable[[Command, CommandContext], Awaitable[CommandResult]]
Middleware = Callable[[Command, CommandContext, Next], Awaitable[CommandResult]]


class CommandBus:
    def __init__(self, middleware: Sequence[Middleware] = ()) -> None:
        self._handlers: dict[type[Command], Handler] = {}
        self._middleware = list(middleware)
        self._after_commit: list[Callable[[], None]] = []
        self._chains: dict[type[Command], Next] = {}  # handler wrapped in the middleware

    def after_commit(self, callback: Callable[[], None]) -> None:
        """Call ``callback`` after each command that wrote events (e.g. wake the relay)."""
        self._after_commit.append(callback)

    def register(self, command_type: type[Command], handler: Handler) -> None:
        if command_type in self._handlers:
            raise ValueError(f"{command_type.__name__} already has a handler")
        self._handlers[command_type] = handler
        call: Next = handler
        for middleware in reversed(self._middleware):
            call = _bind(middleware, call)
        self._chains[command_type] = call  # built once: dispatch is on every command's path

    def handles(self, command_type: type[Command]) -> bool:
        return command_type in self._handlers

    async def dispatch(self, command: Command, context: CommandContext) -> CommandResult:
        call = self._chains.get(type(command))
        if call is None:
            raise LookupError(f"no handler for {type(command).__name__}")
        result = await call(command, context)
        if result.event_ids and not result.duplicate:
            for callback in self._after_commit:
                callback()
        return result


def _bind(middleware: Middleware, nxt: Next) -> Next:
    async def bound(command: Command, context: CommandContext) -> CommandResult:
        return await middleware(command, context, nxt)

    return bound


def retry_on_conflict(attempts: int = 5, base_delay: float = 0.005) -> Middleware:
    """Re-run a command whose append lost a version race: it reloads and decides again."""

    async def middleware(command: Command, context: CommandContext, nxt: Next) -> CommandResult:
        for attempt in range(1, attempts + 1):
            try:
                return await nxt(command, context)
            except ConcurrencyError:
                if attempt == attempts:
                    raise
                # jitter spreads the retries of writers that collided together
                await asyncio.sleep(base_delay * attempt * (1 + random.random()))  # noqa: S311
        raise AssertionError("unreachable")

    return middleware


def logging_middleware() -> Middleware:
    log = get_logger("aic.commands")

    async def middleware(command: Command, context: CommandContext, nxt: Next) -> CommandResult:
        begin = time.perf_counter()
        name = type(command).__name__
        try:
            result = await nxt(command, context)
        except Exception as exc:
            log.info("command_refused", command=name, error=type(exc).__name__)
            raise
        log.info(
            "command_handled",
            command=name,
            aggregate_id=result.aggregate_id,
            version=result.version,
            duplicate=result.duplicate,
            duration_ms=round((time.perf_counter() - begin) * 1000, 3),
        )
        return result

    return middleware


def metrics_middleware(registry: CollectorRegistry) -> Middleware:
    handled = Counter(
        "aic_backend_commands_total",
        "Commands handled, by command and outcome",
        ["command", "outcome"],
        registry=registry,
    )
    duration = Histogram(
        "aic_backend_command_duration_seconds",
        "Time to handle a command, store append included",
        ["command"],
        registry=registry,
    )

    async def middleware(command: Command, context: CommandContext, nxt: Next) -> CommandResult:
        name = type(command).__name__
        begin = time.perf_counter()
        outcome = "error"
        try:
            result = await nxt(command, context)
            outcome = "duplicate" if result.duplicate else "ok"
            return result
        except ConcurrencyError:
            outcome = "conflict"
            raise
        finally:
            handled.labels(name, outcome).inc()
            duration.labels(name).observe(time.perf_counter() - begin)

    return middleware


QueryHandler = Callable[[Any], Awaitable[Any]]


class QueryBus:
    """Queries are answered from read models; handlers never load aggregates."""

    def __init__(self) -> None:
        self._handlers: dict[type[Any], QueryHandler] = {}

    def register(self, query_type: type[Any], handler: QueryHandler) -> None:
        if query_type in self._handlers:
            raise ValueError(f"{query_type.__name__} already has a handler")
        self._handlers[query_type] = handler

    async def ask(self, query: Any) -> Any:
        handler = self._handlers.get(type(query))
        if handler is None:
            raise LookupError(f"no handler for {type(query).__name__}")
        return await handler(query)
