"""Health DTOs: liveness, readiness with one entry per dependency, and ai's detailed health."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

__all__ = [
    "AIDetailedHealth",
    "DependencyHealth",
    "Liveness",
    "ProjectionHealth",
    "ProviderHealth",
    "Readiness",
]


class Liveness(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"status": "ok", "service": "backend", "version": "0.1.0"}]}
    )

    status: Literal["ok"] = "ok"
    service: str
    version: str


class DependencyHealth(BaseModel):
    status: Literal["up", "down"]
    required: bool = Field(description="A required dependency that is down makes the service 503.")
    adapter: str = Field(examples=["sqlite", "postgresql", "redis", "inprocess", "http"])
    latency_ms: float | None = None
    error: str | None = None


class ProjectionHealth(BaseModel):
    """How far a read model has got: informative, it never makes the service unready."""

    name: str
    position: int = Field(description="Global position of the last event it applied")
    behind: int = Field(description="Store head position minus that position (approximate)")
    last_event_recorded_at: str | None


class Readiness(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "status": "degraded",
                    "service": "backend",
                    "version": "0.1.0",
                    "checks": {
                        "event_store": {
                            "status": "up",
                            "required": True,
                            "adapter": "postgresql",
                            "latency_ms": 1.8,
                        },
                        "event_bus": {
                            "status": "up",
                            "required": True,
                            "adapter": "redis-streams",
                            "latency_ms": 0.6,
                        },
                        "ai": {
                            "status": "down",
                            "required": False,
                            "adapter": "http",
                            "latency_ms": None,
                            "error": "connection refused",
                        },
                    },
                    "projections": [
                        {
                            "name": "leads",
                            "position": 10482,
                            "behind": 3,
                            "last_event_recorded_at": "2026-11-24T09:12:05.004000+00:00",
                        },
                    ],
                }
            ]
        }
    )

    status: Literal["ok", "degraded", "unavailable"]
    service: str
    version: str
    checks: dict[str, DependencyHealth]
    projections: list[ProjectionHealth] = Field(default_factory=list)


class ProviderHealth(BaseModel):
    name: str
    available: bool
    reason: str | None = Field(default=None, description="When unavailable: what to set or fix.")
    models: list[str] = Field(default_factory=list, description="Its default model first.")


class AIDetailedHealth(BaseModel):
    status: Literal["ok", "degraded"]
    service: str
    version: str
    models_loaded: list[str]
    providers: list[ProviderHealth]
    index_sizes: dict[str, int]
