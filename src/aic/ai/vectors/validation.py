"""What every ``VectorIndex`` adapter checks alike: names, ids, vectors, payloads, filters."""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import orjson

from aic.ai.storable import echoable, storable_text
from aic.ai.vectors.ports import (
    MAX_K,
    DimensionMismatch,
    InvalidFilter,
    InvalidPoint,
    InvalidQuery,
    MetadataFilter,
    VectorPoint,
)

__all__ = [
    "MAX_DIMENSIONS",
    "MAX_FILTER_VALUES",
    "RESERVED_PAYLOAD_PREFIX",
    "Condition",
    "TypedValue",
    "check_collection_name",
    "check_dimensions",
    "check_ids",
    "check_k",
    "parse_filter",
    "prepare_points",
    "typed_values",
    "unit_vector",
]

MAX_DIMENSIONS = 4096
MAX_ID_LENGTH = 256
MAX_FILTER_VALUES = 1000
RESERVED_PAYLOAD_PREFIX = "aic:"  # adapters keep their own bookkeeping under such keys
_NAME = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
_KEY = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,63}$")

# A payload or filter value with its JSON type: ``("b", True)`` never equals ``("i", 1)``.
TypedValue = tuple[str, str | int | bool]


@dataclass(frozen=True, slots=True)
class Condition:
    """``payload[key]`` (or one element of it, if it is a list) is one of ``values``."""

    key: str
    values: frozenset[TypedValue]


def check_collection_name(name: str) -> str:
    if not isinstance(name, str) or not _NAME.fullmatch(name):
        raise InvalidQuery(
            "A collection name is 1 to 64 letters, digits, '_' or '-'.", {"collection": name}
        )
    return name


def check_dimensions(dimensions: int) -> int:
    if isinstance(dimensions, bool) or not isinstance(dimensions, int):
        raise InvalidQuery("dimensions must be an integer.", {"dimensions": dimensions})
    if not 1 <= dimensions <= MAX_DIMENSIONS:
        raise InvalidQuery(
            f"dimensions must be between 1 and {MAX_DIMENSIONS}.", {"dimensions": dimensions}
        )
    return dimensions


def check_k(k: int) -> int:
    if isinstance(k, bool) or not isinstance(k, int) or not 1 <= k <= MAX_K:
        raise InvalidQuery(f"k must be an integer between 1 and {MAX_K}.", {"k": k})
    return k


def _check_id(point_id: object, position: int) -> None:
    if (
        not isinstance(point_id, str)
        or not 1 <= len(point_id) <= MAX_ID_LENGTH
        or not storable_text(point_id)
    ):
        raise InvalidPoint(
            f"A point id is a string of 1 to {MAX_ID_LENGTH} characters, without NUL or "
            "unpaired surrogates.",
            {"index": position},
        )


def check_ids(ids: Sequence[str]) -> list[str]:
    """The ids, each checked, repeats dropped (first occurrence kept)."""
    if isinstance(ids, str):
        raise InvalidPoint("ids is a list of point ids, not one string.")
    for position, point_id in enumerate(ids):
        _check_id(point_id, position)
    return list(dict.fromkeys(ids))


def unit_vector(
    vector: Sequence[float] | npt.NDArray[np.floating[Any]], dimensions: int, where: str
) -> npt.NDArray[np.float32]:
    """The vector as float32 of length 1; refused if the length, a NaN or zero norm is wrong."""
    try:
        array = np.asarray(vector, dtype=np.float64)
    except (TypeError, ValueError, OverflowError) as exc:
        raise InvalidPoint(f"{where} is not a list of numbers.", {"at": where}) from exc
    if array.ndim != 1:
        raise InvalidPoint(f"{where} is not a flat list of numbers.", {"at": where})
    if array.shape[0] != dimensions:
        raise DimensionMismatch(dimensions, int(array.shape[0]), where)
    if not np.isfinite(array).all():
        raise InvalidPoint(f"{where} contains NaN or infinity.", {"at": where})
    norm = float(np.linalg.norm(array))
    if norm == 0.0 or not math.isfinite(norm):
        raise InvalidPoint(f"{where} is the zero vector: it has no direction.", {"at": where})
    unit: npt.NDArray[np.float32] = (array / norm).astype(np.float32)
    return unit


