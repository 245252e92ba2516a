-- The event store: streams of events, one global order, snapshots.
--
-- Writers are serialised (BEGIN IMMEDIATE), so position (the rowid) order is commit order
-- and a reader of the global order can resume from the last position it saw.

CREATE TABLE events (
    position       INTEGER PRIMARY KEY,
    stream_id      TEXT NOT NULL,
    version        INTEGER NOT NULL CHECK (version > 0),
    event_id       TEXT NOT NULL UNIQUE,
    type           TEXT NOT NULL,
    data           TEXT NOT NULL,
    schema_version INTEGER NOT NULL,
    metadata       TEXT NOT NULL,  -- JSON of EventMetadata.to_dict()
    recorded_at    TEXT NOT NULL,
    UNIQUE (stream_id, version)
);

CREATE TABLE snapshots (
    stream_id      TEXT PRIMARY KEY,
    version        INTEGER NOT NULL CHECK (version > 0),
    schema_version INTEGER NOT NULL,
    state          TEXT NOT NULL,
    saved_at       TEXT NOT NULL
);
