"""Buying signals from tracking become ``LeadEngagementChanged`` on the linked leads.

A significant tracked event is stored ``pending``; this pass sends ``RecordLeadEngagement``
to each lead its visitor is linked to, keyed by the tracking event id, then marks it handled.
A crash in between re-sends the command, which the key turns into a no-op: no signal is
lost and none counts twice. A signal whose visitor is not (yet) a lead waits for a while in
case the lead's link is still on its way, then is ignored.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from aic.backend.application.bus import CommandBus, CommandContext
from aic.backend.application.execution import request_hash
from aic.backend.application.ports import EventMetadata
from aic.backend.application.tracking import TrackingStore
from aic.backend.domain.errors import DomainError
from aic.backend.domain.lead_commands import RecordLeadEngagement
from aic.observability.logging import get_logger

__all__ = ["EngagementSignals"]


class EngagementSignals:
    def __init__(
        self, tracking: TrackingStore, commands: CommandBus, unlinked_grace: timedelta
    ) -> None:
        self.tracking = tracking
        self.commands = commands
        self.unlinked_grace = unlinked_grace
        self.log = get_logger("aic.engagement")

    async def run_once(self, limit: int = 100) -> int:
        """Handle pending signals; return how many commands were sent."""
        sent = 0
        cutoff = datetime.now(UTC) - self.unlinked_grace
        await self.tracking.expire_unlinked(cutoff.isoformat().replace("+00:00", "Z"))
        for signal in await self.tracking.pending_signals(limit):
            for lead_id in signal.lead_ids:
                command = RecordLeadEngagement(
                    lead_id=lead_id,
                    signal=signal.signal,
                    tracking_event_id=signal.event_id,
                )
                metadata = EventMetadata(
                    actor="system:tracking",
                    causation_id=signal.event_id,
                    idempotency_key=f"tracking:{signal.event_id}",
                    request_hash=request_hash(command.__dict__),
                )
                try:
                    await self.commands.dispatch(command, CommandContext(metadata))
                    sent += 1
                except DomainError as exc:  # e.g. the lead is closed: the signal is moot
                    self.log.info("signal_refused", lead_id=lead_id, code=exc.code)
            await self.tracking.mark_signal(signal.event_id, "handled")
        return sent