def _unstorable(value: Any) -> bool:
    """A NUL (PostgreSQL's JSONB cannot hold one) or a NaN or infinity (JSON cannot, and
    would silently store null instead) anywhere in ``value``."""
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, float):
        return not math.isfinite(value)
    if isinstance(value, Mapping):
        return any("\x00" in str(k) or _unstorable(v) for k, v in value.items())
    if isinstance(value, list | tuple):
        return any(_unstorable(v) for v in value)
    return False


def _payload(payload: Mapping[str, Any], where: str) -> dict[str, Any]:
    if not isinstance(payload, Mapping):
        raise InvalidPoint(f"{where}.payload must be a JSON object.", {"at": where})
    for key in payload:
        if not isinstance(key, str):
            raise InvalidPoint(f"{where}.payload keys must be strings.", {"at": where})
        if key.startswith(RESERVED_PAYLOAD_PREFIX):
            raise InvalidPoint(
                f"{where}.payload key {key!r}: keys starting with "
                f"{RESERVED_PAYLOAD_PREFIX!r} are reserved.",
                {"at": where, "key": echoable(key)},
            )
    try:  # the round trip is what will be stored: refuse what JSON cannot hold now
        encoded = orjson.dumps(dict(payload))
    except (TypeError, orjson.JSONEncodeError) as exc:
        raise InvalidPoint(f"{where}.payload is not JSON: {exc}", {"at": where}) from exc
    if _unstorable(payload):
        raise InvalidPoint(
            f"{where}.payload must not contain NUL characters, NaN or infinity.", {"at": where}
        )
    decoded: dict[str, Any] = orjson.loads(encoded)
    return decoded


def prepare_points(
    points: Sequence[VectorPoint], dimensions: int
) -> tuple[list[str], npt.NDArray[np.float32], list[dict[str, Any]]]:
    """Ids, a ``(n, dimensions)`` matrix of unit rows and payloads; a repeated id, the last wins."""
    latest: dict[str, int] = {}
    for position, point in enumerate(points):
        if not isinstance(point, VectorPoint):
            raise InvalidPoint(f"points[{position}] is not a VectorPoint.", {"index": position})
        _check_id(point.id, position)
        latest[point.id] = position
    ids = list(latest)
    matrix = np.empty((len(ids), dimensions), dtype=np.float32)
    payloads = []
    for row, point_id in enumerate(ids):
        position = latest[point_id]
        where = f"points[{position}]"
        matrix[row] = unit_vector(points[position].vector, dimensions, f"{where}.vector")
        payloads.append(_payload(points[position].payload, where))
    return ids, matrix, payloads


def typed_values(value: Any) -> list[TypedValue]:
    """The matchable values of a payload value: a scalar, or each scalar of a list."""
    items = value if isinstance(value, list) else [value]
    typed: list[TypedValue] = []
    for item in items:
        if isinstance(item, bool):
            typed.append(("b", item))
        elif isinstance(item, int):
            typed.append(("i", item))
        elif isinstance(item, str):
            typed.append(("s", item))
    return typed


def parse_filter(where: MetadataFilter | None) -> list[Condition]:
    """``{"portal": "smb", "segment": ["a", "b"]}`` -> conditions, all of which must hold."""
    if where is None:
        return []
    if not isinstance(where, Mapping):
        raise InvalidFilter("A filter is a JSON object of payload key -> value or list of values.")
    conditions = []
    for key, wanted in where.items():
        if not isinstance(key, str) or not _KEY.fullmatch(key):
            raise InvalidFilter(
                "A filter key is a payload key of letters, digits and '_' (not starting "
                "with a digit), at most 64 characters.",
                {"key": echoable(key) if isinstance(key, str) else None},
            )
        items = list(wanted) if isinstance(wanted, list | tuple) else [wanted]
        if not items or len(items) > MAX_FILTER_VALUES:
            raise InvalidFilter(
                f"filter {key!r}: give 1 to {MAX_FILTER_VALUES} values.", {"key": key}
            )
        values = typed_values(items)
        if len(values) != len(items):
            raise InvalidFilter(
                f"filter {key!r}: values must be strings, integers or booleans.", {"key": key}
            )
        conditions.append(Condition(key, frozenset(values)))
    return conditions
