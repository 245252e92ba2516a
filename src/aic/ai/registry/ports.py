"""The model registry's vocabulary: versions, stages, runnable models and the typed errors."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal, Protocol

__all__ = [
    "MODEL_NAME_PATTERN",
    "InvalidInstances",
    "InvalidModel",
    "ModelNotFound",
    "ModelVersion",
    "NoProductionVersion",
    "Prediction",
    "RegistryError",
    "RunnableModel",
    "Stage",
    "VersionNotFound",
    "check_model_name",
]

Stage = Literal["staging", "production", "archived"]
MODEL_NAME_PATTERN = r"^[a-z0-9][a-z0-9_.-]{0,63}$"
_NAME = re.compile(MODEL_NAME_PATTERN)


@dataclass(frozen=True, slots=True)
class ModelVersion:
    """One registered version; ``artifact`` is filled only when asked for one version."""

    name: str
    version: int
    kind: str
    stage: Stage
    metrics: dict[str, float]
    description: str
    created_at: datetime
    stage_changed_at: datetime
    artifact: dict[str, Any] | None = None


@dataclass(frozen=True, slots=True)
class Prediction:
    name: str
    version: int
    predictions: list[float]
    explanations: list[dict[str, float]] | None = None


class RunnableModel(Protocol):
    """A loaded model: what it reads, and its predictions for a batch of feature dicts.

    ``predict`` raises ``InvalidInstances`` naming every instance and feature it cannot use.
    ``explain`` gives, per instance, each feature's additive share of the raw score.
    """

    @property
    def features(self) -> tuple[str, ...]: ...

    def predict(self, instances: Sequence[Mapping[str, Any]]) -> list[float]: ...

    def explain(self, instances: Sequence[Mapping[str, Any]]) -> list[dict[str, float]]: ...


class RegistryError(Exception):
    code = "registry_error"

    def __init__(self, message: str, details: Any = None) -> None:
        super().__init__(message)
        self.message = message
        self.details = details


class ModelNotFound(RegistryError):
    code = "model_not_found"

    def __init__(self, name: str) -> None:
        super().__init__(f"No model named {name!r} is registered.", {"model": name})


class VersionNotFound(RegistryError):
    code = "model_version_not_found"

    def __init__(self, name: str, version: int) -> None:
        super().__init__(
            f"Model {name!r} has no version {version}.", {"model": name, "version": version}
        )


class NoProductionVersion(RegistryError):
    code = "no_production_version"

    def __init__(self, name: str) -> None:
        super().__init__(
            f"Model {name!r} has no version in production: promote one, or ask for a version.",
            {"model": name},
        )


class InvalidModel(RegistryError):
    """A registration the registry cannot run: unknown kind, malformed artifact or metrics."""

    code = "invalid_model"


class InvalidInstances(RegistryError):
    """Instances a model cannot score: ``details`` is a list of ``{field, message, type}``."""

    code = "validation_error"


def check_model_name(name: str) -> str:
    if not isinstance(name, str) or not _NAME.fullmatch(name):
        raise InvalidModel(
            "A model name is 1 to 64 lowercase letters, digits, '_', '.' or '-', "
            "starting with a letter or digit.",
            {"model": name},
        )
    return name
