-- Actions (self-service definitions, kept in Port's JSON shape) and their runs.

CREATE TABLE actions (
    identifier   text PRIMARY KEY,
    blueprint    text,
    operation    text NOT NULL CHECK (operation IN ('CREATE', 'DAY-2', 'DELETE')),
    -- The normalised definition as the API returns it.
    definition   jsonb NOT NULL,
    created_by   uuid REFERENCES users (id) ON DELETE SET NULL,
    updated_by   uuid REFERENCES users (id) ON DELETE SET NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX actions_blueprint ON actions (blueprint);

-- One row per run. The workflow is the source of truth while a run is
-- active; activities keep this row current so lists and ended runs (which
-- Temporal forgets after its retention) are served from here.
CREATE TABLE runs (
    id                 uuid PRIMARY KEY,
    action_identifier  text NOT NULL,
    blueprint          text,
    entity             text,
    -- The definition the run was started with: later edits do not change it.
    definition         jsonb NOT NULL,
    inputs             jsonb NOT NULL,
    status             text NOT NULL CHECK (status IN ('WAITING_FOR_APPROVAL', 'IN_PROGRESS', 'SUCCESS', 'FAILURE', 'DECLINED', 'CANCELLED', 'EXPIRED')),
    status_label       text NOT NULL DEFAULT '',
    links              jsonb NOT NULL DEFAULT '[]',
    summary            text NOT NULL DEFAULT '',
    external_run_id    text NOT NULL DEFAULT '',
    approvals          jsonb NOT NULL DEFAULT '[]',
    requested_by       uuid NOT NULL REFERENCES users (id),
    origin             text NOT NULL CHECK (origin IN ('UI', 'API', 'AUTOMATION')),
    -- Backends may authenticate status and log calls with this per-run token (hashed).
    token_hash         bytea NOT NULL UNIQUE,
    log_count          bigint NOT NULL DEFAULT 0,
    -- Ordering of concurrent row updates: an older state never overwrites a newer one.
    version            bigint NOT NULL DEFAULT 0,
    created_at         timestamptz NOT NULL DEFAULT now(),
    updated_at         timestamptz NOT NULL DEFAULT now(),
    ended_at           timestamptz
);
CREATE INDEX runs_created ON runs (created_at DESC, id DESC);
CREATE INDEX runs_action ON runs (action_identifier, created_at DESC);
CREATE INDEX runs_requested_by ON runs (requested_by, created_at DESC);
CREATE INDEX runs_active ON runs (created_at DESC) WHERE ended_at IS NULL;
CREATE INDEX runs_entity ON runs (entity, created_at DESC) WHERE entity IS NOT NULL;

CREATE TABLE run_logs (
    run_id      uuid NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
    seq         bigint NOT NULL,
    message     text NOT NULL,
    created_at  timestamptz NOT NULL,
    PRIMARY KEY (run_id, seq)
);

---- create above / drop below ----

DROP TABLE run_logs;
DROP TABLE runs;
DROP TABLE actions;
