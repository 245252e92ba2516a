"""The saga orchestrator and the platform's sagas."""

from aic.backend.application.sagas.engine import (
    SagaContext,
    SagaDefinition,
    SagaOrchestrator,
    SagaTimers,
    Step,
)

__all__ = ["SagaContext", "SagaDefinition", "SagaOrchestrator", "SagaTimers", "Step"]
