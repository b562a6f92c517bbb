-- name: CreateBlueprint :one
INSERT INTO blueprints (identifier, definition) VALUES (@identifier, @definition) RETURNING *;

-- name: UpdateBlueprint :one
UPDATE blueprints SET definition = @definition, updated_at = now() WHERE identifier = @identifier RETURNING *;

-- name: GetBlueprint :one
SELECT * FROM blueprints WHERE identifier = @identifier;

-- name: LockBlueprint :one
-- A blueprint about to be changed or deleted, locked until the transaction
-- ends: writes of its entities and definitions naming it (which hold it
-- with HoldBlueprint or a foreign key) wait, so the checks made on them
-- stay true until the change commits.
SELECT * FROM blueprints WHERE identifier = @identifier FOR UPDATE;

-- name: HoldBlueprint :one
-- A blueprint a write depends on (an entity validated against its schema
-- and permissions, an action naming it), kept from changing or going away
-- until the transaction ends. Writes holding it do not wait for each other.
SELECT * FROM blueprints WHERE identifier = @identifier FOR KEY SHARE;

-- name: ListBlueprints :many
SELECT * FROM blueprints ORDER BY identifier;

-- name: DeleteBlueprint :execrows
DELETE FROM blueprints WHERE identifier = @identifier;

-- name: CountActionsOfBlueprint :one
SELECT count(*) FROM actions WHERE blueprint = @blueprint;
