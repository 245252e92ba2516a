"""The frames realtime subscribers receive, and the WebSocket protocol's client messages."""

from __future__ import annotations

import orjson
import pytest

from aic.backend.application.realtime import Visible
from aic.backend.entrypoints.realtime.access import parse_topics
from aic.backend.entrypoints.realtime.wire import EncodedEvents
from aic.backend.entrypoints.realtime.ws_messages import (
    InvalidMessage,
    Ping,
    Subscribe,
    Unsubscribe,
    parse_client_message,
)
from tests.unit.realtime.commit_order_store import event

CAPTURED = event(42, "lead-7", "LeadCaptured", {"lead_id": "7", "email": "a@b.example"})


def test_an_sse_frame_carries_the_position_as_id_and_the_type_as_event() -> None:
    frame = EncodedEvents().sse_frame(CAPTURED, Visible("full", CAPTURED.data))
    head, data = frame.decode().split("data: ")
    assert head == "id: 42\nevent: LeadCaptured\n"
    assert data.endswith("\n\n")
    message = orjson.loads(data)
    assert message["id"] == str(CAPTURED.event_id)
    assert message["position"] == 42
    assert message["stream"] == "lead-7"
    assert message["data"] == {"lead_id": "7", "email": "a@b.example"}


def test_a_websocket_event_wraps_the_same_object() -> None:
    encoded = EncodedEvents()
    text = encoded.ws_text(CAPTURED, Visible("full", CAPTURED.data))
    sse = encoded.sse_frame(CAPTURED, Visible("full", CAPTURED.data))
    wrapped = orjson.loads(text)
    assert wrapped["type"] == "event"
    assert wrapped["event"] == orjson.loads(sse.decode().split("data: ")[1])


def test_each_view_of_an_event_is_encoded_once() -> None:
    encoded = EncodedEvents()
    full = encoded.sse_frame(CAPTURED, Visible("full", CAPTURED.data))
    assert encoded.sse_frame(CAPTURED, Visible("full", CAPTURED.data)) is full
    redacted = encoded.sse_frame(CAPTURED, Visible("redacted", {"lead_id": "7"}))
    assert redacted is not full
    assert b"email" not in redacted


def test_the_cache_stays_within_its_byte_budget() -> None:
    encoded = EncodedEvents(max_bytes=10_000)
    big = [event(i, "content-1", "ContentDraftCreated", {"body": "x" * 3000}) for i in range(10)]
    for item in big:
        encoded.sse_frame(item, Visible("full", item.data))
    assert encoded.held_bytes <= 10_000
    first = encoded.sse_frame(big[0], Visible("full", big[0].data))
    assert first.startswith(b"id: 0\n")  # evicted, and encoded again on demand


@pytest.mark.parametrize(
    ("values", "topics"),
    [
        (None, None),
        ([""], None),
        (["leads,content"], ["leads", "content"]),
        (["leads", " notifications ,"], ["leads", "notifications"]),
    ],
)
def test_topics_come_comma_separated_or_repeated(
    values: list[str] | None, topics: list[str] | None
) -> None:
    assert parse_topics(values) == topics


def test_client_messages_are_parsed_by_type() -> None:
    assert parse_client_message('{"type": "ping", "id": "a"}') == Ping(type="ping", id="a")
    assert parse_client_message('{"type": "unsubscribe"}') == Unsubscribe(type="unsubscribe")
    subscribe = parse_client_message(b'{"type": "subscribe", "topics": ["leads"], "after": 3}')
    assert subscribe == Subscribe(type="subscribe", topics=["leads"], after=3)


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("{", "invalid_json"),
        ('"ping"', "invalid_message"),
        ('{"kind": "ping"}', "invalid_message"),
        ('{"type": "dance"}', "validation_error"),
        ('{"type": "subscribe", "after": "soon"}', "validation_error"),
        ('{"type": "ping", "extra": true}', "validation_error"),
    ],
)
def test_a_bad_client_message_is_refused_with_a_code(text: str, code: str) -> None:
    with pytest.raises(InvalidMessage) as refused:
        parse_client_message(text)
    assert refused.value.code == code
