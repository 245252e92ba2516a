-- The event store: streams of events, one global order, snapshots.
--
-- txid is the writing transaction's id. Readers of the global order stop below the oldest
-- transaction still running (pg_snapshot_xmin), so an event whose transaction commits late
-- is never skipped: order is (txid, position), never position alone.

CREATE TABLE events (
    position       bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    txid           xid8 NOT NULL DEFAULT pg_current_xact_id(),
    stream_id      text NOT NULL,
    version        integer NOT NULL CHECK (version > 0),
    event_id       uuid NOT NULL,
    type           text NOT NULL,
    data           jsonb NOT NULL,
    schema_version integer NOT NULL,
    metadata       jsonb NOT NULL,  -- EventMetadata.to_dict(): correlation, causation, actor ...
    recorded_at    timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT events_stream_version_key UNIQUE (stream_id, version),
    CONSTRAINT events_event_id_key UNIQUE (event_id)
);

-- read_all walks this index; read_all(after=p) finds p's (txid, position) by the primary key.
CREATE INDEX events_global_order_idx ON events (txid, position);

CREATE TABLE snapshots (
    stream_id      text PRIMARY KEY,
    version        integer NOT NULL CHECK (version > 0),
    schema_version integer NOT NULL,
    state          jsonb NOT NULL,
    saved_at       timestamptz NOT NULL DEFAULT now()
);
