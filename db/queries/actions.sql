-- name: CreateAction :one
INSERT INTO actions (identifier, blueprint, operation, definition, created_by, updated_by)
VALUES (@identifier, sqlc.narg(blueprint), @operation, @definition, @created_by, @created_by)
RETURNING *;

-- name: UpdateAction :one
UPDATE actions
SET blueprint = sqlc.narg(blueprint), operation = @operation, definition = @definition,
    updated_by = @updated_by, updated_at = now()
WHERE identifier = @identifier
RETURNING *;

-- name: GetAction :one
SELECT * FROM actions WHERE identifier = @identifier;

-- name: LockAction :one
-- A definition about to be changed or deleted, locked until the
-- transaction ends, so the audit log's "before" is what was replaced.
SELECT * FROM actions WHERE identifier = @identifier FOR UPDATE;

-- name: ListActions :many
SELECT * FROM actions
WHERE (sqlc.narg(blueprint)::text IS NULL OR blueprint = sqlc.narg(blueprint)::text)
ORDER BY identifier;

-- name: ListActionTitles :many
-- Every action's title by identifier, for lists of runs: read from the
-- stored (normalised) definition without parsing each one.
SELECT identifier, COALESCE(definition->>'title', '')::text AS title FROM actions ORDER BY identifier;

-- name: DeleteAction :execrows
DELETE FROM actions WHERE identifier = @identifier;
