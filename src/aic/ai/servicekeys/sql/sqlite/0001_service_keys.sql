-- Service keys issued through ai's admin API. Only a SHA-256 of each key is kept: the key
-- itself is shown once, when it is issued. Times are UTC text, fixed width, so they sort.
CREATE TABLE IF NOT EXISTS service_keys (
    id           TEXT PRIMARY KEY,
    name         TEXT NOT NULL,
    key_hash     TEXT NOT NULL UNIQUE,
    hint         TEXT NOT NULL,
    created_at   TEXT NOT NULL,
    expires_at   TEXT,
    last_used_at TEXT,
    revoked_at   TEXT
);
CREATE INDEX IF NOT EXISTS service_keys_created ON service_keys (created_at);
