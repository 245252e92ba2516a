-- Read models: rows projected from events. Each projection keeps, per stream, the last
-- version it applied (exactly-once effect, in order) and, overall, how far it got.
CREATE TABLE IF NOT EXISTS projection_streams (
    projection TEXT NOT NULL,
    stream_id  TEXT NOT NULL,
    version    INTEGER NOT NULL,
    PRIMARY KEY (projection, stream_id)
);
CREATE TABLE IF NOT EXISTS projection_checkpoints (
    projection       TEXT PRIMARY KEY,
    position         BIGINT NOT NULL,
    last_recorded_at TEXT,
    updated_at       TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS leads (
    lead_id        TEXT PRIMARY KEY,
    email          TEXT NOT NULL,
    name           TEXT NOT NULL,
    company        TEXT,
    job_title      TEXT,
    company_size   INTEGER,
    phone          TEXT,
    message        TEXT NOT NULL DEFAULT '',
    source_portal  TEXT NOT NULL,
    utm_source     TEXT,
    utm_medium     TEXT,
    utm_campaign   TEXT,
    visitor_id     TEXT,
    company_domain TEXT,
    free_mail      BOOLEAN,
    disposable     BOOLEAN,
    segment        TEXT,
    status         TEXT NOT NULL,
    score          DOUBLE PRECISION,
    score_model    TEXT,
    score_reasons  JSONB NOT NULL DEFAULT '[]',
    assigned_to    TEXT,
    deal_value     DOUBLE PRECISION,
    close_reason   TEXT,
    captured_at    TEXT NOT NULL,
    updated_at     TEXT NOT NULL,
    version        INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS leads_status ON leads (status, captured_at);
CREATE INDEX IF NOT EXISTS leads_assigned ON leads (assigned_to);
CREATE INDEX IF NOT EXISTS leads_captured ON leads (captured_at);
CREATE TABLE IF NOT EXISTS lead_history (
    lead_id     TEXT NOT NULL,
    version     INTEGER NOT NULL,
    event_type  TEXT NOT NULL,
    data        JSONB NOT NULL,
    actor       TEXT,
    occurred_at TEXT NOT NULL,
    PRIMARY KEY (lead_id, version)
);
CREATE TABLE IF NOT EXISTS content_items (
    content_id        TEXT PRIMARY KEY,
    slug              TEXT NOT NULL,
    title             TEXT NOT NULL,
    summary           TEXT NOT NULL,
    body_markdown     TEXT NOT NULL,
    content_type      TEXT NOT NULL,
    portals           JSONB NOT NULL,
    segment           TEXT NOT NULL,
    tags              JSONB NOT NULL,
    status            TEXT NOT NULL,
    origin            TEXT NOT NULL,
    revision          INTEGER NOT NULL,
    live_revision     INTEGER,
    live_slug         TEXT,
    live_title        TEXT,
    live_summary      TEXT,
    live_body         TEXT,
    live_portals      JSONB,
    live_tags         JSONB,
    live_segment      TEXT,
    live_content_type TEXT,
    published_at      TEXT,
    scheduled_for     TEXT,
    author            TEXT NOT NULL,
    created_at        TEXT NOT NULL,
    updated_at        TEXT NOT NULL,
    version           INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS content_items_slug ON content_items (slug);
CREATE INDEX IF NOT EXISTS content_items_live_slug ON content_items (live_slug);
CREATE INDEX IF NOT EXISTS content_items_status ON content_items (status, updated_at);
CREATE TABLE IF NOT EXISTS content_revisions (
    content_id    TEXT NOT NULL,
    revision      INTEGER NOT NULL,
    origin        TEXT NOT NULL,
    title         TEXT NOT NULL,
    slug          TEXT NOT NULL,
    summary       TEXT NOT NULL,
    body_markdown TEXT NOT NULL,
    author        TEXT NOT NULL,
    created_at    TEXT NOT NULL,
    PRIMARY KEY (content_id, revision)
);
CREATE TABLE IF NOT EXISTS accounts (
    account_id    TEXT PRIMARY KEY,
    email         TEXT NOT NULL,
    display_name  TEXT NOT NULL,
    roles         JSONB NOT NULL,
    active        BOOLEAN NOT NULL,
    registered_at TEXT NOT NULL,
    updated_at    TEXT NOT NULL,
    version       INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS accounts_email ON accounts (email);
CREATE TABLE IF NOT EXISTS notifications (
    notification_id TEXT PRIMARY KEY,
    recipient       TEXT NOT NULL,
    kind            TEXT NOT NULL,
    title           TEXT NOT NULL,
    body            TEXT NOT NULL,
    link            TEXT,
    subject_id      TEXT,
    read_by         JSONB NOT NULL DEFAULT '[]',
    created_at      TEXT NOT NULL,
    position        BIGINT NOT NULL
);
CREATE INDEX IF NOT EXISTS notifications_recipient ON notifications (recipient, created_at);
CREATE TABLE IF NOT EXISTS checkpoints (
    name       TEXT PRIMARY KEY,
    position   BIGINT NOT NULL,
    updated_at TEXT NOT NULL
);
