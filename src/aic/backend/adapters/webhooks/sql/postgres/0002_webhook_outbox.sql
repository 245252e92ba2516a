-- Deliveries still to make: written when the event arrives, sent by the webhook loop, so a
-- receiver that is down delays only its own deliveries, never the event bus.
CREATE TABLE IF NOT EXISTS webhook_outbox (
    event_id        TEXT NOT NULL,
    url             TEXT NOT NULL,
    body            TEXT NOT NULL,
    event_type      TEXT NOT NULL,
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TEXT NOT NULL,
    state           TEXT NOT NULL DEFAULT 'pending',
    PRIMARY KEY (event_id, url)
);
CREATE INDEX IF NOT EXISTS webhook_outbox_due ON webhook_outbox (state, next_attempt_at);
