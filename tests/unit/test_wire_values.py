"""Request models take what their OpenAPI schema says, not what pydantic could coerce into it.

Each case was accepted once although the document declares it invalid (found by schemathesis'
negative data): a ``0`` or ``"yes"`` for a boolean, ``true`` or ``"0.5"`` for a number, and a
version past what the database stores (a 500 instead of a 422).
"""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import BaseModel, ValidationError

from aic.backend.entrypoints.api.lead_schemas import CaptureLeadRequest
from aic.contracts.chat import ChatCompletionRequest, StreamOptions
from aic.contracts.content_index import IndexDocument
from aic.contracts.generation import AnswerRequest, GenerateContentRequest
from aic.contracts.model_registry import PredictRequest, RegisterModelVersion
from aic.contracts.vectors import RetrieveRequest

LEAD = {"email": "ada@northwind.example", "name": "Ada"}
CHAT = {"messages": [{"role": "user", "content": "Hi"}]}
DOCUMENT = {
    "content_id": "c1",
    "slug": "guide",
    "title": "A guide",
    "content_type": "guide",
    "portals": ["smb"],
    "segment": "smb",
    "body_markdown": "Text.",
}
PREDICT = {"instances": [{"demo_requested": True}]}
REGISTER = {"kind": "linear_regression", "artifact": {}}


@pytest.mark.parametrize(
    ("model", "valid", "field"),
    [
        (CaptureLeadRequest, LEAD, "consent"),
        (ChatCompletionRequest, CHAT, "stream"),
        (StreamOptions, {}, "include_usage"),
        (IndexDocument, DOCUMENT, "published"),
        (PredictRequest, PREDICT, "explain"),
        (GenerateContentRequest, {"content_type": "blog_post", "topic": "SSO"}, "stream"),
        (AnswerRequest, {"question": "What is SSO?"}, "stream"),
        (RetrieveRequest, {"ids": ["p1"]}, "with_vectors"),
    ],
)
@pytest.mark.parametrize("coercible", [0, 1, "yes", "true", "on"])
def test_a_boolean_is_a_json_boolean_only(
    model: type[BaseModel], valid: dict[str, Any], field: str, coercible: Any
) -> None:
    assert getattr(model.model_validate({**valid, field: True}), field) is True
    with pytest.raises(ValidationError):
        model.model_validate({**valid, field: coercible})


def test_metrics_are_numbers_not_booleans_or_numeric_text() -> None:
    assert RegisterModelVersion.model_validate({**REGISTER, "metrics": {"auc": 1}}).metrics == {
        "auc": 1.0
    }
    for bad in (True, "0.5"):
        with pytest.raises(ValidationError):
            RegisterModelVersion.model_validate({**REGISTER, "metrics": {"auc": bad}})


def test_a_version_past_what_the_database_stores_is_refused() -> None:
    assert PredictRequest.model_validate({**PREDICT, "version": 2**31 - 1}).version == 2**31 - 1
    with pytest.raises(ValidationError):
        PredictRequest.model_validate({**PREDICT, "version": 2**31})
