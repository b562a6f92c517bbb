-- Crash-safe starts (issue #9). A run's workflow is started before its row
-- is written, and both the starter and the workflow's first step write the
-- row, so a row written by this version always has a workflow:
-- workflow_started says so. Rows written by older versions (row first,
-- workflow second) start false: the reconciler checks each once, marks it
-- when its workflow exists and ends it as lost when it does not.
ALTER TABLE runs
    ADD COLUMN workflow_started boolean NOT NULL DEFAULT false,
    -- Runs started with an idempotency key keep a hash of the request that
    -- started them: the same key with another request is refused.
    ADD COLUMN request_hash bytea;

CREATE INDEX runs_unconfirmed ON runs (created_at) WHERE ended_at IS NULL AND NOT workflow_started;

---- create above / drop below ----

DROP INDEX runs_unconfirmed;
ALTER TABLE runs DROP COLUMN request_hash, DROP COLUMN workflow_started;
