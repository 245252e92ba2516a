"""Wire models of the content routes."""

from __future__ import annotations

import json
from typing import Annotated, Any

from pydantic import (
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    field_validator,
)
from pydantic.config import JsonDict

__all__ = [
    "AIDraftRequest",
    "CreateContentRequest",
    "RejectRequest",
    "RestoreRequest",
    "ReviseContentRequest",
    "ScheduleRequest",
]

Title = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Slug = Annotated[str, StringConstraints(pattern=r"^[a-z0-9]+(?:-[a-z0-9]+)*$", max_length=120)]
Body = Annotated[str, StringConstraints(max_length=200_000)]
Summary = Annotated[str, StringConstraints(max_length=1000)]
Word = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=60)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


def _example(example: JsonDict) -> ConfigDict:
    return ConfigDict(extra="forbid", json_schema_extra={"examples": [example]})


_BODY = "## 1. Qualify early\n\nAsk about budget and timing in the first call."


class CreateContentRequest(Strict):
    model_config = _example(
        {
            "title": "Five ways to shorten your sales cycle",
            "slug": "shorten-your-sales-cycle",
            "content_type": "article",
            "portals": ["main", "smb"],
            "body_markdown": _BODY,
            "summary": "Practical steps for B2B teams, from the first call to the signature.",
            "segment": "all",
            "tags": ["sales", "process"],
        }
    )

    title: Title = Field(examples=["Five ways to shorten your sales cycle"])
    slug: Slug = Field(examples=["shorten-your-sales-cycle"])
    content_type: Word = Field(examples=["article"])
    portals: list[Word] = Field(min_length=1, max_length=4, examples=[["main", "smb"]])
    body_markdown: Body = ""
    summary: Summary = ""
    segment: Word = "all"
    tags: list[Word] = Field(default_factory=list, max_length=20)


class ReviseContentRequest(Strict):
    model_config = _example(
        {"title": "Six ways to shorten your sales cycle", "tags": ["sales", "process", "crm"]}
    )

    title: Title | None = None
    slug: Slug | None = None
    body_markdown: Body | None = None
    summary: Summary | None = None
    content_type: Word | None = None
    portals: list[Word] | None = Field(default=None, min_length=1, max_length=4)
    segment: Word | None = None
    tags: list[Word] | None = Field(default=None, max_length=20)


class AIDraftRequest(Strict):
    """A finished AI generation to keep as a revision (the gateway sends this after a stream)."""

    model_config = _example(
        {
            "provider": "local-composer",
            "model": "composer-1",
            "prompt_parameters": {"topic": "shorter sales cycles", "tone": "practical"},
            "title": "Five ways to shorten your sales cycle",
            "body_markdown": _BODY,
            "summary": "Practical steps for B2B teams, from the first call to the signature.",
        }
    )

    provider: Word = Field(examples=["local-composer"])
    model: Word = Field(examples=["composer-1"])
    prompt_parameters: dict[str, Any] = Field(
        default_factory=dict, description="At most 10 levels deep and 20 kB as JSON"
    )

    @field_validator("prompt_parameters")
    @classmethod
    def _bounded(cls, value: dict[str, Any]) -> dict[str, Any]:
        if _depth(value) > 10:
            raise ValueError("nested more than 10 levels deep")
        if len(json.dumps(value, default=str)) > 20_000:
            raise ValueError("larger than 20 kB as JSON")
        return value

    title: Title
    body_markdown: Body
    summary: Summary | None = None
    slug: Slug | None = None
    content_type: Word | None = None
    portals: list[Word] | None = Field(default=None, min_length=1, max_length=4)
    segment: Word | None = None
    tags: list[Word] | None = Field(default=None, max_length=20)


class RestoreRequest(Strict):
    model_config = _example({"revision": 2})

    revision: int = Field(ge=1)


class RejectRequest(Strict):
    model_config = _example({"reason": "Cite the survey the third point relies on."})

    reason: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)]


class ScheduleRequest(Strict):
    model_config = _example({"publish_at": "2026-12-01T09:00:00Z"})

    publish_at: AwareDatetime = Field(examples=["2026-12-01T09:00:00Z"])


def _depth(value: Any, level: int = 0) -> int:
    """Nesting depth, stopping early once it passes any sane bound."""
    if level > 11 or not isinstance(value, dict | list):
        return level
    items = value.values() if isinstance(value, dict) else value
    return max((_depth(item, level + 1) for item in items), default=level + 1)
