-- The model registry: every version of every model, its artifact (the parameters it runs
-- with) as a blob, its evaluation metrics, and its stage. ``registered_models`` holds one
-- row per model name: the number of its latest version and the one in production, which is
-- what each process reads (one primary-key lookup) before a prediction. Writers lock that
-- row, so versions are numbered and promoted one at a time per model.
CREATE TABLE IF NOT EXISTS registered_models (
    name               TEXT PRIMARY KEY,
    latest_version     INTEGER NOT NULL,
    production_version INTEGER,
    updated_at         TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS model_versions (
    name             TEXT NOT NULL REFERENCES registered_models (name),
    version          INTEGER NOT NULL,
    kind             TEXT NOT NULL,
    stage            TEXT NOT NULL CHECK (stage IN ('staging', 'production', 'archived')),
    artifact         BYTEA NOT NULL,
    metrics          JSONB NOT NULL,
    description      TEXT NOT NULL,
    created_at       TEXT NOT NULL,
    stage_changed_at TEXT NOT NULL,
    PRIMARY KEY (name, version)
);
