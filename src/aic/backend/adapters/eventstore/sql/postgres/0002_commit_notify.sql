-- Every statement that inserts events announces it on channel `aic_events` (PostgreSQL sends
-- one notification per transaction, at its commit, and none for a rolled-back one): an outbox
-- relay in another process (`aic worker relay`) wakes at once instead of at its next poll.
CREATE FUNCTION aic_events_committed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('aic_events', '');
    RETURN NULL;
END
$$;

CREATE TRIGGER events_committed AFTER INSERT ON events
    FOR EACH STATEMENT EXECUTE FUNCTION aic_events_committed();
