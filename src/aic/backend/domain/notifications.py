"""In-app notifications: sent to an account or to everyone holding a role, then read."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Self

from aic.backend.domain import values
from aic.backend.domain.aggregate import Aggregate
from aic.backend.domain.errors import InvalidValue, InvariantViolated, NotFound
from aic.backend.domain.messages import Command, DomainEvent

__all__ = [
    "MarkNotificationRead",
    "Notification",
    "NotificationCommand",
    "NotificationRead",
    "NotificationSent",
    "SendNotification",
    "handle",
]


@dataclass(frozen=True, kw_only=True)
class NotificationCommand(Command):
    notification_id: str


@dataclass(frozen=True, kw_only=True)
class SendNotification(NotificationCommand):
    recipient: str  # an account id, or "role:<name>" for everyone holding that role
    kind: str  # lead_assigned, lead_qualified, content_published, ...
    title: str
    body: str = ""
    link: str | None = None  # where the portal takes the reader
    subject_id: str | None = None  # the lead or content the notification is about


@dataclass(frozen=True, kw_only=True)
class MarkNotificationRead(NotificationCommand):
    reader: str


@dataclass(frozen=True, kw_only=True)
class NotificationSent(DomainEvent):
    notification_id: str
    recipient: str
    kind: str
    title: str
    body: str
    link: str | None
    subject_id: str | None
    occurred_at: str


@dataclass(frozen=True, kw_only=True)
class NotificationRead(DomainEvent):
    notification_id: str
    reader: str
    occurred_at: str


class Notification(Aggregate):
    stream_prefix = "notification"

    def __init__(self, aggregate_id: str) -> None:
        super().__init__(aggregate_id)
        self.recipient = ""
        self.read_by: set[str] = set()

    @classmethod
    def send(cls, command: SendNotification, now: str) -> Self:
        notification = cls(values.identifier(command.notification_id, "notification_id"))
        recipient = values.text(command.recipient, "recipient", max_length=140)
        if recipient.startswith("role:") and len(recipient) == len("role:"):
            raise InvalidValue(
                "invalid_recipient", "role: needs a role name", {"recipient": recipient}
            )
        notification._record(
            NotificationSent(
                notification_id=notification.id,
                recipient=recipient,
                kind=values.text(command.kind, "kind", max_length=60),
                title=values.text(command.title, "title", max_length=200),
                body=values.text(command.body, "body", max_length=2000, required=False),
                link=values.optional_text(command.link, "link", max_length=500),
                subject_id=values.optional_text(command.subject_id, "subject_id", max_length=140),
                occurred_at=values.timestamp(now),
            )
        )
        return notification

    def mark_read(self, command: MarkNotificationRead, now: str) -> None:
        reader = values.identifier(command.reader, "reader")
        if reader in self.read_by:
            return
        self._record(
            NotificationRead(
                notification_id=self.id, reader=reader, occurred_at=values.timestamp(now)
            )
        )

    def _apply(self, event: DomainEvent) -> None:
        match event:
            case NotificationSent():
                self.recipient = event.recipient
            case NotificationRead():
                self.read_by.add(event.reader)


def handle(
    notification: Notification | None, command: NotificationCommand, now: str
) -> Notification:
    if isinstance(command, SendNotification):
        if notification is not None:
            raise InvariantViolated(
                "notification_already_sent", f"notification {command.notification_id} exists"
            )
        return Notification.send(command, now)
    if notification is None:
        raise NotFound("notification_not_found", f"no notification {command.notification_id}")
    if isinstance(command, MarkNotificationRead):
        notification.mark_read(command, now)
    return notification
