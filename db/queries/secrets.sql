-- name: PutSecret :one
-- Creates or replaces a secret's sealed value.
INSERT INTO secrets (name, sealed, updated_by)
VALUES (@name, @sealed, @updated_by)
ON CONFLICT (name) DO UPDATE
SET sealed = excluded.sealed, updated_by = excluded.updated_by, updated_at = now()
RETURNING created_at, updated_at;

-- name: ListSecrets :many
-- Names, who set them and when, and the id of the key that sealed each
-- (for key rotation): never the sealed values.
SELECT s.name, s.created_at, s.updated_at, coalesce(u.email, '')::text AS updated_by_email,
       split_part(s.sealed, ':', 4)::text AS key_id
FROM secrets s
LEFT JOIN users u ON u.id = s.updated_by
ORDER BY s.name;

-- name: LockSecret :one
-- A secret about to be deleted, locked until the transaction ends: a
-- definition naming it holds it (HoldSecrets) until it commits.
SELECT name FROM secrets WHERE name = @name FOR UPDATE;

-- name: DeleteSecret :execrows
DELETE FROM secrets WHERE name = @name;

-- name: HoldSecrets :many
-- The named secrets that exist, held against deletion until the
-- transaction that saves a definition naming them commits.
SELECT name FROM secrets WHERE name = ANY(@names::text[]) FOR KEY SHARE;

-- name: SealedSecrets :many
-- The sealed values a backend call needs, opened by the worker.
SELECT name, sealed FROM secrets WHERE name = ANY(@names::text[]);

-- name: ActionsMentioning :many
-- Definitions whose text mentions needle: the candidates that may name a
-- secret, checked precisely by the caller.
SELECT identifier, definition FROM actions WHERE strpos(definition::text, @needle::text) > 0 ORDER BY identifier;
