"""Wire DTOs of ai's model registry: register, list, promote, and batched predictions."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictFloat

__all__ = [
    "MAX_INSTANCES",
    "ModelVersionDetail",
    "ModelVersionList",
    "ModelVersionOut",
    "PredictRequest",
    "PredictResponse",
    "PromoteRequest",
    "RegisterModelVersion",
]

MAX_INSTANCES = 1000
StageName = Literal["staging", "production", "archived"]
_ARTIFACT_EXAMPLE = {
    "features": ["pricing_page_views", "demo_requested", "company_size"],
    "weights": [0.9, 2.1, 0.4],
    "intercept": -2.5,
    "means": [1.0, 0.0, 120.0],
    "scales": [2.0, 1.0, 300.0],
    "defaults": {"company_size": 50},
}


class RegisterModelVersion(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: Literal["logistic_regression", "linear_regression"] = Field(
        description="logistic_regression answers a probability, linear_regression a value."
    )
    artifact: dict[str, Any] = Field(
        description="The parameters: features, weights, intercept; optional means and scales "
        "(standardisation) and defaults (for missing features).",
        examples=[_ARTIFACT_EXAMPLE],
    )
    metrics: dict[str, StrictFloat] = Field(
        default_factory=dict, description="Evaluation metrics.", examples=[{"auc": 0.81}]
    )
    description: str = Field(default="", max_length=2000)
    stage: StageName = Field(default="staging", description="Where the new version starts.")


class ModelVersionOut(BaseModel):
    name: str
    version: int
    kind: str
    stage: StageName
    metrics: dict[str, float]
    description: str
    created_at: datetime
    stage_changed_at: datetime


class ModelVersionDetail(ModelVersionOut):
    artifact: dict[str, Any]


class ModelVersionList(BaseModel):
    name: str
    production_version: int | None = Field(description="What predict runs by default.")
    versions: list[ModelVersionOut] = Field(description="Newest first.")


class PromoteRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    stage: StageName = Field(
        default="production",
        description="production archives the version in production before it.",
    )


class PredictRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    instances: list[dict[str, Any]] = Field(
        min_length=1,
        max_length=MAX_INSTANCES,
        description="Feature name -> number (or boolean); keys the model does not read are "
        "ignored.",
        examples=[[{"pricing_page_views": 3, "demo_requested": True, "company_size": 80}]],
    )
    version: int | None = Field(
        default=None,
        ge=1,
        le=2**31 - 1,  # as the path's version: a larger one is no row, not a database error
        description="A version to run; unset: the production one.",
    )
    explain: StrictBool = Field(
        default=False, description="Also give each feature's additive share of the score."
    )


class PredictResponse(BaseModel):
    predictions: list[float] = Field(description="One per instance, in order.")
    model: str
    version: int
    explanations: list[dict[str, float]] | None = None
