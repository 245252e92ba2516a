"""Who may see which realtime events: topics, each role's grants, and what a view hides."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from enum import IntEnum
from typing import Any

from aic.backend.application.ports import StoredEvent

__all__ = [
    "LEAD_PERSONAL_FIELDS",
    "PUBLIC_CONTENT_EVENTS",
    "TOPICS",
    "Audience",
    "Level",
    "TopicsNotAllowed",
    "UnknownTopics",
    "Visible",
    "grants_for",
    "topic_of",
]

# A topic is the kind of aggregate an event belongs to, read from its stream id's prefix.
_STREAM_TOPICS = {
    "lead": "leads",
    "content": "content",
    "notification": "notifications",
    "saga": "sagas",
    "account": "accounts",
}
TOPICS: tuple[str, ...] = tuple(_STREAM_TOPICS.values())

# What anyone signed in may know about content: it went live or left the portals.
PUBLIC_CONTENT_EVENTS = frozenset({"ContentPublished", "ContentUnpublished", "ContentArchived"})
# Lead fields that identify a person; a redacted view of a lead event leaves them out.
LEAD_PERSONAL_FIELDS = ("email", "name", "phone", "message", "job_title", "visitor_id")


class Level(IntEnum):
    """How much of a topic a role sees; a principal holding several roles gets the widest."""

    OWN = 1  # notifications addressed to the principal (its id, or a role it holds)
    PUBLIC = 2  # content: only the public lifecycle (PUBLIC_CONTENT_EVENTS)
    REDACTED = 3  # leads: every event, without LEAD_PERSONAL_FIELDS
    FULL = 4  # every event of the topic, as stored


_EVERYONE: Mapping[str, Level] = {"notifications": Level.OWN}
_ROLE_GRANTS: Mapping[str, Mapping[str, Level]] = {
    "admin": {"leads": Level.FULL, "content": Level.FULL, "sagas": Level.FULL,
              "accounts": Level.FULL},
    "sales": {"leads": Level.FULL, "content": Level.PUBLIC},
    "editor": {"content": Level.FULL},
    "analyst": {"leads": Level.REDACTED, "content": Level.PUBLIC},
    "viewer": {"content": Level.PUBLIC},
}  # fmt: skip


def grants_for(roles: Iterable[str]) -> dict[str, Level]:
    """Topic → level for a signed-in principal holding ``roles`` (unknown roles add nothing)."""
    grants = dict(_EVERYONE)
    for role in roles:
        for topic, level in _ROLE_GRANTS.get(role, {}).items():
            grants[topic] = max(level, grants.get(topic, level))
    return grants


def topic_of(event: StoredEvent) -> str | None:
    return _STREAM_TOPICS.get(event.stream_id.partition("-")[0])


class UnknownTopics(ValueError):
    def __init__(self, topics: Collection[str]) -> None:
        super().__init__(f"unknown topics: {', '.join(sorted(topics))}")
        self.topics = sorted(topics)


class TopicsNotAllowed(PermissionError):
    """None of the requested topics is visible to the principal's roles."""

    def __init__(self, topics: Collection[str]) -> None:
        super().__init__(f"not allowed: {', '.join(sorted(topics))}")
        self.topics = sorted(topics)


@dataclass(frozen=True, slots=True)
class Visible:
    """What a subscriber receives of an event; ``view`` names the shape (for caching)."""

    view: str  # "full" or "redacted"
    data: Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class Audience:
    """One subscriber: who it is and the topics (with levels) it receives."""

    subject: str  # the principal's id: notifications addressed to it are its own
    roles: frozenset[str]
    levels: Mapping[str, Level]
    denied: tuple[str, ...] = ()  # requested, but not visible to these roles

    @classmethod
    def of(
        cls, subject: str, roles: Collection[str], requested: Collection[str] | None = None
    ) -> Audience:
        """Every topic the roles may see, or the requested ones among them.

        Raises ``UnknownTopics`` for a name that is no topic, ``TopicsNotAllowed`` when the
        roles may see none of the requested ones.
        """
        grants = grants_for(roles)
        if requested is None:
            return cls(subject, frozenset(roles), grants)
        unknown = set(requested) - set(TOPICS)
        if unknown:
            raise UnknownTopics(unknown)
        levels = {
            topic: grants[topic] for topic in TOPICS if topic in requested and topic in grants
        }
        if not levels:
            raise TopicsNotAllowed(requested)
        denied = tuple(topic for topic in TOPICS if topic in requested and topic not in grants)
        return cls(subject, frozenset(roles), levels, denied)

    @property
    def topics(self) -> list[str]:
        return [topic for topic in TOPICS if topic in self.levels]

    def view(self, event: StoredEvent) -> Visible | None:
        """What this audience may see of ``event``: ``None`` for nothing."""
        topic = topic_of(event)
        level = self.levels.get(topic) if topic is not None else None
        if level is None:
            return None
        if level is Level.FULL:
            return Visible("full", event.data)
        if level is Level.REDACTED:
            return Visible("redacted", _without_personal_fields(event.data))
        if level is Level.PUBLIC:
            return Visible("full", event.data) if event.type in PUBLIC_CONTENT_EVENTS else None
        return Visible("full", event.data) if self._addressed_here(event.data) else None

    def _addressed_here(self, data: Mapping[str, Any]) -> bool:
        recipient = data.get("recipient")  # NotificationSent
        if recipient is not None:
            if recipient == self.subject:
                return True
            role = recipient.removeprefix("role:") if isinstance(recipient, str) else None
            return role is not None and role != recipient and role in self.roles
        return data.get("reader") == self.subject  # NotificationRead: another tab read it


def _without_personal_fields(data: Mapping[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in data.items() if key not in LEAD_PERSONAL_FIELDS}
