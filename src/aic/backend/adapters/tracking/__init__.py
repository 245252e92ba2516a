"""Tracking storage on SQL (SQLite or PostgreSQL)."""

from aic.backend.adapters.tracking.store import SqlTrackingStore

__all__ = ["SqlTrackingStore"]
