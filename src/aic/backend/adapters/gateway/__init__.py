"""The AI gateway: the backend's client of the ai service."""

from aic.backend.adapters.gateway.client import AIServiceClient

__all__ = ["AIServiceClient"]
