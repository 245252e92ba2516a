"""``DomainEvent.to_data`` gives what ``dataclasses.asdict`` gives, as a copy the caller may change.

Every registered event type is built from its type hints (all fields filled, then every
optional one ``None`` and every container empty), beside the domain's own examples and an
event of this module with nested containers and dataclasses.
"""

from __future__ import annotations

import copy
import dataclasses
import importlib
import pkgutil
import types
import typing
from typing import Any, Literal

import pytest

import aic.backend.domain
from aic.backend.domain.messages import DomainEvent, event_types

from .test_events import EVENTS

for _module in pkgutil.iter_modules(aic.backend.domain.__path__, "aic.backend.domain."):
    importlib.import_module(_module.name)  # every event module registers its types


@dataclasses.dataclass(frozen=True)
class Reading:
    label: str
    values: list[float]
    extra: dict[str, Any]


@dataclasses.dataclass(frozen=True, kw_only=True)
class ToDataProbeEventOfTestEventData(DomainEvent):  # registered globally: a name no one takes
    lead_id: str
    tags: list[str]
    pair: tuple[Any, ...]
    counts: dict[str, int]
    nested: dict[str, list[dict[str, Any]]]
    reading: Reading
    readings: list[Reading]
    keyed_readings: dict[str, Reading]
    note: str | None
    occurred_at: str


def example(hint: Any, name: str, sparse: bool) -> Any:
    """A value of the type ``hint``; ``sparse``: ``None`` where allowed, containers empty."""
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if origin in (types.UnionType, typing.Union):
        if sparse and type(None) in args:
            return None
        return example(next(a for a in args if a is not type(None)), name, sparse)
    if origin is Literal:
        return args[-1]
    if origin is list:
        return [] if sparse else [example(args[0], name, sparse) for _ in range(2)]
    if origin is tuple:
        return () if sparse else (example(args[0], name, sparse), [1, {"in": "tuple"}])
    if origin is dict:
        return {} if sparse else {f"{name}-key": example(args[1], name, sparse)}
    if dataclasses.is_dataclass(hint):
        return build(hint, sparse)
    scalars = {str: f"{name}-value", bool: True, int: 42, float: 2.5}
    if hint in scalars:
        return scalars[hint]
    if hint is Any:
        return {"list": [1, 2.5, None, True, {"deep": ["x"]}], "tuple": ("a", ["b"])}
    raise AssertionError(f"no example for {name}: {hint!r} (teach `example` this kind of field)")


def build(cls: Any, sparse: bool = False) -> Any:
    hints = typing.get_type_hints(cls)
    fields = dataclasses.fields(cls)
    return cls(**{f.name: example(hints[f.name], f.name, sparse) for f in fields})


REGISTERED = sorted(event_types().items())
BUILT = [build(cls, sparse) for _, cls in REGISTERED for sparse in (False, True)]
ALL_EVENTS = [*BUILT, *EVENTS]


def scribble(value: Any) -> None:
    """Change every list and dict inside ``value`` (inner ones first), in place."""
    if isinstance(value, list | tuple):
        for item in value:
            scribble(item)
    if isinstance(value, dict):
        for item in value.values():
            scribble(item)
        value.clear()
        value["scribbled"] = True
    elif isinstance(value, list):
        value.clear()
        value.append("scribbled")


def test_the_registry_holds_the_domain_events_and_this_module_s_own() -> None:
    names = {name for name, _ in REGISTERED}
    assert {"LeadCaptured", "ContentPublished", "AccountRegistered"} <= names
    assert ToDataProbeEventOfTestEventData.__name__ in names


@pytest.mark.parametrize("event", ALL_EVENTS, ids=lambda event: event.type)
def test_to_data_is_what_asdict_gives(event: DomainEvent) -> None:
    data = event.to_data()
    assert data == dataclasses.asdict(event)
    assert repr(data) == repr(dataclasses.asdict(event))  # the same types: True is not 1


@pytest.mark.parametrize("event", ALL_EVENTS, ids=lambda event: event.type)
def test_changing_what_to_data_returned_leaves_the_event_as_it_was(event: DomainEvent) -> None:
    before = copy.deepcopy(event)
    expected = dataclasses.asdict(event)
    scribble(event.to_data())
    assert event == before
    assert repr(event.to_data()) == repr(expected)


def test_nested_dataclasses_become_dicts_and_tuples_stay_tuples() -> None:
    event = build(ToDataProbeEventOfTestEventData)
    data = event.to_data()
    assert type(data["reading"]) is dict
    assert type(data["readings"][0]) is dict
    assert type(data["keyed_readings"]["keyed_readings-key"]) is dict
    assert type(data["pair"]) is tuple
    assert data["pair"][1] is not event.pair[1]  # a list inside a tuple is copied too
