"""The model registry on SQLite and PostgreSQL: versions, stages, the cache across processes."""

from __future__ import annotations

import math
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from prometheus_client import CollectorRegistry
from psycopg import sql

from aic.ai.registry import (
    REGISTRY_MIGRATIONS,
    InvalidInstances,
    InvalidModel,
    ModelNotFound,
    ModelRegistry,
    NoProductionVersion,
    VersionNotFound,
)
from aic.ai.registry.metrics import ModelMetrics
from aic.storage import SqlDatabase, migrate, open_database

pytestmark = pytest.mark.anyio

LEADS = {"features": ["pricing_views", "demo"], "weights": [1.0, 2.0], "intercept": -1.0}


def sigmoid(x: float) -> float:
    return 1 / (1 + math.exp(-x))


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'ai.db'}"
        return
    server_url: str = request.getfixturevalue("postgres_url")
    schema = f"t_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(server_url, autocommit=True) as admin:
        admin.execute(sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(schema)))
        try:
            separator = "&" if "?" in server_url else "?"
            yield f"{server_url}{separator}options=-csearch_path%3D{schema}"
        finally:
            admin.execute(sql.SQL("DROP SCHEMA {} CASCADE").format(sql.Identifier(schema)))


@pytest.fixture
async def databases(database_url: str) -> AsyncIterator[list[SqlDatabase]]:
    """Two connections to one database: two processes' worth."""
    await migrate(database_url, [REGISTRY_MIGRATIONS])
    opened = [await open_database(database_url, max_size=3) for _ in range(2)]
    try:
        yield opened
    finally:
        for database in opened:
            await database.close()


@pytest.fixture
def registry(databases: list[SqlDatabase]) -> ModelRegistry:
    return ModelRegistry(databases[0])


async def test_versions_are_numbered_per_model_and_listed_newest_first(
    registry: ModelRegistry,
) -> None:
    first = await registry.register("lead-scoring", "logistic_regression", LEADS, {"auc": 0.7})
    second = await registry.register("lead-scoring", "logistic_regression", LEADS, {"auc": 0.8})
    other = await registry.register("churn", "linear_regression", LEADS)
    assert (first.version, second.version, other.version) == (1, 2, 1)
    assert first.stage == "staging"
    production, versions = await registry.versions("lead-scoring")
    assert production is None
    assert [(v.version, v.metrics, v.stage) for v in versions] == [
        (2, {"auc": 0.8}, "staging"),
        (1, {"auc": 0.7}, "staging"),
    ]
    detail = await registry.version("lead-scoring", 1)
    assert detail.artifact == LEADS
    assert detail.created_at.tzinfo is not None


async def test_predict_runs_the_promoted_version_and_promotion_archives_the_previous(
    registry: ModelRegistry,
) -> None:
    await registry.register("lead-scoring", "logistic_regression", LEADS)
    doubled = {**LEADS, "weights": [2.0, 4.0]}
    await registry.register("lead-scoring", "logistic_regression", doubled)
    with pytest.raises(NoProductionVersion):
        await registry.predict("lead-scoring", [{"pricing_views": 1, "demo": 0}])
    await registry.promote("lead-scoring", 1)
    result = await registry.predict("lead-scoring", [{"pricing_views": 1, "demo": True}])
    assert (result.version, result.predictions) == (1, [pytest.approx(sigmoid(2.0))])
    await registry.promote("lead-scoring", 2)
    result = await registry.predict("lead-scoring", [{"pricing_views": 1, "demo": True}])
    assert (result.version, result.predictions) == (2, [pytest.approx(sigmoid(5.0))])
    production, versions = await registry.versions("lead-scoring")
    assert production == 2
    assert {v.version: v.stage for v in versions} == {2: "production", 1: "archived"}
    assert sorted(registry.loaded()) == ["lead-scoring@1", "lead-scoring@2"]


async def test_a_batch_gets_one_prediction_per_instance_in_order(registry: ModelRegistry) -> None:
    await registry.register("lead-scoring", "logistic_regression", LEADS, stage="production")
    instances: list[dict[str, Any]] = [{"pricing_views": i, "demo": i % 2} for i in range(50)]
    result = await registry.predict("lead-scoring", instances)
    expected = [sigmoid(-1.0 + i + 2.0 * (i % 2)) for i in range(50)]
    assert result.predictions == pytest.approx(expected)


async def test_a_version_can_be_asked_for_and_demoting_production_leaves_none(
    registry: ModelRegistry,
) -> None:
    await registry.register("lead-scoring", "linear_regression", LEADS, stage="production")
    await registry.register("lead-scoring", "linear_regression", {**LEADS, "intercept": 5.0})
    staged = await registry.predict("lead-scoring", [{"pricing_views": 0, "demo": 0}], version=2)
    assert (staged.version, staged.predictions) == (2, [5.0])
    demoted = await registry.promote("lead-scoring", 1, "archived")
    assert demoted.stage == "archived"
    with pytest.raises(NoProductionVersion):
        await registry.predict("lead-scoring", [{"pricing_views": 0, "demo": 0}])


async def test_another_process_sees_a_promotion_at_its_next_prediction(
    databases: list[SqlDatabase],
) -> None:
    one, two = ModelRegistry(databases[0]), ModelRegistry(databases[1])
    await one.register("lead-scoring", "linear_regression", LEADS, stage="production")
    row = [{"pricing_views": 1, "demo": 1}]
    assert (await two.predict("lead-scoring", row)).predictions == [2.0]  # v1 cached in two
    await one.register("lead-scoring", "linear_regression", {**LEADS, "intercept": 10.0})
    await one.promote("lead-scoring", 2)
    result = await two.predict("lead-scoring", row)
    assert (result.version, result.predictions) == (2, [13.0])


