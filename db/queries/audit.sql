-- name: InsertAuditEvent :one
INSERT INTO audit_events (actor_id, actor, verb, resource_type, resource_id, run_id, before, after, origin)
VALUES (sqlc.narg(actor_id), @actor, @verb, @resource_type, @resource_id, sqlc.narg(run_id), sqlc.narg(before), sqlc.narg(after), @origin)
RETURNING id, at;

-- name: ListAuditEvents :many
-- Newest first, keyset on id.
SELECT * FROM audit_events
WHERE (sqlc.narg(resource_type)::text IS NULL OR resource_type = sqlc.narg(resource_type)::text)
  AND (sqlc.narg(resource_id)::text IS NULL OR resource_id = sqlc.narg(resource_id)::text)
  AND (sqlc.narg(actor)::text IS NULL OR actor = sqlc.narg(actor)::text)
  AND (sqlc.narg(run_id)::uuid IS NULL OR run_id = sqlc.narg(run_id)::uuid)
  AND (sqlc.narg(since)::timestamptz IS NULL OR at >= sqlc.narg(since)::timestamptz)
  AND (sqlc.narg(until)::timestamptz IS NULL OR at < sqlc.narg(until)::timestamptz)
  AND (sqlc.narg(before_id)::bigint IS NULL OR id < sqlc.narg(before_id)::bigint)
ORDER BY id DESC
LIMIT @page_size;
