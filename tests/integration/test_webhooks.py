"""Outgoing webhooks: signed, retried with backoff after failures, logged per attempt."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from aic.backend.entrypoints.app import create_app
from aic.backend.settings import BackendSettings
from tests.integration.api.conftest import eventually
from tests.support.identity import container
from tests.support.services import free_ports


class Receiver:
    """A webhook endpoint on loopback that fails the first ``fail_first`` deliveries."""

    def __init__(self, fail_first: int) -> None:
        self.received: list[tuple[dict[str, str], bytes]] = []
        self.fail_first = fail_first
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.received.append((dict(self.headers), body))
                status = 500 if len(receiver.received) <= receiver.fail_first else 204
                self.send_response(status)
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                return None

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    running = Receiver(fail_first=2)
    yield running
    running.server.shutdown()
    running.server.server_close()


def test_events_are_delivered_signed_after_retries_and_logged(
    tmp_path: Path, receiver: Receiver
) -> None:
    settings = BackendSettings(
        data_dir=tmp_path,
        ai_url=f"http://127.0.0.1:{free_ports(1)[0]}",
        webhook_urls=receiver.url,
        webhook_secret="whsec-test",
        webhook_events="LeadCaptured",
    )
    with TestClient(create_app(settings)) as api:
        api.app.state.container.webhooks.backoff = 0.05  # type: ignore[attr-defined]
        lead = api.post("/api/leads", json={"email": "hook@hooks.example", "name": "Hook"})
        event_id = lead.json()["events"][0]
        eventually(lambda: len(receiver.received) >= 3, timeout=20)
        headers, body = receiver.received[-1]
        assert headers["X-AIC-Event-Id"] == event_id
        assert headers["X-AIC-Event-Type"] == "LeadCaptured"
        expected = hmac.new(
            b"whsec-test", headers["X-AIC-Timestamp"].encode() + b"." + body, hashlib.sha256
        ).hexdigest()
        assert headers["X-AIC-Signature"] == f"sha256={expected}"
        assert json.loads(body)["data"]["email"] == "hook@hooks.example"
        container: Any = api.app.state.container  # type: ignore[attr-defined]
        log = eventually(  # the attempt is logged just after the receiver answers
            lambda: (
                (rows := api.portal.call(container.webhooks.deliveries, event_id))  # type: ignore[union-attr]
                and len(rows) == 3
                and rows
            )
        )
        assert [(row["attempt"], row["status_code"]) for row in log] == [
            (1, 500),
            (2, 500),
            (3, 204),
        ]
        assert len(receiver.received) == 3  # delivered once: no more after the success


def test_a_receiver_that_is_down_does_not_hold_up_the_platform(tmp_path: Path) -> None:
    closed = f"http://127.0.0.1:{free_ports(1)[0]}/hook"
    settings = BackendSettings(
        data_dir=tmp_path,
        ai_url=f"http://127.0.0.1:{free_ports(1)[0]}",
        webhook_urls=closed,
        webhook_events="*",
    )
    with TestClient(create_app(settings)) as api:
        api.headers["X-API-Key"] = container(api).identity.service_key  # saga state: service
        ids = [
            api.post("/api/leads", json={"email": f"d{n}@down.example", "name": "D"}).json()["id"]
            for n in range(3)
        ]
        for lead_id in ids:  # read models and sagas carry on while deliveries wait
            eventually(
                lambda lead_id=lead_id: (
                    api.get(f"/api/sagas/lead-qualification-{lead_id}").json().get("status")
                    == "completed"
                )
            )
