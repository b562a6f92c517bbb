-- name: CreateRun :one
-- Writes a run's first row. The starter and the run's workflow both write
-- it (whichever comes first; see selfservice.InsertRun), so a second write
-- of the same id does nothing and returns no row.
INSERT INTO runs (id, action_identifier, blueprint, entity, definition, inputs, status, requested_by, origin, token_hash,
                  visible_to_all, approvers, stage_approvers, created_at, updated_at, workflow_started, request_hash)
VALUES (@id, @action_identifier, sqlc.narg(blueprint), sqlc.narg(entity), @definition, @inputs, @status, @requested_by, @origin, @token_hash,
        @visible_to_all, @approvers::text[], @stage_approvers::text[], COALESCE(sqlc.narg(created_at)::timestamptz, now()),
        COALESCE(sqlc.narg(created_at)::timestamptz, now()), @workflow_started, sqlc.narg(request_hash))
-- No conflict target: the id and the token hash are both unique, and when
-- the two writers race, either can be the one that conflicts (a target of
-- id alone let the token hash's unique violation through). Both conflicts
-- mean this run: token hashes of 256 random bits do not collide.
ON CONFLICT DO NOTHING
RETURNING *;

-- name: SaveRunState :many
-- Writes the workflow's view of the run; version guards against an older
-- activity attempt overwriting a newer state. No row: a newer state is
-- there already. The row tells what the run's metrics are labelled with.
UPDATE runs
SET status = @status, status_label = @status_label, links = @links, summary = @summary,
    external_run_id = @external_run_id, approvals = @approvals, log_count = @log_count,
    stage = @stage, stage_approvers = @stage_approvers::text[],
    version = @version, updated_at = now(), ended_at = sqlc.narg(ended_at)
WHERE id = @id AND version < @version
RETURNING action_identifier, created_at;

-- name: GetRun :one
SELECT * FROM runs WHERE id = @id;

-- name: GetRunByTokenHash :one
SELECT * FROM runs WHERE token_hash = @token_hash;

-- name: ListRuns :many
-- Keyset pagination on (created_at, id), newest first. Each run comes with
-- its requester's email, so a page of runs is one query.
SELECT sqlc.embed(runs), COALESCE(users.email, '')::text AS requester_email
FROM runs LEFT JOIN users ON users.id = runs.requested_by
WHERE (sqlc.narg(action)::text IS NULL OR runs.action_identifier = sqlc.narg(action)::text)
  AND (sqlc.narg(status)::text IS NULL OR runs.status = sqlc.narg(status)::text)
  AND (sqlc.narg(requested_by)::uuid IS NULL OR runs.requested_by = sqlc.narg(requested_by)::uuid)
  -- An entity's runs: those that ran on it and those that wrote it (the run
  -- that created it among them); the blueprint narrows the written ones.
  AND (sqlc.narg(entity)::text IS NULL OR runs.entity = sqlc.narg(entity)::text
       OR EXISTS (SELECT 1 FROM run_entities
                  WHERE run_entities.run_id = runs.id AND run_entities.identifier = sqlc.narg(entity)::text
                    AND (sqlc.narg(entity_blueprint)::text IS NULL OR run_entities.blueprint = sqlc.narg(entity_blueprint)::text)))
  AND (NOT @active_only::boolean OR runs.ended_at IS NULL)
  AND (sqlc.narg(approver)::text IS NULL OR sqlc.narg(approver)::text = ANY (runs.approvers))
  -- Runs hidden from everyone else show to their requester and approvers;
  -- a null viewer (admins) sees every run.
  AND (sqlc.narg(viewer_id)::uuid IS NULL OR runs.visible_to_all
       OR runs.requested_by = sqlc.narg(viewer_id)::uuid OR sqlc.narg(viewer_email)::text = ANY (runs.approvers))
  AND (sqlc.narg(before_time)::timestamptz IS NULL
       OR (runs.created_at, runs.id) < (sqlc.narg(before_time)::timestamptz, sqlc.narg(before_id)::uuid))
ORDER BY runs.created_at DESC, runs.id DESC
LIMIT @page_size;

-- name: SetRunLogCount :exec
UPDATE runs SET log_count = GREATEST(log_count, @log_count), updated_at = now() WHERE id = @id;

-- name: RunExists :one
-- Whether a run's row is written: a workflow's own write of its row (which
-- its starter writes first, nearly always) then costs one read.
SELECT EXISTS (SELECT 1 FROM runs WHERE id = @id);

-- name: ListRunsToReconcile :many
-- Rows not ended whose workflow no one has seen (written by versions that
-- wrote the row before starting the workflow), older than a grace period.
SELECT id, created_at FROM runs
WHERE ended_at IS NULL AND NOT workflow_started AND created_at < @created_before
ORDER BY created_at
LIMIT @max_rows;

-- name: MarkRunWorkflowStarted :exec
UPDATE runs SET workflow_started = true WHERE id = @id;

-- name: EndRunWithoutWorkflow :one
-- Ends a row whose workflow does not exist (it never started, or Temporal
-- lost it): no workflow will ever write it, so this is its last state. The
-- version (selfservice.finalVersion) is above any a workflow writes.
UPDATE runs
SET status = @status, status_label = @status_label, version = @final_version, updated_at = now(), ended_at = now()
WHERE id = @id AND ended_at IS NULL
RETURNING *;
