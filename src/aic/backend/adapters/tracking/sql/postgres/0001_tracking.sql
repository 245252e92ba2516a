-- Tracking: an append-only log of visitor behaviour, visitor → lead links, engagement.
CREATE TABLE IF NOT EXISTS tracking_events (
    position     BIGSERIAL PRIMARY KEY,
    event_id     TEXT NOT NULL UNIQUE,
    kind         TEXT NOT NULL,
    visitor_id   TEXT NOT NULL,
    session_id   TEXT,
    portal       TEXT,
    path         TEXT,
    referrer     TEXT,
    form         TEXT,
    query        TEXT,
    utm_source   TEXT,
    utm_medium   TEXT,
    utm_campaign TEXT,
    properties   JSONB NOT NULL DEFAULT '{}',
    occurred_at  TIMESTAMPTZ NOT NULL,
    received_at  TIMESTAMPTZ NOT NULL,
    signal       TEXT,
    signal_state TEXT
);
CREATE INDEX IF NOT EXISTS tracking_events_visitor ON tracking_events (visitor_id, occurred_at);
CREATE INDEX IF NOT EXISTS tracking_events_pending_signal
    ON tracking_events (position) WHERE signal_state = 'pending';
CREATE TABLE IF NOT EXISTS visitor_links (
    visitor_id TEXT NOT NULL,
    lead_id    TEXT NOT NULL,
    linked_at  TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (visitor_id, lead_id)
);
CREATE INDEX IF NOT EXISTS visitor_links_lead ON visitor_links (lead_id);
