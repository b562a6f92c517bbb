-- name: UpsertEntity :one
INSERT INTO entities (blueprint, identifier, title, icon, team, properties, relations, created_by, updated_by)
VALUES (@blueprint, @identifier, @title, @icon, sqlc.narg(team), @properties, @relations, @actor, @actor)
ON CONFLICT (blueprint, identifier) DO UPDATE
SET title = EXCLUDED.title, icon = EXCLUDED.icon, team = EXCLUDED.team, properties = EXCLUDED.properties,
    relations = EXCLUDED.relations, updated_by = EXCLUDED.updated_by, updated_at = now()
RETURNING *;

-- name: InsertEntity :one
-- Registers a new entity; no row when it exists (registered meanwhile).
INSERT INTO entities (blueprint, identifier, title, icon, team, properties, relations, created_by, updated_by)
VALUES (@blueprint, @identifier, @title, @icon, sqlc.narg(team), @properties, @relations, @actor, @actor)
ON CONFLICT (blueprint, identifier) DO NOTHING
RETURNING *;

-- name: LockEntity :one
-- An entity about to be written, locked until the transaction ends, so
-- that the write is authorised on what it replaces.
SELECT * FROM entities WHERE blueprint = @blueprint AND identifier = @identifier FOR UPDATE;

-- name: GetEntity :one
SELECT * FROM entities WHERE blueprint = @blueprint AND identifier = @identifier;

-- name: EntitiesExist :many
-- Which of the identifiers exist in the blueprint (relation targets).
SELECT identifier FROM entities WHERE blueprint = @blueprint AND identifier = ANY(@identifiers::text[]);

-- name: DeleteEntity :execrows
DELETE FROM entities WHERE blueprint = @blueprint AND identifier = @identifier;

-- name: CountEntities :one
SELECT count(*) FROM entities WHERE blueprint = @blueprint;

-- name: ListAllEntitiesOfBlueprint :many
-- For schema changes: every entity is checked against the new schema.
SELECT * FROM entities WHERE blueprint = @blueprint ORDER BY identifier;

-- name: ListEntities :many
-- Filters are optional (NULL: not applied); keyset pagination on identifier.
-- Connections use custom plans, so unused filters fold away and the
-- indexes serve the ones in use.
SELECT * FROM entities
WHERE blueprint = @blueprint
  AND (sqlc.narg(properties)::jsonb IS NULL OR properties @> sqlc.narg(properties)::jsonb)
  AND (sqlc.narg(relations)::jsonb IS NULL OR relations @> sqlc.narg(relations)::jsonb)
  AND (sqlc.narg(team)::text IS NULL OR team = sqlc.narg(team)::text)
  -- The search is matched literally: its LIKE wildcards (% and _) and the
  -- escape character are escaped, so the trigram index still serves it.
  AND (sqlc.narg(search)::text IS NULL OR (identifier || ' ' || title) ILIKE
        '%' || replace(replace(replace(sqlc.narg(search)::text, '\', '\\'), '%', '\%'), '_', '\_') || '%')
  AND (sqlc.narg(range_key)::text IS NULL OR (
        jsonb_typeof(properties -> sqlc.narg(range_key)::text) = 'number'
        AND (sqlc.narg(range_min)::float8 IS NULL OR (properties ->> sqlc.narg(range_key)::text)::float8 >= sqlc.narg(range_min)::float8)
        AND (sqlc.narg(range_max)::float8 IS NULL OR (properties ->> sqlc.narg(range_key)::text)::float8 <= sqlc.narg(range_max)::float8)))
  AND (sqlc.narg(after)::text IS NULL OR identifier > sqlc.narg(after)::text)
ORDER BY identifier
LIMIT @page_size;

-- name: CopyEntities :copyfrom
-- Bulk load (imports and benchmarks); rows are not validated here.
INSERT INTO entities (blueprint, identifier, title, properties, relations) VALUES (@blueprint, @identifier, @title, @properties, @relations);

-- name: MarkEntityExpired :one
-- The first expiry's time is kept, so a retried expiry is recognised as the same one.
UPDATE entities SET expired_at = COALESCE(expired_at, now()) WHERE blueprint = @blueprint AND identifier = @identifier RETURNING *;

-- name: ClearEntityExpiry :exec
-- A timer moved into the future makes the entity live again; its next
-- expiry is a new one.
UPDATE entities SET expired_at = NULL WHERE blueprint = @blueprint AND identifier = @identifier AND expired_at IS NOT NULL;
