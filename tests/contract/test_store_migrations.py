"""Event store migrations (``aic.storage.migrate``): once each, in order, by one replica."""

from __future__ import annotations

import asyncio
import sqlite3
import uuid
from pathlib import Path

import psycopg
import pytest

from aic.backend.adapters.eventstore import EVENT_STORE_MIGRATIONS, open_event_store
from aic.backend.application.ports import NewEvent
from aic.backend.settings import BackendSettings
from aic.backend.wiring import MIGRATION_SETS, migrate_backend
from aic.storage import MigrationError, MigrationSet, migrate

pytestmark = pytest.mark.anyio

STORE = [EVENT_STORE_MIGRATIONS]


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


def event(type_: str = "LeadCaptured", **data: object) -> NewEvent:
    return NewEvent(type=type_, data=data)


LEADS_TABLE = "CREATE TABLE lead_summaries (lead_id TEXT PRIMARY KEY, position BIGINT NOT NULL);\n"


class ModuleMigrations:
    """A throwaway package shipping a migration set, as projections or sagas will."""

    def __init__(self, root: Path) -> None:
        self.package = f"aic_test_module_{uuid.uuid4().hex[:8]}"
        self.folder = root / self.package
        for dialect in ("sqlite", "postgres"):
            (self.folder / "sql" / dialect).mkdir(parents=True)
        (self.folder / "__init__.py").write_text("")
        self.set = MigrationSet("leads", self.package)

    def write(self, file_name: str, script: str) -> None:
        for dialect in ("sqlite", "postgres"):
            (self.folder / "sql" / dialect / file_name).write_text(script)


@pytest.fixture
def module(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> ModuleMigrations:
    monkeypatch.syspath_prepend(str(tmp_path / "packages"))
    return ModuleMigrations(tmp_path / "packages")


def _store_labels(database_url: str) -> list[str]:
    """The event store's migrations; PostgreSQL also guards who may append."""
    if database_url.startswith("sqlite:"):
        return ["eventstore/0001_event_store"]
    return ["eventstore/0001_event_store", "eventstore/0002_writer_connections"]


async def test_migrations_apply_once_and_running_them_again_applies_nothing(
    database_url: str,
) -> None:
    assert await migrate(database_url, STORE) == _store_labels(database_url)
    assert await migrate(database_url, STORE) == []


async def test_migrating_the_backend_creates_the_embedded_default_in_the_data_folder(
    tmp_path: Path,
) -> None:
    settings = BackendSettings(data_dir=tmp_path / "data")
    applied = await migrate_backend(settings)
    assert applied[0] == "eventstore/0001_event_store"
    assert {label.split("/")[0] for label in applied} == {s.name for s in MIGRATION_SETS}
    assert await migrate_backend(settings) == []
    assert (tmp_path / "data" / "backend.db").exists()


async def test_an_unknown_database_url_is_refused() -> None:
    with pytest.raises(ValueError, match="unsupported"):
        await open_event_store("mysql://localhost/aic")
    with pytest.raises(ValueError, match="not an SQLite file URL"):
        await open_event_store("sqlite://:memory:")


async def test_replicas_migrating_together_apply_each_migration_once(database_url: str) -> None:
    runs = await asyncio.gather(*(migrate(database_url, STORE) for _ in range(4)))
    assert sorted(label for run in runs for label in run) == _store_labels(database_url)
    store = await open_event_store(database_url)
    try:
        assert (await store.append("lead-1", [event()], 0)).version == 1
    finally:
        await store.close()


async def test_a_module_adds_its_own_migration_set_and_later_migrations(
    database_url: str, module: ModuleMigrations
) -> None:
    module.write("0001_lead_summaries.sql", LEADS_TABLE)
    applied = await migrate(database_url, [*STORE, module.set])
    assert applied == [*_store_labels(database_url), "leads/0001_lead_summaries"]
    module.write("0002_score.sql", "ALTER TABLE lead_summaries ADD COLUMN score INTEGER;\n")
    assert await migrate(database_url, [*STORE, module.set]) == ["leads/0002_score"]
    assert await migrate(database_url, [*STORE, module.set]) == []


async def test_a_migration_edited_after_it_was_applied_is_refused(
    database_url: str, module: ModuleMigrations
) -> None:
    module.write("0001_lead_summaries.sql", LEADS_TABLE)
    await migrate(database_url, [module.set])
    module.write("0001_lead_summaries.sql", LEADS_TABLE.replace("BIGINT", "INTEGER"))
    with pytest.raises(MigrationError, match="edited"):
        await migrate(database_url, [module.set])


async def test_a_failing_migration_leaves_nothing_half_applied(
    database_url: str, module: ModuleMigrations
) -> None:
    module.write("0001_lead_summaries.sql", LEADS_TABLE + "CREATE TABLE broken (;\n")
    with pytest.raises((sqlite3.Error, psycopg.Error)):
        await migrate(database_url, [module.set])
    module.write("0001_lead_summaries.sql", LEADS_TABLE)  # the table above was rolled back
    assert await migrate(database_url, [module.set]) == ["leads/0001_lead_summaries"]


async def test_a_misnamed_migration_file_is_refused(
    database_url: str, module: ModuleMigrations
) -> None:
    module.write("1_lead_summaries.sql", LEADS_TABLE)
    with pytest.raises(MigrationError, match=r"NNNN_name\.sql"):
        await migrate(database_url, [module.set])
