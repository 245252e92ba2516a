"""Wire DTOs shared by backend and ai."""

from aic.contracts.errors import ErrorBody, ErrorDetail, ErrorResponse, error_payload
from aic.contracts.health import (
    AIDetailedHealth,
    DependencyHealth,
    Liveness,
    ProviderHealth,
    Readiness,
)

__all__ = [
    "AIDetailedHealth",
    "DependencyHealth",
    "ErrorBody",
    "ErrorDetail",
    "ErrorResponse",
    "Liveness",
    "ProviderHealth",
    "Readiness",
    "error_payload",
]
