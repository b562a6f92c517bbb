-- name: CreateBlueprint :one
INSERT INTO blueprints (identifier, definition) VALUES (@identifier, @definition) RETURNING *;

-- name: UpdateBlueprint :one
UPDATE blueprints SET definition = @definition, updated_at = now() WHERE identifier = @identifier RETURNING *;

-- name: GetBlueprint :one
SELECT * FROM blueprints WHERE identifier = @identifier;

-- name: ListBlueprints :many
SELECT * FROM blueprints ORDER BY identifier;

-- name: DeleteBlueprint :execrows
DELETE FROM blueprints WHERE identifier = @identifier;

-- name: CountActionsOfBlueprint :one
SELECT count(*) FROM actions WHERE blueprint = @blueprint;
