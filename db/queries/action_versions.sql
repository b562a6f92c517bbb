-- name: InsertActionVersion :one
-- The next version of an action's definition. The caller holds the
-- action's row (created or locked in the same transaction), so two saves
-- never take the same number.
INSERT INTO action_versions (action_identifier, version, definition, saved_by)
SELECT @action_identifier, coalesce(max(version), 0) + 1, @definition, @saved_by
FROM action_versions WHERE action_identifier = @action_identifier
RETURNING version;

-- name: ListActionVersions :many
-- An action's versions, newest first, with who saved each.
SELECT v.version, v.saved_at, coalesce(u.email, '') AS saved_by_email, coalesce(u.name, '') AS saved_by_name
FROM action_versions v LEFT JOIN users u ON u.id = v.saved_by
WHERE v.action_identifier = @action_identifier
ORDER BY v.version DESC
LIMIT @max_rows;

-- name: GetActionVersion :one
SELECT * FROM action_versions WHERE action_identifier = @action_identifier AND version = @version;

-- name: ListDeletedActions :many
-- Actions deleted since their last save: each one's newest version, to
-- restore.
SELECT DISTINCT ON (v.action_identifier) v.action_identifier, v.version, v.saved_at, coalesce(u.email, '') AS saved_by_email
FROM action_versions v LEFT JOIN users u ON u.id = v.saved_by
WHERE NOT EXISTS (SELECT 1 FROM actions a WHERE a.identifier = v.action_identifier)
ORDER BY v.action_identifier, v.version DESC
LIMIT @max_rows;
