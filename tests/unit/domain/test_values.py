"""Shared value checks normalize what they accept and refuse the rest with a precise code."""

from __future__ import annotations

import math

import pytest

from aic.backend.domain import values
from aic.backend.domain.errors import InvalidValue


@pytest.mark.parametrize(
    ("raw", "normalized"),
    [
        ("Ana.Lima@Acme.com", "ana.lima@acme.com"),
        ("  ops+leads@eu.acme.co.uk ", "ops+leads@eu.acme.co.uk"),
        ("o'neil@acme.ie", "o'neil@acme.ie"),
    ],
)
def test_valid_emails_are_trimmed_and_lower_cased(raw: str, normalized: str) -> None:
    assert values.email(raw) == normalized


@pytest.mark.parametrize(
    "raw",
    [
        "",
        "ana",
        "ana@",
        "@acme.com",
        "ana@acme",
        "ana@@acme.com",
        "ana lima@acme.com",
        ".ana@acme.com",
        "ana.@acme.com",
        "ana..lima@acme.com",
        "ana@-acme.com",
        "ana@acme.c",
        "a" * 65 + "@acme.com",
        None,
        42,
    ],
)
def test_invalid_emails_are_refused(raw: object) -> None:
    with pytest.raises(InvalidValue) as caught:
        values.email(raw)
    assert caught.value.code == "invalid_email"
    assert caught.value.status_code == 422


def test_timestamps_are_normalized_to_utc() -> None:
    assert values.timestamp("2025-03-01T10:00:00Z") == "2025-03-01T10:00:00+00:00"
    assert values.timestamp("2025-03-01T11:30:00+01:00") == "2025-03-01T10:30:00+00:00"


@pytest.mark.parametrize("raw", ["2025-03-01T10:00:00", "2025-03-01", "yesterday", "", None])
def test_naive_or_malformed_times_are_refused(raw: object) -> None:
    with pytest.raises(InvalidValue) as caught:
        values.timestamp(raw, "publish_at")
    assert caught.value.code == "invalid_publish_at"


@pytest.mark.parametrize("raw", [True, math.nan, math.inf, -1, 101, "50"])
def test_numbers_outside_the_range_or_of_the_wrong_kind_are_refused(raw: object) -> None:
    with pytest.raises(InvalidValue) as caught:
        values.number(raw, "score", minimum=0, maximum=100)
    assert caught.value.code == "invalid_score"


def test_json_objects_are_copied_so_later_changes_do_not_leak_into_events() -> None:
    original = {"tone": "friendly", "keywords": ["crm", "b2b"], "options": {"length": 800}}
    copied = values.json_object(original, "prompt_parameters")
    original["keywords"].append("leak")  # type: ignore[attr-defined]
    assert copied == {"tone": "friendly", "keywords": ["crm", "b2b"], "options": {"length": 800}}


@pytest.mark.parametrize(
    "raw", [{"when": object()}, {1: "x"}, {"x": math.nan}, ["not", "a", "dict"]]
)
def test_values_that_are_not_json_objects_are_refused(raw: object) -> None:
    with pytest.raises(InvalidValue):
        values.json_object(raw, "prompt_parameters")


@pytest.mark.parametrize("raw", ["", " lead", "a b", "x" * 129, None])
def test_ids_must_be_non_blank_and_without_spaces(raw: object) -> None:
    with pytest.raises(InvalidValue) as caught:
        values.identifier(raw, "lead_id")
    assert caught.value.code == "invalid_lead_id"


def test_blank_optional_text_counts_as_absent() -> None:
    assert values.optional_text("   ", "company", max_length=10) is None
    assert values.optional_text(" Acme ", "company", max_length=10) == "Acme"


def test_error_details_stay_json_and_short_whatever_the_refused_value() -> None:
    with pytest.raises(InvalidValue) as caught:
        values.json_object({"when": object()}, "prompt_parameters")
    assert isinstance(caught.value.details, dict)
    assert isinstance(caught.value.details["prompt_parameters"], str)
    with pytest.raises(InvalidValue) as caught:
        values.text("x" * 10_000, "title", max_length=200)
    assert caught.value.details == {"title": "x" * 200 + "..."}
