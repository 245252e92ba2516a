"""``/v1/models/{name}/...``: register and promote model versions, and batched predictions.

Only sub-paths of ``/v1/models/{name}``: ``GET /v1/models`` and ``GET /v1/models/{model}``
are the OpenAI-compatible list of LLM models (``chat.py``). This router must be included
before that one, whose ``{model:path}`` would otherwise also match ``x/versions``.
"""

from __future__ import annotations

from typing import Annotated, NoReturn

from fastapi import APIRouter, Depends, Path, Request, status

from aic.ai.registry import (
    InvalidInstances,
    InvalidModel,
    ModelNotFound,
    ModelRegistry,
    ModelVersion,
    NoProductionVersion,
    RegistryError,
    VersionNotFound,
)
from aic.ai.registry.ports import MODEL_NAME_PATTERN
from aic.asgi.errors import ApiError
from aic.contracts.model_registry import (
    ModelVersionDetail,
    ModelVersionList,
    ModelVersionOut,
    PredictRequest,
    PredictResponse,
    PromoteRequest,
    RegisterModelVersion,
)

__all__ = ["router"]

router = APIRouter(prefix="/models", tags=["model registry"])

ModelName = Annotated[
    str,
    Path(
        pattern=MODEL_NAME_PATTERN,
        description="Lowercase letters, digits, '_', '.', '-'",
        examples=["lead-scoring"],
    ),
]
Version = Annotated[int, Path(ge=1, le=2**31 - 1, description="The version number")]


async def _registry(request: Request) -> ModelRegistry:
    registry: ModelRegistry = request.app.state.container.model_registry
    return registry


RegistryDep = Annotated[ModelRegistry, Depends(_registry)]


def _refuse(exc: RegistryError) -> NoReturn:
    if isinstance(exc, ModelNotFound | VersionNotFound):
        status_code = 404
    elif isinstance(exc, NoProductionVersion):
        status_code = 409
    else:
        status_code = 422
    details = exc.details
    if isinstance(exc, InvalidInstances):  # the request body's field paths, like FastAPI's
        details = [{**d, "field": f"body.{d['field']}"} for d in exc.details]
    elif isinstance(exc, InvalidModel) and exc.details is None:
        details = {}
    raise ApiError(status_code, exc.code, exc.message, details) from exc


def _out(version: ModelVersion) -> ModelVersionOut:
    return ModelVersionOut(
        name=version.name,
        version=version.version,
        kind=version.kind,
        stage=version.stage,
        metrics=version.metrics,
        description=version.description,
        created_at=version.created_at,
        stage_changed_at=version.stage_changed_at,
    )


@router.post(
    "/{name}/versions",
    summary="Register a new version of a model (numbered after its latest)",
    status_code=status.HTTP_201_CREATED,
)
async def register_version(
    name: ModelName, body: RegisterModelVersion, registry: RegistryDep
) -> ModelVersionOut:
    try:
        version = await registry.register(
            name, body.kind, body.artifact, body.metrics, body.description, body.stage
        )
    except RegistryError as exc:
        _refuse(exc)
    return _out(version)


@router.get("/{name}/versions", summary="A model's versions, newest first, and its production one")
async def list_versions(name: ModelName, registry: RegistryDep) -> ModelVersionList:
    try:
        production, versions = await registry.versions(name)
    except RegistryError as exc:
        _refuse(exc)
    return ModelVersionList(
        name=name, production_version=production, versions=[_out(v) for v in versions]
    )


@router.get("/{name}/versions/{version}", summary="One version with its artifact and metrics")
async def get_version(
    name: ModelName, version: Version, registry: RegistryDep
) -> ModelVersionDetail:
    try:
        found = await registry.version(name, version)
    except RegistryError as exc:
        _refuse(exc)
    return ModelVersionDetail(**_out(found).model_dump(), artifact=found.artifact or {})


@router.post(
    "/{name}/versions/{version}/promote",
    summary="Move a version to a stage (production by default; the previous one is archived)",
)
async def promote_version(
    name: ModelName, version: Version, registry: RegistryDep, body: PromoteRequest | None = None
) -> ModelVersionOut:
    try:
        promoted = await registry.promote(name, version, (body or PromoteRequest()).stage)
    except RegistryError as exc:
        _refuse(exc)
    return _out(promoted)


@router.post(
    "/{name}/predict",
    summary="Predictions for a batch of instances from the production version (or one asked)",
)
async def predict(name: ModelName, body: PredictRequest, registry: RegistryDep) -> PredictResponse:
    try:
        result = await registry.predict(name, body.instances, body.version, body.explain)
    except RegistryError as exc:
        _refuse(exc)
    return PredictResponse(
        predictions=result.predictions,
        model=result.name,
        version=result.version,
        explanations=result.explanations,
    )
