-- Outgoing webhook delivery log: every attempt, and whether it went through.
CREATE TABLE IF NOT EXISTS webhook_deliveries (
    event_id    TEXT NOT NULL,
    url         TEXT NOT NULL,
    attempt     INTEGER NOT NULL,
    status_code INTEGER,
    error       TEXT,
    delivered   BOOLEAN NOT NULL,
    at          TEXT NOT NULL,
    PRIMARY KEY (event_id, url, attempt)
);
CREATE INDEX IF NOT EXISTS webhook_deliveries_done ON webhook_deliveries (event_id, url, delivered);
