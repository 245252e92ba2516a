"""Realtime: the hub that tails the event store, subscriptions, and who sees what."""

from aic.backend.application.realtime.hub import (
    HubUnavailable,
    RealtimeHub,
    RealtimeObserver,
    TooManySubscribers,
)
from aic.backend.application.realtime.subscription import (
    CloseReason,
    GlobalOrder,
    Subscription,
    SubscriptionClosed,
    UnknownPosition,
)
from aic.backend.application.realtime.visibility import (
    TOPICS,
    Audience,
    Level,
    TopicsNotAllowed,
    UnknownTopics,
    Visible,
    grants_for,
    topic_of,
)

__all__ = [
    "TOPICS",
    "Audience",
    "CloseReason",
    "GlobalOrder",
    "HubUnavailable",
    "Level",
    "RealtimeHub",
    "RealtimeObserver",
    "Subscription",
    "SubscriptionClosed",
    "TooManySubscribers",
    "TopicsNotAllowed",
    "UnknownPosition",
    "UnknownTopics",
    "Visible",
    "grants_for",
    "topic_of",
]
