"""``ModelRegistry``: versioned models in the ai database, loaded once per process and cached.

Every replica reads the same tables, so a version registered or promoted through one is used
by all: before a prediction each process reads which version is in production (one
primary-key lookup) and runs it from its cache, loading it on first use. Versions never
change once registered, so a cached one is never stale; only the production pointer moves.
"""

from __future__ import annotations

import math
import time
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

import orjson

from aic.ai.registry.linear import LINEAR_KINDS, LinearModel
from aic.ai.registry.metrics import ModelMetrics
from aic.ai.registry.ports import (
    InvalidModel,
    ModelNotFound,
    ModelVersion,
    NoProductionVersion,
    Prediction,
    RunnableModel,
    Stage,
    VersionNotFound,
    check_model_name,
)
from aic.ai.storable import echoable, storable_text
from aic.storage import MigrationSet, SqlDatabase, SqlTransaction, json_value

__all__ = ["MODEL_KINDS", "REGISTRY_MIGRATIONS", "ModelRegistry", "load_model"]

REGISTRY_MIGRATIONS = MigrationSet("model_registry", "aic.ai.registry")
MODEL_KINDS: tuple[str, ...] = LINEAR_KINDS  # later kinds (lead scoring) are added here
STAGES: tuple[Stage, ...] = ("staging", "production", "archived")
_COLUMNS = "name, version, kind, stage, metrics, description, created_at, stage_changed_at"


def load_model(kind: str, artifact: Mapping[str, Any]) -> RunnableModel:
    """The runnable model of ``kind`` from its artifact; ``InvalidModel`` if it is not one."""
    if kind in LINEAR_KINDS:
        return LinearModel.from_artifact(kind, artifact)
    raise InvalidModel(f"Unknown model kind {kind!r}.", {"kinds": list(MODEL_KINDS)})


def _metrics(metrics: Mapping[str, float]) -> dict[str, float]:
    if not isinstance(metrics, Mapping):
        raise InvalidModel("metrics must map names to numbers.")
    checked = {}
    for key, value in metrics.items():
        if (
            not isinstance(key, str)
            or not storable_text(key)
            or isinstance(value, bool)
            or not isinstance(value, int | float)
            or not math.isfinite(value)  # JSON has no NaN or infinity
        ):
            raise InvalidModel(f"metric {key!r} must be a number.", {"metric": echoable(str(key))})
        checked[key] = float(value)
    return checked


def _version(row: dict[str, Any], artifact: bytes | None = None) -> ModelVersion:
    return ModelVersion(
        name=row["name"],
        version=int(row["version"]),
        kind=row["kind"],
        stage=row["stage"],
        metrics=dict(json_value(row["metrics"])),
        description=row["description"],
        created_at=datetime.fromisoformat(row["created_at"]),
        stage_changed_at=datetime.fromisoformat(row["stage_changed_at"]),
        artifact=orjson.loads(artifact) if artifact is not None else None,
    )


