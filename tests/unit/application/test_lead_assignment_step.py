"""The qualification saga's assign and notify steps against a stale accounts read model."""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Mapping
from typing import Any, cast

from aic.backend.application.bus import CommandBus, CommandContext
from aic.backend.application.handlers import register_aggregate_handlers
from aic.backend.application.queries import AccountView, Page
from aic.backend.application.repository import AggregateRepository
from aic.backend.application.sagas import SagaContext, SagaDefinition
from aic.backend.application.sagas.lead_qualification import (
    LeadSagaDependencies,
    lead_qualification_saga,
)
from aic.backend.application.serialization import EventCodec
from aic.backend.domain import accounts as acc
from aic.backend.domain import lead_commands as lc
from aic.backend.domain.leads import Lead
from tests.support.memory_event_store import MemoryEventStore

NOW = "2026-11-26T10:00:00Z"


class StaleAccounts:
    """The accounts read model as it was before some of them left."""

    def __init__(self, views: list[AccountView]) -> None:
        self.views = views

    async def list_accounts(self, limit: int = 100, offset: int = 0) -> Page[AccountView]:
        return Page(self.views[offset : offset + limit], len(self.views), limit, offset)

    async def get_account(self, account_id: str) -> AccountView | None:
        return next((v for v in self.views if v.account_id == account_id), None)

    async def find_by_email(self, email: str) -> AccountView | None:
        return None


def seller(account_id: str) -> AccountView:
    return AccountView(account_id, f"{account_id}@brindlewood.example", account_id, ["sales"],
                       True, NOW, NOW)  # fmt: skip


class World:
    def __init__(self, listed: list[str]) -> None:
        self.store = MemoryEventStore()
        self.repository = AggregateRepository(self.store, EventCodec())
        self.commands = CommandBus()
        register_aggregate_handlers(self.commands, self.repository, clock=lambda: NOW)
        deps = LeadSagaDependencies(
            self.repository,
            tracking=cast(Any, None),  # neither step reads tracking nor scores
            scorer=cast(Any, None),
            accounts=StaleAccounts([seller(a) for a in listed]),
        )
        self.saga: SagaDefinition = lead_qualification_saga(deps)

    async def send(self, *commands: Any) -> None:
        for command in commands:
            await self.commands.dispatch(command, CommandContext())

    async def join(self, account_id: str, roles: tuple[str, ...] = ("sales",)) -> None:
        email = f"{account_id}@brindlewood.example"
        await self.send(acc.RegisterAccount(account_id=account_id, email=email,
                                            display_name=account_id, roles=roles))  # fmt: skip

    async def qualified_lead(self, lead_id: str) -> None:
        await self.send(
            lc.CaptureLead(lead_id=lead_id, email="ada@acme.io", name="Ada", company="Acme"),
            lc.ScoreLead(lead_id=lead_id, score=90.0, model="rules", model_version="1"),
            lc.RouteLead(lead_id=lead_id, qualify_threshold=70.0, nurture_threshold=40.0),
        )

    async def run(self, step: str, lead_id: str, **data: Any) -> Mapping[str, Any]:
        action = next(s.action for s in self.saga.steps if s.name == step)
        context = SagaContext(
            saga_id=f"lead-qualification-{lead_id}",
            saga_type="lead_qualification",
            step=step,
            attempt=1,
            data={"lead_id": lead_id, "name": "Ada", "routing": "qualified", **data},
            commands=self.commands,
        )
        return await action(context) or {}

    async def assignee(self, lead_id: str) -> str | None:
        return (await self.repository.load(Lead, lead_id)).aggregate.assignee


def lead_landing_first_on(index: int, of: int) -> str:
    """A lead id whose hash picks the ``index``-th of ``of`` sales accounts first."""
    for n in range(1000):
        lead_id = f"lead-{n}"
        if int(hashlib.sha256(lead_id.encode()).hexdigest(), 16) % of == index:
            return lead_id
    raise AssertionError("no such lead id")


def test_a_salesperson_who_left_after_the_read_model_saw_them_is_passed_over_for_the_next() -> None:
    async def scenario() -> None:
        world = World(listed=["sales-a", "sales-b"])
        await world.join("sales-a")
        await world.join("sales-b")
        await world.send(acc.DeactivateAccount(account_id="sales-a"))
        lead_id = lead_landing_first_on(0, 2)
        await world.qualified_lead(lead_id)
        assert await world.run("assign", lead_id) == {"assignee": "sales-b"}
        assert await world.assignee(lead_id) == "sales-b"

    asyncio.run(scenario())


def test_a_listed_account_that_no_longer_sells_or_never_existed_is_never_assigned() -> None:
    async def scenario() -> None:
        world = World(listed=["ghost", "sales-c"])
        await world.join("sales-c", roles=("sales", "viewer"))
        await world.send(acc.RevokeRole(account_id="sales-c", role="sales"))  # the list lags
        lead_id = lead_landing_first_on(0, 2)
        await world.qualified_lead(lead_id)
        assert await world.run("assign", lead_id) == {"assignee": None}
        assert await world.assignee(lead_id) is None
        assert await world.run("notify", lead_id, assignee=None) == {"notified": "role:admin"}
        [sent] = [e for e in await world.store.read_all() if e.type == "NotificationSent"]
        assert (sent.data["recipient"], sent.data["kind"]) == ("role:admin", "lead_unassigned")
        assert sent.data["subject_id"] == lead_id

    asyncio.run(scenario())


def test_a_lead_someone_already_owns_is_left_with_them() -> None:
    async def scenario() -> None:
        world = World(listed=["sales-a"])
        await world.join("sales-a")
        await world.join("boss", roles=("admin",))
        lead_id = "lead-owned"
        await world.qualified_lead(lead_id)
        await world.send(lc.AssignLead(lead_id=lead_id, account_id="boss"))
        assert await world.run("assign", lead_id) == {"assignee": "boss"}
        assert await world.assignee(lead_id) == "boss"

    asyncio.run(scenario())
