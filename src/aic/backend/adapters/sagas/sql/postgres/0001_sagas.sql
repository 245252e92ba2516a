-- Durable saga timers (retry times, step watchdogs) and the saga read model.
CREATE TABLE IF NOT EXISTS saga_timers (
    saga_id TEXT PRIMARY KEY,
    due_at  TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS saga_timers_due ON saga_timers (due_at);
CREATE TABLE IF NOT EXISTS sagas (
    saga_id    TEXT PRIMARY KEY,
    saga_type  TEXT NOT NULL,
    status     TEXT NOT NULL,
    data       TEXT NOT NULL,
    steps      TEXT NOT NULL DEFAULT '[]',
    failure    TEXT,
    started_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
