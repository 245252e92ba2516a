"""Linear models stored as JSON weights: logistic regression (a probability) and linear regression.

The artifact::

    {"features": ["pricing_views", "company_size"],   # the inputs, in weight order
     "weights": [0.8, 0.3], "intercept": -2.0,
     "means": [1.2, 150.0], "scales": [2.0, 400.0],    # optional: x -> (x - mean) / scale
     "defaults": {"company_size": 50}}                 # optional: used when a feature is missing

score = intercept + sum(weight_i * (x_i - mean_i) / scale_i); logistic regression answers
sigmoid(score), linear regression the score itself. An instance is a JSON object of feature
values (numbers; booleans count as 1 and 0). Keys the model does not read are ignored, so a
caller may send every feature it has to any version; a missing feature without a default,
or a value that is not a finite number, is refused.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import numpy.typing as npt

from aic.ai.registry.ports import InvalidInstances, InvalidModel
from aic.ai.storable import echoable

__all__ = ["LINEAR_KINDS", "LinearModel"]

LinearKind = Literal["logistic_regression", "linear_regression"]
LINEAR_KINDS: tuple[LinearKind, ...] = ("logistic_regression", "linear_regression")
_MAX_FEATURES = 10_000
Vector = npt.NDArray[np.float64]


def _numbers(artifact: Mapping[str, Any], key: str, length: int) -> Vector:
    values = artifact.get(key)
    if not isinstance(values, list) or len(values) != length:
        raise InvalidModel(
            f"artifact.{key} must be a list of {length} numbers, one per feature.", {"key": key}
        )
    if not all(isinstance(v, int | float) and not isinstance(v, bool) for v in values):
        raise InvalidModel(f"artifact.{key} must hold numbers only.", {"key": key})
    try:
        array = np.asarray(values, dtype=np.float64)
    except OverflowError:  # an integer beyond any float
        array = np.asarray([math.inf])
    if not np.isfinite(array).all():
        raise InvalidModel(f"artifact.{key} must hold finite numbers.", {"key": key})
    return array


def _number(value: Any) -> float | None:
    if isinstance(value, bool):
        return 1.0 if value else 0.0
    if not isinstance(value, int | float):
        return None
    try:
        number = float(value)
    except OverflowError:  # JSON integers have no size limit; floats do
        return None
    return number if math.isfinite(number) else None


@dataclass(frozen=True)
class LinearModel:
    kind: LinearKind
    features: tuple[str, ...]
    weights: Vector
    intercept: float
    means: Vector
    scales: Vector
    defaults: dict[str, float]

    @classmethod
    def from_artifact(cls, kind: str, artifact: Mapping[str, Any]) -> LinearModel:
        if kind not in LINEAR_KINDS:
            raise InvalidModel(f"Unknown model kind {kind!r}.", {"kinds": list(LINEAR_KINDS)})
        if not isinstance(artifact, Mapping):
            raise InvalidModel("The artifact of a linear model is a JSON object.")
        unknown = set(artifact) - {
            "features",
            "weights",
            "intercept",
            "means",
            "scales",
            "defaults",
        }
        if unknown:
            raise InvalidModel(f"artifact has unknown keys: {sorted(unknown)}.")
        features = artifact.get("features")
        if (
            not isinstance(features, list)
            or not 1 <= len(features) <= _MAX_FEATURES
            or not all(isinstance(f, str) and f for f in features)
            or len(set(features)) != len(features)
        ):
            raise InvalidModel(
                f"artifact.features must be 1 to {_MAX_FEATURES} distinct non-empty names."
            )
        n = len(features)
        intercept = _number(artifact.get("intercept", 0.0))
        if intercept is None or isinstance(artifact.get("intercept"), bool):
            raise InvalidModel("artifact.intercept must be a finite number.")
        means = _numbers(artifact, "means", n) if "means" in artifact else np.zeros(n)
        scales = _numbers(artifact, "scales", n) if "scales" in artifact else np.ones(n)
        if (scales == 0).any():
            raise InvalidModel("artifact.scales must not contain 0.", {"key": "scales"})
        defaults: dict[str, float] = {}
        raw_defaults = artifact.get("defaults", {})
        if not isinstance(raw_defaults, Mapping):
            raise InvalidModel("artifact.defaults must map feature names to numbers.")
        for feature, value in raw_defaults.items():
            number = _number(value)
            if feature not in features or number is None:
                raise InvalidModel(
                    f"artifact.defaults[{feature!r}] must be a finite number for a feature.",
                    {"key": "defaults", "feature": echoable(str(feature))},
                )
            defaults[feature] = number
        return cls(
            kind=kind,
            features=tuple(features),
            weights=_numbers(artifact, "weights", n),
            intercept=intercept,
            means=means,
            scales=scales,
            defaults=defaults,
        )

    def _standardised(self, instances: Sequence[Mapping[str, Any]]) -> npt.NDArray[np.float64]:
        matrix = np.empty((len(instances), len(self.features)), dtype=np.float64)
        problems: list[dict[str, str]] = []
        for row, instance in enumerate(instances):
            if not isinstance(instance, Mapping):
                problems.append(
                    {"field": f"instances.{row}", "message": "not an object", "type": "dict_type"}
                )
                continue
            for column, feature in enumerate(self.features):
                value = instance.get(feature)
                if value is None and feature in self.defaults:
                    matrix[row, column] = self.defaults[feature]
                    continue
                number = _number(value)
                if number is None:
                    missing = value is None
                    problems.append(
                        {
                            "field": f"instances.{row}.{feature}",
                            "message": "missing: the model needs this feature"
                            if missing
                            else "must be a finite number or a boolean",
                            "type": "missing" if missing else "float_type",
                        }
                    )
                    continue
                matrix[row, column] = number
        if problems:
            raise InvalidInstances(
                f"{len(problems)} feature value(s) cannot be used: see details.", problems[:100]
            )
        standardised: npt.NDArray[np.float64] = (matrix - self.means) / self.scales
        return standardised

    def predict(self, instances: Sequence[Mapping[str, Any]]) -> list[float]:
        scores = self._standardised(instances) @ self.weights + self.intercept
        if self.kind == "logistic_regression":
            # sigmoid without overflow: 1 / (1 + e^-s) = e^-log(1 + e^-s)
            scores = np.exp(-np.logaddexp(0.0, -scores))
        return [float(s) for s in scores]

    def explain(self, instances: Sequence[Mapping[str, Any]]) -> list[dict[str, float]]:
        """Each feature's share of the score (before the sigmoid): weight x standardised value."""
        shares = self._standardised(instances) * self.weights
        return [dict(zip(self.features, (float(v) for v in row), strict=True)) for row in shares]
