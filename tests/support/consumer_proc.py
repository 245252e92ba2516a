"""A consumer process that dies mid-batch: applies a few events, then exits before its ack.

``python -m tests.support.consumer_proc REDIS_URL PREFIX GROUP CONSUMER LEDGER CRASH_AFTER``
"""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

from aic.backend.adapters.transport.redis_streams import RedisStreamsEventTransport
from tests.support.ledger import Ledger


async def consume_then_die(
    url: str, prefix: str, group: str, consumer: str, ledger: Ledger, crash_after: int
) -> None:
    transport = RedisStreamsEventTransport.from_url(url, prefix=prefix)
    applied = 0
    for _ in range(50):  # bounded: the test publishes before starting us
        for delivery in await transport.read(group, consumer, count=10, block_ms=200):
            ledger.apply(delivery.event, consumer)
            applied += 1
            if applied == crash_after:
                print(f"dying after {applied} events, none acknowledged", flush=True)
                os._exit(3)  # no ack, no cleanup: as if killed
    os._exit(4)  # never got enough events


if __name__ == "__main__":
    url, prefix, group, consumer, ledger_path, crash_after = sys.argv[1:7]
    asyncio.run(
        consume_then_die(url, prefix, group, consumer, Ledger(Path(ledger_path)), int(crash_after))
    )
