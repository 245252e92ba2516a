"""Command handlers: each aggregate command runs through ``execute`` and the domain's ``handle``."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, TypeVar

from aic.backend.application.bus import CommandBus, CommandContext, CommandResult
from aic.backend.application.execution import execute
from aic.backend.application.repository import AggregateRepository
from aic.backend.domain import accounts, content, content_commands, leads, notifications, values
from aic.backend.domain import lead_commands as leads_commands
from aic.backend.domain.aggregate import Aggregate
from aic.backend.domain.content_commands import ContentCommand
from aic.backend.domain.lead_commands import LeadCommand
from aic.backend.domain.messages import Command

__all__ = ["Clock", "register_aggregate_handlers", "utc_now"]

Clock = Callable[[], str]
# Commands that start a stream: they append at version 0 without loading it first.
_CREATES = (
    leads_commands.CaptureLead,
    content_commands.CreateContentDraft,
    accounts.RegisterAccount,
    notifications.SendNotification,
)
A = TypeVar("A", bound=Aggregate)


def utc_now() -> str:
    return datetime.now(UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")


def _subclasses(base: type[Command]) -> list[type[Command]]:
    found: list[type[Command]] = []
    for cls in base.__subclasses__():
        found += [cls, *_subclasses(cls)]
    return found


def _handler(
    repository: AggregateRepository,
    cls: type[A],
    handle: Callable[[Any, Any, str], A],
    aggregate_id: Callable[[Any], str],
    clock: Clock,
) -> Callable[[Any, CommandContext], Any]:
    async def run(command: Command, context: CommandContext) -> CommandResult:
        now = clock()
        return await execute(
            repository,
            cls,
            aggregate_id(command),
            lambda aggregate: handle(aggregate, command, now),
            context,
            creates=isinstance(command, _CREATES),
        )

    return run


def _assign_handler(
    repository: AggregateRepository, clock: Clock
) -> Callable[[Any, CommandContext], Any]:
    """``AssignLead``: the lead's own rules first (it exists, is open ...), then the assignee,
    read from its Account stream, so an account registered a moment ago already counts."""

    async def run(command: leads_commands.AssignLead, context: CommandContext) -> CommandResult:
        now = clock()
        account_id = values.identifier(command.account_id, "account_id")
        account = (await repository.load(accounts.Account, account_id)).aggregate

        def decide(lead: leads.Lead | None) -> leads.Lead:
            decided = leads.handle(lead, command, now)
            leads.require_assignable(account)
            return decided

        return await execute(repository, leads.Lead, command.lead_id, decide, context)

    return run


def _field(name: str) -> Callable[[Any], str]:
    def read(command: Any) -> str:
        return str(getattr(command, name))

    return read


def register_aggregate_handlers(
    bus: CommandBus, repository: AggregateRepository, clock: Clock = utc_now
) -> None:
    """One handler per command class of every aggregate."""
    routes: list[tuple[type[Command], type[Aggregate], Callable[..., Any], str]] = [
        (LeadCommand, leads.Lead, leads.handle, "lead_id"),
        (ContentCommand, content.Content, content.handle, "content_id"),
        (accounts.AccountCommand, accounts.Account, accounts.handle, "account_id"),
        (
            notifications.NotificationCommand,
            notifications.Notification,
            notifications.handle,
            "notification_id",
        ),
    ]
    special: dict[type[Command], Callable[[Any, CommandContext], Any]] = {
        leads_commands.AssignLead: _assign_handler(repository, clock)
    }
    for base, cls, handle, id_field in routes:
        for command_type in _subclasses(base):
            handler = special.get(command_type) or _handler(
                repository, cls, handle, _field(id_field), clock
            )
            bus.register(command_type, handler)