class ModelRegistry:
    def __init__(
        self, database: SqlDatabase, metrics: ModelMetrics | None = None, cache_size: int = 32
    ) -> None:
        self._db = database
        self._metrics = metrics
        self._cache_size = cache_size
        self._loaded: OrderedDict[tuple[str, int], RunnableModel] = OrderedDict()
        jsonb = "CAST(:metrics AS jsonb)" if database.dialect == "postgresql" else ":metrics"
        self._insert_sql = (
            f"INSERT INTO model_versions ({_COLUMNS}, artifact) VALUES (:name, :version, "  # noqa: S608
            f":kind, :stage, {jsonb}, :description, :now, :now, :artifact)"
        )

    def loaded(self) -> list[str]:
        """The versions this process holds in memory, as ``name@version``."""
        return [f"{name}@{version}" for name, version in self._loaded]

    async def register(
        self,
        name: str,
        kind: str,
        artifact: Mapping[str, Any],
        metrics: Mapping[str, float] | None = None,
        description: str = "",
        stage: Stage = "staging",
    ) -> ModelVersion:
        """A new version, numbered after the model's latest; refused unless it can run."""
        check_model_name(name)
        if stage not in STAGES:
            raise InvalidModel(f"stage must be one of {list(STAGES)}.", {"stage": stage})
        load_model(kind, artifact)  # what cannot run is never stored
        if not storable_text(description):
            raise InvalidModel("description must not contain NUL or unpaired surrogates.")
        try:
            encoded_artifact = orjson.dumps(dict(artifact))
        except (TypeError, orjson.JSONEncodeError) as exc:
            raise InvalidModel(f"The artifact is not JSON: {exc}") from exc
        now = datetime.now(UTC).isoformat()
        async with self._db.transaction() as tx:
            row = await tx.fetch_one(
                "INSERT INTO registered_models (name, latest_version, updated_at) "
                "VALUES (:name, 1, :now) ON CONFLICT (name) DO UPDATE SET "
                "latest_version = registered_models.latest_version + 1, updated_at = :now "
                "RETURNING latest_version",
                {"name": name, "now": now},
            )
            assert row is not None
            version = int(row["latest_version"])
            await tx.execute(
                self._insert_sql,
                {
                    "name": name,
                    "version": version,
                    "kind": kind,
                    "stage": "staging",
                    "metrics": orjson.dumps(_metrics(metrics or {})).decode(),
                    "description": description,
                    "now": now,
                    "artifact": encoded_artifact,
                },
            )
            if stage != "staging":
                await self._set_stage(tx, name, version, "staging", stage, now)
        return await self.version(name, version, with_artifact=False)

    async def versions(self, name: str) -> tuple[int | None, list[ModelVersion]]:
        """The production version (or ``None``) and every version, newest first."""
        check_model_name(name)
        head = await self._db.fetch_one(
            "SELECT production_version FROM registered_models WHERE name = :name", {"name": name}
        )
        if head is None:
            raise ModelNotFound(name)
        rows = await self._db.fetch_all(
            f"SELECT {_COLUMNS} FROM model_versions WHERE name = :name "  # noqa: S608
            "ORDER BY version DESC",
            {"name": name},
        )
        return head["production_version"], [_version(r) for r in rows]

    async def version(self, name: str, version: int, with_artifact: bool = True) -> ModelVersion:
        check_model_name(name)
        row = await self._db.fetch_one(
            f"SELECT {_COLUMNS}, artifact FROM model_versions "  # noqa: S608
            "WHERE name = :name AND version = :version",
            {"name": name, "version": version},
        )
        if row is None:
            if await self._db.fetch_one(
                "SELECT 1 AS ok FROM registered_models WHERE name = :name", {"name": name}
            ):
                raise VersionNotFound(name, version)
            raise ModelNotFound(name)
        return _version(row, bytes(row["artifact"]) if with_artifact else None)

    async def promote(self, name: str, version: int, stage: Stage = "production") -> ModelVersion:
        """Move a version to ``stage``; promoting to production archives the previous one."""
        check_model_name(name)
        if stage not in STAGES:
            raise InvalidModel(f"stage must be one of {list(STAGES)}.", {"stage": stage})
        now = datetime.now(UTC).isoformat()
        async with self._db.transaction() as tx:
            # Locks the model's row: promotions of one model happen one at a time.
            head = await tx.fetch_one(
                "UPDATE registered_models SET updated_at = :now WHERE name = :name "
                "RETURNING production_version",
                {"name": name, "now": now},
            )
            if head is None:
                raise ModelNotFound(name)
            row = await tx.fetch_one(
                "SELECT stage FROM model_versions WHERE name = :name AND version = :version",
                {"name": name, "version": version},
            )
            if row is None:
                raise VersionNotFound(name, version)
            if row["stage"] != stage:
                await self._set_stage(tx, name, version, row["stage"], stage, now)
        return await self.version(name, version, with_artifact=False)

    async def _set_stage(
        self, tx: SqlTransaction, name: str, version: int, old: str, stage: Stage, now: str
    ) -> None:
        if stage == "production":
            await tx.execute(
                "UPDATE model_versions SET stage = 'archived', stage_changed_at = :now "
                "WHERE name = :name AND stage = 'production'",
                {"name": name, "now": now},
            )
            await tx.execute(
                "UPDATE registered_models SET production_version = :version WHERE name = :name",
                {"name": name, "version": version},
            )
        elif old == "production":
            await tx.execute(
                "UPDATE registered_models SET production_version = NULL WHERE name = :name",
                {"name": name},
            )
        await tx.execute(
            "UPDATE model_versions SET stage = :stage, stage_changed_at = :now "
            "WHERE name = :name AND version = :version",
            {"name": name, "version": version, "stage": stage, "now": now},
        )

    async def _runnable(self, name: str, version: int) -> RunnableModel:
        key = (name, version)
        model = self._loaded.get(key)
        if model is not None:
            self._loaded.move_to_end(key)
            return model
        row = await self._db.fetch_one(
            "SELECT kind, artifact FROM model_versions WHERE name = :name AND version = :version",
            {"name": name, "version": version},
        )
        if row is None:
            await self.version(name, version, with_artifact=False)  # the right one of the 404s
            raise VersionNotFound(name, version)
        model = load_model(row["kind"], orjson.loads(bytes(row["artifact"])))
        self._loaded[key] = model
        while len(self._loaded) > self._cache_size:
            self._loaded.popitem(last=False)
        return model

    async def predict(
        self,
        name: str,
        instances: Sequence[Mapping[str, Any]],
        version: int | None = None,
        explain: bool = False,
    ) -> Prediction:
        """Predictions of the production version (or of ``version``), one per instance."""
        check_model_name(name)
        if version is None:
            head = await self._db.fetch_one(
                "SELECT production_version FROM registered_models WHERE name = :name",
                {"name": name},
            )
            if head is None:
                raise ModelNotFound(name)
            if head["production_version"] is None:
                raise NoProductionVersion(name)
            version = int(head["production_version"])
        model = await self._runnable(name, version)
        started = time.perf_counter()
        predictions = model.predict(instances)
        explanations = model.explain(instances) if explain else None
        if self._metrics is not None:
            self._metrics.observe(name, version, len(instances), time.perf_counter() - started)
        return Prediction(name, version, predictions, explanations)
