-- The audit log: one row per change or decision, append-only.

CREATE TABLE audit_events (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at            timestamptz NOT NULL DEFAULT now(),
    actor_id      uuid,
    -- The actor's email, "run:<id>" for a backend's run token, or "slipway" for automation.
    actor         text NOT NULL,
    verb          text NOT NULL,
    resource_type text NOT NULL,
    resource_id   text NOT NULL,
    run_id        uuid,
    before        jsonb,
    after         jsonb,
    origin        text NOT NULL CHECK (origin IN ('UI', 'API', 'AUTOMATION'))
);

CREATE INDEX audit_events_resource ON audit_events (resource_type, resource_id, id DESC);
CREATE INDEX audit_events_actor ON audit_events (actor, id DESC);
CREATE INDEX audit_events_run ON audit_events (run_id, id DESC) WHERE run_id IS NOT NULL;
CREATE INDEX audit_events_at ON audit_events (at);

-- Nothing may change or remove an audit row, whatever the product's code does.
CREATE FUNCTION audit_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit events are append-only' USING ERRCODE = 'insufficient_privilege';
END;
$$;

CREATE TRIGGER audit_events_no_update BEFORE UPDATE OR DELETE ON audit_events
    FOR EACH ROW EXECUTE FUNCTION audit_events_append_only();
CREATE TRIGGER audit_events_no_truncate BEFORE TRUNCATE ON audit_events
    FOR EACH STATEMENT EXECUTE FUNCTION audit_events_append_only();

---- create above / drop below ----

DROP TABLE audit_events;
DROP FUNCTION audit_events_append_only();
