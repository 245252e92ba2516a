"""Outgoing webhooks: signed POSTs of domain events to configured URLs, with a delivery log."""

from aic.backend.adapters.webhooks.sender import WebhookSender, signature

__all__ = ["WebhookSender", "signature"]
