-- Vector collections and their points. Every write to a collection takes the next number of
-- its ``version`` under the collection row's lock and stamps it on the rows it touches
-- (``seq``): versions become visible in order, so a process that has applied everything up
-- to version V catches up by reading the rows with seq > V and never skips a late commit.
-- A deleted point stays as a tombstone (vector NULL) so that the others learn of it, until
-- it is purged; a process behind ``purged_through`` reloads the collection. ``incarnation``
-- tells a collection from an earlier one of the same name that was dropped.
CREATE TABLE IF NOT EXISTS vector_collections (
    name           TEXT PRIMARY KEY,
    dimensions     INTEGER NOT NULL,
    distance       TEXT NOT NULL,
    incarnation    TEXT NOT NULL,
    version        BIGINT NOT NULL DEFAULT 0,
    purged_through BIGINT NOT NULL DEFAULT 0,
    point_count    BIGINT NOT NULL DEFAULT 0,
    created_at     TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS vector_points (
    collection TEXT NOT NULL REFERENCES vector_collections (name) ON DELETE CASCADE,
    id         TEXT NOT NULL,
    seq        BIGINT NOT NULL,
    vector     BYTEA,
    payload    JSONB,
    PRIMARY KEY (collection, id)
);
CREATE INDEX IF NOT EXISTS vector_points_by_seq ON vector_points (collection, seq);