async def test_unknown_models_and_versions_are_named_in_the_error(registry: ModelRegistry) -> None:
    with pytest.raises(ModelNotFound):
        await registry.predict("nobody", [{}])
    with pytest.raises(ModelNotFound):
        await registry.versions("nobody")
    with pytest.raises(ModelNotFound):
        await registry.promote("nobody", 1)
    await registry.register("lead-scoring", "linear_regression", LEADS)
    with pytest.raises(VersionNotFound):
        await registry.version("lead-scoring", 9)
    with pytest.raises(VersionNotFound):
        await registry.promote("lead-scoring", 9)
    with pytest.raises(VersionNotFound):
        await registry.predict("lead-scoring", [{"pricing_views": 0, "demo": 0}], version=9)


@pytest.mark.parametrize(
    ("kind", "artifact"),
    [
        ("decision_tree", LEADS),
        ("linear_regression", {**LEADS, "weights": [1.0]}),
        ("linear_regression", {**LEADS, "weights": [1.0, math.inf]}),
        ("linear_regression", {**LEADS, "features": ["a", "a"]}),
        ("linear_regression", {**LEADS, "scales": [1.0, 0.0]}),
        ("linear_regression", {**LEADS, "defaults": {"nope": 1}}),
        ("linear_regression", {**LEADS, "intercept": "high"}),
        ("linear_regression", {**LEADS, "extra": 1}),
        ("linear_regression", {"weights": [1.0]}),
        ("linear_regression", {**LEADS, "weights": [1.0, 10**400]}),
        ("linear_regression", {**LEADS, "intercept": -(10**400)}),
    ],
)
async def test_a_model_that_cannot_run_is_refused_and_not_stored(
    registry: ModelRegistry, kind: str, artifact: dict[str, Any]
) -> None:
    with pytest.raises(InvalidModel):
        await registry.register("lead-scoring", kind, artifact)
    with pytest.raises(ModelNotFound):
        await registry.versions("lead-scoring")


async def test_missing_or_non_numeric_features_are_refused_with_their_paths(
    registry: ModelRegistry,
) -> None:
    artifact = {**LEADS, "defaults": {"demo": 0}}
    await registry.register("lead-scoring", "logistic_regression", artifact, stage="production")
    ok = await registry.predict("lead-scoring", [{"pricing_views": 2, "unused": "x"}])
    assert ok.predictions == [pytest.approx(sigmoid(1.0))]  # demo defaulted, unused ignored
    with pytest.raises(InvalidInstances) as caught:
        await registry.predict(
            "lead-scoring",
            [
                {"pricing_views": 1},
                {"demo": 1},
                {"pricing_views": "many"},
                {"pricing_views": 10**400},
            ],
        )
    assert [(d["field"], d["type"]) for d in caught.value.details] == [
        ("instances.1.pricing_views", "missing"),
        ("instances.2.pricing_views", "float_type"),
        ("instances.3.pricing_views", "float_type"),
    ]


async def test_explanations_are_each_features_share_of_the_score(registry: ModelRegistry) -> None:
    artifact = {**LEADS, "means": [1.0, 0.0], "scales": [2.0, 1.0]}
    await registry.register("lead-scoring", "logistic_regression", artifact, stage="production")
    result = await registry.predict(
        "lead-scoring", [{"pricing_views": 5, "demo": True}], explain=True
    )
    assert result.explanations == [{"pricing_views": 2.0, "demo": 2.0}]  # 1*(5-1)/2, 2*1
    assert result.predictions == [pytest.approx(sigmoid(-1.0 + 4.0))]


async def test_predictions_are_counted_per_model_and_version(
    databases: list[SqlDatabase],
) -> None:
    prometheus = CollectorRegistry()
    registry = ModelRegistry(databases[0], ModelMetrics(prometheus))
    await registry.register("lead-scoring", "linear_regression", LEADS, stage="production")
    await registry.predict("lead-scoring", [{"pricing_views": 1, "demo": 0}] * 3)
    labels = {"model": "lead-scoring", "version": "1"}
    assert prometheus.get_sample_value("aic_ai_model_predictions_total", labels) == 3
    count = prometheus.get_sample_value(
        "aic_ai_model_predict_duration_seconds_count", {"model": "lead-scoring"}
    )
    assert count == 1


@pytest.mark.parametrize(
    ("artifact", "metrics", "description"),
    [
        ({**LEADS, "features": ["pricing_views", "\ud800"]}, {}, ""),
        (LEADS, {"a\x00uc": 0.5}, ""),
        (LEADS, {"\ud800": 0.5}, ""),
        (LEADS, {}, "trained on\x00 March data"),
        (LEADS, {}, "\udc00"),
        (LEADS, {"auc": math.inf}, ""),
    ],
    ids=[
        "surrogate-feature",
        "nul-metric",
        "surrogate-metric",
        "nul-text",
        "surrogate-text",
        "infinite-metric",
    ],
)
async def test_text_no_database_can_store_is_refused(
    registry: ModelRegistry, artifact: dict[str, Any], metrics: dict[str, float], description: str
) -> None:
    with pytest.raises(InvalidModel):
        await registry.register("lead-scoring", "linear_regression", artifact, metrics, description)
    with pytest.raises(ModelNotFound):
        await registry.versions("lead-scoring")
