"""Logs, metrics and correlation ids, shared by every AIC service."""
