"""Saga storage: durable timers and the saga read model."""
