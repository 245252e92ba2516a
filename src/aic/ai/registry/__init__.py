"""The model registry: versioned models in the ai database, staged, cached per process."""

from aic.ai.registry.ports import (
    InvalidInstances,
    InvalidModel,
    ModelNotFound,
    ModelVersion,
    NoProductionVersion,
    Prediction,
    RegistryError,
    RunnableModel,
    Stage,
    VersionNotFound,
)
from aic.ai.registry.store import MODEL_KINDS, REGISTRY_MIGRATIONS, ModelRegistry

__all__ = [
    "MODEL_KINDS",
    "REGISTRY_MIGRATIONS",
    "InvalidInstances",
    "InvalidModel",
    "ModelNotFound",
    "ModelRegistry",
    "ModelVersion",
    "NoProductionVersion",
    "Prediction",
    "RegistryError",
    "RunnableModel",
    "Stage",
    "VersionNotFound",
]
