"""Starts the publication saga of scheduled content whose time has come."""

from __future__ import annotations

from collections.abc import Callable

from aic.backend.application.queries import ContentReadModel
from aic.backend.application.sagas.content_publication import (
    CONTENT_PUBLICATION,
    publication_saga_id,
)
from aic.backend.application.sagas.engine import SagaOrchestrator

__all__ = ["PublicationScheduler"]


class PublicationScheduler:
    """Reads due items from the content read model: it survives restarts with the data."""

    def __init__(
        self, content: ContentReadModel, sagas: SagaOrchestrator, clock: Callable[[], str]
    ) -> None:
        self.content = content
        self.sagas = sagas
        self.clock = clock

    async def run_once(self) -> int:
        """Start what is due; returns 0 so the loop waits its idle time between passes."""
        due = await self.content.due_scheduled(self.clock())
        for content_id, revision in due:
            data = {"content_id": content_id, "actor": "system:scheduler", "scheduled": True}
            await self.sagas.start(
                CONTENT_PUBLICATION, publication_saga_id(content_id, revision), data
            )
        return 0
