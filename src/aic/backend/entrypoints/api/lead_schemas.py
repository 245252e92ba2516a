"""Wire models of the lead routes (pydantic), with the examples shown in the OpenAPI document."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StringConstraints
from pydantic.config import JsonDict

from aic.backend.entrypoints.api.email_field import EmailAddress

__all__ = [
    "AcceptedCommand",
    "AssignRequest",
    "CaptureLeadRequest",
    "ConvertRequest",
    "EngagementRequest",
    "ReasonRequest",
    "RouteRequest",
    "ScoreRequest",
]

Text = Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)]
Id = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9._:@-]{0,127}$")]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class CaptureLeadRequest(Strict):
    """A lead form as the portals send it. Unknown fields are refused (422)."""

    email: EmailAddress = Field(examples=["ada@northwind.example"])
    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
    company: Text | None = Field(default=None, examples=["Northwind Traders"])
    job_title: Text | None = Field(default=None, examples=["Head of Operations"])
    company_size: int | None = Field(default=None, ge=1, le=10_000_000, examples=[120])
    phone: Annotated[str, StringConstraints(max_length=40)] | None = None
    message: Annotated[str, StringConstraints(max_length=5000)] = ""
    source_portal: Literal["main", "smb", "enterprise", "nexus"] = "main"
    utm_source: Text | None = None
    utm_medium: Text | None = None
    utm_campaign: Text | None = None
    visitor_id: Id | None = Field(default=None, description="The anonymous tracking id")
    # Only JSON true/false: marketing consent is never read into 1, "yes" or "on".
    consent: StrictBool = False

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "email": "ada@northwind.example",
                    "name": "Ada Park",
                    "company": "Northwind Traders",
                    "company_size": 120,
                    "source_portal": "smb",
                    "visitor_id": "v-7f3a2c",
                    "consent": True,
                }
            ]
        },
    )


class AcceptedCommand(BaseModel):
    """202: the command's events are committed (projections follow shortly)."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id": "3f6c1a52-9b8e-4c1d-a7f2-5e0b9d4c2a10",
                    "version": 4,
                    "duplicate": False,
                    "events": ["8d2f0c7e-41a9-5b3e-9c6d-1f7a2b3c4d5e"],
                }
            ]
        }
    )

    id: str = Field(description="The aggregate the command changed")
    version: int = Field(description="The stream version after the command")
    duplicate: bool = Field(description="True when this is a retry of an earlier request")
    events: list[str] = Field(description="Ids of the events written")


def _example(example: JsonDict) -> ConfigDict:
    return ConfigDict(extra="forbid", json_schema_extra={"examples": [example]})


class ScoreRequest(Strict):
    model_config = _example(
        {
            "score": 72.5,
            "model": "rules",
            "model_version": "1",
            "reasons": ["company address +15", "enterprise segment +15", "demo request +25"],
        }
    )

    score: float = Field(ge=0, le=100, examples=[72.5])
    model: Text = Field(examples=["rules"])
    model_version: Text = Field(examples=["1"])
    reasons: list[Text] = Field(default_factory=list, max_length=10)


class RouteRequest(Strict):
    model_config = _example({"qualify_threshold": 70, "nurture_threshold": 40})

    qualify_threshold: float = Field(default=70, ge=0, le=100)
    nurture_threshold: float = Field(default=40, ge=0, le=100)


class ReasonRequest(Strict):
    model_config = _example({"reason": "Chose a competitor after the pilot"})

    reason: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)]


class AssignRequest(Strict):
    model_config = _example({"account_id": "sales-2"})

    account_id: Id


class ConvertRequest(Strict):
    model_config = _example({"deal_value": 48000})

    deal_value: float | None = Field(default=None, ge=0)


class EngagementRequest(Strict):
    model_config = _example(
        {"signal": "pricing_page_view", "detail": "/pricing", "tracking_event_id": "te-81c2"}
    )

    signal: Text = Field(examples=["pricing_page_view"])
    detail: Text | None = None
    tracking_event_id: Id | None = None
