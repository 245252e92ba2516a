-- Only the event store's writer connections append events. Readers of the global order wait
-- for the running transactions of connections whose application_name is aic-event-writer
-- and for no others (PostgresEventStore), so an insert from any other connection could
-- commit below a reader's checkpoint and be skipped: it is refused instead. One check per
-- statement (a whole group-commit batch), not per row.

CREATE FUNCTION events_appended_by_writers_only() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF current_setting('application_name') IS DISTINCT FROM 'aic-event-writer' THEN
        RAISE EXCEPTION 'events are appended only by the event store''s writer connections'
            USING ERRCODE = 'insufficient_privilege',
                  HINT = 'append through PostgresEventStore, or connect with '
                         'application_name=aic-event-writer and keep each append to one '
                         'short transaction: readers of the global order wait for it';
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER events_appended_by_writers_only
    BEFORE INSERT ON events
    FOR EACH STATEMENT EXECUTE FUNCTION events_appended_by_writers_only();
