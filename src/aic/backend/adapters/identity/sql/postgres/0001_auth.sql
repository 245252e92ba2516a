-- Security state of accounts: credentials and what authentication checks on every request.
-- Password hashes live here, never in the event log, so they can be changed and erased.
CREATE TABLE IF NOT EXISTS auth_accounts (
    account_id       TEXT PRIMARY KEY,
    email            TEXT NOT NULL UNIQUE,
    password_hash    TEXT,
    roles            JSONB NOT NULL DEFAULT '[]',
    active           BOOLEAN NOT NULL,
    token_generation INTEGER NOT NULL DEFAULT 0,
    created_at       TEXT NOT NULL,
    updated_at       TEXT NOT NULL
);
-- A session is a refresh-token family: every rotation adds a token to it; presenting a
-- rotated token again revokes the whole family.
CREATE TABLE IF NOT EXISTS auth_sessions (
    session_id     TEXT PRIMARY KEY,
    account_id     TEXT NOT NULL,
    transport      TEXT NOT NULL,
    created_at     TEXT NOT NULL,
    expires_at     TEXT NOT NULL,
    revoked_at     TEXT,
    revoked_reason TEXT,
    user_agent     TEXT
);
CREATE INDEX IF NOT EXISTS auth_sessions_account ON auth_sessions (account_id);
CREATE INDEX IF NOT EXISTS auth_sessions_expiry ON auth_sessions (expires_at);
-- Refresh tokens and session cookies, stored as SHA-256 digests only.
CREATE TABLE IF NOT EXISTS auth_refresh_tokens (
    token_hash TEXT PRIMARY KEY,
    session_id TEXT NOT NULL REFERENCES auth_sessions (session_id) ON DELETE CASCADE,
    issued_at  TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    rotated_at TEXT
);
CREATE INDEX IF NOT EXISTS auth_refresh_tokens_session ON auth_refresh_tokens (session_id);
-- Invitations: one-time tokens (digests) an administrator hands to new staff.
CREATE TABLE IF NOT EXISTS auth_invitations (
    invitation_id TEXT PRIMARY KEY,
    token_hash    TEXT NOT NULL UNIQUE,
    email         TEXT NOT NULL,
    roles         JSONB NOT NULL,
    invited_by    TEXT NOT NULL,
    created_at    TEXT NOT NULL,
    expires_at    TEXT NOT NULL,
    accepted_at   TEXT,
    revoked_at    TEXT,
    account_id    TEXT
);
CREATE INDEX IF NOT EXISTS auth_invitations_email ON auth_invitations (email);
